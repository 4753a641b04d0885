//! The license knowledge base shipped inside the binary (`kb.toml`): what
//! each license identifier is — name, family, category, SPDX id — and, for
//! model licenses, the conditions that bind a product, each with the source
//! it was read from.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const DATA: &str = include_str!("kb.toml");

/// How a license lets a product use a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Permissive,
    WeakCopyleft,
    Copyleft,
    ResponsibleAi,
    OpenWeightCommunity,
    Proprietary,
    NonCommercial,
    ResearchOnly,
    Unknown,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Permissive => "permissive",
            Category::WeakCopyleft => "weak-copyleft",
            Category::Copyleft => "copyleft",
            Category::ResponsibleAi => "responsible-ai",
            Category::OpenWeightCommunity => "open-weight-community",
            Category::Proprietary => "proprietary",
            Category::NonCommercial => "non-commercial",
            Category::ResearchOnly => "research-only",
            Category::Unknown => "unknown",
        }
    }

    /// How much a category restricts a product, for "the stricter of two
    /// licenses": permissive 0 … research-only 7; unknown counts as the
    /// strictest, as nobody has read it.
    pub fn strictness(self) -> u8 {
        match self {
            Category::Permissive => 0,
            Category::WeakCopyleft => 1,
            Category::Copyleft => 2,
            Category::ResponsibleAi => 3,
            Category::OpenWeightCommunity => 4,
            Category::Proprietary => 5,
            Category::NonCommercial => 6,
            Category::ResearchOnly => 7,
            Category::Unknown => 8,
        }
    }
}

/// Whether commercial use is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commercial {
    pub allowed: bool,
    pub source: String,
}

/// A monthly-active-users threshold above which a separate license is needed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MauThreshold {
    pub users: u64,
    pub measured: String,
    pub consequence: String,
    pub source: String,
}

/// A text to display or ship, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Display {
    pub text: String,
    #[serde(rename = "where")]
    pub placement: String,
    pub source: String,
}

/// A rule in the license's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub rule: String,
    /// For a derivative-naming rule: the required name prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub source: String,
}

/// A document incorporated by reference (an acceptable use policy).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incorporated {
    pub title: String,
    pub url: String,
    pub source: String,
}

/// Users in some regions get no rights (for some models).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionExclusion {
    pub regions: Vec<String>,
    /// `multimodal`: only for multimodal models; `all` otherwise.
    pub scope: String,
    pub text: String,
    pub source: String,
}

/// The conditions of a model license that matter to a product.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Conditions {
    pub commercial: Option<Commercial>,
    pub mau_threshold: Option<MauThreshold>,
    pub attribution: Option<Display>,
    pub notice: Option<Display>,
    pub derivative_naming: Option<Rule>,
    pub redistribution: Option<Rule>,
    pub outputs: Option<Rule>,
    pub flow_down: Option<Rule>,
    pub derivatives: Option<Rule>,
    pub remote_restriction: Option<Rule>,
    #[serde(default)]
    pub incorporated: Vec<Incorporated>,
    #[serde(default)]
    pub region_exclusions: Vec<RegionExclusion>,
}

/// One license of the knowledge base.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Entry {
    pub id: String,
    pub name: String,
    pub family: String,
    pub category: Category,
    pub spdx: Option<String>,
    pub scancode: Option<String>,
    /// Where the official text is.
    pub text: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub sources: Vec<String>,
    pub note: Option<String>,
    /// What every text of this license names (its licensor, model, version:
    /// `deepfloyd`, `llama 3.1`, `rail++`; `a|b` for either of two, such as
    /// a title and a clause only this license has), matched as whole words
    /// in the lower-cased text. A near match that lacks one is not this license:
    /// templates shared by several licenses (the research licenses of
    /// LLaMA 1, DeepFloyd IF and SDXL 0.9; RAIL-M and RAIL++-M) differ in
    /// little else.
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub conditions: Conditions,
}

/// Regions licenses name, and what falls in them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regions {
    /// Names that mean everywhere (they fall in every region).
    pub worldwide: Vec<String>,
    #[serde(default, rename = "group")]
    pub groups: Vec<RegionGroup>,
}

/// A region made of others (the EU and its member states).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionGroup {
    pub id: String,
    /// How sentences name it (`the EU`).
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 codes.
    pub members: Vec<String>,
    pub source: String,
}

impl Regions {
    /// Whether a region of `[use]` falls in a region a license names
    /// (letter case ignored).
    pub fn contains(&self, excluded: &str, used: &str) -> bool {
        let used = used.trim();
        let same = |a: &String| a.eq_ignore_ascii_case(used);
        if used.eq_ignore_ascii_case(excluded) || self.worldwide.iter().any(same) {
            return true;
        }
        self.groups
            .iter()
            .filter(|g| g.id.eq_ignore_ascii_case(excluded))
            .any(|g| g.aliases.iter().any(same) || g.members.iter().any(same))
    }

    /// How a sentence names a region (`EU` → `the EU`).
    pub fn name<'a>(&'a self, region: &'a str) -> &'a str {
        self.groups
            .iter()
            .find(|g| g.id == region)
            .map_or(region, |g| g.name.as_str())
    }
}

/// The knowledge base.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kb {
    #[serde(default)]
    pub regions: Regions,
    #[serde(rename = "license")]
    pub licenses: Vec<Entry>,
    /// Every id, alias and SPDX id, lower case → the entry's index.
    #[serde(skip)]
    index: std::collections::HashMap<String, usize>,
}

impl Kb {
    /// Parses knowledge-base TOML.
    pub fn parse(text: &str) -> Result<Kb, String> {
        let mut kb: Kb = toml_edit::de::from_str(text).map_err(|e| e.to_string())?;
        for (i, e) in kb.licenses.iter().enumerate() {
            let names = std::iter::once(&e.id)
                .chain(&e.aliases)
                .chain(e.spdx.as_ref());
            for n in names {
                // the first entry that claims a name keeps it
                kb.index.entry(n.to_ascii_lowercase()).or_insert(i);
            }
        }
        Ok(kb)
    }

    /// The knowledge base built into modellock.
    pub fn builtin() -> &'static Kb {
        static KB: OnceLock<Kb> = OnceLock::new();
        // kb.toml is part of the binary and tested (tests/it/kb.rs): a parse
        // error is a build defect, reported by the panic hook as a bug
        KB.get_or_init(|| Kb::parse(DATA).expect("src/license/kb.toml parses"))
    }

    /// The entry of a license id, a `license_name` or an SPDX id (letter
    /// case ignored).
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.index
            .get(&id.trim().to_ascii_lowercase())
            .map(|&i| &self.licenses[i])
    }

    /// Every id and alias, for "did you mean".
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.licenses.iter().flat_map(|e| {
            std::iter::once(e.id.as_str()).chain(e.aliases.iter().map(String::as_str))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_knowledge() {
        let kb = Kb::builtin();
        let llama = kb.get("Llama3.2").unwrap();
        assert_eq!(llama.category, Category::OpenWeightCommunity);
        let c = &llama.conditions;
        assert_eq!(c.mau_threshold.as_ref().unwrap().users, 700_000_000);
        assert_eq!(c.attribution.as_ref().unwrap().text, "Built with Llama");
        assert_eq!(c.region_exclusions[0].regions, ["EU"]);
        assert_eq!(kb.get("Apache-2.0").unwrap().id, "apache-2.0");
        assert_eq!(kb.get("tii-falcon-llm").unwrap().id, "falcon-llm-license");
        assert!(kb.get("no-such-license").is_none());
        assert!(Category::ResearchOnly.strictness() > Category::Permissive.strictness());
    }
}
