//! License identifiers, matched as the knowledge base (`kb.toml`) names
//! them: every Hub id, the common `license_name` values, their aliases and
//! SPDX ids, letter case ignored.

/// The canonical form of a license id, for comparisons: the knowledge
/// base's id for any of its ids, aliases and SPDX ids (letter case
/// ignored), with SPDX's `-only` / `-or-later` suffixes of the GNU licenses
/// folded into the Hub's id (`GPL-3.0-only` → `gpl-3.0`); an id the
/// knowledge base does not know, in lower case.
pub fn canonical(id: &str) -> String {
    let mut lower = id.trim().to_ascii_lowercase();
    for suffix in ["-only", "-or-later", "+"] {
        if let Some(stem) = lower.strip_suffix(suffix) {
            if ["gpl-", "lgpl-", "agpl-", "gfdl-"]
                .iter()
                .any(|p| stem.starts_with(p))
            {
                lower = stem.to_owned();
                break;
            }
        }
    }
    match super::kb::Kb::builtin().get(&lower) {
        Some(e) => e.id.to_ascii_lowercase(),
        None => lower,
    }
}

/// Whether two license ids name the same license.
pub fn same(a: &str, b: &str) -> bool {
    canonical(a) == canonical(b)
}

/// Whether an id is one modellock knows (an entry of the knowledge base:
/// every Hub id, the common `license_name` values, their aliases and SPDX
/// ids).
pub fn is_known(id: &str) -> bool {
    super::kb::Kb::builtin().get(&canonical(id)).is_some()
}

/// Every known id and alias, for "did you mean" suggestions.
pub fn known_ids() -> impl Iterator<Item = &'static str> {
    super::kb::Kb::builtin().names()
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
        // aliases and SPDX ids are the entry they name
        assert!(same("deepseek-license", "deepseek"));
        assert!(same("tii-falcon-llm", "falcon-llm-license"));
        assert!(same("BSD-3-Clause", "bsd-3-clause"));
        assert!(is_known("deepseek-license"));
    }
}
