//! Releases of a Hub repo: its tags read leniently as semver versions, the
//! highest one a `version` requirement allows, the pin `update --precise`
//! asks for, and the heads `outdated` compares against.

use super::api::Hub;
use super::is_commit;
use super::snapshot::hub;
use crate::diag::Code;
use crate::source::candidates::{Candidates, Newer};
use crate::source::{Context, Failure, Pin, Request};
use semver::{Version, VersionReq};

/// A tag that reads as a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tagged {
    pub version: Version,
    pub tag: String,
    pub commit: String,
}

/// Reads a tag as a version, leniently: an optional `v`, and `1` or `1.2`
/// read as `1.0.0` and `1.2.0`. Other tags are not versions.
pub fn parse_tag(tag: &str) -> Option<Version> {
    let t = tag
        .strip_prefix('v')
        .or_else(|| tag.strip_prefix('V'))
        .unwrap_or(tag);
    let (core, rest) = match t.find(['-', '+']) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut full: Vec<&str> = parts.clone();
    while full.len() < 3 {
        full.push("0");
    }
    Version::parse(&format!("{}{rest}", full.join("."))).ok()
}

fn list_with(hub: &Hub<'_>, repo: &str) -> Result<Vec<Tagged>, Failure> {
    let mut out: Vec<Tagged> = hub
        .tags(repo)?
        .into_iter()
        .filter_map(|(tag, commit)| {
            Some(Tagged {
                version: parse_tag(&tag)?,
                tag,
                commit,
            })
        })
        .collect();
    out.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.tag.cmp(&b.tag)));
    Ok(out)
}

/// The repo's version tags, lowest first (one request).
pub fn list(r: &Context, repo: &str) -> Result<Vec<Tagged>, Failure> {
    list_with(&hub(r), repo)
}

/// The highest version a requirement allows (pre-releases only when the
/// requirement names one, as semver has it).
pub fn best<'a>(versions: &'a [Tagged], req: &VersionReq) -> Option<&'a Tagged> {
    versions.iter().rev().find(|v| req.matches(&v.version))
}

/// The highest version of all, pre-releases left out unless nothing else
/// is tagged.
pub fn newest(versions: &[Tagged]) -> Option<&Tagged> {
    versions
        .iter()
        .rev()
        .find(|v| v.version.pre.is_empty())
        .or_else(|| versions.last())
}

fn tag_list(versions: &[Tagged]) -> String {
    if versions.is_empty() {
        "the repo has no version tags; pin a `revision` instead".to_owned()
    } else {
        let names: Vec<&str> = versions.iter().map(|v| v.tag.as_str()).collect();
        format!("the versions tagged are: {}", names.join(", "))
    }
}

/// The highest tag that satisfies the requirement.
pub fn highest_match(hub: &Hub<'_>, repo: &str, req: &VersionReq) -> Result<Tagged, Failure> {
    let versions = list_with(hub, repo)?;
    best(&versions, req).cloned().ok_or_else(|| {
        Failure::new(
            Code::SourceNoMatchingVersion,
            format!("no tag of {repo} satisfies `{req}`"),
            tag_list(&versions),
        )
        .at_revision()
    })
}

/// The commit a branch, tag or commit is now (one request unless it is a
/// commit already).
pub fn commit_of(r: &Context, repo: &str, rev: &str) -> Result<String, Failure> {
    if is_commit(rev) {
        return Ok(rev.to_ascii_lowercase());
    }
    Ok(hub(r).revision(repo, rev)?.0)
}

/// What `update MODEL --precise REV` locks: a tag or commit inside the
/// entry's `version` requirement, the very revision a pinned entry names,
/// or any tag or commit for an entry that follows a branch (`req` is what
/// the entry asks for; its pin and file filter are not read).
pub fn precise(r: &Context, req: &Request<'_>, repo: &str, rev: &str) -> Result<Pin, Failure> {
    let outside = |message: String, help: String| {
        Failure::new(Code::SourcePreciseOutside, message, help).at_revision()
    };
    if let Some(req) = req.version {
        let versions = list(r, repo)?;
        let inside: Vec<&Tagged> = versions
            .iter()
            .filter(|v| req.matches(&v.version))
            .collect();
        let allowed = || {
            if inside.is_empty() {
                format!("no tag is inside `{req}`; {}", tag_list(&versions))
            } else {
                let names: Vec<&str> = inside.iter().map(|v| v.tag.as_str()).collect();
                format!("the tags inside `{req}` are: {}", names.join(", "))
            }
        };
        if is_commit(rev) {
            let rev = rev.to_ascii_lowercase();
            return match inside.iter().rev().find(|v| v.commit == rev) {
                Some(v) => Ok(Pin {
                    tag: Some(v.tag.clone()),
                    commit: v.commit.clone(),
                }),
                None => Err(outside(
                    format!("commit {rev} is not a release of {repo} inside `{req}`"),
                    allowed(),
                )),
            };
        }
        let wanted = parse_tag(rev);
        let found = versions.iter().find(|v| v.tag == rev).or_else(|| {
            versions
                .iter()
                .find(|v| Some(&v.version) == wanted.as_ref())
        });
        let Some(v) = found else {
            return Err(Failure::new(
                Code::SourceRevisionNotFound,
                format!("{repo} has no version tag `{rev}`"),
                tag_list(&versions),
            )
            .at_revision());
        };
        if !req.matches(&v.version) {
            return Err(outside(
                format!("`{}` ({}) is outside `{req}`", v.tag, v.version),
                format!(
                    "{}; to take `{}`, change `version` in models.toml",
                    allowed(),
                    v.tag
                ),
            ));
        }
        return Ok(Pin {
            tag: Some(v.tag.clone()),
            commit: v.commit.clone(),
        });
    }
    let commit = commit_of(r, repo, rev)?;
    let requested = req.revision.unwrap_or("main");
    if super::is_pinned(requested) {
        let pinned = commit_of(r, repo, requested)?;
        if pinned != commit {
            return Err(outside(
                format!("models.toml pins `{requested}` ({pinned}); `{rev}` is another revision ({commit})"),
                "--precise moves a model inside what models.toml asks for; to move a pinned model, change its `revision`".to_owned(),
            ));
        }
    }
    Ok(Pin { tag: None, commit })
}

/// What is newer than the locked commit: for a `version` requirement, the
/// highest tag inside it and the newest of all; for a pinned revision, the
/// newest release after it; for a branch, its head when it moved.
pub fn candidates(
    r: &Context,
    repo: &str,
    req: &Request<'_>,
    locked: &str,
    locked_tag: Option<&str>,
) -> Result<Candidates, Failure> {
    let newer = |v: &Tagged| Newer {
        label: v.tag.clone(),
        tag: Some(v.tag.clone()),
        revision: v.commit.clone(),
    };
    let mut out = Candidates::default();
    if let Some(version) = req.version {
        let tagged = list(r, repo)?;
        let best = best(&tagged, version);
        out.compatible = best.filter(|b| b.commit != locked).map(newer);
        out.latest = newest(&tagged)
            .filter(|n| n.commit != locked && Some(*n) != best)
            .map(newer);
        return Ok(out);
    }
    let requested = req.revision.unwrap_or("main");
    if super::is_pinned(requested) {
        // pinned: the newest release, if it is not this one
        let tagged = list(r, repo)?;
        let locked_version = locked_tag.or(Some(requested)).and_then(parse_tag);
        out.latest = newest(&tagged)
            .filter(|n| {
                n.commit != locked && locked_version.as_ref().is_none_or(|v| &n.version > v)
            })
            .map(newer);
    } else {
        // a branch: has it moved?
        let head = commit_of(r, repo, requested)?;
        if head != locked {
            out.compatible = Some(Newer {
                label: format!("{requested}@{}", crate::hashing::short_id(&head)),
                tag: None,
                revision: head,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(tags: &[&str]) -> Vec<Tagged> {
        let mut v: Vec<Tagged> = tags
            .iter()
            .filter_map(|t| {
                Some(Tagged {
                    version: parse_tag(t)?,
                    tag: (*t).to_owned(),
                    commit: format!("{t:0>40}"),
                })
            })
            .collect();
        v.sort_by(|a, b| a.version.cmp(&b.version));
        v
    }

    #[test]
    fn tags_as_versions() {
        assert_eq!(parse_tag("v1").unwrap().to_string(), "1.0.0");
        assert_eq!(parse_tag("1.2").unwrap().to_string(), "1.2.0");
        assert_eq!(parse_tag("v2.0.0-rc.1").unwrap().to_string(), "2.0.0-rc.1");
        for t in ["latest", "v1.x", "release-1", "1.2.3.4", ""] {
            assert!(parse_tag(t).is_none(), "{t}");
        }
        let req = VersionReq::parse("^1").unwrap();
        assert!(req.matches(&parse_tag("v1.2.0").unwrap()));
        assert!(!req.matches(&parse_tag("v2").unwrap()));
        assert!(
            !req.matches(&parse_tag("1.3.0-beta").unwrap()),
            "pre-releases only when asked for"
        );
    }

    #[test]
    fn best_and_newest() {
        let v = tagged(&["v1", "v1.2.0", "v2", "v3.0.0-rc.1", "latest"]);
        let req = |r: &str| VersionReq::parse(r).unwrap();
        assert_eq!(best(&v, &req("^1")).unwrap().tag, "v1.2.0");
        assert_eq!(best(&v, &req("~1.2")).unwrap().tag, "v1.2.0");
        assert_eq!(best(&v, &req(">=1, <3")).unwrap().tag, "v2");
        assert_eq!(best(&v, &req("=1.0.0")).unwrap().tag, "v1");
        assert!(best(&v, &req("^4")).is_none());
        assert_eq!(best(&v, &req(">=3.0.0-rc.1")).unwrap().tag, "v3.0.0-rc.1");
        assert_eq!(newest(&v).unwrap().tag, "v2", "no pre-release unless asked");
    }
}
