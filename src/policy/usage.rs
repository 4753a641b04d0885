//! `policy::use-conflict`: how the product uses its models (`[use]`)
//! against the conditions of every license a model is bound by — its own
//! and those of its bases at any depth (the lock's lineage, the manifest's
//! `base` entries).

use crate::license::ids;
use crate::license::kb::{Category, Kb};
use crate::license::obligations::group_digits;
use crate::lock::Lock;
use crate::manifest::{Manifest, ModelEntry, Use};

/// A license a model is bound by, and through which ancestor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    pub license: String,
    /// The base it comes from (a Hub repo id or a manifest entry name);
    /// `None` for the model's own license.
    pub via: Option<String>,
    /// How the model derives from `via`: `finetune`, `quantized`, … or
    /// `base` for a manifest `base` entry.
    pub relation: Option<String>,
}

/// Every license a locked model is bound by: its own, its lineage's and
/// its manifest bases' (recursively), each license once, nearest first.
pub fn bound_licenses(manifest: &Manifest, entry: &ModelEntry, lock: &Lock) -> Vec<Bound> {
    let mut out: Vec<Bound> = Vec::new();
    let add = |b: Bound, out: &mut Vec<Bound>| {
        if !out.iter().any(|x| ids::same(&x.license, &b.license)) {
            out.push(b);
        }
    };
    for (i, e) in manifest.with_bases(entry).into_iter().enumerate() {
        let via = (i > 0).then(|| e.name.clone());
        let locked = lock.model(&e.name);
        let own = locked
            .and_then(|l| l.license.clone())
            .or_else(|| e.license.as_ref().map(|l| l.value.clone()));
        if let Some(license) = own {
            add(
                Bound {
                    license,
                    relation: via.as_ref().map(|_| "base".to_owned()),
                    via,
                },
                &mut out,
            );
        }
        for a in locked.map(|l| l.lineage.as_slice()).unwrap_or_default() {
            if let Some(license) = &a.license {
                add(
                    Bound {
                        license: license.clone(),
                        via: Some(a.model.clone()),
                        relation: Some(a.relation.clone()),
                    },
                    &mut out,
                );
            }
        }
    }
    out
}

/// What in `[use]` a license forbids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// `commercial = true` under a license without commercial rights.
    Commercial,
    /// More monthly active users than the license allows without a
    /// separate license.
    Users { limit: u64, users: u64 },
    /// A region the license excludes. `multimodal`: whether the model is
    /// multimodal (`None`: unknown) when the exclusion is for multimodal
    /// models only; `Some(true)` when it covers every model.
    Region {
        regions: Vec<String>,
        multimodal: Option<bool>,
    },
}

/// One conflict between `[use]` and a license.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub model: String,
    pub bound: Bound,
    pub issue: Issue,
    /// The license's words, or the consequence it names.
    pub clause: String,
    pub source: String,
}

impl Conflict {
    /// A conflict is certain unless it depends on a modality nobody knows.
    pub fn is_error(&self) -> bool {
        !matches!(
            self.issue,
            Issue::Region {
                multimodal: None,
                ..
            }
        )
    }

    /// The `[use]` key the conflict is about.
    pub fn use_key(&self) -> &'static str {
        match self.issue {
            Issue::Commercial => "commercial",
            Issue::Users { .. } => "monthly-active-users",
            Issue::Region { .. } => "regions",
        }
    }

    /// One sentence: what conflicts with what.
    pub fn message(&self) -> String {
        let bound = match &self.bound.via {
            None => format!("`{}`", self.bound.license),
            Some(v) => format!("`{}` (through its base {v})", self.bound.license),
        };
        match &self.issue {
            Issue::Commercial => format!(
                "model `{}` is bound by {bound}, which permits no commercial use, but [use] says commercial = true",
                self.model
            ),
            Issue::Users { limit, users } => format!(
                "model `{}` is bound by {bound}, which needs a separate license above {} monthly active users; [use] says {}",
                self.model,
                group_digits(*limit),
                group_digits(*users)
            ),
            Issue::Region {
                regions,
                multimodal,
            } => {
                let which = match multimodal {
                    Some(true) => "the model is multimodal",
                    Some(false) => "",
                    None => "modellock cannot tell whether the model is multimodal",
                };
                format!(
                    "model `{}` is bound by {bound}, which grants no rights in {} for multimodal models; [use] regions include it and {which}",
                    self.model,
                    region_names(regions)
                )
            }
        }
    }
}

/// `["EU"]` → `the EU`, for sentences.
pub fn region_names(regions: &[String]) -> String {
    let kb = &Kb::builtin().regions;
    regions
        .iter()
        .map(|r| kb.name(r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a region of `[use]` falls in a region a license names (the
/// knowledge base's regions: `DE` falls in `EU`, `global` in every one).
pub fn region_in(used: &str, excluded: &str) -> bool {
    Kb::builtin().regions.contains(excluded, used)
}

/// The conflicts between `[use]` and the licenses a model is bound by.
pub fn conflicts(
    usage: &Use,
    model: &str,
    bound: &[Bound],
    multimodal: Option<bool>,
) -> Vec<Conflict> {
    let declared = usage.commercial.is_some()
        || usage.monthly_active_users.is_some()
        || !usage.regions.is_empty();
    if !declared {
        return Vec::new();
    }
    let kb = Kb::builtin();
    let mut out = Vec::new();
    for b in bound {
        if usage
            .agreements
            .iter()
            .any(|a| ids::same(&a.value, &b.license))
        {
            continue;
        }
        let Some(e) = kb.get(&b.license) else {
            continue;
        };
        let c = &e.conditions;
        let conflict = |issue, clause: String, source: &str| Conflict {
            model: model.to_owned(),
            bound: b.clone(),
            issue,
            clause,
            source: source.to_owned(),
        };
        if usage.commercial.as_ref().is_some_and(|c| c.value) {
            let denied = match &c.commercial {
                Some(com) => (!com.allowed).then(|| com.source.clone()),
                None => matches!(e.category, Category::NonCommercial | Category::ResearchOnly)
                    .then(|| e.sources.first().cloned().unwrap_or_default()),
            };
            if let Some(source) = denied {
                out.push(conflict(
                    Issue::Commercial,
                    format!("{} is {}", e.name, e.category.as_str()),
                    &source,
                ));
            }
        }
        if let (Some(m), Some(users)) = (&c.mau_threshold, &usage.monthly_active_users) {
            if users.value > m.users {
                out.push(conflict(
                    Issue::Users {
                        limit: m.users,
                        users: users.value,
                    },
                    format!("{} (measured {})", m.consequence, m.measured),
                    &m.source,
                ));
            }
        }
        for x in &c.region_exclusions {
            let hit: Vec<String> = x
                .regions
                .iter()
                .filter(|r| usage.regions.iter().any(|u| region_in(&u.value, r)))
                .cloned()
                .collect();
            if hit.is_empty() {
                continue;
            }
            let multimodal = if x.scope == "multimodal" {
                match multimodal {
                    Some(false) => continue,
                    m => m,
                }
            } else {
                Some(true)
            };
            out.push(conflict(
                Issue::Region {
                    regions: hit,
                    multimodal,
                },
                x.text.clone(),
                &x.source,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Spanned;

    fn bound(l: &str) -> Vec<Bound> {
        vec![Bound {
            license: l.into(),
            via: None,
            relation: None,
        }]
    }

    #[test]
    fn each_use_condition() {
        let usage = Use {
            commercial: Some(Spanned::new(true, None)),
            monthly_active_users: Some(Spanned::new(800_000_000, None)),
            regions: vec![Spanned::new("de".into(), None)],
            agreements: Vec::new(),
        };
        let c = conflicts(&usage, "m", &bound("llama3.2"), None);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(matches!(
            c[0].issue,
            Issue::Users {
                limit: 700_000_000,
                ..
            }
        ));
        assert!(!c[1].is_error(), "unknown modality is a warning");
        assert!(conflicts(&usage, "m", &bound("llama3.2"), Some(false)).len() == 1);
        assert!(conflicts(&usage, "m", &bound("llama3.2"), Some(true))[1].is_error());
        assert_eq!(
            conflicts(&usage, "m", &bound("cc-by-nc-4.0"), None)[0].issue,
            Issue::Commercial
        );
        assert_eq!(
            conflicts(&usage, "m", &bound("qwen-research"), None).len(),
            1
        );
        assert!(conflicts(&usage, "m", &bound("apache-2.0"), None).is_empty());
        assert!(conflicts(&Use::default(), "m", &bound("cc-by-nc-4.0"), None).is_empty());
        let agreed = Use {
            agreements: vec![Spanned::new("Llama3.2".into(), None)],
            ..usage
        };
        assert!(conflicts(&agreed, "m", &bound("llama3.2"), Some(true)).is_empty());
    }

    #[test]
    fn regions() {
        assert!(region_in("EU", "EU"));
        assert!(region_in("fr", "EU"));
        assert!(region_in("worldwide", "EU"));
        assert!(!region_in("US", "EU"));
        assert!(!region_in("GB", "EU"));
        assert!(region_in("European Union", "EU"));
        // the 27 member states since 2020 (the source kb.toml names)
        let eu = &Kb::builtin().regions.groups[0];
        assert_eq!((eu.id.as_str(), eu.members.len()), ("EU", 27));
        assert_eq!(region_names(&["EU".into(), "US".into()]), "the EU, US");
    }
}
