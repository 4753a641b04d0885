//! The Hugging Face Hub HTTP API, as `huggingface_hub` speaks it.

use crate::diag::Code;
use crate::net::{encode_component, encode_path, Http, Response};
use crate::source::Failure;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// API responses are small; a few MiB covers a tree page of 1,000 entries.
const API_LIMIT: u64 = 32 << 20;

/// What a model card declares (README front matter, from `cardData`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub license: Option<String>,
    pub license_name: Option<String>,
    pub license_link: Option<String>,
    pub base_models: Vec<String>,
    /// `base_model_relation`: adapter, merge, quantized or finetune.
    #[serde(default)]
    pub base_relation: Option<String>,
    pub pipeline_tag: Option<String>,
    pub tags: Vec<String>,
    /// The datasets the card names (`datasets`): Hub dataset ids, checked.
    #[serde(default)]
    pub datasets: Vec<String>,
    /// The text a gated repo asks people to accept before access
    /// (`extra_gated_prompt`): terms of their own, often the license.
    #[serde(default)]
    pub gated_prompt: Option<String>,
    /// The repo's immutable id (`_id`, 24 hex digits): a repo deleted and
    /// created again under the same name has another.
    #[serde(default)]
    pub object_id: Option<String>,
    /// The namespace that owns the repo (`author`).
    #[serde(default)]
    pub author: Option<String>,
    /// What the Hub's security scan says of the repo, when it said.
    #[serde(default)]
    pub scan: Option<Scan>,
}

/// The Hub's security scan of a repo (`securityRepoStatus`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    /// Whether the scans are done (`scansDone`); not done is not clean.
    pub done: bool,
    /// The files the scans flag, with the level they give (`unsafe`,
    /// `suspicious`, …).
    pub issues: Vec<(String, String)>,
}

impl Scan {
    /// `securityRepoStatus`, read tolerantly: its field names have changed
    /// (camelCase and snake_case both taken), an issue's level may be
    /// `level`, `status` or `severity`; paths are checked like any path.
    fn from_info(info: &Value) -> Option<Scan> {
        let s = info
            .get("securityRepoStatus")
            .or_else(|| info.get("security_repo_status"))?;
        let done = s
            .get("scansDone")
            .or_else(|| s.get("scans_done"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let issues = s
            .get("filesWithIssues")
            .or_else(|| s.get("files_with_issues"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .take(10_000)
                    .filter_map(|i| {
                        let path = i.get("path").and_then(Value::as_str)?;
                        if crate::source::rules::path_problem(path).is_some() {
                            return None;
                        }
                        let level = ["level", "status", "severity"]
                            .iter()
                            .find_map(|k| i.get(*k).and_then(Value::as_str))
                            .filter(|l| {
                                l.len() <= 32
                                    && l.chars()
                                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                            })
                            .unwrap_or("flagged");
                        Some((path.to_owned(), level.to_ascii_lowercase()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Scan { done, issues })
    }
}

/// One file of a commit's tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFile {
    pub path: String,
    pub size: u64,
    /// git blob id (for an LFS file: of its pointer).
    pub oid: String,
    /// The content's sha256, for files in LFS / Xet.
    pub lfs_sha256: Option<String>,
}

/// The most files a listing may hold (the largest model repos hold a few
/// thousand).
const MAX_FILES: usize = 1_000_000;

/// The files of one page of a tree listing (directories are skipped),
/// each checked by the rules for locked values; `Err` says what is wrong.
pub fn parse_tree_page(page: &Value) -> Result<Vec<TreeFile>, String> {
    let Some(entries) = page.as_array() else {
        return Err("is not a file list".into());
    };
    let mut files = Vec::new();
    for e in entries {
        match e["type"].as_str() {
            Some("file") => files.push(tree_file(e)?),
            Some(_) => {}
            None => return Err("lists an entry that is neither a file nor a directory".into()),
        }
    }
    Ok(files)
}

/// A file entry of a tree listing, if it obeys the rules for locked values.
fn tree_file(e: &Value) -> Result<TreeFile, String> {
    use crate::source::rules;
    let (Some(path), Some(size), Some(oid)) =
        (e["path"].as_str(), e["size"].as_u64(), e["oid"].as_str())
    else {
        return Err("lists a file without path, size or oid".into());
    };
    if let Some(why) = rules::path_problem(path) {
        return Err(format!(
            "lists the path `{}`, which is not a file path of a model: {why}",
            path.escape_debug()
        ));
    }
    if !rules::is_git_oid(oid) {
        return Err(format!(
            "gives `{path}` the object id `{}`, which is not one",
            oid.escape_debug()
        ));
    }
    let lfs = &e["lfs"];
    let lfs_sha256 = match lfs.get("oid").or_else(|| lfs.get("sha256")) {
        None => None,
        Some(v) => match v.as_str().filter(|s| rules::is_sha256(s)) {
            Some(sha) => Some(sha.to_owned()),
            None => {
                return Err(format!(
                    "gives `{path}` an LFS sha256 that is not 64 lower-case hex digits"
                ))
            }
        },
    };
    Ok(TreeFile {
        path: path.to_owned(),
        size,
        oid: oid.to_owned(),
        lfs_sha256,
    })
}

/// The Hub at one endpoint.
pub struct Hub<'a> {
    pub http: &'a Http,
    pub endpoint: &'a str,
    pub has_token: bool,
    /// `HF_HUB_OFFLINE`: every request is refused.
    pub offline: bool,
}

fn string_or_list(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            (!parts.is_empty()).then(|| parts.join(","))
        }
        _ => None,
    }
}

impl Card {
    /// How this model derives from `base`: the Hub's computed tag
    /// `base_model:<relation>:<base>`, else the card's `base_model_relation`.
    pub fn relation_to(&self, base: &str) -> Option<String> {
        const RELATIONS: [&str; 4] = ["adapter", "merge", "quantized", "finetune"];
        self.tags
            .iter()
            .filter_map(|t| t.strip_prefix("base_model:"))
            .filter_map(|t| t.split_once(':'))
            .find(|(rel, id)| *id == base && RELATIONS.contains(rel))
            .map(|(rel, _)| rel.to_owned())
            .or_else(|| {
                self.base_relation
                    .clone()
                    .filter(|r| RELATIONS.contains(&r.as_str()))
            })
    }

    fn from_info(info: &Value) -> Card {
        let card = &info["cardData"];
        let base_models = match &card["base_model"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Card {
            license: string_or_list(&card["license"]),
            license_name: string_or_list(&card["license_name"]),
            license_link: string_or_list(&card["license_link"]),
            base_models,
            base_relation: card["base_model_relation"].as_str().map(str::to_owned),
            // values from the network are checked before they are locked
            object_id: info["_id"]
                .as_str()
                .filter(|id| crate::hashing::is_lower_hex(id, 24))
                .map(str::to_owned),
            author: info["author"]
                .as_str()
                .filter(|a| {
                    !a.is_empty()
                        && a.len() <= 96
                        && a.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                })
                .map(str::to_owned),
            scan: Scan::from_info(info),
            gated_prompt: card["extra_gated_prompt"]
                .as_str()
                .filter(|t| !t.trim().is_empty())
                .map(str::to_owned),
            pipeline_tag: info["pipeline_tag"].as_str().map(str::to_owned),
            datasets: card_datasets(&card["datasets"]),
            tags: info["tags"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The card's `datasets` (a string or a list; a dataset's Hub page is taken
/// as its id): values from the network are locked only when they are Hub
/// dataset ids (`name` or `org/name`, the
/// Hub's characters), at most 64 of them, sorted and distinct.
fn card_datasets(v: &Value) -> Vec<String> {
    let items: Vec<&str> = match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    // a card may name a dataset by its page: the id is the path after it
    let id_of = |v: &str| -> String {
        let v = v.trim().trim_end_matches('/');
        [
            "https://huggingface.co/datasets/",
            "https://hf.co/datasets/",
        ]
        .iter()
        .find_map(|p| v.strip_prefix(p))
        .unwrap_or(v)
        .to_owned()
    };
    let mut out: Vec<String> = items
        .into_iter()
        .map(id_of)
        .filter(|id| super::is_dataset_id(id))
        .collect();
    out.sort();
    out.dedup();
    out.truncate(64);
    out
}

impl Hub<'_> {
    /// `HF_HUB_OFFLINE` forbids asking the Hub anything.
    pub fn online(&self) -> Result<(), Failure> {
        if self.offline {
            return Err(Failure::new(
                Code::SourceOffline,
                "HF_HUB_OFFLINE is set, and this needs the Hub",
                "unset HF_HUB_OFFLINE to reach the Hub; `modellock check` and `diff` of locked or reviewed terms work offline",
            ));
        }
        Ok(())
    }

    /// A network failure, naming the setting that chose the Hub's host.
    pub fn network(&self, e: crate::net::NetError) -> Failure {
        Failure::network(
            e,
            &format!("HF_ENDPOINT is {}", crate::net::redact(self.endpoint)),
        )
    }

    fn check(&self, repo: &str, what: &str, resp: Response) -> Result<Response, Failure> {
        if (200..300).contains(&resp.status) {
            return Ok(resp);
        }
        Err(self.refusal(repo, what, &resp))
    }

    /// What an answer other than 2xx means: the Hub's error codes (gated,
    /// not found, bad token…) as failures.
    pub fn refusal(&self, repo: &str, what: &str, resp: &Response) -> Failure {
        let code = resp.header("x-error-code").unwrap_or("").to_owned();
        let message = resp
            .header("x-error-message")
            .map(str::to_owned)
            .unwrap_or_else(|| error_body(&resp.body));
        let status = resp.status;
        let page = format!("{}/{repo}", crate::net::redact(self.endpoint));
        match (code.as_str(), status) {
            ("RevisionNotFound", _) => Failure::new(
                Code::SourceRevisionNotFound,
                format!("{repo} has no revision {what}"),
                format!("check the branch, tag or commit on {page}"),
            )
            .at_revision(),
            ("GatedRepo", _) => Failure::new(
                Code::SourceGated,
                format!("{repo} is gated: {message}"),
                if self.has_token {
                    format!("your token has no access yet: accept the license on {page} (approval can take a while)")
                } else {
                    format!("accept the license on {page}, then set HF_TOKEN to a token of that account")
                },
            ),
            (_, 401) if message.contains("Invalid credentials") => Failure::new(
                Code::SourceUnauthorized,
                "the Hub refused the token (invalid credentials)",
                "set HF_TOKEN to a valid token (https://huggingface.co/settings/tokens), or unset it",
            ),
            ("RepoNotFound", _) | (_, 401) => Failure::new(
                Code::SourceNotFound,
                format!("the Hub has no model {repo}"),
                if self.has_token {
                    "check the repo id; a private repo needs a token of an account that can read it".to_owned()
                } else {
                    "check the repo id; for a private repo set HF_TOKEN".to_owned()
                },
            ),
            ("EntryNotFound", _) => Failure::new(
                Code::SourceUnexpectedResponse,
                format!("{repo} lists {what} but the file is not there: {message}"),
                "the repo changed while it was read; run update again",
            ),
            (_, 403) => Failure::new(
                Code::SourceUnauthorized,
                format!("the Hub refused access to {repo}: {message}"),
                "check that your token can read this repo",
            ),
            _ => Failure::new(
                Code::SourceUnexpectedResponse,
                format!("the Hub answered {status} for {what} of {repo}: {message}"),
                "check HF_ENDPOINT; if it is right, try again later",
            ),
        }
    }

    fn json(&self, repo: &str, what: &str, url: &str) -> Result<(Value, Response), Failure> {
        self.online()?;
        let resp = self.check(
            repo,
            what,
            self.http
                .get(url, &[("accept", "application/json")], API_LIMIT)
                .map_err(|e| self.network(e))?,
        )?;
        let v = serde_json::from_slice(&resp.body).map_err(|e| {
            Failure::new(
                Code::SourceUnexpectedResponse,
                format!(
                    "{url} did not answer JSON: {e}",
                    url = crate::net::redact(url)
                ),
                "check that HF_ENDPOINT points at a Hugging Face Hub",
            )
        })?;
        Ok((v, resp))
    }

    /// The commit a revision points at, and the card at that commit.
    pub fn revision(&self, repo: &str, rev: &str) -> Result<(String, Card), Failure> {
        let url = format!(
            "{}/api/models/{repo}/revision/{}?securityStatus=true",
            self.endpoint,
            encode_component(rev)
        );
        let (info, _) = self.json(repo, &format!("`{rev}`"), &url)?;
        let sha = info["sha"].as_str().unwrap_or_default().to_owned();
        if !super::is_commit(&sha) {
            return Err(Failure::new(
                Code::SourceUnexpectedResponse,
                format!(
                    "{url} gave no commit id (`sha`)",
                    url = crate::net::redact(&url)
                ),
                "check that HF_ENDPOINT points at a Hugging Face Hub",
            ));
        }
        Ok((sha, Card::from_info(&info)))
    }

    /// Every file of a commit, from the paginated tree listing; each
    /// entry checked by the rules the lock parser applies (a relative path
    /// without `..`, listed once; a git object id; an LFS sha256 of 64 hex
    /// digits), so that nothing invalid is locked or cached.
    pub fn tree(&self, repo: &str, commit: &str) -> Result<Vec<TreeFile>, Failure> {
        let mut url = format!(
            "{}/api/models/{repo}/tree/{commit}?recursive=true&expand=false",
            self.endpoint
        );
        let bad = |url: &str, what: String| {
            Failure::new(
                Code::SourceUnexpectedResponse,
                format!("{} {what}", crate::net::redact(url)),
                "the server is not a Hugging Face Hub, or a broken one: check HF_ENDPOINT; nothing was locked",
            )
        };
        let mut files: Vec<TreeFile> = Vec::new();
        let mut seen_pages = std::collections::HashSet::new();
        loop {
            // a page seen before would loop forever
            if !seen_pages.insert(url.clone()) {
                return Err(bad(
                    &url,
                    "is a page of the file list seen before: the list does not end".into(),
                ));
            }
            let (page, resp) = self.json(repo, &format!("the file list at {commit}"), &url)?;
            let next = resp.header("link").and_then(next_link);
            if page.as_array().is_some_and(Vec::is_empty) && next.is_some() {
                return Err(bad(&url, "is an empty page that links to another".into()));
            }
            files.extend(parse_tree_page(&page).map_err(|why| bad(&url, why))?);
            if files.len() > MAX_FILES {
                return Err(bad(&url, format!("lists more than {MAX_FILES} files")));
            }
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        if let Some(p) = super::super::rules::duplicate(files.iter().map(|f| f.path.as_str())) {
            return Err(bad(&url, format!("lists `{p}` twice")));
        }
        if files.is_empty() {
            return Err(bad(&url, format!("lists no file at {commit}")));
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// The repo's tags: (name, target commit).
    pub fn tags(&self, repo: &str) -> Result<Vec<(String, String)>, Failure> {
        let url = format!("{}/api/models/{repo}/refs", self.endpoint);
        let (refs, _) = self.json(repo, "its tags", &url)?;
        Ok(refs["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| {
                        Some((
                            t["name"].as_str()?.to_owned(),
                            t["targetCommit"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A file's bytes at a commit (never by branch), up to `limit` bytes.
    /// What the Hub's scan says of each of `paths` at `commit`
    /// (`paths-info` with `expand`: `securityFileStatus`, read tolerantly):
    /// the files it does not call safe, with a level (`unsafe`,
    /// `suspicious`, `virus`, `dangerous-imports`, `not-scanned`).
    /// `None` when the Hub does not say (the answer is not understood).
    pub fn file_scans(
        &self,
        repo: &str,
        commit: &str,
        paths: &[&str],
    ) -> Option<Vec<(String, String)>> {
        self.online().ok()?;
        let url = format!("{}/api/models/{repo}/paths-info/{commit}", self.endpoint);
        let mut out = Vec::new();
        for chunk in paths.chunks(100) {
            let body = serde_json::json!({"paths": chunk, "expand": true});
            let r = self.http.post_json(&url, &body, API_LIMIT).ok()?;
            if r.status != 200 {
                return None;
            }
            let list: Value = serde_json::from_slice(&r.body).ok()?;
            for e in list.as_array()? {
                let Some(path) = e["path"].as_str().filter(|p| chunk.contains(p)) else {
                    continue;
                };
                let status = e
                    .get("securityFileStatus")
                    .or_else(|| e.get("security_file_status"));
                let level = match status {
                    None | Some(Value::Null) => Some("not-scanned"),
                    Some(s) => {
                        let virus = s["avScan"]["virusFound"].as_bool().unwrap_or(false)
                            || s["av_scan"]["virus_found"].as_bool().unwrap_or(false);
                        let pickle = s["pickleImportScan"]["highestSafetyLevel"]
                            .as_str()
                            .or(s["pickle_import_scan"]["highest_safety_level"].as_str());
                        match (virus, pickle, s["status"].as_str()) {
                            (true, _, _) => Some("virus"),
                            (_, Some("dangerous"), _) => Some("dangerous-imports"),
                            (_, _, Some("safe")) => None,
                            (_, _, Some("unsafe")) => Some("unsafe"),
                            (_, _, Some("suspicious")) | (_, Some("suspicious"), _) => {
                                Some("suspicious")
                            }
                            (_, _, Some("queued" | "pending" | "unscanned")) => Some("not-scanned"),
                            (_, _, None) => Some("not-scanned"),
                            (_, _, Some(_)) => Some("suspicious"),
                        }
                    }
                };
                if let Some(l) = level {
                    out.push((path.to_owned(), l.to_owned()));
                }
            }
        }
        Some(out)
    }

    pub fn download(
        &self,
        repo: &str,
        commit: &str,
        path: &str,
        limit: u64,
    ) -> Result<Vec<u8>, Failure> {
        let url = format!(
            "{}/{repo}/resolve/{commit}/{}",
            self.endpoint,
            encode_path(path)
        );
        self.online()?;
        let resp = self.http.get(&url, &[("accept-encoding", "identity")], limit).map_err(|e| match e {
            crate::net::NetError::TooLarge { limit, .. } => Failure::new(
                Code::SourceFileTooLarge,
                format!("`{path}` of {repo} is stored in git and larger than {} MiB", limit >> 20),
                "modellock downloads files that the Hub stores without a sha256 (not in LFS); restrict `files` to leave it out",
            ),
            other => self.network(other),
        })?;
        Ok(self.check(repo, &format!("`{path}`"), resp)?.body)
    }
}

fn error_body(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match &v["error"] {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::from_utf8_lossy(&body[..body.len().min(200)])
            .trim()
            .to_owned(),
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_datasets_are_hub_dataset_ids() {
        let v = serde_json::json!([
            "HuggingFaceH4/ultrachat_200k",
            "https://huggingface.co/datasets/openbmb/UltraFeedback/",
            "https://hf.co/datasets/squad",
            "https://example.com/datasets/x",
            "../../etc/passwd",
            "a b",
            "org/name/extra",
            7,
            "squad"
        ]);
        assert_eq!(
            card_datasets(&v),
            [
                "HuggingFaceH4/ultrachat_200k",
                "openbmb/UltraFeedback",
                "squad"
            ]
        );
        assert_eq!(card_datasets(&serde_json::json!("imdb")), ["imdb"]);
        assert!(card_datasets(&serde_json::json!({"a": 1})).is_empty());
    }

    #[test]
    fn link_headers() {
        assert_eq!(
            next_link("<http://h/api/models/a/b/tree/c?recursive=true&cursor=xyz>; rel=\"next\"")
                .as_deref(),
            Some("http://h/api/models/a/b/tree/c?recursive=true&cursor=xyz")
        );
        assert_eq!(
            next_link("<http://h/p1>; rel=\"prev\", <http://h/p3>; rel=\"next\"").as_deref(),
            Some("http://h/p3")
        );
        assert_eq!(next_link("<http://h/p1>; rel=\"prev\""), None);
    }

    #[test]
    fn cards() {
        let info = serde_json::json!({"cardData": {"license": ["mit", "apache-2.0"], "base_model": "org/base"}, "pipeline_tag": "text-generation"});
        let c = Card::from_info(&info);
        assert_eq!(c.license.as_deref(), Some("mit,apache-2.0"));
        assert_eq!(c.base_models, ["org/base"]);
        assert_eq!(Card::from_info(&serde_json::json!({})), Card::default());
    }
}
