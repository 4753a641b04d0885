//! Just enough of the syntax of source files: comments and docstrings,
//! call arguments and string literals, the command or config block around
//! a match.

use super::FileKind;
use regex::Regex;

/// Whether the text before `at` on its line opens a line comment (outside
/// string literals), or the line is a `*` continuation of a block comment.
pub(super) fn in_comment(text: &str, at: usize, kind: FileKind) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..at];
    let trimmed = prefix.trim_start();
    if matches!(
        kind,
        FileKind::Script | FileKind::Rust | FileKind::Go | FileKind::Terraform
    ) && (trimmed.starts_with("/*") || trimmed.starts_with("* ") || trimmed == "*")
    {
        return true;
    }
    let markers = kind.line_comment();
    if markers.is_empty() {
        return false;
    }
    let mut quote: Option<char> = None;
    let mut chars = prefix.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    chars.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if c == '"' || c == '\'' || c == '`' {
                    quote = Some(c);
                } else if markers.iter().any(|m| prefix[i..].starts_with(m)) {
                    // `#` inside a word (a URL fragment, `C#`) is not a comment
                    let before = prefix[..i].chars().next_back();
                    if c != '#' || before.is_none_or(char::is_whitespace) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// One argument of a call: its keyword, and its value when that is a
/// string literal (or literals joined by `+` / juxtaposition).
#[derive(Debug)]
pub(super) struct Arg {
    pub key: Option<String>,
    pub value: Option<(String, usize, usize)>,
    /// The value's text as written (an identifier, a call).
    pub text: Option<String>,
}

/// Reads the arguments of a call whose `(` is at `open`, up to its `)`
/// (at most 4 KiB). Returns the arguments and the end of the call.
pub(super) fn call_args(text: &str, open: usize) -> (Vec<Arg>, usize) {
    let bytes = text.as_bytes();
    // the scan stops at a char boundary: `end` may be returned and sliced
    let mut limit = (open + 4096).min(bytes.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let mut args = Vec::new();
    let mut i = open + 1;
    let mut depth = 0usize;
    let mut cur_start = i;
    let mut end = limit;
    let split = |from: usize, to: usize, args: &mut Vec<Arg>| {
        if text[from..to].trim().is_empty() {
            return;
        }
        args.push(parse_arg(text, from, to));
    };
    while i < limit {
        let c = bytes[i];
        match c {
            b'"' | b'\'' | b'`' => {
                let triple = i + 2 < limit && bytes[i + 1] == c && bytes[i + 2] == c;
                let close_len = if triple { 3 } else { 1 };
                i += close_len;
                while i < limit {
                    if bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == c
                        && (!triple || (i + 2 < limit && bytes[i + 1] == c && bytes[i + 2] == c))
                    {
                        i += close_len;
                        break;
                    }
                    if bytes[i] == b'\n' && !triple && c != b'`' {
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    end = i;
                    split(cur_start, i, &mut args);
                    break;
                }
                depth -= 1;
            }
            b',' if depth == 0 => {
                split(cur_start, i, &mut args);
                cur_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    (args, end)
}

/// One argument `[key=]value` between `from` and `to`.
pub(super) fn parse_arg(text: &str, from: usize, to: usize) -> Arg {
    let raw = &text[from..to];
    let lead = raw.len() - raw.trim_start().len();
    let mut body_start = from + lead;
    let mut key = None;
    // `key=value` (Python) or `key: value` (an object literal)
    let trimmed = raw.trim_start();
    let ident_len = trimmed
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(trimmed.len());
    if ident_len > 0 {
        let after = trimmed[ident_len..].trim_start();
        if (after.starts_with('=') && !after.starts_with("=="))
            || (after.starts_with(':') && !after.starts_with("::"))
        {
            key = Some(trimmed[..ident_len].to_owned());
            let rest_off = trimmed.len() - after.len() + 1;
            let rest = &trimmed[rest_off..];
            body_start = from + lead + rest_off + (rest.len() - rest.trim_start().len());
        }
    }
    let body = text[body_start..to].trim_end();
    let value = literal_concat(body).map(|(s, a, b)| (s, body_start + a, body_start + b));
    let text = (!body.is_empty()).then(|| body.to_owned());
    Arg { key, value, text }
}

/// A string literal, or literals joined by `+` or juxtaposed (Python's
/// implicit concatenation): the joined text and the span of the content.
pub(super) fn literal_concat(body: &str) -> Option<(String, usize, usize)> {
    let mut out = String::new();
    let mut first = None;
    let mut last;
    let mut rest = body;
    let mut offset = 0;
    loop {
        let t = rest.trim_start();
        offset += rest.len() - t.len();
        let q = t.chars().next()?;
        if !matches!(q, '"' | '\'' | '`') {
            return None;
        }
        let inner = &t[1..];
        let close = inner.find(q)?;
        let content = &inner[..close];
        if content.contains('\\') || (q == '`' && content.contains("${")) {
            return None;
        }
        out.push_str(content);
        first.get_or_insert(offset + 1);
        last = offset + 1 + close;
        let after = &inner[close + 1..];
        offset += 1 + close + 1;
        let a = after.trim_start();
        if a.is_empty() {
            break;
        }
        if let Some(next) = a.strip_prefix('+') {
            offset += after.len() - next.len();
            rest = next;
        } else if a.starts_with(['"', '\'']) {
            offset += after.len() - a.len();
            rest = a;
        } else {
            return None;
        }
    }
    Some((out, first?, last))
}

/// The byte ranges of documentation: Python triple-quoted strings
/// (docstrings, their `>>>` examples) and `/* … */` block comments. A
/// reference there documents a model rather than uses it.
pub(super) fn doc_regions(text: &str, kind: FileKind) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let pairs: &[(&str, &str)] = match kind {
        FileKind::Python | FileKind::Notebook => &[("\"\"\"", "\"\"\""), ("\'\'\'", "\'\'\'")],
        FileKind::Script | FileKind::Rust | FileKind::Go | FileKind::Terraform => &[("/*", "*/")],
        _ => return out,
    };
    let mut at = 0;
    while at < text.len() {
        let next = pairs
            .iter()
            .filter_map(|(open, close)| text[at..].find(open).map(|i| (at + i, *open, *close)))
            .min_by_key(|(i, _, _)| *i);
        let Some((start, open, close)) = next else {
            break;
        };
        let body = start + open.len();
        let end = text[body..]
            .find(close)
            .map_or(text.len(), |i| body + i + close.len());
        out.push((start, end));
        at = end;
    }
    out
}

pub(super) fn line_of(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The text of the logical item around `at`: for a command line, its `\`
/// continuations and, in a YAML list, the neighbouring `- ` items; in a
/// config block, the lines up to a blank line or the next list item. At
/// most 12 lines each way.
pub(super) fn item_around(text: &str, at: usize, command: bool) -> &str {
    let line_start = |pos: usize| text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |pos: usize| text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = |start: usize| text[start..line_end(start)].trim_end_matches('\r');
    let item = |start: usize| line(start).trim_start().starts_with("- ");
    let blank = |start: usize| line(start).trim().is_empty();
    let cont = |start: usize| line(start).trim_end().ends_with('\\');
    let (mut first, mut last) = (line_start(at), line_start(at));
    for _ in 0..12 {
        if first == 0 {
            break;
        }
        let p = line_start(first - 1);
        let joins = if command {
            cont(p) || (item(first) && item(p))
        } else {
            !blank(p) && !item(first)
        };
        if !joins {
            break;
        }
        first = p;
    }
    for _ in 0..12 {
        let end = line_end(last);
        if end >= text.len() {
            break;
        }
        let n = end + 1;
        let joins = if command {
            cont(last) || (item(last) && item(n))
        } else {
            !blank(n) && !item(n)
        };
        if !joins {
            break;
        }
        last = n;
    }
    &text[first..line_end(last)]
}

/// The revision the same command (`command`: `--revision X` on its line,
/// its continuations or its YAML list) or config block (`revision: "X"`)
/// gives, by `re`.
pub(super) fn revision_near(text: &str, at: usize, re: &Regex, command: bool) -> Option<String> {
    re.captures(item_around(text, at, command))
        .and_then(|c| c.get(1))
        .map(|g| g.as_str().to_owned())
}

/// The key a value at `at` is given to on its line: `key=`, `key:`,
/// `"key": `, `KEY=`, `--key ` (a flag), or `None`.
pub(super) fn key_before(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..at].trim_end_matches(['"', '\'', '`', ' ', '\t', '[', '(']);
    let before = before.strip_suffix(['=', ':'])?;
    let before = before.trim_end_matches([' ', '\t', '"', '\'', ':']);
    // `key: str =` (a typed default): the name before the annotation
    let before = match before.rfind(':') {
        Some(i)
            if before[i + 1..]
                .trim()
                .chars()
                .all(|c| c.is_alphanumeric() || "_[]., |".contains(c))
                && !before[..i].trim().is_empty() =>
        {
            before[..i].trim_end()
        }
        _ => before,
    };
    let key: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let key = key.trim_start_matches('-');
    (!key.is_empty()).then(|| key.to_owned())
}

/// The name of the call whose parentheses enclose `at` (looking back at
/// most 2 KiB, not into an earlier statement's closed calls).
pub(super) fn enclosing_call(text: &str, at: usize) -> Option<String> {
    let mut from = at.saturating_sub(2048);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = at;
    while i > from {
        i -= 1;
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' => depth = depth.saturating_sub(1),
            b'(' => {
                if depth == 0 {
                    let name: String = text[from..i]
                        .chars()
                        .rev()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    return (!name.is_empty()).then_some(name);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// In YAML, the key of the nearest line above `at` indented less than
/// its line (the mapping the value is in).
pub(super) fn yaml_parent_key(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '-']).len();
    let own = indent(&text[line_start..at]);
    let mut end = line_start;
    for _ in 0..40 {
        if end == 0 {
            return None;
        }
        let start = text[..end - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..end - 1];
        end = start;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if indent(line) < own {
            let key = line
                .trim_start_matches([' ', '-'])
                .split(':')
                .next()?
                .trim();
            return Some(key.trim_matches(['"', '\'']).to_owned());
        }
    }
    None
}

#[cfg(test)]
mod context_tests {
    use super::*;

    #[test]
    fn keys_calls_and_parents() {
        let t = "x = load_dataset(\"org/data\", split=\"train\")\nmodel_id: str = \"org/m\"\n  --model org/x\n";
        assert_eq!(
            enclosing_call(t, t.find("org/data").unwrap()).as_deref(),
            Some("load_dataset")
        );
        assert_eq!(
            key_before(t, t.find("org/m").unwrap()).as_deref(),
            Some("model_id")
        );
        assert_eq!(
            key_before(t, t.find("train").unwrap()).as_deref(),
            Some("split")
        );
        let y = "image:\n  repository: nvidia/cuda\n  tag: 12\nmodel:\n  name: meta-llama/x\n";
        assert_eq!(
            yaml_parent_key(y, y.find("nvidia").unwrap()).as_deref(),
            Some("image")
        );
        assert_eq!(
            yaml_parent_key(y, y.find("meta-llama").unwrap()).as_deref(),
            Some("model")
        );
    }
}
