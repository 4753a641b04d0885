//! Reading a document incorporated by URL: an acceptable use policy, the
//! page of a card's `license_link`. Pages on the Hub are read from
//! `HF_ENDPOINT` (a file's `blob/` page as its raw `resolve/` text), with
//! the token going to the Hub's own origin only; every other page is read
//! without a token, through `MODELLOCK_DOCUMENTS_MIRROR` when it is set.
//! An HTML page is reduced to its text; a document that is not text, not
//! there or not reachable is not read, and the reason is returned for the
//! warning that names it.

use super::Context;
use crate::license::html;

/// Documents are pages of terms: a few hundred KiB at most.
const LIMIT: u64 = 4 << 20;

/// The longest URL locked.
const MAX_URL: usize = 2048;

/// Hosts that are the Hub (read from `HF_ENDPOINT`).
const HUB_HOSTS: &[&str] = &["huggingface.co", "www.huggingface.co", "hf.co"];

/// A URL modellock may read and lock: http(s), no credentials, no white
/// space, not absurdly long.
fn parse(url: &str) -> Result<url::Url, String> {
    if url.len() > MAX_URL || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("not a URL modellock reads".into());
    }
    let u = url::Url::parse(url).map_err(|_| "not a URL".to_owned())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("not an http(s) URL".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("a URL with credentials is not read".into());
    }
    Ok(u)
}

fn is_hub(u: &url::Url) -> bool {
    u.host_str()
        .is_some_and(|h| HUB_HOSTS.contains(&h.to_ascii_lowercase().as_str()))
}

/// The path and query of a URL, as requested.
fn path_and_query(u: &url::Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

/// Where the document at `url` is read from, and whether that is the Hub.
fn location(cx: &Context, url: &str) -> Result<(String, bool), String> {
    let u = parse(url)?;
    if is_hub(&u) {
        return Ok((
            format!("{}{}", cx.env.hf_endpoint, path_and_query(&u)),
            true,
        ));
    }
    match &cx.env.documents_mirror {
        Some(mirror) => {
            let host = match u.port() {
                Some(p) => format!("{}:{p}", u.host_str().unwrap_or_default()),
                None => u.host_str().unwrap_or_default().to_owned(),
            };
            Ok((format!("{mirror}/{host}{}", path_and_query(&u)), false))
        }
        None => Ok((u.to_string(), false)),
    }
}

/// The text of the document at `url`: an HTML page reduced to what a
/// reader sees, any other text as served. `Err` says why it cannot be read.
pub fn read(cx: &Context, url: &str) -> Result<Vec<u8>, String> {
    let (at, hub) = location(cx, url)?;
    if cx.env.hf_offline {
        return Err("offline: HF_HUB_OFFLINE is set".into());
    }
    let http = if hub { &cx.hf_http } else { &cx.plain_http };
    let resp = http
        .get(
            &at,
            &[(
                "accept",
                "text/html, text/plain, text/markdown;q=0.9, */*;q=0.1",
            )],
            LIMIT,
        )
        .map_err(|e| e.to_string())?;
    if !(200..300).contains(&resp.status) {
        return Err(format!("HTTP {}", resp.status));
    }
    let content_type = resp.header("content-type").map(str::to_owned);
    let text = if html::is_html(content_type.as_deref(), &resp.body) {
        html::text(&String::from_utf8_lossy(&resp.body)).into_bytes()
    } else {
        let texty = content_type.as_deref().is_none_or(|c| {
            let c = c.to_ascii_lowercase();
            c.starts_with("text/")
                || c.contains("markdown")
                || c.starts_with("application/octet-stream")
        });
        if !texty || resp.body.contains(&0) || std::str::from_utf8(&resp.body).is_err() {
            return Err(format!(
                "not a text document ({})",
                content_type.as_deref().unwrap_or("binary")
            ));
        }
        resp.body
    };
    if crate::license::normalise(&text).is_empty() {
        return Err("the page has no text (it may be drawn by JavaScript)".into());
    }
    Ok(text)
}

/// A card's `license_link` as a document of the Hub repo `repo` locked at
/// `revision`: the URL to lock, or `None` when the link names one of the
/// repo's own license files (locked with the license digest already) or
/// nothing modellock can read.
pub fn card_link(repo: &str, revision: &str, link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let own_file = |path: &str| -> Option<String> {
        if crate::license::is_license_file(path) || super::rules::path_problem(path).is_some() {
            return None;
        }
        Some(format!(
            "https://huggingface.co/{repo}/resolve/{revision}/{}",
            crate::net::encode_path(path)
        ))
    };
    if !link.contains("://") {
        if link.contains(':') {
            return None;
        }
        // a path in the repo: `LICENSE`, `./docs/terms.md`
        let path = link.trim_start_matches("./").trim_start_matches('/');
        return own_file(path);
    }
    let u = parse(link).ok()?;
    if !is_hub(&u) {
        return Some(u.to_string());
    }
    // https://huggingface.co/ORG/NAME/(blob|resolve|raw)/REV/PATH: a file,
    // read raw; the model's own license files are locked already
    let segments: Vec<&str> = u.path().trim_start_matches('/').split('/').collect();
    if let [org, name, kind, rev, path @ ..] = segments.as_slice() {
        if matches!(*kind, "blob" | "resolve" | "raw") && !path.is_empty() {
            let path = path.join("/");
            let this_repo = format!("{org}/{name}").eq_ignore_ascii_case(repo);
            if this_repo && crate::license::is_license_file(&path) {
                return None;
            }
            return Some(format!(
                "https://huggingface.co/{org}/{name}/resolve/{rev}/{path}"
            ));
        }
    }
    Some(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_links() {
        let repo = "org/model";
        let rev = "a".repeat(40);
        // the repo's own license file: locked already
        assert_eq!(card_link(repo, &rev, "LICENSE"), None);
        assert_eq!(card_link(repo, &rev, "./LICENSE.md"), None);
        assert_eq!(
            card_link(
                repo,
                &rev,
                "https://huggingface.co/org/model/blob/main/LICENSE"
            ),
            None
        );
        // another file of the repo: read at the locked revision
        assert_eq!(
            card_link(repo, &rev, "docs/terms.md"),
            Some(format!(
                "https://huggingface.co/org/model/resolve/{rev}/docs/terms.md"
            ))
        );
        // another repo's license: raw, at the revision the link names
        assert_eq!(
            card_link(
                repo,
                &rev,
                "https://huggingface.co/Qwen/Qwen2.5-72B/blob/main/LICENSE"
            ),
            Some("https://huggingface.co/Qwen/Qwen2.5-72B/resolve/main/LICENSE".into())
        );
        assert_eq!(
            card_link(repo, &rev, "https://ai.google.dev/gemma/terms"),
            Some("https://ai.google.dev/gemma/terms".into())
        );
        for bad in [
            "",
            "javascript:alert(1)",
            "ftp://x/y",
            "https://u:p@host/x",
            "../../etc/passwd",
        ] {
            assert_eq!(card_link(repo, &rev, bad), None, "{bad}");
        }
    }
}
