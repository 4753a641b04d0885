//! Routing for the fixture Hub: which listener and path goes to which
//! endpoint, authentication and repo access, and the Hub's error responses.

use std::sync::Arc;

use serde_json::json;

use super::super::http::{method_not_allowed, parse_query, pct_decode, HttpRequest, Resp};
use super::api::{model_info, paths_info, refs, tree};
use super::data::RepoInfo;
use super::files::{cdn_lfs, resolve, resolve_cache};
use super::{ollama, Shared, State};

/// The handler of both listeners.
pub(super) fn route(shared: &Shared, server: &'static str, req: &HttpRequest) -> Resp {
    match server {
        "cdn" => route_cdn(shared, req),
        _ => route_hub(shared, req),
    }
}

/// The CDN: `/lfs/{sha256}?…` (LFS files) and `/ollama/…` (Ollama blobs),
/// GET and HEAD only, with no auth.
fn route_cdn(shared: &Shared, req: &HttpRequest) -> Resp {
    if req.method != "GET" && req.method != "HEAD" {
        return method_not_allowed("GET, HEAD");
    }
    if req.path.starts_with("/ollama/") {
        return ollama::cdn_blob(shared, req);
    }
    if let Some(page) = req.path.strip_prefix("/web/") {
        return web_page(shared, page);
    }
    cdn_lfs(shared, req)
}

/// A web page of the fixture's web, served on both listeners at
/// `/web/{host}{path}`: the page `FixtureHub::set_page` set, else a
/// default policy page naming its address (every document a license
/// incorporates reads as something in tests that do not care).
fn web_page(shared: &Shared, page: &str) -> Resp {
    match shared.lock().pages.get(page) {
        Some((status, content_type, body)) => Resp::new(*status)
            .header("Content-Type", content_type.clone())
            .body(body.clone()),
        None => Resp::new(200)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(
                format!(
                    "<!DOCTYPE html><html><head><title>Policy</title></head><body><nav>Home</nav>\
                     <main><h1>Use policy</h1><p>The policy published at {page}.</p></main></body></html>"
                )
                .into_bytes(),
            ),
    }
}

/// The CDN's answer for a missing object (S3 style).
pub(super) fn no_such_key() -> Resp {
    Resp::new(404)
        .header("Content-Type", "application/xml")
        .body(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code></Error>"
                .to_vec(),
        )
}

pub(super) fn error(status: u16, code: Option<&str>, message: &str) -> Resp {
    let mut r = Resp::json(status, &json!({ "error": message })).header("X-Error-Message", message);
    if let Some(code) = code {
        r = r.header("X-Error-Code", code);
    }
    r
}

pub(super) fn bad_request(message: &str) -> Resp {
    error(400, None, message)
}

pub(super) fn not_found_route() -> Resp {
    Resp::json(
        404,
        &json!({"error": "Sorry, we can't find the page you are looking for."}),
    )
}

fn anonymous_unauthorized() -> Resp {
    error(401, None, "Invalid username or password.").header(
        "WWW-Authenticate",
        "Bearer realm=\"Authentication required\", charset=\"UTF-8\"",
    )
}

pub(super) fn revision_not_found(rev: &str) -> Resp {
    error(
        404,
        Some("RevisionNotFound"),
        &format!("Invalid rev id: {rev}"),
    )
}

pub(super) fn entry_not_found(commit: &str) -> Resp {
    error(404, Some("EntryNotFound"), "Entry not found").header("X-Repo-Commit", commit)
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Auth {
    Anonymous,
    Valid,
}

/// Splits decoded path segments into a repo id and the rest. A two-segment
/// id wins if that repo exists; otherwise a known one-segment id followed by
/// one of `keywords` (or nothing); otherwise the first two segments.
fn split_repo<'a>(
    st: &State,
    segs: &'a [String],
    keywords: &[&str],
) -> Option<(String, &'a [String])> {
    if segs.is_empty() || segs[0].is_empty() {
        return None;
    }
    if segs.len() >= 2 {
        let two = format!("{}/{}", segs[0], segs[1]);
        if st.repos.contains_key(&two) {
            return Some((two, &segs[2..]));
        }
    }
    if st.repos.contains_key(&segs[0]) && (segs.len() == 1 || keywords.contains(&segs[1].as_str()))
    {
        return Some((segs[0].clone(), &segs[1..]));
    }
    if segs.len() >= 2 && !keywords.contains(&segs[1].as_str()) {
        return Some((format!("{}/{}", segs[0], segs[1]), &segs[2..]));
    }
    Some((segs[0].clone(), &segs[1..]))
}

/// Takes a revision off the front of decoded segments. `refs/pr/N`,
/// `refs/convert/X`, `refs/heads/X` and `refs/tags/X` may arrive unencoded.
fn take_rev(segs: &[String]) -> Option<(String, &[String])> {
    let first = segs.first()?;
    if first == "refs"
        && segs.len() >= 3
        && ["pr", "convert", "heads", "tags"].contains(&segs[1].as_str())
    {
        return Some((segs[..3].join("/"), &segs[3..]));
    }
    Some((first.clone(), &segs[1..]))
}

/// Access check. `files`: the request reads file contents (gating applies).
pub(super) fn access(st: &State, auth: Auth, id: &str, files: bool) -> Result<Arc<RepoInfo>, Resp> {
    let repo = match st.repos.get(id) {
        Some(r) if !r.private || auth == Auth::Valid => r.clone(),
        _ => {
            return Err(if auth == Auth::Valid {
                error(404, Some("RepoNotFound"), "Repository not found")
            } else {
                anonymous_unauthorized()
            })
        }
    };
    if files && repo.gated {
        if auth == Auth::Anonymous {
            return Err(error(
                401,
                Some("GatedRepo"),
                &format!(
                    "Access to model {id} is restricted. You must have access to it and be authenticated to access it. Please log in."
                ),
            ));
        }
        if st.gated_denied.contains(id) {
            return Err(error(
                403,
                Some("GatedRepo"),
                &format!(
                    "Access to model {id} is restricted and you are not in the authorized list. Visit {}/{id} to ask for access.",
                    "https://huggingface.co"
                ),
            ));
        }
    }
    Ok(repo)
}

fn route_hub(shared: &Shared, req: &HttpRequest) -> Resp {
    // the fixture's web: pages of other sites, read through a mirror
    if let Some(page) = req.path.strip_prefix("/web/") {
        return web_page(shared, page);
    }
    let st = shared.lock();
    // Authentication first: a bad token is refused everywhere.
    let auth = match req.header("authorization") {
        None => Auth::Anonymous,
        Some(v) => {
            let token = v
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim());
            match (token, st.token.as_deref()) {
                (Some(t), Some(valid)) if t == valid => Auth::Valid,
                _ => return error(401, None, "Invalid credentials in Authorization header"),
            }
        }
    };
    let Some(segs) = req
        .path
        .split('/')
        .skip(1)
        .map(|s| pct_decode(s, false))
        .collect::<Option<Vec<String>>>()
    else {
        return bad_request("Malformed percent-encoding in path");
    };
    let Some(query) = parse_query(&req.query) else {
        return bad_request("Malformed query string");
    };
    let get_like = req.method == "GET" || req.method == "HEAD";

    // The Ollama registry (as on hf.co): `/v2/`, `/v2/{ns}/{model}/manifests/{ref}`
    // and `/v2/{ns}/{model}/blobs/{digest}`.
    if segs[0] == "v2"
        && (segs.len() == 1
            || segs[1..] == [""]
            || (segs.len() == 5 && ["manifests", "blobs"].contains(&segs[3].as_str())))
    {
        return ollama::registry(shared, &st, req, &segs[1..]);
    }

    if segs.first().map(String::as_str) == Some("api") {
        match segs.get(1).map(String::as_str) {
            Some("models") => {}
            Some("resolve-cache") if segs.get(2).map(String::as_str) == Some("models") => {
                if !get_like {
                    return method_not_allowed("GET, HEAD");
                }
                return resolve_cache(shared, &st, auth, req, &segs[3..]);
            }
            _ => return not_found_route(),
        }
        let keywords = [
            "revision",
            "tree",
            "refs",
            "paths-info",
            "auth-check",
            "resolve",
        ];
        let Some((id, rest)) = split_repo(&st, &segs[2..], &keywords) else {
            return not_found_route();
        };
        let head = rest.first().map(String::as_str);
        if head == Some("paths-info") {
            if req.method != "POST" {
                return method_not_allowed("POST");
            }
        } else if !get_like {
            return method_not_allowed("GET, HEAD");
        }
        return match head {
            None => model_info(&st, auth, &id, "main", &query),
            Some("revision") if rest.len() >= 2 => {
                model_info(&st, auth, &id, &rest[1..].join("/"), &query)
            }
            Some("tree") if rest.len() >= 2 => {
                let Some((rev, path)) = take_rev(&rest[1..]) else {
                    return not_found_route();
                };
                tree(shared, &st, auth, req, &id, &rev, &path.join("/"), &query)
            }
            Some("refs") if rest.len() == 1 => refs(&st, auth, &id, &query),
            Some("paths-info") if rest.len() >= 2 => {
                paths_info(&st, auth, req, &id, &rest[1..].join("/"))
            }
            Some("auth-check") if rest.len() == 1 => match access(&st, auth, &id, true) {
                Ok(_) => Resp::json(200, &json!({})),
                Err(r) => r,
            },
            _ => not_found_route(),
        };
    }

    // /{repo}/resolve/{rev}/{path}
    let Some((id, rest)) = split_repo(&st, &segs, &["resolve"]) else {
        return not_found_route();
    };
    if rest.first().map(String::as_str) != Some("resolve") || rest.len() < 3 {
        return not_found_route();
    }
    if !get_like {
        return method_not_allowed("GET, HEAD");
    }
    let Some((rev, path)) = take_rev(&rest[1..]) else {
        return not_found_route();
    };
    resolve(shared, &st, auth, req, &id, &rev, &path.join("/"))
}
