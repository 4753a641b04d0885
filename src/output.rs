//! Where and how results are printed: reports and JSON on stdout, progress
//! and logs on stderr. Commands hand their diagnostics here and never match
//! on the output format themselves.

use crate::diag::{self, render, Counts, Diag, Files, Severity};
use std::io::{IsTerminal, Write};

/// A command's typed report as the JSON fields it adds to the document.
pub fn fields<T: serde::Serialize>(report: &T) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(report) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Reports for people (miette, with snippets of the files).
    Human,
    /// One JSON document on stdout.
    Json,
    /// GitHub Actions workflow commands (annotations on the lines).
    Github,
    /// A SARIF 2.1.0 log (GitHub code scanning and other viewers).
    Sarif,
    /// A GitLab Code Quality report (`artifacts:reports:codequality`).
    Gitlab,
    /// A CycloneDX 1.6 BOM (`licenses` only).
    Cyclonedx,
    /// An SPDX 3.0.1 JSON-LD document with the AI profile (`licenses` only).
    Spdx,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The resolved output settings.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub format: Format,
    /// Colour on stdout.
    pub color: bool,
    /// Colour on stderr.
    pub color_err: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub width: usize,
}

fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

impl Output {
    pub fn new(format: Format, color: ColorChoice, quiet: bool, verbose: bool) -> Self {
        let decide = |tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color_env(),
        };
        let stdout_tty = std::io::stdout().is_terminal();
        let width = if stdout_tty {
            terminal_size::terminal_size()
                .map(|(w, _)| usize::from(w.0))
                .unwrap_or(100)
        } else {
            100
        };
        Output {
            format,
            color: decide(stdout_tty),
            color_err: decide(std::io::stderr().is_terminal()),
            quiet,
            verbose,
            width: width.clamp(60, 160),
        }
    }

    /// Prints a command's report: its diagnostics, then a summary. `extra`
    /// holds command-specific JSON fields, and `lines` the human text that
    /// goes before the summary line.
    pub fn report(
        &self,
        diags: &[Diag],
        files: &Files,
        models: Option<usize>,
        extra: serde_json::Map<String, serde_json::Value>,
        lines: &[String],
    ) {
        self.report_with_status(diags, files, models, extra, lines, diag::exit_status(diags));
    }

    /// Like [`Output::report`], for a command whose exit status is not only
    /// its diagnostics' (`diff` exits 1 when the terms differ).
    pub fn report_with_status(
        &self,
        diags: &[Diag],
        files: &Files,
        models: Option<usize>,
        extra: serde_json::Map<String, serde_json::Value>,
        lines: &[String],
        status: u8,
    ) {
        self.report_then_gate(diags, files, models, extra, lines, status, None);
    }

    /// Like [`Output::report_with_status`], ending with the gate's verdict
    /// (`gate`: what `check` finds on the lock just written), so that a
    /// command's own success is never read as an all-clear.
    #[allow(clippy::too_many_arguments)]
    pub fn report_then_gate(
        &self,
        diags: &[Diag],
        files: &Files,
        models: Option<usize>,
        mut extra: serde_json::Map<String, serde_json::Value>,
        lines: &[String],
        status: u8,
        gate: Option<&[Diag]>,
    ) {
        let gate_summary = gate.map(|g| {
            let counts = Counts::of(g);
            let verdict = if diag::exit_status(g) == 0 {
                "passes"
            } else {
                "fails"
            };
            (
                counts,
                format!(
                    "check: {} on the new lock; `modellock check` {verdict}",
                    render::summary_line(counts, models)
                ),
            )
        });
        if let (Some(g), Format::Json) = (gate, self.format) {
            extra.insert(
                "gate".into(),
                serde_json::json!({
                    "diagnostics": render::json_diagnostics(g, files),
                    "errors": Counts::of(g).errors,
                    "warnings": Counts::of(g).warnings,
                    "exit-status": diag::exit_status(g),
                }),
            );
        }
        let all: Vec<Diag>;
        let diags = match (gate, self.format) {
            (Some(g), Format::Github | Format::Sarif | Format::Gitlab) => {
                all = diags.iter().chain(g).cloned().collect();
                &all[..]
            }
            _ => diags,
        };
        let counts = Counts::of(diags);
        match self.format {
            Format::Json | Format::Cyclonedx | Format::Spdx => {
                let mut summary = serde_json::Map::new();
                summary.insert("errors".into(), counts.errors.into());
                summary.insert("warnings".into(), counts.warnings.into());
                summary.insert("advice".into(), counts.advice.into());
                if let Some(n) = models {
                    summary.insert("models".into(), n.into());
                }
                summary.insert("exit-status".into(), status.into());
                let mut doc = serde_json::Map::new();
                doc.insert("diagnostics".into(), render::json_diagnostics(diags, files));
                doc.insert("summary".into(), serde_json::Value::Object(summary));
                for (k, v) in extra {
                    doc.insert(k, v);
                }
                let text = serde_json::to_string_pretty(&serde_json::Value::Object(doc))
                    .unwrap_or_else(|_| "{}".into());
                print_stdout(&format!("{text}\n"));
            }
            Format::Github => {
                let text = diag::github::render(
                    diags,
                    files,
                    if self.quiet { &[] } else { lines },
                    &render::summary_line(counts, models),
                );
                print_stdout(&text);
            }
            Format::Sarif => {
                let log = diag::sarif::render(diags, files, status);
                let text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
                print_stdout(&format!("{text}\n"));
            }
            Format::Gitlab => {
                let report = diag::gitlab::render(diags, files);
                let text = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "[]".into());
                print_stdout(&format!("{text}\n"));
            }
            Format::Human => {
                let style = render::HumanStyle {
                    color: self.color,
                    width: self.width,
                };
                let mut out = String::new();
                for d in diags {
                    if self.quiet && d.severity != Severity::Error {
                        continue;
                    }
                    out.push_str(&render::human(d, files, style));
                    out.push('\n');
                }
                for line in lines.iter().filter(|_| !self.quiet) {
                    out.push_str(line);
                    out.push('\n');
                }
                for d in gate.unwrap_or_default() {
                    if self.quiet && d.severity != Severity::Error {
                        continue;
                    }
                    out.push_str(&render::human(d, files, style));
                    out.push('\n');
                }
                if let Some((gate_counts, line)) = &gate_summary {
                    if !self.quiet || gate_counts.errors > 0 {
                        out.push_str(line);
                        out.push('\n');
                    }
                } else if !self.quiet || counts.errors > 0 {
                    out.push_str(&render::summary_line(counts, models));
                    out.push('\n');
                }
                print_stdout(&out);
            }
        }
    }

    /// Finishes a command that changed files and found no problem: JSON mode
    /// prints `{"diagnostics": [], "summary": …}` plus `extra`; human mode
    /// has said everything in its status line already.
    pub fn done(
        &self,
        files: &Files,
        models: Option<usize>,
        extra: serde_json::Map<String, serde_json::Value>,
    ) {
        if self.format != Format::Human {
            self.report(&[], files, models, extra, &[]);
        }
    }

    /// Diagnostics in human form on stderr, for a command whose stdout is
    /// a value a script reads (`path`): nothing else goes to stdout.
    pub fn diags_to_stderr(&self, diags: &[Diag], files: &Files) {
        let style = render::HumanStyle {
            color: self.color_err,
            width: self.width,
        };
        let mut out = String::new();
        for d in diags {
            out.push_str(&render::human(d, files, style));
            out.push('\n');
        }
        let _ = std::io::stderr().write_all(out.as_bytes());
    }

    /// A progress bar on stderr when it is a terminal (hidden otherwise and
    /// with `-q`).
    pub fn progress(&self, len: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(len);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} {wide_msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_owned());
        bar
    }

    /// A byte-counting progress bar (rate and ETA) on stderr when it is a
    /// terminal.
    pub fn bytes_progress(&self, total: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{prefix:>12.cyan.bold} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_owned());
        bar
    }

    /// A progress or status line on stderr (not in JSON mode's stdout, and
    /// not with `-q`).
    pub fn status(&self, verb: &str, message: &str) {
        if self.quiet {
            return;
        }
        let line = if self.color_err {
            let style = anstyle::AnsiColor::Green.on_default().bold();
            format!("{style}{verb:>12}{style:#} {message}\n")
        } else {
            format!("{verb:>12} {message}\n")
        };
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

/// Writes to stdout, ignoring a closed pipe (`modellock check | head`).
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Rows of cells aligned in columns two spaces apart (widths in
/// terminal columns: a CJK character takes two), each line without
/// trailing space.
pub fn columns<const N: usize>(rows: &[[String; N]]) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut width = [0usize; N];
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                line.push_str(c);
                if i + 1 < N {
                    // pad by display width: a CJK character takes two columns
                    line.push_str(&" ".repeat(width[i] - c.width() + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_align_by_display_width() {
        let rows = [
            ["模型".to_owned(), "x".to_owned()],
            ["abcd".to_owned(), "y".to_owned()],
            ["é".to_owned(), "z".to_owned()],
        ];
        // 模型 is 4 columns wide (two wide characters), é one
        assert_eq!(super::columns(&rows), ["模型  x", "abcd  y", "é     z"]);
    }
}
