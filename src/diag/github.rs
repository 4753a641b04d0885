//! `--format github`: GitHub Actions workflow commands, one annotation per
//! diagnostic (`::error file=models.toml,line=5,col=9,…::message`), so that
//! a job's findings show on the lines of models.toml in a pull request.

use super::{Diag, Files, Label, Severity};

/// Escapes a workflow command's message, as the Actions runner expects.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A path as GitHub wants it: relative to the working directory (the
/// checkout) when it is under it, with `/` separators.
pub fn relative_path(name: &str) -> String {
    let path = std::path::Path::new(name);
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| path.to_path_buf());
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

fn location(files: &Files, l: &Label) -> (String, (usize, usize), (usize, usize)) {
    (
        relative_path(files.name(l.file)),
        files.location(l.file, l.span.start),
        files.location(l.file, l.span.end.max(l.span.start)),
    )
}

/// One workflow command for a diagnostic.
pub fn annotation(d: &Diag, files: &Files) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "notice",
    };
    let mut props = Vec::new();
    if let Some(first) = d.labels.first() {
        let (file, (line, col), (end_line, end_col)) = location(files, first);
        props.push(format!("file={}", escape_property(&file)));
        props.push(format!("line={line}"));
        props.push(format!("col={col}"));
        props.push(format!("endLine={end_line}"));
        if end_line == line {
            props.push(format!("endColumn={end_col}"));
        }
    }
    props.push(format!("title={}", escape_property(d.code.as_str())));
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\n\n");
        message.push_str(help);
    }
    for l in d.labels.iter().skip(1) {
        let (file, (line, col), _) = location(files, l);
        message.push_str(&format!("\nalso: {file}:{line}:{col} {}", l.text));
    }
    format!("::{command} {}::{}", props.join(","), escape_data(&message))
}

/// Every annotation, then the command's own lines and the summary line.
pub fn render(diags: &[Diag], files: &Files, lines: &[String], summary: &str) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&annotation(d, files));
        out.push('\n');
    }
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(summary);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn one_line_per_diagnostic() {
        let mut files = Files::new();
        let f = files.add("models.toml", "[models.chat]\nsource = \"x\"\n");
        let d = Diag::error(Code::LicenseUnreviewed, "model `chat`: 100% new, see: here")
            .with_help("line one\nline two")
            .with_label(f, Some(8..12), "this model")
            .with_label(f, Some(14..20), "and this");
        let a = annotation(&d, &files);
        assert_eq!(
            a,
            "::error file=models.toml,line=1,col=9,endLine=1,endColumn=13,title=license%3A%3Aunreviewed::model `chat`: 100%25 new, see: here%0A%0Aline one%0Aline two%0Aalso: models.toml:2:1 and this"
        );
        assert!(!a.contains('\n'));
    }
}
