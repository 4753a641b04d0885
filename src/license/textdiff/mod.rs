//! Comparing two versions of a license text: the texts are re-flowed into
//! sentences (so that re-wrapping is no change), diffed sentence by
//! sentence with word-level highlights inside changed sentences, and read
//! for what changed in substance: numbers, quoted strings, names, URLs,
//! sentences added and removed.

mod segment;
mod substance;

pub use segment::segments;
pub use substance::Substance;

use anstyle::{AnsiColor, Color, Style};
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff as Similar};
use std::time::Duration;

/// Work on one pair of texts stops after this and falls back to a coarser
/// diff, so that no input can hang a command.
const DEADLINE: Duration = Duration::from_secs(2);

/// How two license texts compare.
pub enum Comparison {
    /// The same bytes.
    Identical,
    /// Other bytes, the same normalised text: white space, line ends or a
    /// byte-order mark only.
    FormatOnly,
    /// The normalised texts differ.
    Changed(TextDiff),
}

/// Compares two license texts.
pub fn compare(old: &[u8], new: &[u8]) -> Comparison {
    if old == new {
        return Comparison::Identical;
    }
    let (a, b) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let (sa, sb) = (segments(&a), segments(&b));
    if sa.join(" ") == sb.join(" ") {
        return Comparison::FormatOnly;
    }
    Comparison::Changed(TextDiff::new(sa, sb))
}

/// The difference between two texts that differ after normalisation.
pub struct TextDiff {
    old: String,
    new: String,
}

impl TextDiff {
    fn new(old: Vec<String>, new: Vec<String>) -> TextDiff {
        let join = |s: Vec<String>| {
            let mut t = s.join("\n");
            if !t.is_empty() {
                t.push('\n');
            }
            t
        };
        TextDiff {
            old: join(old),
            new: join(new),
        }
    }

    fn diff(&self) -> Similar<'_, '_, '_, str> {
        Similar::configure()
            .algorithm(Algorithm::Patience)
            .timeout(DEADLINE)
            .diff_lines(&self.old, &self.new)
    }

    /// A unified diff, one sentence a line, with the changed words marked:
    /// in colour (red deletions, green insertions, changed words in bold
    /// reverse video), or as `[-old-]` and `{+new+}` without.
    pub fn unified(&self, old_label: &str, new_label: &str, context: usize, color: bool) -> String {
        let diff = self.diff();
        let mut out = format!("--- {old_label}\n+++ {new_label}\n");
        for group in diff.grouped_ops(context) {
            out.push_str(&hunk_header(&group));
            for op in &group {
                for change in diff.iter_inline_changes(op) {
                    let (sign, hue, open, close) = match change.tag() {
                        ChangeTag::Equal => (' ', None, "", ""),
                        ChangeTag::Delete => ('-', Some(AnsiColor::Red), "[-", "-]"),
                        ChangeTag::Insert => ('+', Some(AnsiColor::Green), "{+", "+}"),
                    };
                    let line_style = Style::new().fg_color(hue.map(Color::Ansi));
                    // the changed words: bold and inverted, in the line's colour
                    let word_style = line_style.bold().invert();
                    let mut line = String::new();
                    for (emphasized, text) in change.iter_strings_lossy() {
                        let text = text.trim_end_matches('\n');
                        match (emphasized, color) {
                            (true, true) => line
                                .push_str(&format!("{word_style}{text}{word_style:#}{line_style}")),
                            (true, false) => line.push_str(&format!("{open}{text}{close}")),
                            (false, _) => line.push_str(text),
                        }
                    }
                    if color && hue.is_some() {
                        out.push_str(&format!("{line_style}{sign}{line}{line_style:#}\n"));
                    } else {
                        out.push_str(&format!("{sign}{line}\n"));
                    }
                }
            }
        }
        out
    }

    /// The diff as data: hunks of lines, each with its changed words.
    pub fn hunks_json(&self, context: usize) -> serde_json::Value {
        let diff = self.diff();
        let hunks: Vec<serde_json::Value> = diff
            .grouped_ops(context)
            .iter()
            .map(|group| {
                let (o, n) = ranges(group);
                let mut lines = Vec::new();
                for op in group {
                    for change in diff.iter_inline_changes(op) {
                        let tag = match change.tag() {
                            ChangeTag::Equal => "equal",
                            ChangeTag::Delete => "delete",
                            ChangeTag::Insert => "insert",
                        };
                        let parts: Vec<serde_json::Value> = change
                            .iter_strings_lossy()
                            .map(|(e, t)| serde_json::json!({"emphasized": e, "text": t.trim_end_matches('\n')}))
                            .collect();
                        let text: String = change
                            .iter_strings_lossy()
                            .map(|(_, t)| t.into_owned())
                            .collect();
                        lines.push(serde_json::json!({"tag": tag, "text": text.trim_end_matches('\n'), "changes": parts}));
                    }
                }
                serde_json::json!({
                    "old-start": o.start + 1, "old-lines": o.len(),
                    "new-start": n.start + 1, "new-lines": n.len(),
                    "lines": lines,
                })
            })
            .collect();
        serde_json::Value::Array(hunks)
    }

    /// What changed in substance, in document order, each change once.
    pub fn substance(&self) -> Vec<Substance> {
        let diff = self.diff();
        let old: Vec<&str> = self.old.lines().collect();
        let new: Vec<&str> = self.new.lines().collect();
        substance::collect(&old, &new, diff.ops())
    }
}

fn ranges(group: &[DiffOp]) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let first = group
        .first()
        .map(|o| (o.old_range().start, o.new_range().start));
    let last = group.last().map(|o| (o.old_range().end, o.new_range().end));
    match (first, last) {
        (Some((os, ns)), Some((oe, ne))) => (os..oe, ns..ne),
        _ => (0..0, 0..0),
    }
}

fn hunk_header(group: &[DiffOp]) -> String {
    let (o, n) = ranges(group);
    // an empty side starts at line 0, as in GNU diff
    let start = |r: &std::ops::Range<usize>| if r.is_empty() { r.start } else { r.start + 1 };
    format!(
        "@@ -{},{} +{},{} @@\n",
        start(&o),
        o.len(),
        start(&n),
        n.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(a: &str, b: &str) -> TextDiff {
        match compare(a.as_bytes(), b.as_bytes()) {
            Comparison::Changed(d) => d,
            _ => panic!("expected a change"),
        }
    }

    fn summary(a: &str, b: &str) -> Vec<String> {
        changed(a, b)
            .substance()
            .iter()
            .map(Substance::describe)
            .collect()
    }

    #[test]
    fn segments_are_sentences_and_add_up_to_the_normalised_text() {
        let text = "# Terms\n\n1. Grant. You may use it, e.g. for research;\nyou must credit Example Corp. in the docs.\n(a) Sub-item with No. 5 inside. Next sentence here.\n- a bullet\r\n";
        let s = segments(text);
        assert_eq!(
            s,
            [
                "# Terms",
                "1. Grant.",
                "You may use it, e.g. for research;",
                "you must credit Example Corp. in the docs.",
                "(a) Sub-item with No. 5 inside.",
                "Next sentence here.",
                "- a bullet",
            ]
        );
        assert_eq!(s.join(" "), crate::license::normalise(text.as_bytes()));
    }

    #[test]
    fn identical_format_only_and_changed() {
        assert!(matches!(compare(b"a b", b"a b"), Comparison::Identical));
        assert!(matches!(
            compare(b"\xEF\xBB\xBFa\r\nb\n", b"a b"),
            Comparison::FormatOnly
        ));
        assert!(matches!(compare(b"a b", b"a c"), Comparison::Changed(_)));
    }

    #[test]
    fn numbers_quotes_names_and_urls() {
        let a = "If users exceed 700 million monthly active users, ask. Display \"Built with Example 3\" on your site. See https://example.com/v3/policy. This is Example 3 by Example Corp.";
        let b = "If users exceed 100 million monthly active users, ask. Display \"Built with Example\" on your site. See https://example.com/v3_1/policy. This is Example 3.1 by Example Corp.";
        let s = summary(a, b);
        assert_eq!(
            s,
            [
                // a threshold first, a URL last
                "'700 million' → '100 million'",
                "'Built with Example 3' → 'Built with Example'",
                "'Example 3' → 'Example 3.1'",
                "URL https://example.com/v3/policy → https://example.com/v3_1/policy",
            ]
        );
    }

    #[test]
    fn sentences_added_removed_and_reworded() {
        let a = "Use it well. You must not misuse it. Old clause goes away entirely now.";
        let b =
            "Use it well. You may not misuse it. A new clause about the European Union arrives.";
        let s = summary(a, b);
        assert_eq!(
            s,
            [
                // an obligation loosened weighs most
                "reworded 'You must not misuse it.' → 'You may not misuse it.'",
                "removed 'Old clause goes away entirely now.'",
                "added 'A new clause about the European Union arrives.'",
            ]
        );
        let long = format!(
            "Start. {}",
            (0..40)
                .map(|i| format!("W{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let s = summary("Start.", &long);
        assert_eq!(
            s,
            ["added 'W0 W1 W2 W3 W4 W5 W6 W7 W8 W9 W10 W11 … W32 W33 W34 W35 W36 W37 W38 W39'"]
        );
    }

    #[test]
    fn dates_and_repeated_changes_once() {
        let a = "Released on March 1, 2026. Example 3 is good. Example 3 is fast.";
        let b = "Released on July 1, 2026. Example 3.1 is good. Example 3.1 is fast.";
        assert_eq!(
            summary(a, b),
            [
                "'Example 3' → 'Example 3.1'",
                // dates last
                "'March 1, 2026' → 'July 1, 2026'",
            ]
        );
    }

    /// A CC BY-NC-ND text that became CC BY-NC, re-formatted on the way
    /// (another copy, its headings re-cased, its URLs changed): what the
    /// NoDerivatives term said leads the summary, not the URLs and
    /// headings (the real texts of fixtures/licenses/known).
    #[test]
    fn what_the_terms_permit_leads_the_summary() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/licenses/known");
        let nd =
            std::fs::read(dir.join("cc-by-nc-nd-4.0.ml-cubifyanything.LICENSE_DATA.txt")).unwrap();
        let nc = std::fs::read(dir.join("cc-by-nc-4.0.spdx.txt")).unwrap();
        let Comparison::Changed(d) = compare(&nd, &nc) else {
            panic!("the texts differ");
        };
        let s: Vec<String> = d.substance().iter().map(Substance::describe).collect();
        assert!(s.len() > 3, "{s:#?}");
        let first: Vec<&String> = s.iter().take(5).collect();
        assert!(
            first.iter().any(|l| l.contains("NoDerivatives")
                || l.contains("Adapted Material")
                || l.contains("NonCommercial-NoDerivatives")),
            "{s:#?}"
        );
        // what only changed case or a URL comes after every change of terms
        let last_operative = s
            .iter()
            .rposition(|l| !l.contains("URL") && !l.starts_with("… and"));
        let first_url = s.iter().position(|l| l.contains("URL"));
        if let (Some(u), Some(o)) = (first_url, last_operative) {
            assert!(u > 0 && (u >= 3 || o < u), "{s:#?}");
        }
    }

    #[test]
    fn unified_marks_changed_words() {
        let d = changed(
            "One. Two is 700 here. Three.",
            "One. Two is 100 here. Three.",
        );
        assert_eq!(
            d.unified("a", "b", 1, false),
            "--- a\n+++ b\n@@ -1,3 +1,3 @@\n One.\n-Two is [-700-] here.\n+Two is {+100+} here.\n Three.\n"
        );
        let j = d.hunks_json(0);
        assert_eq!(j[0]["old-start"], 2);
        assert_eq!(j[0]["lines"][0]["tag"], "delete");
        assert_eq!(j[0]["lines"][0]["changes"][1]["emphasized"], true);
        // the changed number, bold and inverted in red
        assert!(d
            .unified("a", "b", 1, true)
            .contains("\x1b[1m\x1b[7m\x1b[31m700"));
    }

    #[test]
    fn nothing_that_reads_the_same_is_a_change() {
        // only the punctuation after a name changed
        let d = changed(
            "You must comply with the Acceptable Use Policy (the Use Policy), which is hereby incorporated.",
            "You must comply with the Acceptable Use Policy (the _Use Policy_), which is hereby incorporated.",
        );
        let items: Vec<String> = d.substance().iter().map(Substance::describe).collect();
        assert!(
            items
                .iter()
                .all(|i| !i.contains("'Use Policy' → 'Use Policy'")),
            "{items:?}"
        );
    }

    #[test]
    fn large_inputs_finish() {
        let a: String = (0..60_000)
            .map(|i| format!("word{} ", i * 7 % 1013))
            .collect();
        let b: String = (0..60_000)
            .map(|i| format!("word{} ", i * 11 % 1009))
            .collect();
        let d = changed(&a, &b);
        assert!(d.substance().len() <= substance::MAX_ITEMS);
    }
}
