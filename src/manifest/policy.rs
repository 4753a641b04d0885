//! The `[policy]` and `[use]` tables of models.toml, and a model's own
//! `formats` and `remote-code`: read into typed values, each problem a
//! diagnostic at its span.

use super::diags::*;
use super::parse::{Reader, POLICY_KEYS, USE_KEYS};
use super::{Policy, Spanned, Use};
use toml_edit::TableLike;

pub(super) fn parse_policy(r: &mut Reader<'_>, t: &dyn TableLike) -> Policy {
    const TABLE: &str = "[policy]";
    r.known_keys(t, TABLE, POLICY_KEYS);
    let mut list = |key: &str| -> Vec<Spanned<String>> {
        let Some(ids) = r.strings(t, key, TABLE) else {
            return Vec::new();
        };
        ids.value
            .into_iter()
            .filter(|id| {
                let empty = id.value.trim().is_empty();
                if empty {
                    r.push(InvalidValue {
                        file: r.file,
                        model: None,
                        message: format!("an empty license id in `policy.{key}`"),
                        label: "empty".into(),
                        span: id.span.clone(),
                        help: "remove the empty string".into(),
                    });
                }
                !empty
            })
            .collect()
    };
    let allow = list("allow");
    let deny = list("deny");
    let mut patterns = |key: &str| -> Option<Spanned<Vec<Spanned<String>>>> {
        let list = r.strings(t, key, TABLE)?;
        for p in &list.value {
            if let Err(e) = globset::Glob::new(&p.value.to_ascii_lowercase()) {
                r.push(InvalidValue {
                    file: r.file,
                    model: None,
                    message: format!("`{}` in `policy.{key}` is not a pattern: {e}", p.value),
                    label: "not a glob".into(),
                    span: p.span.clone(),
                    help: "write `org/name`, `org/*` or `*/name-*` (glob patterns)".into(),
                });
            }
        }
        Some(list)
    };
    let ban = patterns("ban").map(|l| l.value).unwrap_or_default();
    let allow_orgs = patterns("allow-orgs");
    let formats = formats(r, t, TABLE, None);
    let remote_code = remote_code(r, t, TABLE, None);
    Policy {
        allow,
        deny,
        ban,
        allow_orgs,
        formats,
        remote_code,
    }
}

/// A `formats` list: weight formats (`safetensors`, `gguf`, `onnx`,
/// `pickle`, `numpy`, `keras`, `tensorflow`).
pub(super) fn formats(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    table: &str,
    model: Option<&str>,
) -> Option<Spanned<Vec<Spanned<String>>>> {
    use crate::source::format::Class;
    let list = r.strings(t, "formats", table)?;
    for f in &list.value {
        let known = Class::parse(&f.value).is_some_and(Class::is_weights);
        if !known {
            let names: Vec<&str> = Class::WEIGHTS.iter().map(|c| c.as_str()).collect();
            r.push(InvalidValue {
                file: r.file,
                model: model.map(str::to_owned),
                message: format!("`{}` in `formats` is not a weight format", f.value),
                label: "unknown format".into(),
                span: f.span.clone(),
                help: format!("the formats are {}", names.join(", ")),
            });
        }
    }
    Some(list)
}

/// `remote-code = "deny" | "warn" | "allow"`.
pub(super) fn remote_code(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    table: &str,
    model: Option<&str>,
) -> Option<Spanned<String>> {
    let v = r.string(t, "remote-code", table)?;
    if !matches!(v.value.as_str(), "deny" | "warn" | "allow") {
        r.push(InvalidValue {
            file: r.file,
            model: model.map(str::to_owned),
            message: format!("`remote-code = \"{}\"` is not a choice", v.value),
            label: "expected deny, warn or allow".into(),
            span: v.span.clone(),
            help: "`deny`: code is an error; `warn` (the default): a warning; `allow`: nothing"
                .into(),
        });
        return None;
    }
    Some(v)
}

pub(super) fn parse_use(r: &mut Reader<'_>, t: &dyn TableLike) -> Use {
    const TABLE: &str = "[use]";
    r.known_keys(t, TABLE, USE_KEYS);
    Use {
        commercial: r.bool(t, "commercial", TABLE),
        monthly_active_users: r.count(t, "monthly-active-users", TABLE),
        regions: r
            .strings(t, "regions", TABLE)
            .map(|s| s.value)
            .unwrap_or_default(),
        agreements: r
            .strings(t, "agreements", TABLE)
            .map(|s| s.value)
            .unwrap_or_default(),
    }
}
