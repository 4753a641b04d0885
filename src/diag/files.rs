//! The source files diagnostics point into, with line/column lookup.

use std::sync::Arc;

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(usize);

struct SourceFile {
    name: String,
    text: Arc<str>,
    line_starts: Vec<usize>,
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
            line_starts,
        });
        FileId(self.files.len() - 1)
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

    /// The text under a span, clamped to the file.
    pub fn snippet(&self, id: FileId, span: &std::ops::Range<usize>) -> &str {
        let text = &self.files[id.0].text;
        let start = clamp_to_char_boundary(text, span.start);
        let end = clamp_to_char_boundary(text, span.end.max(start));
        &text[start..end]
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
}
