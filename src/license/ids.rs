//! License identifiers: the Hub's ids, matched case-insensitively, with the
//! SPDX spellings accepted where they differ.

/// The license identifiers the Hugging Face Hub accepts in a model card
/// (https://huggingface.co/docs/hub/repositories-licenses).
pub const HUB_IDS: &[&str] = &[
    "apache-2.0",
    "mit",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m",
    "afl-3.0",
    "artistic-2.0",
    "bsl-1.0",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "c-uda",
    "cc",
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "wtfpl",
    "ecl-2.0",
    "epl-1.0",
    "epl-2.0",
    "etalab-2.0",
    "eupl-1.1",
    "eupl-1.2",
    "agpl-3.0",
    "gfdl",
    "gpl",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl",
    "lgpl-2.1",
    "lgpl-3.0",
    "isc",
    "h-research",
    "intel-research",
    "lppl-1.3c",
    "ms-pl",
    "apple-ascl",
    "apple-amlr",
    "mpl-2.0",
    "odc-by",
    "odbl",
    "openmdw-1.0",
    "openmdw-1.1",
    "openrail++",
    "osl-3.0",
    "postgresql",
    "ofl-1.1",
    "ncsa",
    "unlicense",
    "zlib",
    "pddl",
    "lgpl-lr",
    "deepfloyd-if-license",
    "fair-noncommercial-research-license",
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    "grok2-community",
    "gemma",
    "unknown",
    "other",
];

/// Common `license_name` values of cards that say `license: other`, and ids
/// the Hub retired but old cards still carry.
pub const OTHER_NAMES: &[&str] = &[
    "tongyi-qianwen",
    "tongyi-qianwen-research",
    "qwen",
    "qwen-research",
    "mrl",
    "mnpl",
    "deepseek",
    "deepseek-license",
    "falcon",
    "tii-falcon-llm",
    "falcon-llm-license",
];

/// The canonical form of a license id, for comparisons: lower case, with
/// SPDX's `-only` / `-or-later` suffixes of the GNU licenses folded into the
/// Hub's id (`GPL-3.0-only` → `gpl-3.0`).
pub fn canonical(id: &str) -> String {
    let lower = id.trim().to_ascii_lowercase();
    for suffix in ["-only", "-or-later", "+"] {
        if let Some(stem) = lower.strip_suffix(suffix) {
            if ["gpl-", "lgpl-", "agpl-", "gfdl-"]
                .iter()
                .any(|p| stem.starts_with(p))
            {
                return stem.to_owned();
            }
        }
    }
    lower
}

/// Whether two license ids name the same license.
pub fn same(a: &str, b: &str) -> bool {
    canonical(a) == canonical(b)
}

/// Whether an id is one modellock knows (a Hub id or a common other name).
pub fn is_known(id: &str) -> bool {
    let c = canonical(id);
    HUB_IDS.iter().chain(OTHER_NAMES).any(|k| *k == c)
}

/// Every known id, for "did you mean" suggestions.
pub fn known_ids() -> impl Iterator<Item = &'static str> {
    HUB_IDS.iter().chain(OTHER_NAMES).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_and_hub_spellings_match() {
        assert!(same("Apache-2.0", "apache-2.0"));
        assert!(same("GPL-3.0-only", "gpl-3.0"));
        assert!(same("LGPL-2.1-or-later", "lgpl-2.1"));
        assert!(same("MIT", "mit"));
        assert!(!same("llama3", "llama3.1"));
        assert!(is_known("Llama3.1"));
        assert!(!is_known("apache2"));
    }
}
