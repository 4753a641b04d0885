//! Diagnostics about models.toml, one struct per kind.

use crate::diag::{Code, Diag, FileId};
use crate::source::SourceError;
use std::ops::Range;
use std::path::PathBuf;

type Span = Option<Range<usize>>;

pub struct ReadFailed {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl From<ReadFailed> for Diag {
    fn from(d: ReadFailed) -> Diag {
        if d.error.kind() == std::io::ErrorKind::NotFound {
            Diag::error(
                Code::ManifestNotFound,
                format!("no manifest at `{}`", d.path.display()),
            )
            .with_help("modellock looks for models.toml in this directory and its parents: run `modellock init` to create one, or pass `--manifest-path PATH`")
        } else {
            Diag::error(
                Code::ManifestIo,
                format!("cannot read `{}`: {}", d.path.display(), d.error),
            )
            .with_help("check that the file exists and is readable")
        }
    }
}

pub struct NotUtf8 {
    pub path: PathBuf,
    pub offset: usize,
}

impl From<NotUtf8> for Diag {
    fn from(d: NotUtf8) -> Diag {
        Diag::error(
            Code::ManifestParse,
            format!(
                "`{}` is not UTF-8 text (invalid byte at offset {})",
                d.path.display(),
                d.offset
            ),
        )
        .with_help("TOML files must be UTF-8; re-save the file as UTF-8")
    }
}

pub struct ParseError {
    pub file: FileId,
    pub message: String,
    pub span: Span,
}

impl From<ParseError> for Diag {
    fn from(d: ParseError) -> Diag {
        let first_line = d.message.lines().next().unwrap_or("invalid TOML").trim();
        Diag::error(
            Code::ManifestParse,
            format!("models.toml is not valid TOML: {first_line}"),
        )
        .with_label(d.file, d.span, first_line)
        .with_help("fix the TOML syntax at the marked place")
    }
}

pub struct UnknownKey {
    pub file: FileId,
    pub key: String,
    pub table: String,
    pub span: Span,
    pub suggestion: Option<&'static str>,
    pub known: &'static [&'static str],
}

impl From<UnknownKey> for Diag {
    fn from(d: UnknownKey) -> Diag {
        let help = match d.suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the keys of {} are: {}",
                d.table,
                d.known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Diag::error(
            Code::ManifestUnknownKey,
            format!("unknown key `{}` in {}", d.key, d.table),
        )
        .with_label(d.file, d.span, "unknown key")
        .with_help(help)
    }
}

pub struct WrongType {
    pub file: FileId,
    pub key: String,
    pub table: String,
    pub expected: &'static str,
    pub found: &'static str,
    pub span: Span,
}

impl From<WrongType> for Diag {
    fn from(d: WrongType) -> Diag {
        Diag::error(
            Code::ManifestInvalidType,
            format!(
                "`{}` in {} must be {}, not {}",
                d.key, d.table, d.expected, d.found
            ),
        )
        .with_label(d.file, d.span, format!("expected {}", d.expected))
    }
}

pub struct MissingKey {
    pub file: FileId,
    pub key: &'static str,
    pub table: String,
    pub model: Option<String>,
    pub span: Span,
    pub help: String,
}

impl From<MissingKey> for Diag {
    fn from(d: MissingKey) -> Diag {
        let diag = Diag::error(
            Code::ManifestMissingKey,
            format!("{} has no `{}`", d.table, d.key),
        )
        .with_label(d.file, d.span, format!("`{}` is required here", d.key))
        .with_help(d.help);
        match d.model {
            Some(m) => diag.with_model(m),
            None => diag,
        }
    }
}

pub struct InvalidSource {
    pub file: FileId,
    pub model: String,
    pub value: String,
    pub span: Span,
    pub error: SourceError,
}

impl From<InvalidSource> for Diag {
    fn from(d: InvalidSource) -> Diag {
        Diag::error(
            Code::ManifestInvalidSource,
            format!(
                "invalid source `{}` for model `{}`: {}",
                d.value, d.model, d.error.reason
            ),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, d.error.reason)
        .with_help(d.error.help)
    }
}

pub struct InvalidName {
    pub file: FileId,
    pub name: String,
    pub span: Span,
}

impl From<InvalidName> for Diag {
    fn from(d: InvalidName) -> Diag {
        Diag::error(
            Code::ManifestInvalidName,
            format!("`{}` is not a valid model name", d.name),
        )
        .with_label(d.file, d.span, "invalid name")
        .with_help(
            "a model name starts with a letter or digit and has only letters, digits, `-`, `_` and `.` (at most 64 characters)",
        )
    }
}

impl InvalidName {
    /// The name was written with an unquoted dot (`[models.llama3.2]`).
    pub fn into_dotted(self) -> Diag {
        Diag::error(
            Code::ManifestInvalidName,
            format!(
                "`[models.{}]` is read as nested tables, not as the model `{}`",
                self.name, self.name
            ),
        )
        .with_label(self.file, self.span, "a table inside another model")
        .with_help(format!(
            "quote a model name that has a dot: `[models.\"{}\"]`",
            self.name
        ))
    }
}

pub struct DuplicateName {
    pub file: FileId,
    pub name: String,
    pub other: String,
    pub span: Span,
    pub other_span: Span,
}

impl From<DuplicateName> for Diag {
    fn from(d: DuplicateName) -> Diag {
        Diag::error(
            Code::ManifestDuplicateName,
            format!("model names `{}` and `{}` differ only in letter case", d.other, d.name),
        )
        .with_model(d.name)
        .with_label(d.file, d.span, "this name")
        .with_label(d.file, d.other_span, "clashes with this one")
        .with_help("names become directory and file names, which are case-insensitive on some systems; rename one")
    }
}

pub struct InvalidRevision {
    pub file: FileId,
    pub model: String,
    pub span: Span,
    pub reason: String,
    pub help: String,
}

impl From<InvalidRevision> for Diag {
    fn from(d: InvalidRevision) -> Diag {
        Diag::error(
            Code::ManifestInvalidRevision,
            format!("invalid revision for model `{}`: {}", d.model, d.reason),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, d.reason)
        .with_help(d.help)
    }
}

pub struct InvalidVersion {
    pub file: FileId,
    pub model: String,
    pub span: Span,
    pub reason: String,
    pub help: String,
    pub other_span: Span,
}

impl From<InvalidVersion> for Diag {
    fn from(d: InvalidVersion) -> Diag {
        Diag::error(
            Code::ManifestInvalidVersion,
            format!(
                "invalid version requirement for model `{}`: {}",
                d.model, d.reason
            ),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, d.reason)
        .with_label(d.file, d.other_span, "also set here")
        .with_help(d.help)
    }
}

pub struct InvalidGlob {
    pub file: FileId,
    pub model: String,
    pub glob: String,
    pub span: Span,
    pub error: String,
}

impl From<InvalidGlob> for Diag {
    fn from(d: InvalidGlob) -> Diag {
        Diag::error(
            Code::ManifestInvalidGlob,
            format!(
                "invalid glob `{}` in `files` of model `{}`",
                d.glob, d.model
            ),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, d.error)
        .with_help(
            "globs use `*`, `?`, `**`, `[abc]` and `{a,b}`, e.g. `*.safetensors` or `onnx/**`",
        )
    }
}

pub struct InvalidDigest {
    pub file: FileId,
    /// `license-digest` or `documents-digest`.
    pub key: &'static str,
    pub model: String,
    pub value: String,
    pub span: Span,
}

impl From<InvalidDigest> for Diag {
    fn from(d: InvalidDigest) -> Diag {
        Diag::error(
            Code::ManifestInvalidDigest,
            format!("`{}` is not a {}", d.value, d.key.replace('-', " ")),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, "expected `sha256:` and 64 lower-case hex digits")
        .with_help(format!("copy the `{}` of the model from models.lock, or record the review with `modellock review`", d.key))
    }
}

pub struct InvalidDate {
    pub file: FileId,
    pub key: &'static str,
    pub value: String,
    pub span: Span,
}

impl From<InvalidDate> for Diag {
    fn from(d: InvalidDate) -> Diag {
        Diag::error(
            Code::ManifestInvalidDate,
            format!("`{}` is not a valid `{}`", d.value, d.key),
        )
        .with_label(d.file, d.span, "expected a date such as 2026-05-01")
        .with_help("write a TOML date without quotes and without a time: `date = 2026-05-01`")
    }
}

pub struct InvalidValue {
    pub file: FileId,
    pub model: Option<String>,
    pub message: String,
    pub label: String,
    pub span: Span,
    pub help: String,
}

impl From<InvalidValue> for Diag {
    fn from(d: InvalidValue) -> Diag {
        let diag = Diag::error(Code::ManifestInvalidValue, d.message)
            .with_label(d.file, d.span, d.label)
            .with_help(d.help);
        match d.model {
            Some(m) => diag.with_model(m),
            None => diag,
        }
    }
}

pub struct UnknownBase {
    pub file: FileId,
    pub model: String,
    pub base: String,
    pub span: Span,
    pub suggestion: Option<String>,
}

impl From<UnknownBase> for Diag {
    fn from(d: UnknownBase) -> Diag {
        let help = match &d.suggestion {
            Some(s) => format!("did you mean `{s}`? `base` names another entry of models.toml"),
            None => {
                "`base` names another entry of models.toml: add the base model as its own entry"
                    .to_owned()
            }
        };
        Diag::error(
            Code::ManifestUnknownBase,
            format!(
                "model `{}` has base `{}`, which is not in models.toml",
                d.model, d.base
            ),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, "no such model")
        .with_help(help)
    }
}

pub struct BaseCycle {
    pub file: FileId,
    pub cycle: Vec<String>,
    pub span: Span,
}

impl From<BaseCycle> for Diag {
    fn from(d: BaseCycle) -> Diag {
        let model = d.cycle[0].clone();
        Diag::error(
            Code::ManifestUnknownBase,
            format!("the `base` entries form a cycle: {}", d.cycle.join(" → ")),
        )
        .with_model(model)
        .with_label(d.file, d.span, "this base leads back here")
        .with_help("a model cannot be its own ancestor; remove one `base`")
    }
}

pub struct FloatingRevision {
    pub file: FileId,
    pub model: String,
    pub revision: String,
    pub span: Span,
}

impl From<FloatingRevision> for Diag {
    fn from(d: FloatingRevision) -> Diag {
        Diag::warning(
            Code::ManifestFloatingRevision,
            format!("model `{}` follows `{}`, which can move", d.model, d.revision),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, "a branch, not a tag or commit")
        .with_help("pin a tag or commit: set `revision` to the commit in models.lock, or use a version tag")
    }
}

pub struct PolicyTypo {
    pub file: FileId,
    pub list: &'static str,
    pub id: String,
    pub suggestion: &'static str,
    pub span: Span,
}

impl From<PolicyTypo> for Diag {
    fn from(d: PolicyTypo) -> Diag {
        Diag::warning(
            Code::PolicyUnknownLicense,
            format!("`{}` in `{}` is not a known license id", d.id, d.list),
        )
        .with_label(d.file, d.span, "unknown license id")
        .with_help(format!(
            "did you mean `{}`? License ids are the Hub's (`apache-2.0`, `llama3.1`, …), matched case-insensitively",
            d.suggestion
        ))
    }
}

pub struct AllowAndDeny {
    pub file: FileId,
    pub id: String,
    pub allow_span: Span,
    pub deny_span: Span,
}

impl From<AllowAndDeny> for Diag {
    fn from(d: AllowAndDeny) -> Diag {
        Diag::warning(
            Code::PolicyAllowAndDeny,
            format!("license `{}` is both allowed and denied", d.id),
        )
        .with_label(d.file, d.deny_span, "denied here")
        .with_label(d.file, d.allow_span, "allowed here")
        .with_help("deny wins; remove it from one of the lists")
    }
}
