//! The license digest, exactly as DESIGN.md specifies it, so that any tool
//! can recompute it.

use crate::hashing::sha256_hex;

/// Whether a file at the model's root is a license file: its name starts,
/// case-insensitively, with LICENSE, LICENCE, USE_POLICY, NOTICE or TERMS,
/// optionally after a qualifier naming what it governs (`MODEL_LICENSE`,
/// `WEIGHTS-LICENSE`, `CODE_LICENSE`). Files in subdirectories never are.
pub fn is_license_file(path: &str) -> bool {
    if path.contains('/') {
        return false;
    }
    let upper = path.to_ascii_uppercase();
    let upper = strip_qualifier(&upper);
    ["LICENSE", "LICENCE", "USE_POLICY", "NOTICE", "TERMS"]
        .iter()
        .any(|p| upper.starts_with(p))
}

/// An upper-case file name without a leading `MODEL_`, `MODEL-`,
/// `WEIGHTS_`, `CODE_` … qualifier.
pub(crate) fn strip_qualifier(upper: &str) -> &str {
    for q in ["MODEL", "MODELS", "WEIGHTS", "WEIGHT", "CODE"] {
        if let Some(rest) = upper.strip_prefix(q) {
            if let Some(rest) = rest.strip_prefix(['_', '-', '.']) {
                if rest.starts_with("LICEN") {
                    return rest;
                }
            }
        }
    }
    upper
}

/// The normalised text of a license file: decoded as UTF-8 (invalid
/// sequences replaced), a leading BOM dropped, split on Unicode white space
/// and the non-empty pieces joined by single spaces.
pub fn normalise(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut out = String::with_capacity(text.len());
    for word in text.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A license file's digest: `sha256:` + hex sha256 of its normalised text.
pub fn file_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(normalise(bytes).as_bytes()))
}

/// What a model card declares about its license (each only when declared;
/// a list is joined with `,`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardLicense {
    pub license: Option<String>,
    pub license_name: Option<String>,
    pub license_link: Option<String>,
}

/// A model's license digest: `sha256:` + hex sha256 of the lines
/// `KEY\tVALUE\n` sorted by key, for the card's license keys and
/// `file:PATH` → the license file's digest hex (see [`super::Terms`]).
pub fn model_digest<'a>(
    card: &CardLicense,
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    super::Terms::new(card.clone(), files).digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_file_names() {
        for name in [
            "LICENSE",
            "license.md",
            "LICENCE.txt",
            "USE_POLICY.md",
            "NOTICE",
            "Terms_of_use.txt",
        ] {
            assert!(is_license_file(name), "{name}");
        }
        for name in ["README.md", "docs/LICENSE", "MY_LICENSE", "config.json"] {
            assert!(!is_license_file(name), "{name}");
        }
    }

    #[test]
    fn normalisation_ignores_wrapping_bom_and_crlf() {
        let a = normalise(b"\xEF\xBB\xBFSome  terms\r\nhere.\n\n");
        let b = normalise(b"Some terms here.");
        assert_eq!(a, b);
        assert_eq!(a, "Some terms here.");
        // U+2003 EM SPACE and U+00A0 NO-BREAK SPACE are Unicode white space.
        assert_eq!(normalise("a\u{2003}b\u{a0}c".as_bytes()), "a b c");
        assert_ne!(file_digest(b"700 million"), file_digest(b"100 million"));
    }

    #[test]
    fn model_digest_is_the_sorted_lines() {
        let card = CardLicense {
            license: Some("llama3.1".into()),
            ..Default::default()
        };
        let fd = file_digest(b"terms");
        let expected_text = format!(
            "card:license\tllama3.1\nfile:LICENSE\t{}\n",
            fd.trim_start_matches("sha256:")
        );
        let expected = format!("sha256:{}", sha256_hex(expected_text.as_bytes()));
        assert_eq!(model_digest(&card, [("LICENSE", fd.as_str())]), expected);
    }
}
