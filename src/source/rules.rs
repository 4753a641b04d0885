//! The rules every value from a source obeys before it is locked or
//! cached, and that the lock parser applies to what it reads: a value the
//! lock would reject is never written into it. A hostile or broken server
//! (or a lock edited in a pull request) cannot smuggle a path out of its
//! root, a digest that is not one, or a revision that is a path.

use crate::hashing::is_lower_hex;

/// Why a path is not a file path of a model: `None` when it is one — a
/// relative path of `/`-separated, non-empty components, none `.` or `..`,
/// without backslashes, NUL or other control characters, at most 4,096
/// bytes.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("it is empty");
    }
    if path.len() > 4096 {
        return Some("it is longer than 4,096 bytes");
    }
    if path.starts_with('/') {
        return Some("it is absolute");
    }
    if path.contains('\\') {
        return Some("it contains a backslash");
    }
    if path.chars().any(char::is_control) {
        return Some("it contains a control character");
    }
    if path.len() >= 2 && path.as_bytes()[1] == b':' {
        return Some("it starts with a drive letter");
    }
    for part in path.split('/') {
        match part {
            "" => return Some("it has an empty component (`//` or a trailing `/`)"),
            "." => return Some("it has a `.` component"),
            ".." => return Some("it has a `..` component"),
            _ => {}
        }
    }
    None
}

/// `sha256:` and 64 lower-case hex digits (a license digest, an Ollama
/// manifest digest, a directory's revision).
pub fn is_digest(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| is_lower_hex(h, 64))
}

/// 64 lower-case hex digits (a file's sha256).
pub fn is_sha256(s: &str) -> bool {
    is_lower_hex(s, 64)
}

/// A git object id: 40 (sha1) or 64 (sha256) lower-case hex digits.
pub fn is_git_oid(s: &str) -> bool {
    is_lower_hex(s, 40) || is_lower_hex(s, 64)
}

/// Why `revision` cannot be the locked revision of a source of this kind
/// (`hf`, `ollama`, `path`): a Hub commit is a git object id; an Ollama
/// manifest and a directory are named by a `sha256:` digest.
pub fn revision_problem(kind: &str, revision: &str) -> Option<&'static str> {
    let ok = match kind {
        "hf" => is_git_oid(revision),
        "ollama" | "path" => is_digest(revision),
        _ => true,
    };
    (!ok).then_some(match kind {
        "hf" => "expected a commit: 40 lower-case hex digits",
        _ => "expected `sha256:` and 64 lower-case hex digits",
    })
}

/// The first path listed twice, if any (`paths` in any order).
pub fn duplicate<'a>(paths: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    paths.into_iter().find(|p| !seen.insert(*p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for ok in [
            "model.safetensors",
            "a/b/c.json",
            "..hidden",
            "a..b/c",
            ".gitattributes",
        ] {
            assert_eq!(path_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a/./b",
            "./a",
            "a//b",
            "a/",
            "a\\b",
            "C:x",
            "a\u{0}b",
            "a\nb",
        ] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
        assert!(path_problem(&"a".repeat(4097)).is_some());
    }

    #[test]
    fn ids() {
        let hex64 = "a".repeat(64);
        assert!(is_digest(&format!("sha256:{hex64}")));
        assert!(!is_digest(&hex64));
        assert!(!is_sha256(&"A".repeat(64)));
        assert!(is_git_oid(&"0".repeat(40)));
        assert!(!is_git_oid("../../etc"));
        assert_eq!(revision_problem("hf", &"1".repeat(40)), None);
        assert!(revision_problem("hf", "../x").is_some());
        assert!(revision_problem("ollama", &"1".repeat(40)).is_some());
        assert_eq!(revision_problem("path", &format!("sha256:{hex64}")), None);
        assert_eq!(duplicate(["a", "b", "a"]), Some("a"));
        assert_eq!(duplicate(["a", "b"]), None);
    }
}
