//! File downloads: `/{repo}/resolve/{rev}/{path}` (git files served, LFS
//! files redirected to the CDN), `/api/resolve-cache/models/…`, and the
//! CDN's `/lfs/{sha256}`.

use super::super::http::{if_none_match, pct_encode, serve_bytes, HttpRequest, Resp};
use super::routes::{
    access, entry_not_found, no_such_key, not_found_route, revision_not_found, Auth,
};
use super::{sha256_hex, Shared, State};

pub(super) fn resolve(
    shared: &Shared,
    st: &State,
    auth: Auth,
    req: &HttpRequest,
    id: &str,
    rev: &str,
    path: &str,
) -> Resp {
    let repo = match access(st, auth, id, true) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(idx) = repo.resolve(rev) else {
        return revision_not_found(rev);
    };
    let c = &repo.commits[idx];
    let Some(f) = c.files.get(path) else {
        return entry_not_found(&c.sha);
    };
    let quoted = format!("\"{}\"", f.etag());
    if if_none_match(req, f.etag()) {
        return Resp::new(304)
            .header("ETag", quoted)
            .header("X-Repo-Commit", c.sha.clone());
    }
    if f.lfs {
        let location = format!(
            "{}/lfs/{}?repo={}&commit={}&filename={}&X-Amz-Expires=3600&X-Amz-Signature=fixture",
            shared.cdn_url,
            f.sha256,
            pct_encode(&repo.id, false),
            c.sha,
            pct_encode(&f.path, false)
        );
        return Resp::new(302)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("Location", location.clone())
            .header("X-Repo-Commit", c.sha.clone())
            .header("ETag", quoted.clone())
            .header("X-Linked-Etag", quoted)
            .header("X-Linked-Size", f.content.len().to_string())
            .header("Accept-Ranges", "bytes")
            .body(format!("Found. Redirecting to {location}").into_bytes());
    }
    if st.resolve_cache {
        let location = format!(
            "/api/resolve-cache/models/{}/{}/{}?etag={}",
            pct_encode(&repo.id, true),
            c.sha,
            pct_encode(&f.path, true),
            pct_encode(&quoted, false)
        );
        return Resp::new(307)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("Location", location.clone())
            .header("X-Repo-Commit", c.sha.clone())
            .header("X-Linked-Etag", quoted)
            .body(format!("Temporary Redirect. Redirecting to {location}").into_bytes());
    }
    serve_bytes(
        req,
        &f.content,
        vec![
            ("ETag".into(), quoted),
            ("X-Repo-Commit".into(), c.sha.clone()),
        ],
    )
}

/// `/api/resolve-cache/models/{repo}/{commit}/{path}`: a git file at a commit.
pub(super) fn resolve_cache(
    _shared: &Shared,
    st: &State,
    auth: Auth,
    req: &HttpRequest,
    segs: &[String],
) -> Resp {
    let is_sha = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let split = if segs.len() >= 4
        && is_sha(&segs[2])
        && st.repos.contains_key(&format!("{}/{}", segs[0], segs[1]))
    {
        Some((format!("{}/{}", segs[0], segs[1]), 2))
    } else if segs.len() >= 3 && is_sha(&segs[1]) {
        Some((segs[0].clone(), 1))
    } else if segs.len() >= 4 && is_sha(&segs[2]) {
        Some((format!("{}/{}", segs[0], segs[1]), 2))
    } else {
        None
    };
    let Some((id, i)) = split else {
        return not_found_route();
    };
    let repo = match access(st, auth, &id, true) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(idx) = repo.resolve(&segs[i]) else {
        return revision_not_found(&segs[i]);
    };
    let c = &repo.commits[idx];
    let path = segs[i + 1..].join("/");
    let Some(f) = c.files.get(&path) else {
        return entry_not_found(&c.sha);
    };
    let quoted = format!("\"{}\"", f.etag());
    if if_none_match(req, f.etag()) {
        return Resp::new(304)
            .header("ETag", quoted)
            .header("X-Repo-Commit", c.sha.clone());
    }
    serve_bytes(
        req,
        &f.content,
        vec![
            ("ETag".into(), quoted),
            ("X-Repo-Commit".into(), c.sha.clone()),
        ],
    )
}

/// The CDN: `GET|HEAD /lfs/{sha256}?...` serves the bytes of any LFS file with
/// that sha256, with no auth. Its `ETag` is deliberately NOT the sha256 (the
/// real CDN's ETag is the Xet hash): clients must use the hub's X-Linked-Etag.
pub(super) fn cdn_lfs(shared: &Shared, req: &HttpRequest) -> Resp {
    let Some(sha) = req.path.strip_prefix("/lfs/") else {
        return no_such_key();
    };
    let st = shared.lock();
    let found = st.repos.values().find_map(|r| {
        r.commits
            .iter()
            .flat_map(|c| c.files.values())
            .find(|f| f.lfs && f.sha256 == sha)
            .map(|f| (r.clone(), f.path.clone()))
    });
    let Some((repo, path)) = found else {
        return no_such_key();
    };
    drop(st);
    let f = repo
        .commits
        .iter()
        .find_map(|c| c.files.get(&path).filter(|f| f.sha256 == sha))
        .expect("found above");
    let cdn_etag = format!("\"{}\"", sha256_hex(format!("xet:{sha}").as_bytes()));
    serve_bytes(req, &f.content, vec![("ETag".into(), cdn_etag)])
}
