//! Renderers: human (miette graphical reports) and JSON (one document).

use super::{Counts, Diag, FileId, Files, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

/// Options for human output.
#[derive(Clone, Copy, Debug)]
pub struct HumanStyle {
    pub color: bool,
    pub width: usize,
}

/// Renders one diagnostic as a miette graphical report.
/// A line longer than this is not shown in a snippet (a minified file, a
/// crafted line): the label becomes a location in the message.
const MAX_SNIPPET_LINE: usize = 1000;

/// The diagnostic as it can be shown with snippets: labels on lines too
/// long to show are turned into `at FILE:LINE:COL` notes.
fn showable<'d>(diag: &'d Diag, files: &Files) -> std::borrow::Cow<'d, Diag> {
    let too_long = |l: &super::Label| {
        let first = files.line_span(l.file, l.span.start);
        let last = files.line_span(l.file, l.span.end);
        first.len() > MAX_SNIPPET_LINE || last.len() > MAX_SNIPPET_LINE
    };
    if !diag.labels.iter().any(too_long) {
        return std::borrow::Cow::Borrowed(diag);
    }
    let mut d = diag.clone();
    let (long, kept): (Vec<_>, Vec<_>) = d.labels.drain(..).partition(too_long);
    d.labels = kept;
    for l in long {
        let (line, col) = files.location(l.file, l.span.start);
        d.message.push_str(&format!(
            "\n  at {}:{line}:{col} ({}; the line is too long to show)",
            files.name(l.file),
            l.text
        ));
    }
    std::borrow::Cow::Owned(d)
}

pub fn human(diag: &Diag, files: &Files, style: HumanStyle) -> String {
    let diag = &*showable(diag, files);
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_wrap_lines(false)
        .with_context_lines(1);
    let report = MietteDiag::new(diag, files);
    let mut out = String::new();
    // Rendering into a String cannot fail for I/O reasons; a formatting
    // error would be a bug in miette, and the plain message is a safe fallback.
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", diag.code, diag.message);
    }
    // Labels in other files follow, each as a short note with its snippet.
    for other in &report.others {
        let mut part = String::new();
        if handler.render_report(&mut part, other).is_ok() {
            out.push_str(&part);
        }
    }
    out
}

/// The one-line summary printed after human output, e.g.
/// "3 errors, 1 warning in 12 models".
pub fn summary_line(counts: Counts, models: Option<usize>) -> String {
    let mut parts = Vec::new();
    parts.push(plural(counts.errors, "error"));
    parts.push(plural(counts.warnings, "warning"));
    if counts.advice > 0 {
        parts.push(format!("{} advice", counts.advice));
    }
    match models {
        Some(n) => format!("{} in {}", parts.join(", "), plural(n, "model")),
        None => parts.join(", "),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    text: &'a str,
    /// The source text under the label.
    snippet: &'a str,
}

#[derive(Serialize)]
struct JsonDiag<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

/// The JSON form of diagnostics, as a value to embed in a command's document.
pub fn json_diagnostics(diags: &[Diag], files: &Files) -> serde_json::Value {
    let list: Vec<JsonDiag<'_>> = diags
        .iter()
        .map(|d| JsonDiag {
            code: d.code.as_str(),
            severity: d.severity,
            message: &d.message,
            model: d.model.as_deref(),
            help: d.help.as_deref(),
            labels: d
                .labels
                .iter()
                .map(|l| {
                    let (line, column) = files.location(l.file, l.span.start);
                    JsonLabel {
                        file: files.name(l.file),
                        line,
                        column,
                        text: &l.text,
                        snippet: files.snippet(l.file, &l.span),
                    }
                })
                .collect(),
        })
        .collect();
    serde_json::to_value(list).unwrap_or(serde_json::Value::Null)
}

/// Adapter from [`Diag`] to miette's [`miette::Diagnostic`]. Labels in the
/// first labelled file are shown on the main report; labels in other files
/// become related reports, each with its own snippet.
struct MietteDiag<'a> {
    message: &'a str,
    code: &'static str,
    severity: miette::Severity,
    help: Option<&'a str>,
    source: Option<NamedSource<crate::diag::files::Indexed>>,
    labels: Vec<LabeledSpan>,
    /// Labels in other files than the first, as notes of their own.
    others: Vec<MietteDiag<'a>>,
}

impl<'a> MietteDiag<'a> {
    fn new(diag: &'a Diag, files: &Files) -> Self {
        let mut groups: Vec<(FileId, Vec<LabeledSpan>)> = Vec::new();
        for (i, l) in diag.labels.iter().enumerate() {
            let span = LabeledSpan::new_with_span(
                Some(l.text.clone()).filter(|t| !t.is_empty()),
                clamp(files, l.file, &l.span),
            );
            let span = if i == 0 {
                LabeledSpan::new_primary_with_span(span.label().map(str::to_owned), *span.inner())
            } else {
                span
            };
            match groups.iter_mut().find(|(f, _)| *f == l.file) {
                Some((_, spans)) => spans.push(span),
                None => groups.push((l.file, vec![span])),
            }
        }
        let mut groups = groups.into_iter();
        let (source, labels) = match groups.next() {
            Some((file, spans)) => (Some(named(files, file)), spans),
            None => (None, Vec::new()),
        };
        let others = groups
            .map(|(file, spans)| MietteDiag {
                message: "see also",
                code: "",
                severity: miette::Severity::Advice,
                help: None,
                source: Some(named(files, file)),
                labels: spans,
                others: Vec::new(),
            })
            .collect();
        MietteDiag {
            message: &diag.message,
            code: diag.code.as_str(),
            severity: match diag.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Advice => miette::Severity::Advice,
            },
            help: diag.help.as_deref(),
            source,
            labels,
            others,
        }
    }
}

fn named(files: &Files, file: FileId) -> NamedSource<crate::diag::files::Indexed> {
    NamedSource::new(files.name(file), files.source(file))
}

fn clamp(files: &Files, file: FileId, span: &std::ops::Range<usize>) -> (usize, usize) {
    let len = files.text(file).len();
    let start = span.start.min(len);
    let end = span.end.clamp(start, len);
    (start, end - start)
}

impl fmt::Debug for MietteDiag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl fmt::Display for MietteDiag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for MietteDiag<'_> {}

impl miette::Diagnostic for MietteDiag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}
