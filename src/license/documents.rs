//! Documents a model's terms incorporate by reference: the acceptable use
//! policy a Llama license names by URL, Gemma's prohibited use policy, the
//! page a card's `license_link` points to, the text a gated repo asks
//! people to accept. Each is locked by the digest of its text (HTML reduced
//! to text, then normalised as a license file is), and the set of them by a
//! `documents-digest` of its own beside the `license-digest`, so that a
//! policy that changes behind the same URL needs a new review while the
//! `license-digest` of DESIGN.md stays what it always was.

use crate::hashing::{is_lower_hex, sha256_hex};

/// Where a document comes from, as the lock records it (`origin`).
pub const ORIGIN_CARD_LINK: &str = "card:license_link";
pub const ORIGIN_GATED_PROMPT: &str = "card:extra_gated_prompt";

/// A document of a model's terms, as the lock records it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Document {
    /// What it is: "Llama 3.1 Acceptable Use Policy".
    pub title: String,
    /// Where it is read; `None` for a text the card carries itself.
    pub url: Option<String>,
    /// Who names it: `kb:ID` (the license's own text, as modellock's
    /// knowledge base records), `card:license_link`,
    /// `card:extra_gated_prompt`.
    pub origin: String,
    /// `sha256:` + hex of its normalised text; `None` when it could not be
    /// read.
    pub digest: Option<String>,
    /// Why it could not be read (`HTTP 404`, `offline`), when it could not.
    pub unavailable: Option<String>,
}

impl Document {
    /// What names the document in a documents digest: its URL, or its
    /// origin for a text without one.
    pub fn key(&self) -> &str {
        self.url.as_deref().unwrap_or(&self.origin)
    }
}

/// A document a model's terms call for, before it is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub title: String,
    pub url: Option<String>,
    pub origin: String,
    /// The text, when the source gave it (the card's gated prompt).
    pub text: Option<Vec<u8>>,
}

/// The documents the knowledge base says the licenses `ids` incorporate
/// (each URL once, in the order met).
pub fn incorporated<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<Wanted> {
    let kb = super::kb::Kb::builtin();
    let mut out: Vec<Wanted> = Vec::new();
    for id in ids {
        let Some(entry) = kb.get(id) else { continue };
        for doc in &entry.conditions.incorporated {
            if out
                .iter()
                .any(|w| w.url.as_deref() == Some(doc.url.as_str()))
            {
                continue;
            }
            out.push(Wanted {
                title: doc.title.clone(),
                url: Some(doc.url.clone()),
                origin: format!("kb:{}", entry.id),
                text: None,
            });
        }
    }
    out
}

/// The documents of a model by key, as a documents digest sees them: each
/// key with the hex digest of its text, or `None` when it could not be
/// read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentSet {
    /// (key, hex digest), sorted by key.
    pub entries: Vec<(String, Option<String>)>,
}

/// The line value of a document that could not be read.
const UNAVAILABLE: &str = "unavailable";

impl DocumentSet {
    pub fn of(docs: &[Document]) -> DocumentSet {
        let mut entries: Vec<(String, Option<String>)> = docs
            .iter()
            .map(|d| {
                let hex = d
                    .digest
                    .as_deref()
                    .map(|h| h.strip_prefix("sha256:").unwrap_or(h).to_owned());
                (d.key().to_owned(), hex)
            })
            .collect();
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        entries.dedup_by(|a, b| a.0 == b.0);
        DocumentSet { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The lines `doc:KEY\tHEX\n` (`unavailable` for a document that could
    /// not be read), sorted by key in byte order.
    pub fn lines(&self) -> String {
        let mut text = String::new();
        for (key, hex) in &self.entries {
            text.push_str("doc:");
            text.push_str(key);
            text.push('\t');
            text.push_str(hex.as_deref().unwrap_or(UNAVAILABLE));
            text.push('\n');
        }
        text
    }

    /// The `documents-digest`: `sha256:` + hex sha256 of [`Self::lines`].
    pub fn digest(&self) -> String {
        format!("sha256:{}", sha256_hex(self.lines().as_bytes()))
    }

    /// Reads [`Self::lines`] back; `None` when the text is not such lines.
    pub fn parse(text: &str) -> Option<DocumentSet> {
        let mut entries = Vec::new();
        for line in text.split_terminator('\n') {
            let (key, value) = line.strip_prefix("doc:")?.split_once('\t')?;
            let hex = match value {
                UNAVAILABLE => None,
                h if is_lower_hex(h, 64) => Some(h.to_owned()),
                _ => return None,
            };
            entries.push((key.to_owned(), hex));
        }
        let set = DocumentSet { entries };
        // only the canonical form: sorted, each key once
        let sorted = set
            .entries
            .windows(2)
            .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes());
        sorted.then_some(set)
    }

    /// The digest (`sha256:…`) of the document with `key`: `Some(None)`
    /// when it is listed as unavailable.
    pub fn get(&self, key: &str) -> Option<Option<String>> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, h)| h.as_ref().map(|h| format!("sha256:{h}")))
    }
}

/// How one document differs between a reviewed set and the locked one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentChange {
    pub key: String,
    /// The digests (`sha256:…`; `None`: listed but unavailable) before and
    /// after; the outer `None` when the document is not in that set.
    pub old: Option<Option<String>>,
    pub new: Option<Option<String>>,
}

impl DocumentChange {
    pub fn what(&self) -> &'static str {
        match (&self.old, &self.new) {
            (None, _) => "added",
            (_, None) => "removed",
            (Some(None), Some(Some(_))) => "read for the first time",
            (Some(Some(_)), Some(None)) => "now unavailable",
            _ => "changed",
        }
    }
}

/// The documents that differ between two sets, by key.
pub fn changes(old: &DocumentSet, new: &DocumentSet) -> Vec<DocumentChange> {
    let mut keys: Vec<&str> = old
        .entries
        .iter()
        .chain(&new.entries)
        .map(|(k, _)| k.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (a, b) = (old.get(key), new.get(key));
            (a != b).then(|| DocumentChange {
                key: key.to_owned(),
                old: a,
                new: b,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: &str, digest: Option<&str>) -> Document {
        Document {
            title: "AUP".into(),
            url: Some(url.into()),
            origin: "kb:llama3.1".into(),
            digest: digest.map(str::to_owned),
            unavailable: digest.is_none().then(|| "HTTP 404".to_owned()),
        }
    }

    #[test]
    fn digest_is_the_sorted_lines() {
        let a = format!("sha256:{}", "a".repeat(64));
        let set = DocumentSet::of(&[
            doc("https://z.example/p", None),
            doc("https://a.example/p", Some(&a)),
        ]);
        let lines = format!(
            "doc:https://a.example/p\t{}\ndoc:https://z.example/p\tunavailable\n",
            "a".repeat(64)
        );
        assert_eq!(set.lines(), lines);
        assert_eq!(
            set.digest(),
            format!("sha256:{}", sha256_hex(lines.as_bytes()))
        );
        assert_eq!(DocumentSet::parse(&lines), Some(set.clone()));
        assert_eq!(DocumentSet::parse("doc:x\tnothex\n"), None);
        assert_eq!(DocumentSet::parse("file:x\tunavailable\n"), None);
        // out of order is not the canonical form
        let swapped = "doc:b\tunavailable\ndoc:a\tunavailable\n";
        assert_eq!(DocumentSet::parse(swapped), None);
        assert_eq!(set.get("https://a.example/p"), Some(Some(a.clone())));
        assert_eq!(set.get("https://z.example/p"), Some(None));
        assert_eq!(set.get("https://nowhere"), None);
    }

    #[test]
    fn what_changed_between_sets() {
        let a = format!("sha256:{}", "a".repeat(64));
        let b = format!("sha256:{}", "b".repeat(64));
        let old = DocumentSet::of(&[doc("u1", Some(&a)), doc("u2", Some(&a)), doc("u3", None)]);
        let new = DocumentSet::of(&[doc("u1", Some(&a)), doc("u2", Some(&b)), doc("u4", None)]);
        let what: Vec<(String, &str)> = changes(&old, &new)
            .iter()
            .map(|c| (c.key.clone(), c.what()))
            .collect();
        assert_eq!(
            what,
            [
                ("u2".to_owned(), "changed"),
                ("u3".to_owned(), "removed"),
                ("u4".to_owned(), "added")
            ]
        );
    }

    #[test]
    fn the_knowledge_base_names_the_use_policies() {
        let w = incorporated(["llama3.1", "Llama3.1", "gemma", "mit"]);
        let urls: Vec<&str> = w.iter().filter_map(|w| w.url.as_deref()).collect();
        assert_eq!(
            urls,
            [
                "https://llama.meta.com/llama3_1/use-policy",
                "https://ai.google.dev/gemma/prohibited_use_policy"
            ]
        );
        assert_eq!(w[0].origin, "kb:llama3.1");
    }
}
