//! Where the bytes of a locked file are, for `fetch`: the URL of each file
//! at the locked revision (never a branch), the client that may fetch it
//! (the Hub's sends the token to the Hub's origin only), and what refusals
//! mean. Every value a server gives here is validated before it is used.

use super::hf::api::Hub;
use super::ollama::{registry, Name};
use super::snapshot::File;
use super::{Context, Failure, Source};
use crate::diag::Code;
use crate::hashing::is_lower_hex;
use crate::net::{encode_path, Http, Probe, Response};

/// What a source says of one file before it is downloaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// Where to GET the bytes (a CDN, often).
    pub url: String,
    /// The Hub's id of the file: the sha256 of an LFS file (64 hex) or
    /// the git blob id of a file stored in git (40 hex); validated, `None`
    /// when the server gave none.
    pub etag: Option<String>,
    /// The size the source announces, when it does.
    pub size: Option<u64>,
}

/// A model's remote, at its locked revision.
#[derive(Clone)]
pub struct Remote<'a> {
    cx: &'a Context,
    kind: Kind,
    revision: String,
}

#[derive(Clone)]
enum Kind {
    Hf(String),
    Ollama(Name),
}

impl Source {
    /// The remote of a locked model (`path:` has none).
    pub fn remote<'a>(&self, cx: &'a Context, revision: &str) -> Option<Remote<'a>> {
        let kind = match self {
            Source::Hf(repo) => Kind::Hf(repo.as_str().to_owned()),
            Source::Ollama(name) => Kind::Ollama(name.clone()),
            Source::Path(_) => return None,
        };
        Some(Remote {
            cx,
            kind,
            revision: revision.to_owned(),
        })
    }
}

impl<'a> Remote<'a> {
    /// The client for this source's downloads.
    pub fn http(&self) -> &'a Http {
        match self.kind {
            Kind::Hf(_) => &self.cx.hf_http,
            Kind::Ollama(_) => &self.cx.plain_http,
        }
    }

    fn hub(&self) -> Hub<'_> {
        super::hf::snapshot::hub(self.cx)
    }

    /// Whether downloads are allowed (`HF_HUB_OFFLINE` forbids the Hub).
    pub fn online(&self) -> Result<(), Failure> {
        match &self.kind {
            Kind::Hf(_) => self.hub().online(),
            Kind::Ollama(_) => Ok(()),
        }
    }

    /// The URL of a locked file at the locked revision.
    pub fn url(&self, file: &File) -> String {
        match &self.kind {
            Kind::Hf(repo) => format!(
                "{}/{repo}/resolve/{}/{}",
                self.cx.env.hf_endpoint,
                self.revision,
                encode_path(&file.path)
            ),
            Kind::Ollama(n) => format!("{}/blobs/sha256:{}", registry::base_url(n), file.sha256),
        }
    }

    /// Asks where a file's bytes are (`HEAD`, stopping at the redirect to
    /// another origin, as `huggingface_hub` and Ollama do).
    pub fn locate(&self, file: &File) -> Result<Located, Failure> {
        self.online()?;
        let url = self.url(file);
        let probe = self
            .http()
            .probe(&url, &[("accept-encoding", "identity")])
            .map_err(|e| self.network(e))?;
        let redirected = probe.location != probe.url;
        let answered = (200..300).contains(&probe.status)
            || ((300..400).contains(&probe.status) && redirected);
        if !answered {
            return Err(self.refusal(file, probe.status, probe.headers));
        }
        if let Kind::Hf(_) = &self.kind {
            // asked at a commit, the Hub answers for that commit
            if let Some(commit) = probe.header("x-repo-commit") {
                if commit.trim() != self.revision.as_str() {
                    return Err(Failure::new(
                        Code::SourceUnexpectedResponse,
                        format!(
                            "asked for `{}` at {}, the Hub answered for commit {}",
                            file.path,
                            self.revision,
                            commit.trim()
                        ),
                        "check HF_ENDPOINT (a mirror that ignores the revision cannot be fetched from)",
                    ));
                }
            }
        }
        Ok(Located {
            etag: etag(&probe),
            size: size(&probe, redirected),
            url: probe.location,
        })
    }

    /// What a refused download means (gated, not found, unauthorised…).
    pub fn refusal(&self, file: &File, status: u16, headers: Vec<(String, String)>) -> Failure {
        let resp = Response {
            status,
            headers,
            body: Vec::new(),
            url: self.url(file),
        };
        match &self.kind {
            Kind::Hf(repo) => self.hub().refusal(
                repo,
                &format!("`{}` at {}", file.path, self.revision),
                &resp,
            ),
            Kind::Ollama(n) => {
                match registry::check(n, &format!("layer sha256:{}", file.sha256), resp) {
                    Err(f) => f,
                    Ok(_) => Failure::new(
                        Code::SourceUnexpectedResponse,
                        format!(
                            "{} answered {status} for layer sha256:{}",
                            n.host, file.sha256
                        ),
                        "try again later",
                    ),
                }
            }
        }
    }

    /// A network failure, naming where the host came from.
    pub fn network(&self, e: crate::net::NetError) -> Failure {
        match &self.kind {
            Kind::Hf(_) => self.hub().network(e),
            Kind::Ollama(n) => registry::network(n, e),
        }
    }

    /// Ollama: the manifest bytes at the locked digest, as the registry
    /// served them and checked against it (the store keeps them verbatim).
    pub fn manifest(&self) -> Result<Option<Vec<u8>>, Failure> {
        match &self.kind {
            Kind::Hf(_) => Ok(None),
            Kind::Ollama(n) => registry::locked_manifest(self.cx, n, &self.revision).map(Some),
        }
    }
}

/// The Hub's id of a file: `X-Linked-Etag`, else `ETag`, without `W/` and
/// quotes; only a 40- or 64-hex value is an id (it names a file in the
/// cache, so nothing else may pass).
fn etag(probe: &Probe) -> Option<String> {
    let raw = probe
        .header("x-linked-etag")
        .or_else(|| probe.header("etag"))?;
    let v = raw.trim();
    let v = v.strip_prefix("W/").unwrap_or(v).trim_matches('"');
    (is_lower_hex(v, 40) || is_lower_hex(v, 64)).then(|| v.to_owned())
}

/// `X-Linked-Size`, else the `Content-Length` of a 2xx answer (a
/// redirect's is the size of its own body).
fn size(probe: &Probe, redirected: bool) -> Option<u64> {
    let linked = probe.header("x-linked-size");
    let length = (!redirected)
        .then(|| probe.header("content-length"))
        .flatten();
    linked.or(length)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(headers: &[(&str, &str)], redirected: bool) -> Probe {
        Probe {
            status: if redirected { 302 } else { 200 },
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            url: "http://hub/x".into(),
            location: if redirected {
                "http://cdn/x"
            } else {
                "http://hub/x"
            }
            .into(),
        }
    }

    #[test]
    fn only_hub_ids_are_etags() {
        let sha = "a".repeat(64);
        let git = "0".repeat(40);
        let quoted = format!("\"{sha}\"");
        let weak = format!("W/\"{git}\"");
        assert_eq!(
            etag(&probe(
                &[("x-linked-etag", &quoted), ("etag", "\"xet\"")],
                true
            )),
            Some(sha.clone())
        );
        assert_eq!(etag(&probe(&[("etag", &weak)], false)), Some(git));
        for bad in [
            "\"../../evil\"",
            "\"AAAA\"",
            &format!("\"{}\"", "A".repeat(64)),
            &format!("\"{sha}/..\""),
        ] {
            assert_eq!(etag(&probe(&[("etag", bad)], false)), None, "{bad}");
        }
    }

    #[test]
    fn a_redirect_has_no_content_length_of_the_file() {
        assert_eq!(
            size(&probe(&[("content-length", "1008")], true), true),
            None
        );
        assert_eq!(
            size(
                &probe(
                    &[("content-length", "1008"), ("x-linked-size", "5000")],
                    true
                ),
                true
            ),
            Some(5000)
        );
        assert_eq!(
            size(&probe(&[("content-length", "19")], false), false),
            Some(19)
        );
    }
}
