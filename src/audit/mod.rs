//! `audit`: find the models a codebase and a machine use. The tree is
//! walked in parallel (the `ignore` crate: `.gitignore`, `.ignore` and
//! hidden-directory rules as ripgrep applies them), each source or config
//! file read once and scanned by [`recognise`]; notebooks by their cells;
//! the Hugging Face cache and the Ollama store by [`caches`]. [`status`]
//! then holds each reference against models.toml and models.lock.

pub mod caches;
mod diags;
pub mod fix;
pub mod hosts;
pub mod judged;
pub mod kind;
pub mod notebook;
pub mod recognise;
pub mod search;
pub mod status;

pub use diags::*;

use recognise::FileKind;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Files larger than this are skipped (generated or data files); notebooks
/// get more room for their outputs.
pub const SIZE_CAP: u64 = 1 << 20;
pub const NOTEBOOK_SIZE_CAP: u64 = 16 << 20;

/// How sure a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A guess (in a comment, a one-part id, an Ollama name without a
    /// tag): reported with `-v` only.
    Low,
    High,
}

/// A model a finding names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModelRef {
    /// A Hub model repo, and the revision the code asks for, if any.
    Hf {
        repo: String,
        revision: Option<String>,
    },
    /// An Ollama name as written (`llama3.1:8b`, `hf.co/ORG/REPO:Q4_K_M`,
    /// `NAME@sha256:…`).
    Ollama { name: String },
}

impl ModelRef {
    /// The source it would be locked as: `hf:ORG/NAME`, `ollama:NAME[:TAG]`.
    pub fn source(&self) -> String {
        match self {
            ModelRef::Hf { repo, .. } => format!("hf:{repo}"),
            ModelRef::Ollama { name } => {
                let bare = name.split('@').next().unwrap_or(name);
                format!("ollama:{bare}")
            }
        }
    }

    /// The revision the reference pins: an hf revision, an Ollama digest.
    pub fn revision(&self) -> Option<&str> {
        match self {
            ModelRef::Hf { revision, .. } => revision.as_deref(),
            ModelRef::Ollama { name } => name.split_once('@').map(|(_, d)| d),
        }
    }

    /// How people write it: `hf:ORG/NAME@REV`, `ollama:llama3.1:8b`.
    pub fn display(&self) -> String {
        match (self, self.revision()) {
            (ModelRef::Hf { .. }, Some(r)) => format!("{}@{r}", self.source()),
            (ModelRef::Ollama { name }, _) => format!("ollama:{name}"),
            _ => self.source(),
        }
    }
}

/// Where a finding is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A span of a text file (the file's text is kept for the report).
    Text {
        path: PathBuf,
        start: usize,
        end: usize,
        line: usize,
        column: usize,
    },
    /// A model in a cache or store (a snapshot directory, a manifest file).
    Store { path: PathBuf },
}

/// One reference to a model.
#[derive(Clone, Debug)]
pub struct Finding {
    pub location: Location,
    pub reference: ModelRef,
    /// What recognised it (`from_pretrained`, `known-publisher`,
    /// `hf-cache`, …).
    pub via: &'static str,
    /// What it is for a reader: a use, configuration, a deployment,
    /// documentation, a test or test data.
    pub kind: kind::Kind,
    pub confidence: Confidence,
    /// What else the source of the finding says (a serving host: the
    /// license it serves).
    pub detail: Option<String>,
}

/// A scanned file with findings: its text, for the report's snippets.
pub struct Scanned {
    pub path: PathBuf,
    pub text: String,
    pub findings: Vec<Finding>,
}

/// What a walk saw, for the summary.
#[derive(Debug, Default, Clone, Serialize)]
pub struct WalkStats {
    pub files: u64,
    pub scanned: u64,
    #[serde(rename = "skipped-large")]
    pub skipped_large: u64,
    /// Candidate references left out by the caps (per line and per file).
    pub capped: u64,
    /// Files and directories that could not be read, with why: what is in
    /// them was not searched, so the report is no clean bill for them.
    pub unreadable: Vec<Unreadable>,
}

/// A path the walk could not read.
#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    pub path: String,
    pub error: String,
}

impl Unreadable {
    fn of_walk(e: &ignore::Error) -> Unreadable {
        // the innermost error says which path
        let mut e = e;
        loop {
            match e {
                ignore::Error::WithPath { path, err } => {
                    return Unreadable {
                        path: path.display().to_string(),
                        error: err.to_string(),
                    }
                }
                ignore::Error::WithDepth { err, .. }
                | ignore::Error::WithLineNumber { err, .. } => e = err,
                other => {
                    return Unreadable {
                        path: String::new(),
                        error: other.to_string(),
                    }
                }
            }
        }
    }
}

/// 1-based line and column (in characters) of byte offsets of a text.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text));
        Lines { text, starts }
    }

    fn line_col(&self, at: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|s| *s <= at);
        let start = self.starts[line - 1];
        (line, self.text[start..at].chars().count() + 1)
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Scans one file's text.
pub fn scan_text(path: &Path, text: &str, kind: FileKind) -> Vec<Finding> {
    scan_counted(path, text, kind).0
}

/// [`scan_text`], and how many candidates the per-line and per-file caps
/// left out.
pub fn scan_counted(path: &Path, text: &str, kind: FileKind) -> (Vec<Finding>, usize) {
    // a notebook that is not valid JSON is still read, as Python text
    let (hits, dropped) = match kind {
        FileKind::Notebook => notebook::scan_counted(text)
            .unwrap_or_else(|| recognise::scan_counted(text, FileKind::Python)),
        _ => recognise::scan_counted(text, kind),
    };
    if hits.is_empty() {
        return (Vec::new(), dropped);
    }
    let lines = Lines::new(text);
    let file_kind = kind::of_file(path, kind, text);
    let findings = hits
        .into_iter()
        .map(|h| {
            let (line, column) = lines.line_col(h.start);
            Finding {
                location: Location::Text {
                    path: path.to_owned(),
                    start: h.start,
                    end: h.end,
                    line,
                    column,
                },
                reference: h.reference,
                via: h.via,
                // a comment or docstring of the product's code documents
                kind: if h.documented && file_kind.is_product() {
                    kind::Kind::Docs
                } else {
                    file_kind
                },
                confidence: h.confidence,
                detail: None,
            }
        })
        .collect();
    (findings, dropped)
}

/// One walker thread: scans what it visits and hands its results to the
/// shared list when the walk drops it.
struct Visitor<'s> {
    stats: WalkStats,
    found: Vec<Scanned>,
    out: &'s Mutex<(Vec<Scanned>, WalkStats)>,
}

impl ignore::ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> ignore::WalkState {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                self.stats.unreadable.push(Unreadable::of_walk(&e));
                return ignore::WalkState::Continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return ignore::WalkState::Continue;
        }
        self.stats.files += 1;
        let name = entry.file_name().to_string_lossy();
        let Some(kind) = FileKind::of(&name) else {
            return ignore::WalkState::Continue;
        };
        let cap = if kind == FileKind::Notebook {
            NOTEBOOK_SIZE_CAP
        } else {
            SIZE_CAP
        };
        if entry.metadata().is_ok_and(|m| m.len() > cap) {
            self.stats.skipped_large += 1;
            return ignore::WalkState::Continue;
        }
        let bytes = match std::fs::read(entry.path()) {
            Ok(b) => b,
            Err(e) => {
                self.stats.unreadable.push(Unreadable {
                    path: entry.path().display().to_string(),
                    error: e.to_string(),
                });
                return ignore::WalkState::Continue;
            }
        };
        self.stats.scanned += 1;
        if bytes[..bytes.len().min(8192)].contains(&0) {
            return ignore::WalkState::Continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        let (findings, capped) = scan_counted(entry.path(), &text, kind);
        self.stats.capped += capped as u64;
        if !findings.is_empty() {
            self.found.push(Scanned {
                path: entry.path().to_owned(),
                text: text.into_owned(),
                findings,
            });
        }
        ignore::WalkState::Continue
    }
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        if let Ok(mut out) = self.out.lock() {
            out.0.append(&mut self.found);
            out.1.files += self.stats.files;
            out.1.scanned += self.stats.scanned;
            out.1.skipped_large += self.stats.skipped_large;
            out.1.capped += self.stats.capped;
            out.1.unreadable.append(&mut self.stats.unreadable);
        }
    }
}

struct Visitors<'s> {
    out: &'s Mutex<(Vec<Scanned>, WalkStats)>,
}

impl<'s> ignore::ParallelVisitorBuilder<'s> for Visitors<'s> {
    fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
        Box::new(Visitor {
            stats: WalkStats::default(),
            found: Vec::new(),
            out: self.out,
        })
    }
}

/// Walks `roots` in parallel on `threads` threads and scans every file
/// audit reads. Results are sorted by path.
pub fn walk(roots: &[PathBuf], threads: usize) -> (Vec<Scanned>, WalkStats) {
    let Some((first, rest)) = roots.split_first() else {
        return (Vec::new(), WalkStats::default());
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .require_git(false)
        .threads(threads)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_some_and(|t| t.is_dir())
                && matches!(name.as_ref(), ".git" | ".hg" | ".svn" | ".modellock"))
        });
    let out = Mutex::new((Vec::new(), WalkStats::default()));
    builder.build_parallel().visit(&mut Visitors { out: &out });
    let (mut scanned, mut stats) = out.into_inner().unwrap_or_default();
    scanned.sort_by(|a, b| a.path.cmp(&b.path));
    stats.unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    (scanned, stats)
}

#[cfg(test)]
mod walk_tests {
    use super::*;

    #[test]
    fn unreadable_paths_are_named_and_counted() {
        let denied = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("src/secret"),
                err: Box::new(ignore::Error::Io(denied())),
            }),
        };
        let u = Unreadable::of_walk(&e);
        assert_eq!(u.path, "src/secret");
        assert!(
            u.error.to_lowercase().contains("permission denied"),
            "{}",
            u.error
        );
        let many: Vec<Unreadable> = (0..25)
            .map(|i| Unreadable {
                path: format!("f{i}.py"),
                error: "permission denied".into(),
            })
            .collect();
        let d = unreadable_diag(&many);
        assert_eq!(d.code, crate::diag::Code::AuditUnreadable);
        assert_eq!(d.severity, crate::diag::Severity::Warning);
        assert_eq!(
            d.message,
            "25 paths could not be read, so audit did not search them"
        );
        let help = d.help.unwrap();
        assert!(help.contains("  f0.py: permission denied\n"), "{help}");
        assert!(help.contains("  … and 5 more\n"), "{help}");
    }

    #[test]
    fn a_notebook_that_is_not_json_is_read_as_text() {
        let text =
            "{\"cells\": [ oops\nmodel = AutoModel.from_pretrained(\"acme/broken-notebook\")\n";
        let found = scan_text(Path::new("x.ipynb"), text, FileKind::Notebook);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
