//! Locking an `ollama:` model from its registry (the Docker Registry v2
//! subset Ollama speaks): the manifest digest is the revision, each layer a
//! file, the license layers its license files.

use super::Name;
use crate::diag::Code;
use crate::hashing::sha256_hex;
use crate::license::{file_digest, CardLicense, Terms};
use crate::net::Response;
use crate::source::snapshot::{FetchedTerms, File, Request, Snapshot};
use crate::source::{Context, Failure};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json";
const MANIFEST_LIMIT: u64 = 4 << 20;
const LICENSE_LIMIT: u64 = 8 << 20;

/// A layer's role from its media type: `application/vnd.ollama.image.model`
/// → `model`.
fn role(media_type: &str) -> String {
    let last = media_type.rsplit(['.', '/']).next().unwrap_or(media_type);
    match media_type {
        "application/vnd.docker.container.image.v1+json" => "config".to_owned(),
        _ if last.is_empty() => "layer".to_owned(),
        _ => last.split('+').next().unwrap_or(last).to_owned(),
    }
}

pub(in crate::source) fn base_url(n: &Name) -> String {
    format!("{}://{}/v2/{}/{}", n.scheme, n.host, n.namespace, n.model)
}

pub(in crate::source) fn check(n: &Name, what: &str, resp: Response) -> Result<Response, Failure> {
    match resp.status {
        200..=299 => Ok(resp),
        404 => Err(Failure::new(
            Code::SourceNotFound,
            format!("{} has no {what}", n.qualified()),
            "check the model name and tag (`ollama list` / the registry's model page)",
        )),
        401 | 403 => Err(Failure::new(
            Code::SourceUnauthorized,
            format!("{} refused access to {} ({})", n.host, n.qualified(), resp.status),
            "modellock reads public Ollama registries only; private ones need Ollama's signed requests",
        )),
        s => Err(Failure::new(
            Code::SourceUnexpectedResponse,
            format!("{} answered {s} for {what} of {}", n.host, n.qualified()),
            "try again later",
        )),
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct LicenseFacts {
    digest: String,
}

/// The model at its tag, or at the manifest digest the source or the
/// entry's `revision` pins.
pub fn snapshot(r: &Context, n: &Name, req: &Request<'_>) -> Result<Snapshot, Failure> {
    let pinned = req.revision.map(str::to_owned).or_else(|| n.digest.clone());
    let (revision, layers) = fetch_manifest(r, n, pinned.as_deref())?;
    let mut files = Vec::new();
    for layer in &layers {
        // `files` selects layers; license layers are digested regardless
        if (req.wants)(&layer.path) {
            files.push(File {
                path: layer.path.clone(),
                size: layer.size,
                sha256: layer
                    .digest
                    .strip_prefix("sha256:")
                    .unwrap_or_default()
                    .to_owned(),
                remote_code: Vec::new(),
            });
        }
    }
    let terms = license_terms(r, n, &layers)?;
    let gguf = gguf_header(r, n, &layers)?;
    Ok(Snapshot {
        revision,
        tag: None,
        files,
        terms,
        card: None,
        gguf,
    })
}

/// What the GGUF header of the model layer says of its license: an Ollama
/// model has no card, so this is its best evidence besides its license
/// layers.
fn gguf_header(
    r: &Context,
    n: &Name,
    layers: &[Layer],
) -> Result<Option<crate::source::gguf::GgufFacts>, Failure> {
    use crate::source::gguf;
    let Some(model) = layers.iter().find(|l| l.role == "model") else {
        return Ok(None);
    };
    let url = format!("{}/blobs/{}", base_url(n), model.digest);
    let sha = model.digest.trim_start_matches("sha256:");
    gguf::header(r, &model.path, sha, |start, end| {
        match gguf::http_range(&r.plain_http, &url, start, end).map_err(|e| network(n, e))? {
            None => Ok(None),
            Some(resp) => {
                check(n, &format!("model layer {}", model.digest), resp).map(|x| Some(x.body))
            }
        }
    })
}

/// The license terms of the model at another tag or manifest digest.
pub fn terms_at(r: &Context, n: &Name, revision: &str) -> Result<FetchedTerms, Failure> {
    let n = Name {
        tag: revision.to_owned(),
        digest: None,
        ..n.clone()
    };
    let pinned = revision.starts_with("sha256:").then_some(revision);
    let (revision, layers) = fetch_manifest(r, &n, pinned)?;
    let mut texts = Vec::new();
    for l in layers.iter().filter(|l| l.role == "license") {
        texts.push((l.path.clone(), fetch_layer(r, &n, &l.digest)?));
    }
    Ok(r.fetched_terms(revision, None, CardLicense::default(), texts))
}

/// The manifest digest the model's tag names now.
pub fn head(r: &Context, n: &Name) -> Result<String, Failure> {
    let at_tag = Name {
        digest: None,
        ..n.clone()
    };
    Ok(fetch_manifest(r, &at_tag, None)?.0)
}

/// A layer of a manifest, named by its role and index (`model/0`).
struct Layer {
    path: String,
    role: String,
    digest: String,
    size: u64,
}

/// The manifest bytes at a locked digest, exactly as the registry served
/// them (checked against the digest), for writing into Ollama's store.
pub fn locked_manifest(r: &Context, n: &Name, digest: &str) -> Result<Vec<u8>, Failure> {
    let (_, bytes) = manifest_bytes(r, n, Some(digest))?;
    Ok(bytes)
}

/// The manifest at the tag (or at the pinned digest): its digest (of the
/// bytes as served) and the bytes.
fn manifest_bytes(
    r: &Context,
    n: &Name,
    pinned: Option<&str>,
) -> Result<(String, Vec<u8>), Failure> {
    let reference = pinned.unwrap_or(&n.tag);
    let cached = pinned.and_then(|d| r.cache.get::<String>("ollama-manifest", &cache_key(n, d)));
    let bytes = match cached {
        Some(text) => text.into_bytes(),
        None => {
            let url = format!("{}/manifests/{reference}", base_url(n));
            let resp = r
                .plain_http
                .get(&url, &[("accept", MANIFEST_ACCEPT)], MANIFEST_LIMIT)
                .map_err(|e| network(n, e))?;
            let what = if pinned.is_some() {
                format!("manifest {reference}")
            } else {
                format!("tag `{reference}`")
            };
            check(n, &what, resp)
                .map_err(|f| {
                    if pinned.is_some() && f.code == Code::SourceNotFound {
                        Failure {
                            code: Code::SourceRevisionNotFound,
                            ..f
                        }
                        .at_revision()
                    } else {
                        f
                    }
                })?
                .body
        }
    };
    // the revision is the digest of the manifest exactly as served
    let revision = format!("sha256:{}", sha256_hex(&bytes));
    if let Some(p) = pinned {
        if p != revision {
            return Err(Failure::new(
                Code::SourceIntegrity,
                format!("the registry served a manifest with digest {revision} for {p}"),
                "the registry or a proxy altered the manifest",
            ));
        }
    }
    Ok((revision, bytes))
}

/// The cache key of a manifest: a digest names a manifest only within its
/// repository, so the key holds host, namespace and model, and a pin is
/// confirmed for each model.
fn cache_key(n: &Name, digest: &str) -> String {
    format!("{}/{}/{}\n{digest}", n.host, n.namespace, n.model)
}

/// The manifest at the tag (or at the pinned digest): its digest as
/// served, and its config and layers.
fn fetch_manifest(
    r: &Context,
    n: &Name,
    pinned: Option<&str>,
) -> Result<(String, Vec<Layer>), Failure> {
    let (revision, bytes) = manifest_bytes(r, n, pinned)?;
    let manifest: Value = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::new(
            Code::SourceUnexpectedResponse,
            format!("the manifest of {} is not JSON: {e}", n.qualified()),
            "check the registry host",
        )
    })?;

    let mut fields: Vec<(&str, &str, u64)> = Vec::new();
    if let Some(c) = manifest.get("config").filter(|c| c.is_object()) {
        fields.push(layer_fields(c, n)?);
    }
    let malformed = |what: &str| {
        Failure::new(
            Code::SourceUnexpectedResponse,
            format!("the manifest of {} {what}", n.qualified()),
            "the registry is broken or not an Ollama registry; nothing was locked",
        )
    };
    let Some(layers) = manifest.get("layers").and_then(Value::as_array) else {
        return Err(malformed("has no list of layers"));
    };
    if layers.is_empty() {
        return Err(malformed("lists no layer"));
    }
    for l in layers {
        fields.push(layer_fields(l, n)?);
    }
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    let mut layers = Vec::new();
    for (media_type, digest, size) in fields {
        let role = role(media_type);
        let count = counts.entry(role.clone()).or_default();
        layers.push(Layer {
            path: format!("{role}/{count}"),
            role,
            digest: digest.to_owned(),
            size,
        });
        *count += 1;
    }
    // cached only once it is known to be a valid manifest
    if let Ok(text) = std::str::from_utf8(&bytes) {
        r.cache.put(
            "ollama-manifest",
            &cache_key(n, &revision),
            &text.to_owned(),
        );
    }
    Ok((revision, layers))
}

/// The terms of a manifest: its license layers, digested, their texts kept
/// for the store. Ollama has no model card.
fn license_terms(r: &Context, n: &Name, layers: &[Layer]) -> Result<Terms, Failure> {
    let mut files = Vec::new();
    for l in layers.iter().filter(|l| l.role == "license") {
        files.push((l.path.clone(), license_digest(r, n, &l.digest, &l.path)?));
    }
    let terms = Terms::new(
        CardLicense::default(),
        files.iter().map(|(p, d)| (p.as_str(), d.as_str())),
    );
    r.texts.keep_terms(&terms);
    Ok(terms)
}

fn layer_fields<'v>(l: &'v Value, n: &Name) -> Result<(&'v str, &'v str, u64), Failure> {
    let bad = || {
        Failure::new(
            Code::SourceUnexpectedResponse,
            format!("the manifest of {} has a malformed layer", n.qualified()),
            "check the registry host",
        )
    };
    let media_type = l["mediaType"].as_str().ok_or_else(bad)?;
    let digest = l["digest"].as_str().ok_or_else(bad)?;
    let size = l["size"].as_u64().ok_or_else(bad)?;
    if !digest
        .strip_prefix("sha256:")
        .is_some_and(|h| crate::hashing::is_lower_hex(h, 64))
    {
        return Err(bad());
    }
    Ok((media_type, digest, size))
}

fn license_digest(r: &Context, n: &Name, digest: &str, path: &str) -> Result<String, Failure> {
    let key = format!("{}\n{digest}", n.host);
    if let Some(f) = r.cache.get::<LicenseFacts>("ollama-license", &key) {
        r.ensure_text(&f.digest, path, || fetch_layer(r, n, digest))?;
        return Ok(f.digest);
    }
    let bytes = fetch_layer(r, n, digest)?;
    let d = file_digest(&bytes);
    r.texts.keep_text(&bytes);
    r.cache
        .put("ollama-license", &key, &LicenseFacts { digest: d.clone() });
    Ok(d)
}

/// A network failure, naming where the registry's host came from.
pub(in crate::source) fn network(n: &Name, e: crate::net::NetError) -> Failure {
    Failure::network(
        e,
        &format!(
            "the registry host `{}` comes from the source (`ollama:HOST/NAMESPACE/NAME`)",
            n.host
        ),
    )
}

/// A license layer's bytes, checked against the layer digest.
fn fetch_layer(r: &Context, n: &Name, digest: &str) -> Result<Vec<u8>, Failure> {
    let url = format!("{}/blobs/{digest}", base_url(n));
    let resp = check(
        n,
        &format!("license layer {digest}"),
        r.plain_http
            .get(&url, &[], LICENSE_LIMIT)
            .map_err(|e| network(n, e))?,
    )?;
    if format!("sha256:{}", sha256_hex(&resp.body)) != digest {
        return Err(Failure::new(
            Code::SourceIntegrity,
            format!(
                "the license layer {digest} of {} does not match its digest",
                n.qualified()
            ),
            "the download was altered or cut short; run update again",
        ));
    }
    Ok(resp.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert_eq!(role("application/vnd.ollama.image.model"), "model");
        assert_eq!(role("application/vnd.ollama.image.license"), "license");
        assert_eq!(
            role("application/vnd.docker.container.image.v1+json"),
            "config"
        );
        assert_eq!(role("application/vnd.ollama.image.config"), "config");
    }
}
