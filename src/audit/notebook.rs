//! Jupyter notebooks: the code cells are scanned as Python (a call may span
//! lines of a cell), markdown cells too but only as guesses, outputs never.
//! Each hit is mapped back to its place in the `.ipynb` file, so that the
//! report points at the line of the notebook's JSON that holds it.

use super::recognise::{self, FileKind, Hit};
use serde_json::Value;

/// One JSON string of a cell's `source` and where its content starts in
/// the cell's text.
struct Piece {
    text: String,
    cell_offset: usize,
    /// Where the string's opening quote is in the file, if found.
    raw_quote: Option<usize>,
}

/// Where cell-text offset `at` (inside `piece`) is in the file.
fn raw_offset(piece: &Piece, at: usize) -> Option<usize> {
    let quote = piece.raw_quote?;
    let within = at.checked_sub(piece.cell_offset)?;
    let prefix = piece.text.get(..within)?;
    let encoded = serde_json::to_string(prefix).ok()?;
    // the encoding has its own quotes: `"prefix"` → opening quote + len - 2
    Some(quote + 1 + encoded.len() - 2)
}

/// The hits in a notebook's cells; `None` when the text is not a notebook
/// (not JSON, or no `cells` list): the caller scans it as text then.
pub fn scan(raw: &str) -> Option<Vec<Hit>> {
    scan_counted(raw).map(|(hits, _)| hits)
}

/// [`scan`], and how many candidates the caps left out (at most
/// [`recognise::MAX_PER_FILE`] in the whole notebook).
pub fn scan_counted(raw: &str) -> Option<(Vec<Hit>, usize)> {
    let doc = serde_json::from_str::<Value>(raw).ok()?;
    let cells = doc.get("cells").and_then(Value::as_array)?;
    let mut cursor = 0usize;
    let mut out = Vec::new();
    let mut dropped = 0usize;
    for cell in cells {
        let kind = cell.get("cell_type").and_then(Value::as_str).unwrap_or("");
        if kind != "code" && kind != "markdown" {
            continue;
        }
        let strings: Vec<String> = match cell.get("source") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => continue,
        };
        let mut text = String::new();
        let mut pieces = Vec::new();
        for s in strings {
            let encoded = serde_json::to_string(&s).unwrap_or_default();
            // looked for just ahead (a string the file escapes otherwise is
            // not mapped back, rather than searched for to the end each time)
            let window = (cursor + encoded.len() + (64 << 10)).min(raw.len());
            let raw_quote = raw
                .get(cursor..window)
                .and_then(|r| r.find(&encoded))
                .map(|i| cursor + i);
            if let Some(q) = raw_quote {
                cursor = q + encoded.len();
            }
            pieces.push(Piece {
                cell_offset: text.len(),
                text: s.clone(),
                raw_quote,
            });
            text.push_str(&s);
        }
        if out.len() >= recognise::MAX_PER_FILE {
            dropped += 1;
            continue;
        }
        let (hits, left_out) = recognise::scan_counted(&text, FileKind::Python);
        dropped += left_out;
        for h in hits {
            if out.len() >= recognise::MAX_PER_FILE {
                dropped += 1;
                continue;
            }
            let at = pieces.partition_point(|p| p.cell_offset <= h.start);
            let Some(piece) = at.checked_sub(1).and_then(|i| pieces.get(i)) else {
                continue;
            };
            let (Some(start), Some(end)) = (raw_offset(piece, h.start), raw_offset(piece, h.end))
            else {
                continue;
            };
            out.push(Hit {
                start,
                end,
                documented: h.documented || kind == "markdown",
                ..h
            });
        }
    }
    Some((out, dropped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::ModelRef;

    #[test]
    fn cells_map_back_to_the_file() {
        let nb = r#"{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": ["We fine-tune \"org/base-model\" here.\n"]
  },
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["from_pretrained(\"org/in-output\")\n"]}],
   "source": [
    "from transformers import AutoModel\n",
    "m = AutoModel.from_pretrained(\n",
    "    \"meta-llama/Llama-3.2-1B\")"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}"#;
        let hits = scan(nb).unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(&nb[hits[0].start..hits[0].end], "meta-llama/Llama-3.2-1B");
        assert_eq!(
            hits[0].reference,
            ModelRef::Hf {
                repo: "meta-llama/Llama-3.2-1B".into(),
                revision: None
            }
        );
    }
}
