//! The Ollama registry, as registry.ollama.ai and hf.co serve it: the Docker
//! Registry v2 subset `ollama pull` uses. Manifests come from the hub
//! (`/v2/{namespace}/{model}/manifests/{tag or digest}`); a blob URL
//! (`/v2/{namespace}/{model}/blobs/sha256:<hex>`) answers a 307 to the CDN
//! (`/ollama/docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data`), as
//! registry.ollama.ai redirects to its Cloudflare R2 bucket.

use std::collections::BTreeMap;

use serde_json::json;

use super::super::http::{serve_bytes, HttpRequest, Resp};
use super::routes::no_such_key;
use super::{sha256_hex, OllamaModel, Shared, State, OLLAMA_MANIFEST_TYPE};

const CDN_PREFIX: &str = "/ollama/docker/registry/v2/blobs/sha256/";

/// An Ollama model as served: tags, manifests by digest, blobs by hex.
pub(super) struct OllamaInfo {
    /// `namespace/model`.
    pub(super) name: String,
    /// Tag -> `sha256:<hex>` of its manifest.
    tags: BTreeMap<String, String>,
    /// `sha256:<hex>` -> the manifest bytes.
    manifests: BTreeMap<String, Vec<u8>>,
    /// Hex sha256 -> the blob.
    blobs: BTreeMap<String, Vec<u8>>,
}

impl OllamaInfo {
    pub(super) fn build(m: OllamaModel) -> OllamaInfo {
        for (what, part) in [("namespace", &m.namespace), ("model", &m.model)] {
            assert!(
                !part.is_empty() && !part.contains('/'),
                "FixtureHub: Ollama {what} {part:?} is empty or contains `/`"
            );
        }
        let mut tags = BTreeMap::new();
        let mut manifests = BTreeMap::new();
        for (tag, bytes) in m.tags {
            let digest = format!("sha256:{}", sha256_hex(&bytes));
            tags.insert(tag, digest.clone());
            manifests.insert(digest, bytes);
        }
        let blobs = m.blobs.into_iter().map(|b| (sha256_hex(&b), b)).collect();
        OllamaInfo {
            name: format!("{}/{}", m.namespace, m.model),
            tags,
            manifests,
            blobs,
        }
    }

    /// A manifest by tag or by `sha256:<hex>`: its digest and bytes.
    fn manifest(&self, reference: &str) -> Option<(&str, &[u8])> {
        let digest = if reference.starts_with("sha256:") {
            reference
        } else {
            self.tags.get(reference)?.as_str()
        };
        self.manifests
            .get_key_value(digest)
            .map(|(d, b)| (d.as_str(), b.as_slice()))
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A registry response: every one carries the API version header.
fn registry_resp(status: u16) -> Resp {
    Resp::new(status).header("Docker-Distribution-Api-Version", "registry/2.0")
}

/// `{"errors":[{"code":…,"message":…}]}`, as Docker registries answer errors.
fn registry_error(status: u16, code: &str, message: &str) -> Resp {
    let body = json!({"errors": [{"code": code, "message": message}]});
    registry_resp(status)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(body.to_string().into_bytes())
}

/// `/v2/…` on the hub; `segs` are the decoded segments after `v2`: none or
/// `[""]` for the version check, else `[namespace, model, kind, reference]`.
pub(super) fn registry(shared: &Shared, st: &State, req: &HttpRequest, segs: &[String]) -> Resp {
    if req.method != "GET" && req.method != "HEAD" {
        return registry_error(405, "UNSUPPORTED", "The operation is unsupported.")
            .header("Allow", "GET, HEAD");
    }
    if segs.len() < 4 {
        return registry_resp(200)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(b"{}".to_vec());
    }
    let (kind, reference) = (segs[2].as_str(), segs[3].as_str());
    let model = st.ollama.get(&format!("{}/{}", segs[0], segs[1]));
    if kind == "manifests" {
        let Some((digest, bytes)) = model.and_then(|m| m.manifest(reference)) else {
            return registry_error(404, "MANIFEST_UNKNOWN", "manifest unknown");
        };
        return registry_resp(200)
            .header("Content-Type", OLLAMA_MANIFEST_TYPE)
            .header("Docker-Content-Digest", digest)
            .header("ETag", format!("\"{digest}\""))
            .body(bytes.to_vec());
    }
    let Some(hex) = reference.strip_prefix("sha256:").filter(|h| is_hex64(h)) else {
        return registry_error(
            400,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
        );
    };
    if !model.is_some_and(|m| m.blobs.contains_key(hex)) {
        return registry_error(404, "BLOB_UNKNOWN", "blob unknown to registry");
    }
    let location = format!(
        "{}{CDN_PREFIX}{}/{hex}/data?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=1200&X-Amz-Signature=fixture",
        shared.cdn_url,
        &hex[..2]
    );
    let body = format!(
        "<a href=\"{}\">Temporary Redirect</a>.\n\n",
        location.replace('&', "&amp;")
    );
    registry_resp(307)
        .header("Content-Type", "text/html; charset=utf-8")
        .header("Location", location)
        .body(body.into_bytes())
}

/// The CDN's `/ollama/docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data`:
/// the blob of any model with that digest (or its corrupt replacement), with
/// Range support and no auth.
pub(super) fn cdn_blob(shared: &Shared, req: &HttpRequest) -> Resp {
    let hex = req.path.strip_prefix(CDN_PREFIX).and_then(|rest| {
        match rest.split('/').collect::<Vec<_>>()[..] {
            [dir, hex, "data"] if is_hex64(hex) && hex.starts_with(dir) && dir.len() == 2 => {
                Some(hex)
            }
            _ => None,
        }
    });
    let Some(hex) = hex else {
        return no_such_key();
    };
    let st = shared.lock();
    let bytes = st
        .ollama_corrupt
        .get(hex)
        .or_else(|| st.ollama.values().find_map(|m| m.blobs.get(hex)))
        .cloned();
    drop(st);
    let Some(bytes) = bytes else {
        return no_such_key();
    };
    let etag = format!("\"{}\"", &sha256_hex(format!("r2:{hex}").as_bytes())[..32]);
    serve_bytes(
        req,
        &std::sync::Arc::new(bytes),
        vec![("ETag".into(), etag)],
    )
}
