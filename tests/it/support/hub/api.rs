//! The Hub's `/api/models/{repo}` endpoints: model info, the tree listing
//! (with pagination), paths-info and refs.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::super::http::{parse_query, q_get, truthy, HttpRequest, Resp};
use super::data::{CommitInfo, FileInfo, RepoInfo};
use super::routes::{access, bad_request, entry_not_found, revision_not_found, Auth};
use super::{sha256_hex, Shared, State};

const DEFAULT_PAGE: usize = 1000;
const DEFAULT_PAGE_EXPAND: usize = 50;
const CREATED_AT: &str = "2023-12-01T00:00:00.000Z";

const EXPANDABLE: &[&str] = &[
    "author",
    "baseModels",
    "cardData",
    "childrenModelCount",
    "config",
    "createdAt",
    "disabled",
    "downloads",
    "downloadsAllTime",
    "evalResults",
    "gated",
    "gguf",
    "inference",
    "inferenceProviderMapping",
    "lastModified",
    "library_name",
    "likes",
    "mask_token",
    "model-index",
    "pipeline_tag",
    "private",
    "resourceGroup",
    "safetensors",
    "sha",
    "siblings",
    "spaces",
    "tags",
    "transformersInfo",
    "trendingScore",
    "usedStorage",
    "widgetData",
];

fn str_or_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn model_tags(c: &CommitInfo) -> Vec<String> {
    let mut tags: Vec<String> = c.tags.clone();
    for l in str_or_list(&c.card_data["license"]) {
        tags.push(format!("license:{l}"));
    }
    let relation = c.card_data["base_model_relation"].as_str();
    for b in str_or_list(&c.card_data["base_model"]) {
        tags.push(format!("base_model:{b}"));
        if let Some(rel) = relation {
            tags.push(format!("base_model:{rel}:{b}"));
        }
    }
    tags.push("region:us".to_owned());
    let mut seen = BTreeSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    tags
}

pub(super) fn model_info(
    st: &State,
    auth: Auth,
    id: &str,
    rev: &str,
    query: &[(String, String)],
) -> Resp {
    let repo = match access(st, auth, id, false) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(idx) = repo.resolve(rev) else {
        return revision_not_found(rev);
    };
    let c = &repo.commits[idx];
    let expand: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "expand" || k == "expand[]")
        .map(|(_, v)| v.as_str())
        .collect();
    if let Some(bad) = expand.iter().find(|e| !EXPANDABLE.contains(e)) {
        return bad_request(&format!("\"expand\" contains an invalid value: {bad}"));
    }
    let blobs = expand.is_empty() && truthy(q_get(query, "blobs"));

    let mut siblings: Vec<Value> = c
        .files
        .values()
        .map(|f| {
            let mut s = Map::new();
            s.insert("rfilename".into(), json!(f.path));
            if blobs {
                s.insert("size".into(), json!(f.content.len()));
                s.insert("blobId".into(), json!(f.blob_id));
                if f.lfs {
                    s.insert(
                        "lfs".into(),
                        json!({"sha256": f.sha256, "size": f.content.len(), "pointerSize": f.pointer_size}),
                    );
                }
            }
            Value::Object(s)
        })
        .collect();
    if let Some(max) = repo.max_siblings {
        siblings.truncate(max);
    }
    let used: usize = c.files.values().map(|f| f.content.len()).sum();
    let mut m = Map::new();
    let object_id = repo
        .object_id
        .clone()
        .unwrap_or_else(|| sha256_hex(format!("model:{id}").as_bytes())[..24].to_owned());
    m.insert("_id".into(), json!(object_id));
    m.insert("id".into(), json!(id));
    m.insert("modelId".into(), json!(id));
    if let Some((author, _)) = id.split_once('/') {
        m.insert("author".into(), json!(author));
    }
    m.insert("sha".into(), json!(c.sha));
    m.insert("lastModified".into(), json!(c.date));
    m.insert("private".into(), json!(repo.private));
    m.insert(
        "gated".into(),
        if repo.gated {
            json!("manual")
        } else {
            json!(false)
        },
    );
    m.insert("disabled".into(), json!(false));
    m.insert("downloads".into(), json!(0));
    m.insert("likes".into(), json!(0));
    m.insert("tags".into(), json!(model_tags(c)));
    if let Some(p) = &c.pipeline_tag {
        m.insert("pipeline_tag".into(), json!(p));
    }
    if !c.card_data.is_null() {
        m.insert("cardData".into(), c.card_data.clone());
    }
    m.insert("siblings".into(), Value::Array(siblings));
    m.insert("createdAt".into(), json!(CREATED_AT));
    m.insert("usedStorage".into(), json!(used));
    // `securityStatus=true`: the Hub's scan of the repo (as huggingface_hub
    // reads it: `scansDone`, `filesWithIssues` of {path, level})
    if query
        .iter()
        .any(|(k, v)| k == "securityStatus" && v == "true")
    {
        let status = repo
            .security
            .clone()
            .unwrap_or_else(|| json!({"scansDone": true, "filesWithIssues": []}));
        m.insert("securityRepoStatus".into(), status);
    }
    if !expand.is_empty() {
        m.retain(|k, _| k == "_id" || k == "id" || expand.contains(&k.as_str()));
    }
    Resp::json(200, &Value::Object(m))
}

fn file_entry(repo: &RepoInfo, idx: usize, f: &FileInfo, expand: bool) -> Value {
    let mut e = Map::new();
    e.insert("type".into(), json!("file"));
    e.insert("oid".into(), json!(f.blob_id));
    e.insert("size".into(), json!(f.content.len()));
    e.insert("path".into(), json!(f.path));
    if f.lfs {
        e.insert(
            "lfs".into(),
            json!({"oid": f.sha256, "size": f.content.len(), "pointerSize": f.pointer_size}),
        );
    }
    if expand {
        e.insert("lastCommit".into(), last_commit_json(repo, idx, &f.path));
        let status = repo
            .file_security
            .iter()
            .find(|(p, _)| *p == f.path)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                json!({"status": "safe", "avScan": {"virusFound": false, "virusNames": null}, "pickleImportScan": null})
            });
        e.insert("securityFileStatus".into(), status);
    }
    Value::Object(e)
}

fn dir_entry(repo: &RepoInfo, idx: usize, path: &str, oid: &str, expand: bool) -> Value {
    let mut e = Map::new();
    e.insert("type".into(), json!("directory"));
    e.insert("oid".into(), json!(oid));
    e.insert("size".into(), json!(0));
    e.insert("path".into(), json!(path));
    if expand {
        e.insert("lastCommit".into(), last_commit_json(repo, idx, path));
    }
    Value::Object(e)
}

fn last_commit_json(repo: &RepoInfo, idx: usize, path: &str) -> Value {
    let j = repo.last_commit(idx, path);
    let c = &repo.commits[j];
    let title = if j == 0 {
        "Initial commit".to_owned()
    } else {
        format!("Update {path}")
    };
    json!({"id": c.sha, "title": title, "date": c.date})
}

/// (path, is_dir) entries of a listing, sorted by path.
fn listing(c: &CommitInfo, dir: &str, recursive: bool) -> Vec<(String, bool)> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let wanted = |p: &str| -> bool {
        match p.strip_prefix(prefix.as_str()) {
            Some(rest) if !rest.is_empty() => recursive || !rest.contains('/'),
            _ => false,
        }
    };
    let mut out: Vec<(String, bool)> = c
        .files
        .keys()
        .filter(|p| wanted(p))
        .map(|p| (p.clone(), false))
        .chain(
            c.dirs
                .keys()
                .filter(|p| wanted(p))
                .map(|p| (p.clone(), true)),
        )
        .collect();
    out.sort();
    out
}

fn b64url_encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..chunk.len() + 1 {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::new();
    for chunk in s.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn tree(
    shared: &Shared,
    st: &State,
    auth: Auth,
    req: &HttpRequest,
    id: &str,
    rev: &str,
    path: &str,
    query: &[(String, String)],
) -> Resp {
    let repo = match access(st, auth, id, false) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(idx) = repo.resolve(rev) else {
        return revision_not_found(rev);
    };
    let c = &repo.commits[idx];
    let dir = path.trim_matches('/');
    if !dir.is_empty() && !c.dirs.contains_key(dir) {
        return entry_not_found(&c.sha);
    }
    let recursive = truthy(q_get(query, "recursive"));
    let expand = truthy(q_get(query, "expand"));
    let mut page = st.page_size.unwrap_or(if expand {
        DEFAULT_PAGE_EXPAND
    } else {
        DEFAULT_PAGE
    });
    if let Some(limit) = q_get(query, "limit") {
        match limit.parse::<usize>() {
            Ok(n) if n > 0 => page = page.min(n),
            _ => return bad_request("Invalid limit"),
        }
    }
    let entries = listing(c, dir, recursive);
    let start = match q_get(query, "cursor") {
        None => 0,
        Some(cur) => {
            let after = b64url_decode(cur)
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["file_name"].as_str().map(str::to_owned));
            match after {
                Some(after) => entries.partition_point(|(p, _)| *p <= after),
                None => return bad_request("Invalid cursor"),
            }
        }
    };
    let end = (start + page).min(entries.len());
    let items: Vec<Value> = entries[start..end]
        .iter()
        .map(|(p, is_dir)| {
            if *is_dir {
                dir_entry(&repo, idx, p, &c.dirs[p], expand)
            } else {
                file_entry(&repo, idx, &c.files[p], expand)
            }
        })
        .collect();
    let mut resp = Resp::json(200, &Value::Array(items));
    if end < entries.len() {
        let cursor = b64url_encode(
            json!({"file_name": entries[end - 1].0})
                .to_string()
                .as_bytes(),
        );
        let mut q: Vec<String> = req
            .query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
            .map(str::to_owned)
            .collect();
        q.push(format!("cursor={cursor}"));
        let base = match req.header("host") {
            Some(h) if !h.is_empty() => format!("http://{h}"),
            _ => shared.hub_url.clone(),
        };
        resp = resp.header(
            "Link",
            format!("<{base}{}?{}>; rel=\"next\"", req.path, q.join("&")),
        );
    }
    resp
}

pub(super) fn paths_info(st: &State, auth: Auth, req: &HttpRequest, id: &str, rev: &str) -> Resp {
    let repo = match access(st, auth, id, false) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(idx) = repo.resolve(rev) else {
        return revision_not_found(rev);
    };
    let c = &repo.commits[idx];
    let is_json = req
        .header("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
    let (paths, expand) = if is_json {
        let Ok(v) = serde_json::from_slice::<Value>(&req.body) else {
            return bad_request("Invalid JSON body");
        };
        (
            str_or_list(&v["paths"]),
            v["expand"].as_bool().unwrap_or(false),
        )
    } else {
        let Some(form) = std::str::from_utf8(&req.body).ok().and_then(parse_query) else {
            return bad_request("Invalid form body");
        };
        let paths = form
            .iter()
            .filter(|(k, _)| k == "paths" || k == "paths[]")
            .map(|(_, v)| v.clone())
            .collect();
        (paths, truthy(q_get(&form, "expand")))
    };
    let mut seen = BTreeSet::new();
    let items: Vec<Value> = paths
        .iter()
        .map(|p| p.trim_matches('/').to_owned())
        .filter(|p| seen.insert(p.clone()))
        .filter_map(|p| {
            if let Some(f) = c.files.get(&p) {
                Some(file_entry(&repo, idx, f, expand))
            } else {
                c.dirs
                    .get(&p)
                    .filter(|_| !p.is_empty())
                    .map(|oid| dir_entry(&repo, idx, &p, oid, expand))
            }
        })
        .collect();
    Resp::json(200, &Value::Array(items))
}

pub(super) fn refs(st: &State, auth: Auth, id: &str, query: &[(String, String)]) -> Resp {
    let repo = match access(st, auth, id, false) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let sha = |i: usize| repo.commits[i].sha.clone();
    let mut branches = Vec::new();
    let mut converts = Vec::new();
    let mut prs = Vec::new();
    for (name, i) in &repo.branches {
        if let Some(conv) = name.strip_prefix("refs/convert/") {
            converts.push(json!({"name": conv, "ref": name, "targetCommit": sha(*i)}));
        } else if name.starts_with("refs/pr/") {
            prs.push(json!({"name": name, "ref": name, "targetCommit": sha(*i)}));
        } else {
            branches.push(
                json!({"name": name, "ref": format!("refs/heads/{name}"), "targetCommit": sha(*i)}),
            );
        }
    }
    let tags: Vec<Value> = repo
        .tags
        .iter()
        .map(|(name, i)| json!({"name": name, "ref": format!("refs/tags/{name}"), "targetCommit": sha(*i)}))
        .collect();
    let mut out = json!({"branches": branches, "tags": tags, "converts": converts});
    if truthy(q_get(query, "include_prs")) {
        out["pullRequests"] = Value::Array(prs);
    }
    Resp::json(200, &out)
}
