//! A model's license terms as the license digest sees them: the card's
//! license keys and each license file's digest. The digest is the sha256 of
//! [`Terms::lines`], exactly as DESIGN.md specifies.

use super::CardLicense;
use crate::hashing::sha256_hex;

/// The inputs of a model's `license-digest`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Terms {
    pub card: CardLicense,
    /// (path, `sha256:` + hex of the normalised text), sorted by path.
    pub files: Vec<(String, String)>,
}

impl Terms {
    pub fn new<'a>(
        card: CardLicense,
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Terms {
        let mut files: Vec<(String, String)> = files
            .into_iter()
            .map(|(p, d)| (p.to_owned(), d.to_owned()))
            .collect();
        files.sort();
        files.dedup_by(|a, b| a.0 == b.0);
        Terms { card, files }
    }

    /// The lines `KEY\tVALUE\n`, sorted by key (byte order): `card:license`,
    /// `card:license_name`, `card:license_link` when declared, and
    /// `file:PATH` → the file digest's hex.
    pub fn lines(&self) -> String {
        let mut lines: Vec<(String, String)> = Vec::new();
        let card_keys = [
            ("card:license", &self.card.license),
            ("card:license_name", &self.card.license_name),
            ("card:license_link", &self.card.license_link),
        ];
        for (key, value) in card_keys {
            if let Some(v) = value {
                lines.push((key.to_owned(), v.clone()));
            }
        }
        for (path, digest) in &self.files {
            let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
            lines.push((format!("file:{path}"), hex.to_owned()));
        }
        lines.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut text = String::new();
        for (k, v) in lines {
            text.push_str(&k);
            text.push('\t');
            text.push_str(&v);
            text.push('\n');
        }
        text
    }

    /// The model's license digest: `sha256:` + hex sha256 of [`Terms::lines`].
    pub fn digest(&self) -> String {
        format!("sha256:{}", sha256_hex(self.lines().as_bytes()))
    }

    /// Reads [`Terms::lines`] back; `None` when the text is not such lines.
    pub fn parse(text: &str) -> Option<Terms> {
        let mut t = Terms::default();
        for line in text.split_terminator('\n') {
            let (key, value) = line.split_once('\t')?;
            match key {
                "card:license" => t.card.license = Some(value.to_owned()),
                "card:license_name" => t.card.license_name = Some(value.to_owned()),
                "card:license_link" => t.card.license_link = Some(value.to_owned()),
                _ => {
                    let path = key.strip_prefix("file:")?;
                    if !crate::hashing::is_lower_hex(value, 64) {
                        return None;
                    }
                    t.files.push((path.to_owned(), format!("sha256:{value}")));
                }
            }
        }
        t.files.sort();
        Some(t)
    }

    /// The digest of the file at `path`.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, d)| d.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let t = Terms::new(
            CardLicense {
                license: Some("other".into()),
                license_name: Some("llama3".into()),
                license_link: Some("LICENSE".into()),
            },
            [
                (
                    "USE_POLICY.md",
                    format!("sha256:{}", "b".repeat(64)).as_str(),
                ),
                ("LICENSE", format!("sha256:{}", "a".repeat(64)).as_str()),
            ],
        );
        let lines = t.lines();
        assert!(lines.starts_with("card:license\tother\ncard:license_link\tLICENSE\n"));
        assert_eq!(Terms::parse(&lines), Some(t.clone()));
        assert_eq!(
            t.digest(),
            format!("sha256:{}", sha256_hex(lines.as_bytes()))
        );
        assert_eq!(Terms::parse("nonsense"), None);
        assert_eq!(Terms::parse("file:X\tnothex\n"), None);
    }
}

/// A license file of a model, as the lock records it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LicenseFile {
    pub path: String,
    /// `sha256:` + hex of the normalised text.
    pub digest: String,
    /// The license the text was identified as (`unknown` when none).
    pub id: Option<String>,
    /// How sure the identification is, in hundredths: 100 for a known
    /// text exactly, less for a near match. Written as `0.97`. For an
    /// `unknown` text: how near the nearest known text is.
    pub confidence: Option<u8>,
    /// For an `unknown` text: the license of the nearest known text, and
    /// that text (what a reviewer is shown: "unknown, 0.82 like gemma").
    pub nearest: Option<String>,
    pub nearest_text: Option<String>,
}

impl LicenseFile {
    /// The license files of a model's terms, as the lock records them.
    pub fn of(terms: &Terms) -> Vec<LicenseFile> {
        terms
            .files
            .iter()
            .map(|(path, digest)| LicenseFile {
                path: path.clone(),
                digest: digest.clone(),
                ..Default::default()
            })
            .collect()
    }
}
