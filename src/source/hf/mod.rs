//! Hugging Face Hub repositories.

pub mod api;
pub mod cache;
pub mod snapshot;
pub mod versions;

use super::SourceError;
use std::fmt;

/// A Hub model repo id, validated as `huggingface_hub` validates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoId(String);

impl RepoId {
    pub fn parse(s: &str) -> Result<RepoId, SourceError> {
        validate_repo_id(s)?;
        Ok(RepoId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `/` (the whole id for a legacy single-part id).
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The rules of `huggingface_hub.utils.validate_repo_id`: at most one `/`;
/// each part made of word characters, `-` and `.`, starting and ending with a
/// word character; the name at most 96 characters; no `--` or `..`; not
/// ending in `.git`.
fn validate_repo_id(s: &str) -> Result<(), SourceError> {
    const HELP: &str =
        "a Hub repo id is `ORG/NAME` as in the model's URL, e.g. `hf:meta-llama/Llama-3.1-8B`";
    if s.is_empty() {
        return Err(SourceError::new("the repo id is empty", HELP));
    }
    if let Some((id, rev)) = s.split_once('@') {
        return Err(SourceError::new(
            "a revision does not belong in the source",
            format!("write `source = \"hf:{id}\"` and `revision = \"{rev}\"`"),
        ));
    }
    let parts: Vec<&str> = s.split('/').collect();
    if parts.len() > 2 {
        let hint = if matches!(parts[0], "datasets" | "spaces" | "models") {
            format!(
                "only model repos can be locked; for a model write `hf:{}`",
                parts[1..].join("/")
            )
        } else {
            format!(
                "a repo id has at most one `/`; did you mean `hf:{}/{}`?",
                parts[0], parts[1]
            )
        };
        return Err(SourceError::new(format!("`{s}` is not a repo id"), hint));
    }
    for bad in ["--", ".."] {
        if s.contains(bad) {
            return Err(SourceError::new(
                format!("a repo id cannot contain `{bad}`"),
                HELP,
            ));
        }
    }
    if s.ends_with(".git") {
        return Err(SourceError::new("a repo id cannot end with `.git`", HELP));
    }
    for (i, part) in parts.iter().enumerate() {
        let what = if i + 1 == parts.len() {
            "name"
        } else {
            "organisation"
        };
        if part.is_empty() {
            return Err(SourceError::new(format!("the repo {what} is empty"), HELP));
        }
        if let Some(c) = part
            .chars()
            .find(|&c| !(is_word(c) || c == '-' || c == '.'))
        {
            return Err(SourceError::new(
                format!("the repo {what} `{part}` contains `{c}`"),
                "repo ids use letters, digits, `-`, `_` and `.`",
            ));
        }
        let first = part.chars().next().unwrap_or('-');
        let last = part.chars().last().unwrap_or('-');
        if !is_word(first) || !is_word(last) {
            return Err(SourceError::new(
                format!("the repo {what} `{part}` must start and end with a letter or digit"),
                HELP,
            ));
        }
    }
    let name = parts[parts.len() - 1];
    if name.chars().count() > 96 {
        return Err(SourceError::new(
            "the repo name is longer than 96 characters",
            HELP,
        ));
    }
    Ok(())
}

/// Checks a revision (branch, tag, `refs/pr/N` or commit) with git's rules
/// for reference names, so a typo is caught before any request.
pub fn validate_revision(rev: &str) -> Result<(), String> {
    if rev.is_empty() {
        return Err("the revision is empty".into());
    }
    if rev.len() > 255 {
        return Err("the revision is longer than 255 bytes".into());
    }
    if let Some(c) = rev
        .chars()
        .find(|&c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
    {
        return Err(format!("a revision cannot contain {c:?}"));
    }
    if rev.contains("..") || rev.contains("//") || rev.contains("@{") || rev == "@" {
        return Err("a revision cannot contain `..`, `//` or `@{`".into());
    }
    if rev.starts_with('/') || rev.ends_with('/') || rev.ends_with('.') || rev.ends_with(".lock") {
        return Err("a revision cannot start or end with `/`, or end with `.` or `.lock`".into());
    }
    if rev.split('/').any(|p| p.starts_with('.')) {
        return Err("no part of a revision can start with `.`".into());
    }
    Ok(())
}

/// A package URL (`pkg:huggingface/ORG/NAME@REV`, as the purl spec's
/// `huggingface` type) for a Hub repo.
/// Whether a value is a Hub dataset id (`name` or `org/name`, each part of
/// the Hub's characters, not starting with `.` or `-`, no `..`): what the
/// lock records of a card's `datasets`.
pub fn is_dataset_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    parts.len() <= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 96
                && !p.starts_with(['.', '-'])
                && !p.contains("..")
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

pub fn purl(repo: &str, revision: Option<&str>) -> String {
    let enc = |s: &str| {
        s.replace('%', "%25")
            .replace('@', "%40")
            .replace('?', "%3F")
    };
    let path: Vec<String> = repo.split('/').map(enc).collect();
    match revision {
        Some(r) => format!(
            "pkg:huggingface/{}@{}",
            path.join("/"),
            r.to_ascii_lowercase()
        ),
        None => format!("pkg:huggingface/{}", path.join("/")),
    }
}

/// Whether a revision is a full commit id (40 lower-case hex digits).
pub fn is_commit(rev: &str) -> bool {
    crate::hashing::is_lower_hex(rev, 40)
}

/// Whether a revision names something that does not move on its own: a
/// commit, or a tag that reads as a version (`v1.2`, `1.0.0`). Branches such
/// as `main` and pull-request refs float.
pub fn is_pinned(rev: &str) -> bool {
    if is_commit(rev) {
        return true;
    }
    let v = rev
        .strip_prefix('v')
        .or_else(|| rev.strip_prefix('V'))
        .unwrap_or(rev);
    v.chars().next().is_some_and(|c| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+_".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids() {
        for id in [
            "foo",
            "foo/bar",
            "123",
            "Foo-BAR_foo.bar123",
            "meta-llama/Llama-3.1-8B-Instruct",
            "google-bert/bert-base-uncased",
        ] {
            assert!(RepoId::parse(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn invalid_ids() {
        for id in [
            "",
            "datasets/foo/bar",
            ".repo_id",
            "foo--bar",
            "foo.git",
            "foo/",
            "/foo",
            "a/b c",
            "org/-x",
            "foo..bar",
            "a/b@main",
        ] {
            assert!(RepoId::parse(id).is_err(), "{id}");
        }
        let long = format!("org/{}", "a".repeat(97));
        assert!(RepoId::parse(&long).is_err());
    }

    #[test]
    fn revisions() {
        for r in [
            "main",
            "v1.0",
            "refs/pr/1",
            "feature/x",
            "0e9e39f249a16976918f6564b8830bc894c89659",
        ] {
            assert!(validate_revision(r).is_ok(), "{r}");
        }
        for r in [
            "", "a b", "a..b", "x.lock", "/x", "x/", "a:b", "a\tb", "a/.b",
        ] {
            assert!(validate_revision(r).is_err(), "{r}");
        }
        assert!(is_pinned("v1.2.0"));
        assert!(is_pinned("0e9e39f249a16976918f6564b8830bc894c89659"));
        assert!(!is_pinned("main"));
        assert!(!is_pinned("refs/pr/3"));
    }
}
