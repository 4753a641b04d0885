//! Locking an `hf:` model: resolve the revision to a commit, list the
//! commit's files, take LFS sha256s from the listing, download and hash what
//! the Hub stores in git (verifying its git blob id), digest the license
//! files, and read the card's license and base models.

use super::api::{Card, Hub, TreeFile};
use super::{is_commit, RepoId};
use crate::diag::Code;
use crate::hashing::{git_blob_sha1, sha256_hex};
use crate::license::{file_digest, is_license_file, model_digest, CardLicense};
use crate::lock::{LicenseFile, LockedFile, LockedModel};
use crate::manifest::ModelEntry;
use crate::source::{Failure, Resolver};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Files stored in git have no sha256 on the Hub; they are downloaded and
/// hashed up to this size.
pub const GIT_FILE_LIMIT: u64 = 50 << 20;
/// License files stored in LFS are downloaded up to this size.
const LFS_LICENSE_LIMIT: u64 = 8 << 20;

/// What a commit holds, cached by (endpoint, repo, commit).
#[derive(Clone, Serialize, Deserialize)]
struct CommitData {
    card: Card,
    files: Vec<TreeFile>,
}

/// Facts of some content, cached by its git blob id or sha256.
#[derive(Clone, Serialize, Deserialize)]
struct BlobFacts {
    sha256: String,
    size: u64,
    license_digest: String,
}

pub fn lock_entry(r: &Resolver, entry: &ModelEntry, repo: &RepoId) -> Result<LockedModel, Failure> {
    let hub = Hub {
        http: &r.hf_http,
        endpoint: &r.env.hf_endpoint,
        has_token: r.env.hf_token.is_some(),
    };
    let repo_s = repo.as_str();
    let mut tag = None;
    let mut fresh_card = None;
    let commit = if let Some(req) = &entry.version {
        let (name, commit) = resolve_version(&hub, repo_s, &req.value)?;
        tag = Some(name);
        commit
    } else {
        let rev = entry.requested().unwrap_or_else(|| "main".to_owned());
        if is_commit(&rev) {
            rev
        } else {
            let (sha, card) = hub.revision(repo_s, &rev)?;
            fresh_card = Some(card);
            sha
        }
    };

    let key = format!("{}\n{repo_s}\n{commit}", r.env.hf_endpoint);
    let data = match r.cache.get::<CommitData>("hf-commit", &key) {
        Some(d) => d,
        None => {
            let card = match fresh_card {
                Some(c) => c,
                None => hub.revision(repo_s, &commit)?.1,
            };
            let files = hub.tree(repo_s, &commit)?;
            let d = CommitData { card, files };
            r.cache.put("hf-commit", &key, &d);
            d
        }
    };

    let selected: Vec<&TreeFile> = data
        .files
        .iter()
        .filter(|f| entry.wants_file(&f.path))
        .collect();
    let licenses: Vec<&TreeFile> = data
        .files
        .iter()
        .filter(|f| is_license_file(&f.path))
        .collect();
    // everything whose facts must come from its content, once each
    let mut needed: Vec<&TreeFile> = selected
        .iter()
        .copied()
        .filter(|f| f.lfs_sha256.is_none())
        .collect();
    needed.extend(licenses.iter().copied());
    needed.sort_by(|a, b| a.path.cmp(&b.path));
    needed.dedup_by(|a, b| a.path == b.path);
    let facts: HashMap<&str, BlobFacts> = needed
        .par_iter()
        .map(|f| blob_facts(r, &hub, repo_s, &commit, f).map(|facts| (f.path.as_str(), facts)))
        .collect::<Result<_, Failure>>()?;

    let files = selected
        .iter()
        .map(|f| LockedFile {
            path: f.path.clone(),
            size: f.size,
            sha256: f
                .lfs_sha256
                .clone()
                .unwrap_or_else(|| facts[f.path.as_str()].sha256.clone()),
        })
        .collect();
    let license_files: Vec<LicenseFile> = licenses
        .iter()
        .map(|f| LicenseFile {
            path: f.path.clone(),
            digest: facts[f.path.as_str()].license_digest.clone(),
        })
        .collect();
    let card = CardLicense {
        license: data.card.license.clone(),
        license_name: data.card.license_name.clone(),
        license_link: data.card.license_link.clone(),
    };
    let license_digest = model_digest(
        &card,
        license_files
            .iter()
            .map(|l| (l.path.as_str(), l.digest.as_str())),
    );
    // `license: other` names its license in `license_name`
    let license = match (&data.card.license, &data.card.license_name) {
        (Some(l), Some(name)) if l.eq_ignore_ascii_case("other") => Some(name.clone()),
        (l, _) => l.clone(),
    };
    Ok(LockedModel {
        name: entry.name.clone(),
        source: entry.source_raw.clone(),
        requested: entry.requested(),
        tag,
        revision: commit,
        license,
        license_digest,
        base_models: data.card.base_models.clone(),
        include: entry.file_patterns(),
        license_files,
        files,
        span: None,
    })
}

fn blob_facts(
    r: &Resolver,
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    f: &TreeFile,
) -> Result<BlobFacts, Failure> {
    let key = match &f.lfs_sha256 {
        Some(sha) => format!("sha256:{sha}"),
        None => format!("git:{}", f.oid),
    };
    if let Some(facts) = r.cache.get::<BlobFacts>("blob", &key) {
        return Ok(facts);
    }
    let limit = if f.lfs_sha256.is_some() {
        LFS_LICENSE_LIMIT
    } else {
        GIT_FILE_LIMIT
    };
    if f.size > limit {
        return Err(Failure::new(
            Code::SourceFileTooLarge,
            format!("`{}` of {repo} ({} bytes) must be downloaded to be hashed, and is larger than {} MiB", f.path, f.size, limit >> 20),
            "the Hub gives no sha256 for files stored in git; leave the file out with `files` globs",
        ));
    }
    let bytes = hub.download(repo, commit, &f.path, limit)?;
    let sha256 = sha256_hex(&bytes);
    let verified = match &f.lfs_sha256 {
        Some(expected) => *expected == sha256,
        None => git_blob_sha1(&bytes) == f.oid,
    };
    if !verified || bytes.len() as u64 != f.size {
        return Err(Failure::new(
            Code::SourceIntegrity,
            format!("the bytes of `{}` downloaded from {repo} at {commit} do not match the id the Hub lists for it", f.path),
            "a proxy or mirror altered the file, or the download was cut short; run update again",
        ));
    }
    let facts = BlobFacts {
        sha256,
        size: f.size,
        license_digest: file_digest(&bytes),
    };
    r.cache.put("blob", &key, &facts);
    Ok(facts)
}

/// The highest tag that satisfies the requirement: (tag name, commit).
fn resolve_version(
    hub: &Hub<'_>,
    repo: &str,
    req: &semver::VersionReq,
) -> Result<(String, String), Failure> {
    let tags = hub.tags(repo)?;
    let mut versions: Vec<(semver::Version, String, String)> = tags
        .into_iter()
        .filter_map(|(name, commit)| Some((parse_tag(&name)?, name, commit)))
        .collect();
    versions.sort();
    match versions.iter().rev().find(|(v, _, _)| req.matches(v)) {
        Some((_, name, commit)) => Ok((name.clone(), commit.clone())),
        None => {
            let listed: Vec<&str> = versions.iter().map(|(_, n, _)| n.as_str()).collect();
            Err(Failure::new(
                Code::SourceNoMatchingVersion,
                format!("no tag of {repo} satisfies `{req}`"),
                if listed.is_empty() {
                    "the repo has no version tags; pin a `revision` instead".to_owned()
                } else {
                    format!("the versions tagged are: {}", listed.join(", "))
                },
            )
            .at_revision())
        }
    }
}

/// Reads a tag as a version, leniently: an optional `v`, and `1` or `1.2`
/// read as `1.0.0` and `1.2.0`. Other tags are not versions.
pub fn parse_tag(tag: &str) -> Option<semver::Version> {
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
    semver::Version::parse(&format!("{}{rest}", full.join("."))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_as_versions() {
        assert_eq!(parse_tag("v1").unwrap().to_string(), "1.0.0");
        assert_eq!(parse_tag("1.2").unwrap().to_string(), "1.2.0");
        assert_eq!(parse_tag("v2.0.0-rc.1").unwrap().to_string(), "2.0.0-rc.1");
        for t in ["latest", "v1.x", "release-1", "1.2.3.4", ""] {
            assert!(parse_tag(t).is_none(), "{t}");
        }
        let req = semver::VersionReq::parse("^1").unwrap();
        assert!(req.matches(&parse_tag("v1.2.0").unwrap()));
        assert!(!req.matches(&parse_tag("v2").unwrap()));
        assert!(
            !req.matches(&parse_tag("1.3.0-beta").unwrap()),
            "pre-releases only when asked for"
        );
    }
}
