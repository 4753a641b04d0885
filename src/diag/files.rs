//! The source files diagnostics point into, with line/column lookup.

use std::sync::Arc;

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(usize);

struct SourceFile {
    name: String,
    text: Arc<str>,
    /// The byte offset of every line's start: the renderer's line index.
    line_starts: Arc<[usize]>,
}

/// Registry of the files (models.toml, models.lock) that labels refer to.
#[derive(Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file under the name shown to users (the path as given).
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts: line_starts.into(),
        });
        FileId(self.files.len() - 1)
    }

    /// The names of every file, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| f.name.as_str())
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.files[id.0].name
    }

    pub fn text(&self, id: FileId) -> &Arc<str> {
        &self.files[id.0].text
    }

    /// 1-based line and column of a byte offset; the column counts Unicode
    /// scalar values (characters), not bytes.
    pub fn location(&self, id: FileId, offset: usize) -> (usize, usize) {
        let f = &self.files[id.0];
        let offset = clamp_to_char_boundary(&f.text, offset);
        let line = match f.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = f.text[f.line_starts[line]..offset].chars().count();
        (line + 1, col + 1)
    }

    /// The byte range of the line that holds `offset` (without its line
    /// break), found in the line index.
    pub fn line_span(&self, id: FileId, offset: usize) -> std::ops::Range<usize> {
        let f = &self.files[id.0];
        let offset = offset.min(f.text.len());
        let line = match f.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let end = f
            .line_starts
            .get(line + 1)
            .map_or(f.text.len(), |next| next.saturating_sub(1));
        f.line_starts[line]..end.max(f.line_starts[line])
    }

    /// The file as miette reads it: its text with its line index, so that
    /// reading a label's lines costs the lines read, not the file before
    /// them (a report of many findings stays linear).
    pub fn source(&self, id: FileId) -> Indexed {
        let f = &self.files[id.0];
        Indexed {
            text: f.text.clone(),
            line_starts: f.line_starts.clone(),
        }
    }

    /// The text under a span, clamped to the file.
    pub fn snippet(&self, id: FileId, span: &std::ops::Range<usize>) -> &str {
        let text = &self.files[id.0].text;
        let start = clamp_to_char_boundary(text, span.start);
        let end = clamp_to_char_boundary(text, span.end.max(start));
        &text[start..end]
    }
}

/// A file's text and line index, for miette.
pub struct Indexed {
    text: Arc<str>,
    line_starts: Arc<[usize]>,
}

impl miette::SourceCode for Indexed {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let start = span.offset().min(self.text.len());
        let line = match self.line_starts.binary_search(&start) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        // miette's reader from the line before the first it shows (so that
        // the span never starts at the slice's start, where its arithmetic
        // differs): the same contents, with offsets and line numbers moved
        // back to the whole file
        let base_line = line.saturating_sub(context_lines_before + 1);
        let base = self.line_starts[base_line];
        let local = miette::SourceSpan::new((span.offset() - base).into(), span.len());
        let bytes: &'a [u8] = &self.text.as_bytes()[base..];
        let inner = bytes.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            miette::SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + base_line,
            inner.column(),
            inner.line_count() + base_line,
        )))
    }
}

fn clamp_to_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_char_columns() {
        let mut files = Files::new();
        let id = files.add("m.toml", "a = 1\nbé = 2\n");
        assert_eq!(files.location(id, 0), (1, 1));
        assert_eq!(files.location(id, 6), (2, 1));
        // byte 9 is after "bé" (b=1 byte, é=2 bytes): third character.
        assert_eq!(files.location(id, 9), (2, 3));
        assert_eq!(files.location(id, 999), (3, 1));
    }

    #[test]
    fn the_line_index_reads_what_miette_reads() {
        use miette::SourceCode;
        let text = "[models.a]\r\nsource = \"hf:a/b\"\n\n# é comment\nlicense = \"x\"\n[x]\ny = 1";
        let mut files = Files::new();
        let id = files.add("m.toml", text);
        let indexed = files.source(id);
        for start in 0..=text.len() {
            for len in 0..=(text.len() - start).min(12) {
                let span = miette::SourceSpan::new(start.into(), len);
                for before in 0..3 {
                    for after in 0..3 {
                        let want = text.read_span(&span, before, after);
                        let got = indexed.read_span(&span, before, after);
                        match (want, got) {
                            (Ok(w), Ok(g)) => {
                                assert_eq!(w.data(), g.data(), "{start}+{len} {before}/{after}");
                                assert_eq!(w.span(), g.span());
                                assert_eq!(w.line(), g.line());
                                assert_eq!(w.column(), g.column());
                            }
                            (Err(_), Err(_)) => {}
                            (w, g) => panic!("{start}+{len}: {:?} vs {:?}", w.is_ok(), g.is_ok()),
                        }
                    }
                }
            }
        }
    }
}
