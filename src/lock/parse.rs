//! Reading models.lock.

use super::diags::{Invalid, UnsupportedVersion};
use super::{Ancestor, LicenseFile, Lock, LockedFile, LockedModel, VERSION};
use crate::diag::{Diag, FileId};
use crate::hashing::is_lower_hex;
use std::ops::Range;
use toml_edit::{Item, TableLike};

struct Reader<'d> {
    file: FileId,
    diags: &'d mut Vec<Diag>,
}

impl Reader<'_> {
    fn invalid(&mut self, message: String, span: Option<Range<usize>>, label: &str) {
        self.diags.push(
            Invalid {
                file: self.file,
                message,
                span,
                label: label.to_owned(),
            }
            .into(),
        );
    }

    fn opt_str(&mut self, t: &dyn TableLike, key: &str, what: &str) -> Option<String> {
        let item = t.get(key)?;
        match item.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                self.invalid(
                    format!("`{key}` of {what} is not a string"),
                    item.span(),
                    "expected a string",
                );
                None
            }
        }
    }

    fn req_str(
        &mut self,
        t: &dyn TableLike,
        key: &str,
        what: &str,
        anchor: Option<Range<usize>>,
    ) -> Option<String> {
        if t.get(key).is_none() {
            self.invalid(
                format!("{what} has no `{key}`"),
                anchor,
                &format!("`{key}` missing"),
            );
            return None;
        }
        self.opt_str(t, key, what)
    }

    fn str_list(&mut self, t: &dyn TableLike, key: &str, what: &str) -> Vec<String> {
        let Some(item) = t.get(key) else {
            return Vec::new();
        };
        let Some(array) = item.as_array() else {
            self.invalid(
                format!("`{key}` of {what} is not an array"),
                item.span(),
                "expected an array of strings",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in array.iter() {
            match v.as_str() {
                Some(s) => out.push(s.to_owned()),
                None => self.invalid(
                    format!("`{key}` of {what} holds a non-string"),
                    v.span(),
                    "expected a string",
                ),
            }
        }
        out
    }

    fn tables<'a>(
        &mut self,
        t: &'a dyn TableLike,
        key: &str,
        what: &str,
    ) -> Vec<&'a dyn TableLike> {
        match t.get(key) {
            None => Vec::new(),
            Some(Item::ArrayOfTables(a)) => a.iter().map(|t| t as &dyn TableLike).collect(),
            Some(Item::Value(toml_edit::Value::Array(a)))
                if a.iter().all(|v| v.is_inline_table()) =>
            {
                a.iter()
                    .filter_map(|v| v.as_inline_table())
                    .map(|t| t as &dyn TableLike)
                    .collect()
            }
            Some(other) => {
                self.invalid(
                    format!("`{key}` of {what} is not an array of tables"),
                    other.span(),
                    "expected [[…]] tables",
                );
                Vec::new()
            }
        }
    }
}

use crate::source::rules::{self, is_digest};

/// A locked path must be a file path of a model, inside its root.
fn check_path(r: &mut Reader<'_>, t: &dyn TableLike, path: &str, what: &str) {
    if let Some(why) = rules::path_problem(path) {
        r.invalid(
            format!(
                "the path `{}` of {what} is not a file path of a model",
                path.escape_debug()
            ),
            t.get("path").and_then(Item::span),
            why,
        );
    }
}

/// Parses a lock's text, registered in the file registry as `file`.
///
/// A lock as modellock writes it is read one `[[model]]` at a time (each
/// table parsed on its own, its spans shifted to the whole file), so that
/// a lock of 10,000 models never holds a document tree of all of it; any
/// other shape (or a part that does not parse alone) is read whole, with
/// the same rules and diagnostics.
pub fn parse(text: &str, file: FileId) -> (Option<Lock>, Vec<Diag>) {
    parse_by_model(text, file).unwrap_or_else(|| parse_whole(text, file))
}

/// The offsets of the lines that are exactly a `[[model]]` header.
fn model_headers(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == "[[model]]" {
            out.push(at);
        }
        at += line.len();
    }
    out
}

/// [`parse`] for the canonical shape: a head with `version` alone, then
/// `[[model]]` tables. `None` when the text has another shape.
fn parse_by_model(text: &str, file: FileId) -> Option<(Option<Lock>, Vec<Diag>)> {
    let headers = model_headers(text);
    let first = *headers.first()?;
    let head = toml_edit::Document::parse(&text[..first]).ok()?;
    let root = head.as_table();
    if root.len() != 1 || root.get("version")?.as_integer() != Some(VERSION) {
        return None;
    }
    let mut diags = Vec::new();
    let mut models: Vec<LockedModel> = Vec::new();
    let mut names = std::collections::HashSet::new();
    let ends = headers
        .iter()
        .skip(1)
        .copied()
        .chain(std::iter::once(text.len()));
    for (i, (start, end)) in headers.iter().copied().zip(ends).enumerate() {
        let doc = toml_edit::Document::parse(&text[start..end]).ok()?;
        let root = doc.as_table();
        let one = root.get("model")?.as_array_of_tables()?;
        if root.len() != 1 || one.len() != 1 {
            return None;
        }
        let t = one.get(0)?;
        let before = diags.len();
        let mut r = Reader {
            file,
            diags: &mut diags,
        };
        let what = match t.get("name").and_then(Item::as_str) {
            Some(n) => format!("model `{n}`"),
            None => format!("[[model]] number {}", i + 1),
        };
        let parsed = parse_model(&mut r, t, &what);
        // spans of this part, in the whole file
        let shift = |s: Range<usize>| s.start + start..s.end + start;
        for d in &mut diags[before..] {
            for l in &mut d.labels {
                if l.file == file {
                    l.span = shift(l.span.clone());
                }
            }
        }
        if let Some(mut m) = parsed {
            m.span = m.span.map(shift);
            if !names.insert(m.name.clone()) {
                let mut r = Reader {
                    file,
                    diags: &mut diags,
                };
                r.invalid(
                    format!("model `{}` appears twice", m.name),
                    m.span.clone(),
                    "second entry",
                );
                continue;
            }
            models.push(m);
        }
    }
    let ok = diags.is_empty();
    Some((ok.then(|| Lock::new(models)), diags))
}

/// [`parse`] of the whole document at once.
fn parse_whole(text: &str, file: FileId) -> (Option<Lock>, Vec<Diag>) {
    let mut diags = Vec::new();
    let doc = match toml_edit::Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let msg = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .trim()
                .to_owned();
            diags.push(
                Invalid {
                    file,
                    message: format!("not valid TOML: {msg}"),
                    span: e.span(),
                    label: msg,
                }
                .into(),
            );
            return (None, diags);
        }
    };
    let root = doc.as_table();
    match root.get("version") {
        None => {
            diags.push(
                Invalid {
                    file,
                    message: "there is no `version`".into(),
                    span: Some(0..0),
                    label: "`version = 1` expected first".into(),
                }
                .into(),
            );
            return (None, diags);
        }
        Some(item) => match item.as_integer() {
            Some(VERSION) => {}
            Some(_) => {
                let found = item
                    .as_value()
                    .map(|v| v.to_string().trim().to_owned())
                    .unwrap_or_default();
                diags.push(
                    UnsupportedVersion {
                        file,
                        found,
                        span: item.span(),
                    }
                    .into(),
                );
                return (None, diags);
            }
            None => {
                diags.push(
                    Invalid {
                        file,
                        message: "`version` is not an integer".into(),
                        span: item.span(),
                        label: "expected `version = 1`".into(),
                    }
                    .into(),
                );
                return (None, diags);
            }
        },
    }

    let mut r = Reader {
        file,
        diags: &mut diags,
    };
    let mut models: Vec<LockedModel> = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, t) in r.tables(root, "model", "the lock").into_iter().enumerate() {
        let what = match t.get("name").and_then(Item::as_str) {
            Some(n) => format!("model `{n}`"),
            None => format!("[[model]] number {}", i + 1),
        };
        if let Some(m) = parse_model(&mut r, t, &what) {
            if !names.insert(m.name.clone()) {
                let span = m.span.clone();
                r.invalid(
                    format!("model `{}` appears twice", m.name),
                    span,
                    "second entry",
                );
                continue;
            }
            models.push(m);
        }
    }
    let lock = Lock::new(models);
    let ok = diags.is_empty();
    (ok.then_some(lock), diags)
}

fn parse_model(r: &mut Reader<'_>, t: &dyn TableLike, what: &str) -> Option<LockedModel> {
    let anchor = t.get("name").and_then(Item::span);
    let before = r.diags.len();
    let name = r.req_str(t, "name", what, anchor.clone());
    let source = r.req_str(t, "source", what, anchor.clone());
    let revision = r.req_str(t, "revision", what, anchor.clone());
    let license_digest = r.req_str(t, "license-digest", what, anchor.clone());
    if let Some(d) = &license_digest {
        if !is_digest(d) {
            let span = t.get("license-digest").and_then(Item::span);
            r.invalid(
                format!("`license-digest` of {what} is malformed"),
                span,
                "expected `sha256:` and 64 hex digits",
            );
        }
    }
    // the revision names a directory of the HF cache, an Ollama manifest:
    // it must be the id the source kind has, never a path
    if let (Some(src), Some(rev)) = (&source, &revision) {
        let kind = src.split(':').next().unwrap_or_default();
        if let Some(why) = rules::revision_problem(kind, rev) {
            r.invalid(
                format!(
                    "the `revision` of {what} is malformed: `{}`",
                    rev.escape_debug()
                ),
                t.get("revision").and_then(Item::span),
                why,
            );
        }
    }
    let requested = r.opt_str(t, "requested", what);
    let tag = r.opt_str(t, "tag", what);
    let license = r.opt_str(t, "license", what);
    let hub_id = r.opt_str(t, "hub-id", what);
    if let Some(id) = &hub_id {
        if !crate::hashing::is_lower_hex(id, 24) {
            r.invalid(
                format!("the `hub-id` of {what} is malformed"),
                t.get("hub-id").and_then(Item::span),
                "expected the Hub's 24 hex digits",
            );
        }
    }
    let author = r.opt_str(t, "author", what);
    let base_models = r.str_list(t, "base-models", what);
    let include = r.str_list(t, "include", what);
    let pipeline_tag = r.opt_str(t, "pipeline-tag", what);
    let datasets = r.str_list(t, "datasets", what);
    if datasets
        .iter()
        .any(|d| !crate::source::hf::is_dataset_id(d))
    {
        r.invalid(
            format!("`datasets` of {what} holds a value that is not a Hub dataset id"),
            t.get("datasets").and_then(Item::span),
            "expected dataset ids such as \"org/name\"",
        );
    }
    let multimodal = match t.get("multimodal") {
        None => None,
        Some(item) => match item.as_bool() {
            Some(b) => Some(b),
            None => {
                r.invalid(
                    format!("`multimodal` of {what} is not a boolean"),
                    item.span(),
                    "expected true or false",
                );
                None
            }
        },
    };

    let license_files = license_files(r, t, what, &anchor);
    let documents = documents(r, t, what, &anchor);
    let documents_digest = opt_digest(r, t, "documents-digest", what);
    let documents_baseline = opt_digest(r, t, "documents-baseline", what);
    match &documents_digest {
        Some(d) if *d != crate::license::documents::DocumentSet::of(&documents).digest() => {
            r.invalid(
                format!(
                    "the `documents-digest` of {what} is not the digest of the documents it lists"
                ),
                t.get("documents-digest").and_then(Item::span),
                "models.lock is written by modellock only: run `modellock update` to rewrite it",
            );
        }
        None if !documents.is_empty() => r.invalid(
            format!("{what} lists documents without a `documents-digest`"),
            anchor.clone(),
            "models.lock is written by modellock only: run `modellock update` to rewrite it",
        ),
        _ => {}
    }
    if let Some(dup) = rules::duplicate(documents.iter().map(|d| d.key())) {
        r.invalid(
            format!("{what} lists the document `{}` twice", dup.escape_debug()),
            anchor.clone(),
            "each document is locked once; run `modellock update` to rewrite models.lock",
        );
    }
    let gguf = gguf(r, t, what);
    let scan = scan(r, t, what);
    let lineage = lineage(r, t, what, &anchor);
    let files = files(r, t, what, &anchor);
    if let Some(dup) = rules::duplicate(files.iter().map(|f| f.path.as_str())) {
        r.invalid(
            format!("{what} lists the file `{}` twice", dup.escape_debug()),
            anchor.clone(),
            "each path is locked once; run `modellock update` to rewrite models.lock",
        );
    }
    if let Some(dup) = rules::duplicate(license_files.iter().map(|l| l.path.as_str())) {
        r.invalid(
            format!(
                "{what} lists the license file `{}` twice",
                dup.escape_debug()
            ),
            anchor.clone(),
            "each path is locked once; run `modellock update` to rewrite models.lock",
        );
    }
    if r.diags.len() > before {
        return None;
    }
    Some(LockedModel {
        name: name?,
        source: source?,
        requested,
        tag,
        revision: revision?,
        license,
        hub_id,
        author,
        scan,
        license_digest: license_digest?,
        documents_digest,
        documents_baseline,
        documents,
        base_models,
        lineage,
        pipeline_tag,
        datasets,
        multimodal,
        include,
        gguf,
        license_files,
        files,
        span: anchor,
    })
}

/// The `[model.scan]` table: what the Hub's security scan said.
fn scan(r: &mut Reader, t: &dyn TableLike, what: &str) -> Option<crate::source::hf::api::Scan> {
    let item = t.get("scan")?;
    let Some(s) = item.as_table_like() else {
        r.invalid(
            format!("`scan` of {what} is not a table"),
            item.span(),
            "expected `[model.scan]` with `done` and `issues`",
        );
        return None;
    };
    let done = s.get("done").and_then(Item::as_bool).unwrap_or(false);
    let mut issues = Vec::new();
    if let Some(list) = s.get("issues").and_then(Item::as_array) {
        for v in list.iter() {
            let Some(it) = v.as_inline_table() else {
                continue;
            };
            if let (Some(p), Some(l)) = (
                it.get("path").and_then(|x| x.as_str()),
                it.get("level").and_then(|x| x.as_str()),
            ) {
                issues.push((p.to_owned(), l.to_owned()));
            }
        }
    }
    Some(crate::source::hf::api::Scan { done, issues })
}

/// The `[model.gguf]` table: what the header of the model's GGUF file
/// says of its license.
fn gguf(r: &mut Reader, t: &dyn TableLike, what: &str) -> Option<crate::source::gguf::GgufFacts> {
    let item = t.get("gguf")?;
    let Some(g) = item.as_table_like() else {
        r.invalid(
            format!("`gguf` of {what} is not a table"),
            item.span(),
            "expected `[model.gguf]` with `file` and the license keys",
        );
        return None;
    };
    let gwhat = format!("the GGUF header of {what}");
    let file = r.opt_str(g, "file", &gwhat)?;
    Some(crate::source::gguf::GgufFacts {
        file,
        license: crate::license::gguf::GgufLicense {
            license: r.opt_str(g, "license", &gwhat),
            name: r.opt_str(g, "license-name", &gwhat),
            link: r.opt_str(g, "license-link", &gwhat),
            source: r.opt_str(g, "source", &gwhat),
        },
    })
}

/// An optional `sha256:` digest of a model.
fn opt_digest(r: &mut Reader<'_>, t: &dyn TableLike, key: &str, what: &str) -> Option<String> {
    let d = r.opt_str(t, key, what)?;
    if !is_digest(&d) {
        r.invalid(
            format!("`{key}` of {what} is malformed"),
            t.get(key).and_then(Item::span),
            "expected `sha256:` and 64 hex digits",
        );
        return None;
    }
    Some(d)
}

/// The `[[model.document]]` tables of a model: documents its terms
/// incorporate, each with the digest of its text or why it was not read.
fn documents(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    what: &str,
    anchor: &Option<Range<usize>>,
) -> Vec<crate::license::documents::Document> {
    let mut out = Vec::new();
    for dt in r.tables(t, "document", what) {
        let dwhat = format!("a document of {what}");
        let title = r.req_str(dt, "title", &dwhat, anchor.clone());
        let origin = r.req_str(dt, "origin", &dwhat, anchor.clone());
        let url = r.opt_str(dt, "url", &dwhat);
        let digest = opt_digest(r, dt, "digest", &dwhat);
        let unavailable = r.opt_str(dt, "unavailable", &dwhat);
        if let Some(u) = &url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && !u.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                r.invalid(
                    format!("the `url` of {dwhat} is not an http(s) URL"),
                    dt.get("url").and_then(Item::span),
                    "run `modellock update` to rewrite models.lock",
                );
            }
        }
        if digest.is_some() == unavailable.is_some() {
            r.invalid(
                format!("{dwhat} needs exactly one of `digest` and `unavailable`"),
                anchor.clone(),
                "run `modellock update` to rewrite models.lock",
            );
        }
        if let (Some(title), Some(origin)) = (title, origin) {
            out.push(crate::license::documents::Document {
                title,
                url,
                origin,
                digest,
                unavailable,
            });
        }
    }
    out
}

/// The `[[model.license-file]]` tables of a model.
fn license_files(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    what: &str,
    anchor: &Option<Range<usize>>,
) -> Vec<LicenseFile> {
    let mut license_files = Vec::new();
    for lt in r.tables(t, "license-file", what) {
        let lwhat = format!("a license file of {what}");
        let path = r.req_str(lt, "path", &lwhat, anchor.clone());
        let digest = r.req_str(lt, "digest", &lwhat, anchor.clone());
        if let (Some(path), Some(digest)) = (path, digest) {
            check_path(r, lt, &path, what);
            if !is_digest(&digest) {
                let span = lt.get("digest").and_then(Item::span);
                r.invalid(
                    format!("the digest of license file `{path}` of {what} is malformed"),
                    span,
                    "expected `sha256:` and 64 hex digits",
                );
            }
            let id = r.opt_str(lt, "id", &lwhat);
            let confidence = match lt.get("confidence") {
                None => None,
                Some(item) => {
                    let v = item
                        .as_float()
                        .or_else(|| item.as_integer().map(|i| i as f64));
                    match v.filter(|v| (0.0..=1.0).contains(v)) {
                        Some(v) => Some((v * 100.0).round() as u8),
                        None => {
                            r.invalid(
                                format!("the `confidence` of license file `{path}` of {what} is not a number from 0 to 1"),
                                item.span(),
                                "expected e.g. `confidence = 0.97`",
                            );
                            None
                        }
                    }
                }
            };
            let nearest = r.opt_str(lt, "nearest", &lwhat);
            let nearest_text = r.opt_str(lt, "nearest-text", &lwhat);
            license_files.push(LicenseFile {
                path,
                digest,
                id,
                confidence,
                nearest,
                nearest_text,
            });
        }
    }
    license_files
}

/// The `[[model.lineage]]` tables of a model.
fn lineage(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    what: &str,
    anchor: &Option<Range<usize>>,
) -> Vec<Ancestor> {
    let mut lineage = Vec::new();
    for at in r.tables(t, "lineage", what) {
        let awhat = format!("an ancestor of {what}");
        let model = r.req_str(at, "model", &awhat, anchor.clone());
        let relation = r.req_str(at, "relation", &awhat, anchor.clone());
        let license = r.opt_str(at, "license", &awhat);
        let base_of = r.opt_str(at, "base-of", &awhat);
        let arevision = r.opt_str(at, "revision", &awhat);
        let adigest = r.opt_str(at, "license-digest", &awhat);
        if let Some(d) = adigest.as_deref().filter(|d| !is_digest(d)) {
            r.invalid(
                format!("the `license-digest` of {awhat} is malformed: `{d}`"),
                at.get("license-digest").and_then(Item::span),
                "expected `sha256:` and 64 lower-case hex digits",
            );
        }
        if let (Some(model), Some(relation)) = (model, relation) {
            lineage.push(Ancestor {
                model,
                relation,
                license,
                base_of,
                revision: arevision,
                license_digest: adigest,
            });
        }
    }
    lineage
}

/// The `[[model.file]]` tables of a model.
fn files(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    what: &str,
    anchor: &Option<Range<usize>>,
) -> Vec<LockedFile> {
    let mut files = Vec::new();
    for ft in r.tables(t, "file", what) {
        let fwhat = format!("a file of {what}");
        let path = r.req_str(ft, "path", &fwhat, anchor.clone());
        let sha256 = r.req_str(ft, "sha256", &fwhat, anchor.clone());
        let size = match ft.get("size") {
            None => {
                r.invalid(
                    format!("{fwhat} has no `size`"),
                    anchor.clone(),
                    "`size` missing",
                );
                None
            }
            Some(item) => match item.as_integer().and_then(|i| u64::try_from(i).ok()) {
                Some(n) => Some(n),
                None => {
                    r.invalid(
                        format!("the `size` of {fwhat} is not a byte count"),
                        item.span(),
                        "expected an integer ≥ 0",
                    );
                    None
                }
            },
        };
        if let (Some(path), Some(sha256), Some(size)) = (path, sha256, size) {
            check_path(r, ft, &path, what);
            if !is_lower_hex(&sha256, 64) {
                let span = ft.get("sha256").and_then(Item::span);
                r.invalid(
                    format!("the sha256 of `{path}` of {what} is malformed"),
                    span,
                    "expected 64 lower-case hex digits",
                );
            }
            // the class is what the name says: a lock edited to call a
            // pickle safetensors does not read
            if let Some(class) = r.opt_str(ft, "class", &fwhat) {
                let derived = crate::source::format::Class::of_path(&path);
                if class != derived.as_str() {
                    r.invalid(
                        format!(
                            "the `class` of `{path}` of {what} is `{class}`, and a file of that name is `{}`",
                            derived.as_str()
                        ),
                        ft.get("class").and_then(Item::span),
                        "models.lock is written by modellock only: run `modellock update` to rewrite it",
                    );
                }
            }
            let remote_code = r.str_list(ft, "remote-code", &fwhat);
            files.push(LockedFile {
                path,
                size,
                sha256,
                remote_code,
            });
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lock and its findings: (message, label spans).
    type Read = (Option<Lock>, Vec<(String, Vec<Range<usize>>)>);

    fn both(text: &str) -> [Read; 2] {
        let mut files = crate::diag::Files::new();
        let id = files.add("models.lock", text);
        let simple = |(lock, diags): (Option<Lock>, Vec<Diag>)| {
            let d = diags
                .into_iter()
                .map(|d| (d.message, d.labels.into_iter().map(|l| l.span).collect()))
                .collect();
            (lock, d)
        };
        let by_model = parse_by_model(text, id).expect("the canonical shape");
        [simple(by_model), simple(parse_whole(text, id))]
    }

    /// Read one model at a time or whole, a lock gives the same models,
    /// the same findings and the same spans.
    #[test]
    fn by_model_is_whole() {
        let hex = |c: char| c.to_string().repeat(64);
        let model = |name: &str, sha: &str| {
            format!(
                "\n[[model]]\nname = \"{name}\"\nsource = \"hf:org/{name}\"\nrevision = \"{}\"\nlicense-digest = \"sha256:{}\"\n\n[[model.file]]\npath = \"a.bin\"\nsize = 1\nsha256 = \"{sha}\"\n",
                "0".repeat(40),
                hex('a')
            )
        };
        let good = format!(
            "version = 1\n{}{}",
            model("a", &hex('b')),
            model("b", &hex('c'))
        );
        let [x, y] = both(&good);
        assert!(x.1.is_empty() && x.0.is_some());
        assert_eq!(x, y);
        // a finding in the second model points at the same bytes
        let bad = format!(
            "version = 1\n{}{}",
            model("a", &hex('b')),
            model("b", "NOPE")
        );
        let [x, y] = both(&bad);
        assert_eq!(x.1.len(), 1);
        assert_eq!(x, y);
        let span = x.1[0].1[0].clone();
        assert_eq!(&bad[span], "\"NOPE\"");
        // a name twice
        let twice = format!(
            "version = 1\n{}{}",
            model("a", &hex('b')),
            model("a", &hex('c'))
        );
        let [x, y] = both(&twice);
        assert_eq!(x, y);
        assert!(x.1[0].0.contains("appears twice"));
        // other shapes are read whole
        let mut files = crate::diag::Files::new();
        let id = files.add("models.lock", "version = 1\nmodel = []\n");
        assert!(parse_by_model("version = 1\nmodel = []\n", id).is_none());
        let split_string = "version = 1\nx = \"\"\"\n[[model]]\nname = \"a\"\n\"\"\"\n";
        assert!(parse_by_model(split_string, id).is_none());
    }
}
