//! Locking an `hf:` model: resolve the revision to a commit, list the
//! commit's files, take LFS sha256s from the listing, download and hash what
//! the Hub stores in git (verifying its git blob id), digest the license
//! files, and read the card's license and base models.

use super::api::{Card, Hub, TreeFile};
use super::{is_commit, RepoId};
use crate::diag::Code;
use crate::hashing::{git_blob_sha1, sha256_hex};
use crate::license::{file_digest, is_license_file, CardLicense, Terms};
use crate::source::snapshot::{Ancestor, CardFacts, FetchedTerms, File, Request, Snapshot};
use crate::source::{Context, Failure};
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
    /// For a config: the classes its `auto_map` names.
    #[serde(default)]
    auto_map: Vec<String>,
}

/// A repo at a commit: at `req.pin` when given (`update --precise`, or a
/// version lock kept), else at the highest tag its `version` allows, else
/// at its `revision` (`main` when it names none).
pub fn snapshot(cx: &Context, repo: &RepoId, req: &Request<'_>) -> Result<Snapshot, Failure> {
    let hub = hub(cx);
    let repo_s = repo.as_str();
    let mut tag = None;
    let mut fresh_card = None;
    let commit = if let Some(pin) = req.pin {
        tag = pin.tag.clone();
        pin.commit.clone()
    } else if let Some(version) = req.version {
        let v = super::versions::highest_match(&hub, repo_s, version)?;
        tag = Some(v.tag);
        v.commit
    } else {
        let rev = req.revision.unwrap_or("main").to_owned();
        if is_commit(&rev) {
            rev
        } else {
            let (sha, card) = hub.revision(repo_s, &rev)?;
            fresh_card = Some(card);
            sha
        }
    };
    // the Hub is asked afresh about its scan when it is asked about the
    // revision (a branch or tag resolved now, a commit seen for the first
    // time); else the scan locked last time it was asked stands
    let data = commit_data(cx, &hub, repo_s, &commit, fresh_card.clone())?;

    let selected: Vec<&TreeFile> = data.files.iter().filter(|f| (req.wants)(&f.path)).collect();
    // everything whose facts must come from its content, once each
    let mut needed: Vec<&TreeFile> = selected
        .iter()
        .copied()
        .filter(|f| f.lfs_sha256.is_none())
        .collect();
    needed.extend(data.files.iter().filter(|f| is_license_file(&f.path)));
    needed.sort_by(|a, b| a.path.cmp(&b.path));
    needed.dedup_by(|a, b| a.path == b.path);
    let facts: HashMap<&str, BlobFacts> = needed
        .par_iter()
        .map(|f| blob_facts(cx, &hub, repo_s, &commit, f).map(|facts| (f.path.as_str(), facts)))
        .collect::<Result<_, Failure>>()?;

    let files: Vec<File> = selected
        .iter()
        .map(|f| File {
            path: f.path.clone(),
            size: f.size,
            sha256: f
                .lfs_sha256
                .clone()
                .unwrap_or_else(|| facts[f.path.as_str()].sha256.clone()),
            remote_code: facts
                .get(f.path.as_str())
                .map(|x| x.auto_map.clone())
                .unwrap_or_default(),
        })
        .collect();
    let terms = license_terms(cx, &hub, repo_s, &commit, &data, &facts)?;
    // (per selection of files: the files' verdicts are asked for those)
    let selection: String = files.iter().map(|f| format!("{}\n", f.path)).collect();
    let scan_key = format!(
        "{}\n{repo_s}\n{commit}\n{}",
        cx.env.hf_endpoint,
        sha256_hex(selection.as_bytes())
    );
    let cached_scan = cx.cache.get::<super::api::Scan>("hf-scan", &scan_key);
    let fresh = fresh_card.is_some() || cached_scan.is_none();
    let scan = if fresh {
        let scan = scan_of(&hub, repo_s, &commit, data.card.scan.clone(), &files);
        if let Some(s) = &scan {
            cx.cache.put("hf-scan", &scan_key, s);
        }
        scan
    } else {
        cached_scan
    };
    let lineage = lineage(cx, &hub, repo_s, &commit, &data)?;
    let gguf = gguf_header(cx, &hub, repo_s, &commit, &files)?;
    Ok(Snapshot {
        gguf,
        revision: commit,
        tag,
        files,
        terms,
        card: Some(CardFacts {
            license: declared_license(&data.card),
            base_models: data.card.base_models.clone(),
            lineage,
            pipeline_tag: data.card.pipeline_tag.clone(),
            datasets: data.card.datasets.clone(),
            multimodal: multimodal(&data.card),
            gated_prompt: data.card.gated_prompt.clone(),
            object_id: data.card.object_id.clone(),
            author: data.card.author.clone(),
            scan,
        }),
    })
}

/// The Hub's scan of the files locked: the repo's verdict, with what it
/// says of each weights and code file (`paths-info`): a file it flags is
/// an issue, a file it has not scanned makes the scan not done.
fn scan_of(
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    repo_scan: Option<super::api::Scan>,
    files: &[File],
) -> Option<super::api::Scan> {
    let mut scan = repo_scan?;
    let checked: Vec<&str> = files
        .iter()
        .filter(|f| f.class().is_weights() || f.class() == crate::source::format::Class::Code)
        .map(|f| f.path.as_str())
        .collect();
    if checked.is_empty() {
        return Some(scan);
    }
    match hub.file_scans(repo, commit, &checked) {
        Some(levels) => {
            for (path, level) in levels {
                if level == "not-scanned" {
                    scan.done = false;
                } else if !scan.issues.iter().any(|(p, _)| *p == path) {
                    scan.issues.push((path, level));
                }
            }
        }
        // the Hub did not say: what it did not say is not clean
        None => scan.done = false,
    }
    Some(scan)
}

/// What the header of the first locked GGUF file says of its license.
fn gguf_header(
    cx: &Context,
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    files: &[File],
) -> Result<Option<crate::source::gguf::GgufFacts>, Failure> {
    use crate::source::gguf;
    let Some(f) = files.iter().find(|f| gguf::is_gguf(&f.path)) else {
        return Ok(None);
    };
    let url = format!(
        "{}/{repo}/resolve/{commit}/{}",
        hub.endpoint,
        crate::net::encode_path(&f.path)
    );
    gguf::header(cx, &f.path, &f.sha256, |start, end| {
        hub.online()?;
        match gguf::http_range(hub.http, &url, start, end).map_err(|e| hub.network(e))? {
            None => Ok(None),
            Some(r) if (200..300).contains(&r.status) => Ok(Some(r.body)),
            Some(r) => Err(hub.refusal(repo, &format!("`{}`", f.path), &r)),
        }
    })
}

/// The license terms of a repo at a revision, fetching only the card, the
/// file list and the license files (never the weights).
pub fn terms_at(cx: &Context, repo: &RepoId, rev: &str) -> Result<FetchedTerms, Failure> {
    let hub = hub(cx);
    let repo_s = repo.as_str();
    let (commit, card) = if is_commit(rev) {
        (rev.to_owned(), None)
    } else {
        let (sha, card) = hub.revision(repo_s, rev)?;
        (sha, Some(card))
    };
    terms_of_commit(cx, &hub, repo_s, commit, card)
}

/// The terms of a repo at a commit: its card (`card`, when just read) and
/// its license files, downloaded by commit and checked.
fn terms_of_commit(
    cx: &Context,
    hub: &Hub<'_>,
    repo: &str,
    commit: String,
    card: Option<Card>,
) -> Result<FetchedTerms, Failure> {
    let data = commit_data(cx, hub, repo, &commit, card)?;
    let licenses: Vec<&TreeFile> = data
        .files
        .iter()
        .filter(|f| is_license_file(&f.path))
        .collect();
    let texts = licenses
        .par_iter()
        .map(|f| fetch_verified(hub, repo, &commit, f).map(|b| (f.path.clone(), b)))
        .collect::<Result<Vec<_>, Failure>>()?;
    let card = CardLicense {
        license: data.card.license.clone(),
        license_name: data.card.license_name.clone(),
        license_link: data.card.license_link.clone(),
    };
    Ok(cx.fetched_terms(commit, declared_license(&data.card), card, texts))
}

/// Pipeline tags of models that take or give more than one modality.
const MULTIMODAL_PIPELINES: &[&str] = &[
    "image-text-to-text",
    "visual-question-answering",
    "document-question-answering",
    "video-text-to-text",
    "audio-text-to-text",
    "any-to-any",
    "image-to-text",
    "text-to-image",
    "text-to-video",
    "image-text-to-image",
    "visual-document-retrieval",
];

/// Whether the card says the model is multimodal: its pipeline tag, or a
/// `multimodal` / `vision` tag. `None` when it says nothing.
fn multimodal(card: &Card) -> Option<bool> {
    let tagged = card
        .tags
        .iter()
        .any(|t| matches!(t.as_str(), "multimodal" | "vision" | "image-text-to-text"));
    match &card.pipeline_tag {
        Some(p) => Some(tagged || MULTIMODAL_PIPELINES.contains(&p.as_str())),
        None if tagged => Some(true),
        None => None,
    }
}

/// How deep the `base_model` graph is followed, and how many ancestors at
/// most are recorded.
const LINEAGE_DEPTH: usize = 5;
const LINEAGE_MAX: usize = 32;

/// How a model derives from a base when neither the Hub's tags nor the
/// card say: several bases are a merge; an adapter config, an adapter; GGUF
/// or quantization files, a quantization; otherwise a fine-tune.
fn inferred_relation(card: &Card, files: &[TreeFile]) -> String {
    if card.base_models.len() > 1 {
        "merge"
    } else if files
        .iter()
        .any(|f| f.path.ends_with("adapter_config.json"))
    {
        "adapter"
    } else if files.iter().any(|f| {
        let p = f.path.to_ascii_lowercase();
        p.ends_with(".gguf")
            || p.contains("gptq")
            || p.contains("awq")
            || p.ends_with("quant_config.json")
    }) {
        "quantized"
    } else {
        "finetune"
    }
    .to_owned()
}

/// The ancestors of a commit: its card's `base_model`s, their cards'
/// `base_model`s and so on (bounded, cycles cut), each with its card's
/// license and its terms (revision and license digest) at the head of its
/// default branch. A base the Hub does not have is recorded without a
/// license; one whose license files cannot be read (gated, without access)
/// without a license digest. Read once per commit (the metadata cache), so
/// that a pinned model's lock does not move; a result with unreadable terms
/// is not cached, so that access granted later is seen.
fn lineage(
    cx: &Context,
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    data: &CommitData,
) -> Result<Vec<Ancestor>, Failure> {
    let key = format!("{}\n{repo}\n{commit}", cx.env.hf_endpoint);
    if let Some(cached) = cx.cache.get::<Vec<Ancestor>>(LINEAGE_CACHE, &key) {
        return Ok(cached);
    }
    let unreadable = |f: &Failure| {
        matches!(
            f.code,
            Code::SourceNotFound
                | Code::SourceRevisionNotFound
                | Code::SourceGated
                | Code::SourceUnauthorized
        )
    };
    let mut complete = true;
    let mut out: Vec<Ancestor> = Vec::new();
    let mut seen: std::collections::HashSet<String> =
        std::iter::once(repo.to_ascii_lowercase()).collect();
    let default_relation = inferred_relation(&data.card, &data.files);
    // (card of the child, child id, depth)
    let mut queue: std::collections::VecDeque<(Card, Option<String>, usize, String)> =
        std::collections::VecDeque::from([(data.card.clone(), None, 0, default_relation)]);
    while let Some((card, child, depth, fallback)) = queue.pop_front() {
        if depth >= LINEAGE_DEPTH {
            continue;
        }
        for base in &card.base_models {
            if out.len() >= LINEAGE_MAX || !seen.insert(base.to_ascii_lowercase()) {
                continue;
            }
            let relation = card.relation_to(base).unwrap_or_else(|| fallback.clone());
            let parent = match super::RepoId::parse(base) {
                Ok(_) => match hub.revision(base, "main") {
                    Ok(found) => Some(found),
                    Err(f) if unreadable(&f) => None,
                    Err(f) => return Err(f),
                },
                Err(_) => None,
            };
            let mut ancestor = Ancestor {
                model: base.clone(),
                relation,
                license: parent.as_ref().and_then(|(_, c)| declared_license(c)),
                base_of: child.clone(),
                revision: parent.as_ref().map(|(sha, _)| sha.clone()),
                license_digest: None,
            };
            if let Some((sha, c)) = parent {
                match terms_of_commit(cx, hub, base, sha, Some(c.clone())) {
                    Ok(t) => ancestor.license_digest = Some(t.terms.digest()),
                    Err(f) if unreadable(&f) => complete = false,
                    Err(f) => return Err(f),
                }
                let fallback = if c.base_models.len() > 1 {
                    "merge"
                } else {
                    "finetune"
                }
                .to_owned();
                queue.push_back((c, Some(base.clone()), depth + 1, fallback));
            }
            out.push(ancestor);
        }
    }
    if complete {
        cx.cache.put(LINEAGE_CACHE, &key, &out);
    }
    Ok(out)
}

/// The cache namespace of lineages (the second, with the ancestors' terms).
const LINEAGE_CACHE: &str = "hf-lineage-2";

pub(in crate::source) fn hub(cx: &Context) -> Hub<'_> {
    Hub {
        http: &cx.hf_http,
        endpoint: &cx.env.hf_endpoint,
        has_token: cx.env.hf_token.is_some(),
        offline: cx.env.hf_offline,
    }
}

/// The card and file list of a commit, from the cache or the Hub.
fn commit_data(
    cx: &Context,
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    fresh_card: Option<Card>,
) -> Result<CommitData, Failure> {
    let key = format!("{}\n{repo}\n{commit}", cx.env.hf_endpoint);
    // "-2": cards gained `extra_gated_prompt`; older records lack it
    if let Some(mut d) = cx.cache.get::<CommitData>("hf-commit-2", &key) {
        // a commit's card and files never change; the Hub's scan of them
        // does (scans finish, files get flagged): the answer just read wins
        if let Some(fresh) = &fresh_card {
            d.card.scan = fresh.scan.clone();
        }
        return Ok(d);
    }
    let card = match fresh_card {
        Some(c) => c,
        None => hub.revision(repo, commit)?.1,
    };
    let files = hub.tree(repo, commit)?;
    let d = CommitData { card, files };
    cx.cache.put("hf-commit-2", &key, &d);
    Ok(d)
}

/// `license: other` names its license in `license_name`.
pub fn declared_license(card: &Card) -> Option<String> {
    match (&card.license, &card.license_name) {
        (Some(l), Some(name)) if l.eq_ignore_ascii_case("other") => Some(name.clone()),
        (l, _) => l.clone(),
    }
}

/// The terms of a commit (card keys and license file digests), with every
/// license text kept for the store.
fn license_terms(
    cx: &Context,
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    data: &CommitData,
    facts: &HashMap<&str, BlobFacts>,
) -> Result<Terms, Failure> {
    let mut files = Vec::new();
    for f in data.files.iter().filter(|f| is_license_file(&f.path)) {
        let digest = facts[f.path.as_str()].license_digest.clone();
        cx.ensure_text(&digest, &f.path, || fetch_verified(hub, repo, commit, f))?;
        files.push((f.path.clone(), digest));
    }
    let card = CardLicense {
        license: data.card.license.clone(),
        license_name: data.card.license_name.clone(),
        license_link: data.card.license_link.clone(),
    };
    let terms = Terms::new(card, files.iter().map(|(p, d)| (p.as_str(), d.as_str())));
    cx.texts.keep_terms(&terms);
    Ok(terms)
}

fn blob_facts(
    cx: &Context,
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    f: &TreeFile,
) -> Result<BlobFacts, Failure> {
    let key = match &f.lfs_sha256 {
        Some(sha) => format!("sha256:{sha}"),
        None => format!("git:{}", f.oid),
    };
    // "-2": the facts gained the `auto_map` of configs
    if let Some(facts) = cx.cache.get::<BlobFacts>("blob-2", &key) {
        return Ok(facts);
    }
    let bytes = fetch_verified(hub, repo, commit, f)?;
    if is_license_file(&f.path) {
        cx.texts.keep_text(&bytes);
    }
    let facts = BlobFacts {
        sha256: sha256_hex(&bytes),
        size: f.size,
        license_digest: file_digest(&bytes),
        auto_map: if crate::source::format::may_map_code(&f.path) {
            crate::source::format::auto_map(&bytes)
        } else {
            Vec::new()
        },
    };
    cx.cache.put("blob-2", &key, &facts);
    Ok(facts)
}

/// A file's bytes at a commit, checked against the id the Hub lists for it
/// (the LFS sha256, else the git blob id) and its size.
fn fetch_verified(
    hub: &Hub<'_>,
    repo: &str,
    commit: &str,
    f: &TreeFile,
) -> Result<Vec<u8>, Failure> {
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
    let verified = match &f.lfs_sha256 {
        Some(expected) => *expected == sha256_hex(&bytes),
        None => git_blob_sha1(&bytes) == f.oid,
    };
    if !verified || bytes.len() as u64 != f.size {
        return Err(Failure::new(
            Code::SourceIntegrity,
            format!("the bytes of `{}` downloaded from {repo} at {commit} do not match the id the Hub lists for it", f.path),
            "a proxy or mirror altered the file, or the download was cut short; run update again",
        ));
    }
    Ok(bytes)
}
