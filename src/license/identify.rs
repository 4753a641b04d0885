//! Which license a license file really is, whatever the card claims. Each
//! known official text is recorded as a fingerprint, not as text: its
//! normalised digest (an exact match, confidence 1.0) and a bottom-k sketch
//! of its hashed word 3-shingles, from which the Jaccard similarity of a
//! near match (a re-wrapped or lightly edited copy) is estimated.
//!
//! Similarity names a text; it cannot detect drift (Llama 3.1, 3.2 and 3.3
//! differ in a few words): change detection is the digest's job.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

const DATA: &str = include_str!("fingerprints.toml");

/// How many of the smallest shingle hashes a sketch keeps.
pub const SKETCH: usize = 128;
/// Below this estimated similarity a text is `unknown`.
pub const THRESHOLD: f64 = 0.85;
/// From this similarity on, an `unknown` text is shown with the known text
/// it is nearest to (below, the texts share too little to say).
pub const NEAR: f64 = 0.5;

/// The fingerprint of one known text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Known {
    /// The license id (kb.toml).
    pub id: String,
    /// Which text this is (document, version, where it was taken from).
    pub label: String,
    /// `sha256:` of the normalised text (the license file digest).
    pub digest: String,
    /// Where the text comes from: the public repository, the file's path
    /// and the commit it was read at, and the sha256 of its bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// What the text names of what its license's texts always name
    /// (kb.toml `names`): a near match must name them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// The sketch: the smallest shingle hashes, as 16 hex digits each.
    pub sketch: Vec<String>,
}

/// The provenance of a known text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub repo: String,
    pub path: String,
    pub commit: String,
    /// Hex sha256 of the file's bytes.
    pub sha256: String,
}

/// Known texts (fingerprints.toml).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprints {
    #[serde(rename = "text", default)]
    pub texts: Vec<Known>,
}

/// What a text was identified as.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Identified {
    /// The license id, or `unknown`.
    pub id: String,
    /// 1.0 for an exact match of a known text; the estimated similarity of
    /// the nearest known text otherwise.
    pub confidence: f64,
    /// The known text it matched.
    pub matched: Option<String>,
    /// For `unknown`: the license of the nearest known text and that text
    /// (`confidence` is how near), so that a reviewer sees "unknown, 0.82
    /// like gemma".
    pub nearest: Option<(String, String)>,
}

/// A text lower-cased, its white space collapsed to single spaces.
fn lowered(text: &str) -> String {
    text.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `text` (lower-cased, white space collapsed) names `name` as
/// whole words: not inside a longer word or number (`llama 3` is named by
/// "llama 3.1", not by "llama 30"). A space of the name also matches a
/// hyphen, an underscore or nothing, as copies write it (`Llama-3.1`,
/// `Llama3.1`, `Tongyi_Qianwen`).
/// `a|b` names either (a title, or a clause only this license has).
fn names(text: &str, name: &str) -> bool {
    name.split('|').any(|alternative| {
        let body = alternative
            .split(' ')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join("[ _-]?");
        regex::Regex::new(&format!("(?:^|[^a-z0-9]){body}(?:$|[^a-z0-9])"))
            .is_ok_and(|re| re.is_match(text))
    })
}

/// Lower-case alphanumeric words: punctuation, quotes and line breaks
/// do not matter to similarity.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// FNV-1a, then the splitmix64 finaliser: stable across platforms and Rust
/// versions, as stored sketches require.
fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A text without its copyright notices (lines that start with
/// "Copyright", "(c)" or "©"): every copy names its own holder and year,
/// and they are not terms, so they must not make a copy less alike.
fn without_copyright_lines(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let l = l
                .trim_start()
                .trim_start_matches(['#', '*', '>', ' '])
                .to_lowercase();
            !(l.starts_with("copyright") || l.starts_with("(c)") || l.starts_with('©'))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The set of hashed word 3-shingles of a text (its copyright notices
/// left out).
fn shingles(text: &str) -> BTreeSet<u64> {
    let w = words(&without_copyright_lines(text));
    if w.len() < 3 {
        return w.iter().map(|x| hash(x)).collect();
    }
    w.windows(3).map(|s| hash(&s.join(" "))).collect()
}

/// The bottom-k sketch of a text.
pub fn sketch(text: &str) -> Vec<u64> {
    shingles(text).into_iter().take(SKETCH).collect()
}

/// The estimated Jaccard similarity of two bottom-k sketches.
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    let union: Vec<u64> = a
        .iter()
        .chain(b)
        .copied()
        .collect::<BTreeSet<u64>>()
        .into_iter()
        .take(SKETCH)
        .collect();
    if union.is_empty() {
        return 0.0;
    }
    let (sa, sb): (BTreeSet<u64>, BTreeSet<u64>) =
        (a.iter().copied().collect(), b.iter().copied().collect());
    let both = union
        .iter()
        .filter(|h| sa.contains(h) && sb.contains(h))
        .count();
    both as f64 / union.len() as f64
}

impl Known {
    /// The fingerprint of a text known to be license `id`.
    pub fn of(id: &str, label: &str, bytes: &[u8]) -> Known {
        let text = String::from_utf8_lossy(bytes);
        let lower = lowered(&text);
        let names = super::kb::Kb::builtin()
            .get(id)
            .map(|e| {
                e.names
                    .iter()
                    .filter(|n| names(&lower, n))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Known {
            id: id.to_owned(),
            label: label.to_owned(),
            digest: super::file_digest(bytes),
            origin: None,
            names,
            sketch: sketch(&text).iter().map(|h| format!("{h:016x}")).collect(),
        }
    }

    fn sketch_values(&self) -> Vec<u64> {
        self.sketch
            .iter()
            .filter_map(|h| u64::from_str_radix(h, 16).ok())
            .collect()
    }
}

impl Fingerprints {
    pub fn parse(text: &str) -> Result<Fingerprints, String> {
        toml_edit::de::from_str(text).map_err(|e| e.to_string())
    }

    /// The fingerprints built into modellock.
    pub fn builtin() -> &'static Fingerprints {
        static FP: OnceLock<Fingerprints> = OnceLock::new();
        // generated by `cargo run --example fingerprints` and tested
        FP.get_or_init(|| Fingerprints::parse(DATA).expect("src/license/fingerprints.toml parses"))
    }

    /// The built-in fingerprints and those of the file `extra`
    /// (`MODELLOCK_FINGERPRINTS`), if any.
    pub fn with_extra(extra: Option<&std::path::Path>) -> Result<Fingerprints, String> {
        let mut all = Fingerprints::builtin().clone();
        if let Some(path) = extra {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let more = Fingerprints::parse(&text)
                .map_err(|e| format!("`{}` is not a fingerprints file: {e}", path.display()))?;
            all.texts.extend(more.texts);
        }
        Ok(all)
    }

    /// The fingerprints as TOML, sorted (what the generator writes).
    pub fn to_toml(&self) -> String {
        let mut texts = self.texts.clone();
        texts.sort_by(|a, b| (&a.id, &a.label).cmp(&(&b.id, &b.label)));
        let mut out = String::from(
            "# @generated by `cargo run --example fingerprints -- fixtures/licenses/known`:\n\
             # the fingerprints of known license texts, each with its origin (see\n\
             # src/license/corpus.rs and identify.rs). Do not edit by hand.\n",
        );
        // TOML strings, as TOML encodes them (`{:?}` is Rust's escaping)
        let string = |s: &str| toml_edit::Value::from(s).to_string();
        for t in &texts {
            out.push_str("\n[[text]]\n");
            out.push_str(&format!("id = {}\n", string(&t.id)));
            out.push_str(&format!("label = {}\n", string(&t.label)));
            out.push_str(&format!("digest = {}\n", string(&t.digest)));
            if let Some(o) = &t.origin {
                out.push_str(&format!(
                    "origin = {{ repo = {}, path = {}, commit = {}, sha256 = {} }}\n",
                    string(&o.repo),
                    string(&o.path),
                    string(&o.commit),
                    string(&o.sha256)
                ));
            }
            if !t.names.is_empty() {
                let names: Vec<String> = t.names.iter().map(|n| string(n)).collect();
                out.push_str(&format!("names = [{}]\n", names.join(", ")));
            }
            out.push_str("sketch = [\n");
            for chunk in t.sketch.chunks(6) {
                let line: Vec<String> = chunk.iter().map(|h| string(h)).collect();
                out.push_str(&format!("  {},\n", line.join(", ")));
            }
            out.push_str("]\n");
        }
        out
    }

    /// Which known license a text is: an exact match of a known text, else
    /// the known text nearest by sketch among those whose names (kb.toml
    /// `names` that the known text carries) the text carries too, when it
    /// is near enough.
    pub fn identify(&self, bytes: &[u8]) -> Identified {
        let digest = super::file_digest(bytes);
        if let Some(k) = self.texts.iter().find(|k| k.digest == digest) {
            return Identified {
                id: k.id.clone(),
                confidence: 1.0,
                matched: Some(k.label.clone()),
                nearest: None,
            };
        }
        let text = String::from_utf8_lossy(bytes);
        let s = sketch(&text);
        let mut ranked: Vec<(&Known, f64)> = self
            .texts
            .iter()
            .map(|k| (k, similarity(&s, &k.sketch_values())))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        // two decimals: a stable value for the lock; 1.0 is only ever an
        // exact match (a sketch can agree on a text that differs beyond
        // its smallest shingles)
        let score = |sim: f64| ((sim * 100.0).floor() / 100.0).min(0.99);
        let lower = lowered(&text);
        let carries = |k: &Known| k.names.iter().all(|n| names(&lower, n));
        if let Some((k, sim)) = ranked
            .iter()
            .find(|(k, sim)| *sim >= THRESHOLD && carries(k))
        {
            return Identified {
                id: k.id.clone(),
                confidence: score(*sim),
                matched: Some(k.label.clone()),
                nearest: None,
            };
        }
        match ranked.first() {
            Some((k, sim)) if *sim >= NEAR => Identified {
                id: "unknown".to_owned(),
                confidence: score(*sim),
                matched: None,
                nearest: Some((k.id.clone(), k.label.clone())),
            },
            Some((_, sim)) => Identified {
                id: "unknown".to_owned(),
                confidence: score(*sim),
                matched: None,
                nearest: None,
            },
            None => Identified {
                id: "unknown".to_owned(),
                confidence: 0.0,
                matched: None,
                nearest: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Fingerprints {
        let a = "Permission is granted, free of charge, to any person obtaining a copy of these model weights, to deal in them without restriction, provided that this notice is included in all copies. THE WEIGHTS ARE PROVIDED AS IS.";
        let b = "If the monthly active users of the products or services made available by the Licensee exceed 700 million in the preceding calendar month, you must request a license from Example Corp, which it may grant in its sole discretion, and you shall display Built with Example on a related website.";
        Fingerprints {
            texts: vec![
                Known::of("mit", "permissive", a.as_bytes()),
                Known::of("cc-by-4.0", "community", b.as_bytes()),
            ],
        }
    }

    #[test]
    fn fingerprints_are_valid_toml_whatever_the_names() {
        let fp = Fingerprints {
            texts: vec![Known::of(
                "mit",
                "licencé \"x\"\\y\u{7}.txt",
                b"Permission is granted to anyone.",
            )],
        };
        let text = fp.to_toml();
        let back = Fingerprints::parse(&text).unwrap();
        assert_eq!(back.texts[0].label, "licencé \"x\"\\y\u{7}.txt");
        assert_eq!(back.texts[0].sketch, fp.texts[0].sketch);
    }

    #[test]
    fn exact_near_and_unknown() {
        let fp = texts();
        let exact = fp.identify(texts_b().as_bytes());
        assert_eq!((exact.id.as_str(), exact.confidence), ("cc-by-4.0", 1.0));
        // re-wrapped and with CRLF: the same normalised text
        let wrapped = texts_b().replace(' ', "\r\n");
        assert_eq!(fp.identify(wrapped.as_bytes()).confidence, 1.0);
        // one word changed: a near match
        let edited = texts_b().replace("700", "100");
        let near = fp.identify(edited.as_bytes());
        assert_eq!(near.id, "cc-by-4.0");
        assert!(
            near.confidence >= THRESHOLD && near.confidence < 1.0,
            "{near:?}"
        );
        // something else entirely
        let other = fp.identify(b"The quick brown fox jumps over the lazy dog again and again.");
        assert_eq!(other.id, "unknown");
    }

    #[test]
    fn copyright_lines_do_not_count() {
        let a = "MIT License\n\nCopyright (c) 2024 Acme\n\nPermission is hereby granted, free of charge, to any person.";
        let b = "MIT License\n\n**Copyright (C) 2025 Someone Else Entirely, Inc.**\n\nPermission is hereby granted, free of charge, to any person.";
        assert_eq!(sketch(a), sketch(b));
        // a line that only mentions copyright inside it counts
        let c = "MIT License\n\nPermission is hereby granted, free of charge, to any person. No copyright is waived.";
        assert_ne!(sketch(a), sketch(c));
    }

    #[test]
    fn names_are_whole_words() {
        assert!(names("the llama 3.1 community license", "llama 3.1"));
        assert!(names("the llama 3.1 community license", "llama 3"));
        assert!(!names("llama 30 and llama 31", "llama 3"));
        assert!(names("creativeml open rail++-m license", "rail++"));
        assert!(!names("creativeml open rail-m license", "rail++"));
        assert!(names("yi series models", "yi"));
        assert!(!names("the yield", "yi"));
        // as copies write versions and names
        assert!(names("the llama-3.1 community license", "llama 3.1"));
        assert!(names("meta llama3.1 license", "llama 3.1"));
        assert!(names("tongyi_qianwen license agreement", "tongyi qianwen"));
        assert!(!names("llama 3.10 license", "llama 3.1"));
        assert!(names(
            "use the latest version of the model",
            "rail-m|latest version of the model"
        ));
    }

    #[test]
    fn only_an_exact_match_is_certain() {
        // a long text whose change falls outside the sketch's shingles:
        // the sketches agree, the texts do not
        let base: String = (0..2000).map(|i| format!("clause{i} ")).collect();
        let fp = Fingerprints {
            texts: vec![Known::of("mit", "long", base.as_bytes())],
        };
        // a changed last word whose shingles fall outside the sketch
        let changed = (0..100)
            .map(|i| format!("{base} obligation{i}"))
            .find(|t| sketch(t) == sketch(&base))
            .expect("a change the sketch cannot see");
        let near = fp.identify(changed.as_bytes());
        assert_eq!(near.id, "mit");
        assert!(near.confidence < 1.0, "{near:?}");
        assert_eq!(fp.identify(base.as_bytes()).confidence, 1.0);
    }

    fn texts_b() -> String {
        "If the monthly active users of the products or services made available by the Licensee exceed 700 million in the preceding calendar month, you must request a license from Example Corp, which it may grant in its sole discretion, and you shall display Built with Example on a related website.".to_owned()
    }

    #[test]
    fn hashes_are_stable() {
        // stored sketches depend on these exact values
        assert_eq!(format!("{:016x}", hash("abc")), "0dd490490804b508");
        assert_eq!(similarity(&[1, 2, 3], &[1, 2, 3]), 1.0);
        assert_eq!(similarity(&[1, 2], &[3, 4]), 0.0);
    }
}

/// Whether an identified license file contradicts a declared license: the
/// ids differ for an exact match. For a near match, the families differ,
/// or the versions do where identification tells them apart — two ids of
/// one family whose texts name different versions (`llama 3.1`, `llama
/// 3.2`): a near match carries the names of the text it matched, so a Llama
/// 3.1 text under a Llama 3.2 card is other terms, not agreement. A
/// declared list (`mit,apache-2.0`) agrees when any of its ids does.
pub fn disagrees(declared: &str, identified: &str, confidence: u8) -> bool {
    if identified == "unknown" {
        return false;
    }
    let kb = super::kb::Kb::builtin();
    let family = |id: &str| {
        kb.get(id)
            .map_or_else(|| id.to_ascii_lowercase(), |e| e.family.clone())
    };
    let names = |id: &str| kb.get(id).map(|e| e.names.clone()).unwrap_or_default();
    let versions_told_apart = |d: &str| {
        let (a, b) = (names(d), names(identified));
        !a.is_empty() && !b.is_empty() && a != b
    };
    !declared.split(',').map(str::trim).any(|d| {
        super::ids::same(d, identified)
            || (confidence < 100 && family(d) == family(identified) && !versions_told_apart(d))
    })
}

/// Of two license ids, the one whose category restricts a product more
/// (a license the knowledge base does not know counts as the strictest).
pub fn stricter<'a>(a: &'a str, b: &'a str) -> &'a str {
    let kb = super::kb::Kb::builtin();
    let rank = |id: &str| {
        id.split(',')
            .map(|i| {
                kb.get(i.trim())
                    .map_or(super::kb::Category::Unknown, |e| e.category)
                    .strictness()
            })
            .min()
            .unwrap_or(u8::MAX)
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod agreement {
    use super::*;

    #[test]
    fn card_and_file() {
        assert!(disagrees("mit", "llama3", 100));
        assert!(disagrees("apache-2.0", "llama3.1", 97));
        assert!(!disagrees("llama3.1", "llama3.1", 100));
        assert!(!disagrees("Apache-2.0", "apache-2.0", 100));
        assert!(
            disagrees("llama3.1", "llama3.2", 100),
            "another version, exactly"
        );
        // a near match names its version: another version is other terms
        assert!(disagrees("llama3.1", "llama3.2", 96));
        assert!(disagrees("llama3.2", "llama3", 90));
        // versions identification cannot tell apart agree
        assert!(!disagrees("gemma", "gemma", 90));
        assert!(!disagrees("cc-by-nc-4.0", "cc-by-nc-4.0", 90));
        assert!(!disagrees("mit,apache-2.0", "apache-2.0", 100));
        assert!(!disagrees("mit", "unknown", 0));
        assert_eq!(stricter("mit", "llama3"), "llama3");
        assert_eq!(stricter("llama3", "mit"), "llama3");
        assert_eq!(stricter("apache-2.0", "cc-by-nc-4.0"), "cc-by-nc-4.0");
        assert_eq!(
            stricter("mit", "some-custom-license"),
            "some-custom-license"
        );
    }
}
