//! What a license obliges a product to do, read from the knowledge base:
//! each condition of a license becomes an [`Obligation`] a person can act
//! on (a string to display, a notice to ship, a naming rule, a policy to
//! follow), with the clause it comes from.

use super::kb::{Category, Entry, Kb};
use serde::Serialize;

/// One thing a product must do (or must not do) under a license.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub kind: Kind,
    /// What to do; for `attribution` and `notice`, the exact text to show.
    pub text: String,
    /// Where the text must be shown or shipped, when the license says.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// The clause it comes from.
    pub source: String,
    /// The license id it comes from.
    pub license: String,
}

/// What kind of duty an obligation is. Kinds are listed (and sorted) in
/// this order: what to show and ship first, then how to name and use, then
/// limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Attribution,
    Notice,
    Redistribution,
    Naming,
    UsePolicy,
    FlowDown,
    Outputs,
    Derivatives,
    NoCommercialUse,
    UserThreshold,
    RegionExclusion,
    RemoteRestriction,
    UnknownTerms,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Attribution => "attribution",
            Kind::Notice => "notice",
            Kind::Redistribution => "redistribution",
            Kind::Naming => "naming",
            Kind::UsePolicy => "use-policy",
            Kind::FlowDown => "flow-down",
            Kind::Outputs => "outputs",
            Kind::Derivatives => "derivatives",
            Kind::NoCommercialUse => "no-commercial-use",
            Kind::UserThreshold => "user-threshold",
            Kind::RegionExclusion => "region-exclusion",
            Kind::RemoteRestriction => "remote-restriction",
            Kind::UnknownTerms => "unknown-terms",
        }
    }
}

/// The obligations of a license id (a Hub id, `license_name` or SPDX id).
/// A license the knowledge base does not know, or knows only as
/// `other`/`unknown`, yields one `unknown-terms` obligation: somebody has
/// to read it.
pub fn of(license: &str) -> Vec<Obligation> {
    match Kb::builtin().get(license) {
        Some(e) if e.category != Category::Unknown => of_entry(e),
        _ => vec![Obligation {
            kind: Kind::UnknownTerms,
            text: format!(
                "modellock does not know the license `{license}`: read its terms and record what they require"
            ),
            placement: None,
            source: "modellock knowledge base".into(),
            license: license.to_owned(),
        }],
    }
}

fn of_entry(e: &Entry) -> Vec<Obligation> {
    let c = &e.conditions;
    let mut out = Vec::new();
    let mut push = |kind, text: String, placement: Option<String>, source: &str| {
        out.push(Obligation {
            kind,
            text,
            placement,
            source: source.to_owned(),
            license: e.id.clone(),
        });
    };
    if let Some(a) = &c.attribution {
        push(
            Kind::Attribution,
            a.text.clone(),
            Some(a.placement.clone()),
            &a.source,
        );
    }
    if let Some(n) = &c.notice {
        push(
            Kind::Notice,
            n.text.clone(),
            Some(n.placement.clone()),
            &n.source,
        );
    }
    if let Some(r) = &c.redistribution {
        push(Kind::Redistribution, r.rule.clone(), None, &r.source);
    }
    if let Some(r) = &c.derivative_naming {
        push(Kind::Naming, r.rule.clone(), None, &r.source);
    }
    for i in &c.incorporated {
        push(
            Kind::UsePolicy,
            format!("comply with the {} ({})", i.title, i.url),
            None,
            &i.source,
        );
    }
    if let Some(r) = &c.flow_down {
        push(Kind::FlowDown, r.rule.clone(), None, &r.source);
    }
    if let Some(r) = &c.outputs {
        push(Kind::Outputs, r.rule.clone(), None, &r.source);
    }
    if let Some(r) = &c.derivatives {
        push(Kind::Derivatives, r.rule.clone(), None, &r.source);
    }
    match &c.commercial {
        Some(com) if !com.allowed => push(
            Kind::NoCommercialUse,
            "commercial use is not permitted".into(),
            None,
            &com.source,
        ),
        None if matches!(e.category, Category::NonCommercial | Category::ResearchOnly) => push(
            Kind::NoCommercialUse,
            format!("commercial use is not permitted ({})", e.category.as_str()),
            None,
            e.sources.first().map_or("", String::as_str),
        ),
        _ => {}
    }
    if let Some(m) = &c.mau_threshold {
        push(
            Kind::UserThreshold,
            format!(
                "above {} monthly active users ({}): {}",
                group_digits(m.users),
                m.measured,
                m.consequence
            ),
            None,
            &m.source,
        );
    }
    for x in &c.region_exclusions {
        push(
            Kind::RegionExclusion,
            x.text.clone(),
            Some(match x.scope.as_str() {
                "multimodal" => format!("{} (multimodal models)", x.regions.join(", ")),
                _ => x.regions.join(", "),
            }),
            &x.source,
        );
    }
    if let Some(r) = &c.remote_restriction {
        push(Kind::RemoteRestriction, r.rule.clone(), None, &r.source);
    }
    out
}

/// `700000000` → `700,000,000`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama_obligations_name_their_clauses() {
        let o = of("llama3.1");
        let attribution = o.iter().find(|o| o.kind == Kind::Attribution).unwrap();
        assert_eq!(attribution.text, "Built with Llama");
        assert!(attribution.source.contains("§1.b.i"));
        assert!(o
            .iter()
            .any(|o| o.kind == Kind::UserThreshold && o.text.contains("700,000,000")));
        assert!(o.iter().all(|o| o.license == "llama3.1"));
    }

    #[test]
    fn unknown_and_non_commercial() {
        assert_eq!(of("my-own-license")[0].kind, Kind::UnknownTerms);
        assert_eq!(of("other")[0].kind, Kind::UnknownTerms);
        assert!(of("cc-by-nc-4.0")
            .iter()
            .any(|o| o.kind == Kind::NoCommercialUse));
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(999), "999");
    }
}
