//! Phase one: walk the TOML document into typed values, collecting every
//! type error and unknown key with its span.

use super::diags::*;
use super::{Acceptance, Finding, Manifest, ModelEntry, Policy, Review, Spanned, Use};
use crate::date::Date;
use crate::diag::{did_you_mean, Diag, FileId};
use crate::hashing::is_lower_hex;
use crate::source::{hf, Source};
use std::ops::Range;
use std::path::Path;
use toml_edit::{Item, TableLike, Value};

pub const TOP_KEYS: &[&str] = &["policy", "use", "models"];
pub const POLICY_KEYS: &[&str] = &[
    "allow",
    "deny",
    "ban",
    "allow-orgs",
    "formats",
    "remote-code",
];
pub const USE_KEYS: &[&str] = &[
    "commercial",
    "monthly-active-users",
    "regions",
    "agreements",
];
pub const MODEL_KEYS: &[&str] = &[
    "source",
    "revision",
    "version",
    "files",
    "license",
    "base",
    "formats",
    "remote-code",
    "review",
    "accept",
];
pub const ACCEPT_KEYS: &[&str] = &[
    "finding",
    "license-digest",
    "ancestor",
    "reviewer",
    "date",
    "reason",
    "expires",
];
pub const REVIEW_KEYS: &[&str] = &[
    "license-digest",
    "documents-digest",
    "reviewer",
    "date",
    "note",
    "expires",
    "license",
    "revision",
];

/// Reads typed values out of tables, recording a diagnostic for each
/// problem and returning `None` for values that cannot be used.
pub(crate) struct Reader<'d> {
    pub file: FileId,
    pub diags: &'d mut Vec<Diag>,
    /// Glob sets already built, by their patterns: entries with the same
    /// `files` share one (a set is a compiled automaton, kilobytes each).
    globs: std::collections::HashMap<Vec<String>, std::sync::Arc<globset::GlobSet>>,
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(Value::String(_)) => "a string",
        Item::Value(Value::Integer(_)) => "an integer",
        Item::Value(Value::Float(_)) => "a float",
        Item::Value(Value::Boolean(_)) => "a boolean",
        Item::Value(Value::Datetime(_)) => "a date-time",
        Item::Value(Value::Array(_)) => "an array",
        Item::Value(Value::InlineTable(_)) | Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
    }
}

fn value_type_name(v: &Value) -> &'static str {
    type_name(&Item::Value(v.clone()))
}

impl Reader<'_> {
    pub(super) fn push(&mut self, d: impl Into<Diag>) {
        self.diags.push(d.into());
    }

    fn wrong_type(&mut self, key: &str, table: &str, expected: &'static str, item: &Item) {
        let d = WrongType {
            file: self.file,
            key: key.to_owned(),
            table: table.to_owned(),
            expected,
            found: type_name(item),
            span: item.span(),
        };
        self.push(d);
    }

    /// Reports every key of `t` not in `known`.
    pub fn known_keys(&mut self, t: &dyn TableLike, table: &str, known: &'static [&'static str]) {
        for (key, _) in t.iter() {
            if known.contains(&key) {
                continue;
            }
            let span = t.get_key_value(key).and_then(|(k, _)| k.span());
            let d = UnknownKey {
                file: self.file,
                key: key.to_owned(),
                table: table.to_owned(),
                span,
                suggestion: did_you_mean(key, known.iter().copied()),
                known,
            };
            self.push(d);
        }
    }

    pub fn table<'a>(
        &mut self,
        key: &str,
        item: &'a Item,
        table: &str,
    ) -> Option<&'a dyn TableLike> {
        match item.as_table_like() {
            Some(t) => Some(t),
            None => {
                self.wrong_type(key, table, "a table", item);
                None
            }
        }
    }

    pub fn string(&mut self, t: &dyn TableLike, key: &str, table: &str) -> Option<Spanned<String>> {
        let item = t.get(key)?;
        match item.as_str() {
            Some(s) => Some(Spanned::new(s.to_owned(), item.span())),
            None => {
                self.wrong_type(key, table, "a string", item);
                None
            }
        }
    }

    pub fn bool(&mut self, t: &dyn TableLike, key: &str, table: &str) -> Option<Spanned<bool>> {
        let item = t.get(key)?;
        match item.as_bool() {
            Some(b) => Some(Spanned::new(b, item.span())),
            None => {
                self.wrong_type(key, table, "true or false", item);
                None
            }
        }
    }

    pub fn count(&mut self, t: &dyn TableLike, key: &str, table: &str) -> Option<Spanned<u64>> {
        let item = t.get(key)?;
        match item.as_integer() {
            Some(i) => match u64::try_from(i) {
                Ok(n) => Some(Spanned::new(n, item.span())),
                Err(_) => {
                    self.push(InvalidValue {
                        file: self.file,
                        model: None,
                        message: format!("`{key}` in {table} cannot be negative"),
                        label: "a negative number".into(),
                        span: item.span(),
                        help: "write a count of zero or more".into(),
                    });
                    None
                }
            },
            None => {
                self.wrong_type(key, table, "an integer", item);
                None
            }
        }
    }

    /// An array of strings; non-string elements are reported and skipped.
    pub fn strings(
        &mut self,
        t: &dyn TableLike,
        key: &str,
        table: &str,
    ) -> Option<Spanned<Vec<Spanned<String>>>> {
        let item = t.get(key)?;
        let Some(array) = item.as_array() else {
            self.wrong_type(key, table, "an array of strings", item);
            return None;
        };
        let mut out = Vec::new();
        for v in array.iter() {
            match v.as_str() {
                Some(s) => out.push(Spanned::new(s.to_owned(), v.span())),
                None => {
                    self.push(WrongType {
                        file: self.file,
                        key: key.to_owned(),
                        table: table.to_owned(),
                        expected: "an array of strings",
                        found: value_type_name(v),
                        span: v.span(),
                    });
                }
            }
        }
        Some(Spanned::new(out, item.span()))
    }

    /// A calendar date: a TOML local date, or a `"YYYY-MM-DD"` string.
    pub fn date(
        &mut self,
        t: &dyn TableLike,
        key: &'static str,
        table: &str,
    ) -> Option<Spanned<Date>> {
        let item = t.get(key)?;
        let span = item.span();
        let (text, parsed) = match item.as_value() {
            Some(Value::Datetime(dt)) => {
                let v = dt.value();
                let parsed = match (v.date, v.time, v.offset) {
                    (Some(d), None, None) => Date::new(d.year, d.month, d.day),
                    _ => None,
                };
                (v.to_string(), parsed)
            }
            Some(Value::String(s)) => (s.value().clone(), Date::parse(s.value())),
            _ => {
                self.wrong_type(key, table, "a date", item);
                return None;
            }
        };
        match parsed {
            Some(d) => Some(Spanned::new(d, span)),
            None => {
                self.push(InvalidDate {
                    file: self.file,
                    key,
                    value: text,
                    span,
                });
                None
            }
        }
    }

    /// A non-empty string (after trimming).
    pub fn text(
        &mut self,
        t: &dyn TableLike,
        key: &str,
        table: &str,
        model: Option<&str>,
    ) -> Option<Spanned<String>> {
        let s = self.string(t, key, table)?;
        if s.value.trim().is_empty() {
            self.push(InvalidValue {
                file: self.file,
                model: model.map(str::to_owned),
                message: format!("`{key}` in {table} is empty"),
                label: "empty".into(),
                span: s.span,
                help: format!("give `{key}` a value, or remove the key"),
            });
            return None;
        }
        Some(s)
    }
}

/// Walks the whole document.
pub(crate) fn parse(
    doc: &toml_edit::Document<String>,
    path: &Path,
    file: FileId,
    diags: &mut Vec<Diag>,
) -> Manifest {
    let mut r = Reader {
        file,
        diags,
        globs: Default::default(),
    };
    let root = doc.as_table();
    r.known_keys(root, "the top level of models.toml", TOP_KEYS);

    let policy = match root.get("policy") {
        Some(item) => r
            .table("policy", item, "models.toml")
            .map(|t| super::policy::parse_policy(&mut r, t))
            .unwrap_or_default(),
        None => Policy::default(),
    };
    let usage = match root.get("use") {
        Some(item) => r
            .table("use", item, "models.toml")
            .map(|t| super::policy::parse_use(&mut r, t))
            .unwrap_or_default(),
        None => Use::default(),
    };
    let mut models = Vec::new();
    if let Some(item) = root.get("models") {
        if let Some(t) = r.table("models", item, "models.toml") {
            for (name, item) in t.iter() {
                let name_span = t.get_key_value(name).and_then(|(k, _)| k.span());
                if let Some(m) = parse_model(&mut r, name, name_span, item) {
                    models.push(m);
                }
            }
        }
    }
    Manifest::new(path.to_owned(), file, policy, usage, models)
}

pub(crate) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn parse_model(
    r: &mut Reader<'_>,
    name: &str,
    name_span: Option<Range<usize>>,
    item: &Item,
) -> Option<ModelEntry> {
    let table = format!("[models.{}]", display_key(name));
    let t = r.table(name, item, "[models]")?;
    if is_dotted_name(t) {
        // `[models.llama3.2]` is a table `2` inside a table `llama3`
        for (sub, _) in t.iter() {
            let span = t.get_key_value(sub).and_then(|(k, _)| k.span());
            let full = format!("{name}.{sub}");
            r.push(
                InvalidName {
                    file: r.file,
                    name: full.clone(),
                    span,
                }
                .into_dotted(),
            );
        }
        return None;
    }
    r.known_keys(t, &table, MODEL_KEYS);
    let before = r.diags.len();
    if !is_valid_name(name) {
        r.push(InvalidName {
            file: r.file,
            name: name.to_owned(),
            span: name_span.clone(),
        });
    }

    let source_raw = r.string(t, "source", &table);
    let source = match &source_raw {
        Some(raw) => match Source::parse(&raw.value) {
            Ok(s) => Some(Spanned::new(s, raw.span.clone())),
            Err(error) => {
                r.push(InvalidSource {
                    file: r.file,
                    model: name.to_owned(),
                    value: raw.value.clone(),
                    span: raw.span.clone(),
                    error,
                });
                None
            }
        },
        None => {
            if t.get("source").is_none() {
                r.push(MissingKey {
                    file: r.file,
                    key: "source",
                    table: table.clone(),
                    model: Some(name.to_owned()),
                    span: name_span.clone().or_else(|| item.span()),
                    help: format!("say where the model comes from, e.g. `source = \"hf:ORG/NAME\"` under {table}"),
                });
            }
            None
        }
    };

    let revision = r.string(t, "revision", &table);
    let version_raw = r.string(t, "version", &table);
    let files = r.strings(t, "files", &table);
    let license = r.text(t, "license", &table, Some(name));
    let base = r.text(t, "base", &table, Some(name));
    let formats = super::policy::formats(r, t, &table, Some(name));
    let remote_code = super::policy::remote_code(r, t, &table, Some(name));
    let reviews = records(r, t, "review", name, &table, parse_review);
    let accepts = records(r, t, "accept", name, &table, parse_accept);

    // Checks that need the parsed source.
    if let (Some(src), Some(rev)) = (&source, &revision) {
        check_revision(r, name, &src.value, rev);
    }
    let version = version_raw.as_ref().and_then(|v| {
        let other_span = revision.as_ref().and_then(|r| r.span.clone());
        let problem = if revision.is_some() {
            Some((
                "`version` and `revision` are both set".to_owned(),
                "keep one: `version` follows releases, `revision` pins a branch, tag or commit"
                    .to_owned(),
            ))
        } else if source
            .as_ref()
            .is_some_and(|s| !matches!(s.value, Source::Hf(_)))
        {
            Some((
                "`version` works only with hf: sources".to_owned(),
                "for Ollama put the tag in the source; a path: source has no versions".to_owned(),
            ))
        } else {
            None
        };
        if let Some((reason, help)) = problem {
            r.push(InvalidVersion {
                file: r.file,
                model: name.to_owned(),
                span: v.span.clone(),
                reason,
                help,
                other_span,
            });
            return None;
        }
        match semver::VersionReq::parse(&v.value) {
            Ok(req) => Some(Spanned::new(req, v.span.clone())),
            Err(e) => {
                r.push(InvalidVersion {
                    file: r.file,
                    model: name.to_owned(),
                    span: v.span.clone(),
                    reason: e.to_string(),
                    help: "write a semver requirement such as `^1.2`, `~1.2.0` or `>=1, <3`".into(),
                    other_span: None,
                });
                None
            }
        }
    });
    let file_filter = files.as_ref().and_then(|f| build_globs(r, name, f));

    if r.diags[before..].iter().any(Diag::is_fatal) {
        return None;
    }
    let source = source?;
    let source_raw = source_raw?.value;
    Some(ModelEntry {
        name: name.to_owned(),
        name_span,
        source,
        source_raw,
        revision,
        version,
        version_raw: version_raw.map(|v| v.value),
        files,
        file_filter,
        license,
        base,
        formats,
        remote_code,
        reviews,
        accepts,
    })
}

/// A "model" with no keys of its own, only tables: the user wrote a name
/// with a dot without quoting it.
fn is_dotted_name(t: &dyn TableLike) -> bool {
    !t.is_empty()
        && t.get("source").is_none()
        && t.iter()
            .all(|(k, i)| i.is_table_like() && !MODEL_KEYS.contains(&k))
}

fn display_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

fn check_revision(r: &mut Reader<'_>, model: &str, source: &Source, rev: &Spanned<String>) {
    if let Some((reason, help)) = revision_problem(source, &rev.value) {
        r.push(InvalidRevision {
            file: r.file,
            model: model.to_owned(),
            span: rev.span.clone(),
            reason,
            help,
        });
    }
}

/// Why `rev` is not a valid revision for `source`, with a hint; `None` when
/// it is valid.
pub(crate) fn revision_problem(source: &Source, rev: &str) -> Option<(String, String)> {
    match source {
        Source::Hf(_) => hf::validate_revision(rev).err().map(|reason| {
            (
                reason,
                "a revision is a branch (`main`), a tag (`v1.0`), `refs/pr/N` or a 40-hex commit"
                    .to_owned(),
            )
        }),
        Source::Ollama(name) => {
            let ok = rev
                .strip_prefix("sha256:")
                .is_some_and(|h| is_lower_hex(h, 64));
            if !ok {
                Some((
                    "an Ollama revision is a manifest digest".to_owned(),
                    format!(
                        "put the tag in the source (`ollama:{}:{}`), or pin the manifest with `revision = \"sha256:…\"`",
                        name.model, rev
                    ),
                ))
            } else if name.digest.as_ref().is_some_and(|d| d != rev) {
                Some((
                    "the source pins another digest".to_owned(),
                    "keep one digest: in the source or in `revision`".to_owned(),
                ))
            } else {
                None
            }
        }
        Source::Path(_) => Some((
            "a path: source has no revisions".to_owned(),
            "remove `revision`; a directory is locked by the hashes of its files".to_owned(),
        )),
    }
}

/// Compiles `files` globs the way the manifest does; the error names the
/// first bad glob.
pub(crate) fn compile_glob(glob: &str) -> Result<globset::Glob, String> {
    globset::GlobBuilder::new(glob)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

fn build_globs(
    r: &mut Reader<'_>,
    model: &str,
    files: &Spanned<Vec<Spanned<String>>>,
) -> Option<std::sync::Arc<globset::GlobSet>> {
    if files.value.is_empty() {
        r.push(InvalidValue {
            file: r.file,
            model: Some(model.to_owned()),
            message: format!("`files` of model `{model}` is empty, so no file would be locked"),
            label: "matches nothing".into(),
            span: files.span.clone(),
            help: "remove `files` to lock every file, or list globs such as `*.safetensors`".into(),
        });
        return None;
    }
    let patterns: Vec<String> = files.value.iter().map(|g| g.value.clone()).collect();
    if let Some(set) = r.globs.get(&patterns) {
        return Some(set.clone());
    }
    let mut builder = globset::GlobSetBuilder::new();
    let mut ok = true;
    for g in &files.value {
        match compile_glob(&g.value) {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(error) => {
                ok = false;
                r.push(InvalidGlob {
                    file: r.file,
                    model: model.to_owned(),
                    glob: g.value.clone(),
                    span: g.span.clone(),
                    error,
                });
            }
        }
    }
    let set = std::sync::Arc::new(builder.build().ok().filter(|_| ok)?);
    r.globs.insert(patterns, set.clone());
    Some(set)
}

/// Reads one record: (reader, table, model, `[[…]]` header, its span).
type RecordReader<T> =
    fn(&mut Reader<'_>, &dyn TableLike, &str, &str, Option<Range<usize>>) -> Option<T>;

/// The `[[models.NAME.KEY]]` records of an entry (or an array of inline
/// tables), each read by `one`.
fn records<T>(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    key: &'static str,
    model: &str,
    table: &str,
    one: RecordReader<T>,
) -> Vec<T> {
    let Some(item) = t.get(key) else {
        return Vec::new();
    };
    let record_table = format!("[[models.{}.{key}]]", display_key(model));
    let mut out = Vec::new();
    match item {
        Item::ArrayOfTables(a) => {
            for rt in a.iter() {
                out.extend(one(r, rt, model, &record_table, rt.span()));
            }
        }
        Item::Value(Value::Array(a)) => {
            for v in a.iter() {
                match v.as_inline_table() {
                    Some(rt) => out.extend(one(r, rt, model, &record_table, v.span())),
                    None => r.push(WrongType {
                        file: r.file,
                        key: key.into(),
                        table: table.to_owned(),
                        expected: "an array of tables",
                        found: value_type_name(v),
                        span: v.span(),
                    }),
                }
            }
        }
        other => r.wrong_type(
            key,
            table,
            if key == "review" {
                "an array of tables (`[[models.NAME.review]]`)"
            } else {
                "an array of tables (`[[models.NAME.accept]]`)"
            },
            other,
        ),
    }
    out
}

/// Reports a key a record of `model` must have.
fn require(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    key: &'static str,
    what: &str,
    model: &str,
    span: &Option<Range<usize>>,
    help: &str,
) {
    if t.get(key).is_none() {
        r.push(MissingKey {
            file: r.file,
            key,
            table: format!("{what} of `{model}`"),
            model: Some(model.to_owned()),
            span: span.clone(),
            help: help.to_owned(),
        });
    }
}

/// A `license-digest` (or another digest `key`) value: `sha256:` and 64
/// lower-case hex digits.
fn digest(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    table: &str,
    model: &str,
) -> Option<Spanned<String>> {
    digest_at(r, t, "license-digest", table, model)
}

fn digest_at(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    key: &'static str,
    table: &str,
    model: &str,
) -> Option<Spanned<String>> {
    let digest = r.string(t, key, table);
    if let Some(d) = &digest {
        let valid = d
            .value
            .strip_prefix("sha256:")
            .is_some_and(|h| is_lower_hex(h, 64));
        if !valid {
            r.push(InvalidDigest {
                file: r.file,
                key,
                model: model.to_owned(),
                value: d.value.clone(),
                span: d.span.clone(),
            });
        }
    }
    digest
}

/// `expires` must not come before `date`.
fn check_expiry(
    r: &mut Reader<'_>,
    what: &str,
    model: &str,
    date: &Option<Spanned<Date>>,
    expires: &Option<Spanned<Date>>,
) {
    if let (Some(d), Some(e)) = (date, expires) {
        if e.value < d.value {
            r.push(InvalidValue {
                file: r.file,
                model: Some(model.to_owned()),
                message: format!(
                    "{what} of `{model}` expires ({}) before its date ({})",
                    e.value, d.value
                ),
                label: format!(
                    "before the date of the {}",
                    what.trim_start_matches("a ").trim_start_matches("an ")
                ),
                span: e.span.clone(),
                help: "set `expires` after `date`, or remove it".into(),
            });
        }
    }
}

fn parse_accept(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    model: &str,
    table: &str,
    span: Option<Range<usize>>,
) -> Option<Acceptance> {
    r.known_keys(t, table, ACCEPT_KEYS);
    let before = r.diags.len();
    let what = "an acceptance";
    let req = |r: &mut Reader<'_>, key: &'static str, help: &str| {
        require(r, t, key, what, model, &span, help)
    };
    req(r, "finding", "say what is accepted: `finding = \"card-mismatch\"` or `\"restricted-parent\"`; `modellock review NAME --accept FINDING` writes the record");
    req(r, "license-digest", "an acceptance holds for one exact license digest: `modellock review NAME --accept FINDING` writes the record");
    req(
        r,
        "reviewer",
        "say who accepted it, e.g. `reviewer = \"legal@example.com\"`",
    );
    req(
        r,
        "date",
        "say when it was accepted, e.g. `date = 2026-05-01`",
    );
    req(r, "reason", "say why it is acceptable, e.g. `reason = \"LEGAL-88: bound by the stricter terms, which we meet\"`");
    let finding = r.string(t, "finding", table).and_then(|f| match Finding::parse(&f.value) {
        Some(v) => Some(Spanned::new(v, f.span)),
        None => {
            r.push(InvalidValue {
                file: r.file,
                model: Some(model.to_owned()),
                message: format!("`{}` is not a finding that can be accepted", f.value),
                label: "not an acceptable finding".into(),
                span: f.span.clone(),
                help: match did_you_mean(&f.value, ["card-mismatch", "restricted-parent"]) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`finding` is `card-mismatch` (license::card-mismatch) or `restricted-parent` (lineage::restricted-parent)".into(),
                },
            });
            None
        }
    });
    let digest = digest(r, t, table, model);
    let ancestor = r.text(t, "ancestor", table, Some(model));
    let reviewer = r.text(t, "reviewer", table, Some(model));
    let date = r.date(t, "date", table);
    let reason = r.text(t, "reason", table, Some(model));
    let expires = r.date(t, "expires", table);
    check_expiry(r, what, model, &date, &expires);
    if let Some(f) = &finding {
        if f.value == Finding::RestrictedParent && ancestor.is_none() {
            req(r, "ancestor", "name the ancestor whose terms are accepted, e.g. `ancestor = \"meta-llama/Llama-3.1-8B\"`");
        }
        if f.value != Finding::RestrictedParent {
            if let Some(a) = &ancestor {
                r.push(InvalidValue {
                    file: r.file,
                    model: Some(model.to_owned()),
                    message: "`ancestor` belongs to a `restricted-parent` acceptance".into(),
                    label: "only for a restricted parent".into(),
                    span: a.span.clone(),
                    help: "remove `ancestor`".into(),
                });
            }
        }
    }
    if r.diags[before..].iter().any(Diag::is_fatal) {
        return None;
    }
    Some(Acceptance {
        finding: finding?,
        license_digest: digest?,
        ancestor,
        reviewer: reviewer?,
        date: date?,
        reason: reason?,
        expires,
        span,
    })
}

fn parse_review(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    model: &str,
    table: &str,
    span: Option<Range<usize>>,
) -> Option<Review> {
    r.known_keys(t, table, REVIEW_KEYS);
    let before = r.diags.len();
    let what = "a review";
    let req = |r: &mut Reader<'_>, key: &'static str, help: &str| {
        require(r, t, key, what, model, &span, help)
    };
    req(
        r,
        "license-digest",
        "a review approves one license digest: copy it from models.lock, or use `modellock review`",
    );
    req(
        r,
        "reviewer",
        "say who approved the terms, e.g. `reviewer = \"legal@example.com\"`",
    );
    req(
        r,
        "date",
        "say when the terms were approved, e.g. `date = 2026-05-01`",
    );
    let digest = digest(r, t, table, model);
    let documents_digest = digest_at(r, t, "documents-digest", table, model);
    let reviewer = r.text(t, "reviewer", table, Some(model));
    let date = r.date(t, "date", table);
    let note = r.string(t, "note", table);
    let expires = r.date(t, "expires", table);
    let license = r.text(t, "license", table, Some(model));
    let revision = r.text(t, "revision", table, Some(model));
    check_expiry(r, what, model, &date, &expires);
    if r.diags[before..].iter().any(Diag::is_fatal) {
        return None;
    }
    Some(Review {
        license_digest: digest?,
        documents_digest,
        reviewer: reviewer?,
        date: date?,
        note,
        expires,
        license,
        revision,
        span,
    })
}
