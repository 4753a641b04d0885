//! A fixture Hugging Face Hub: an HTTP/1.1 server on 127.0.0.1, started
//! inside the test process, that speaks enough of the real Hub API for the
//! Python `huggingface_hub` client (and `modellock`) to work against it.
//! Like hf.co, it also serves the Ollama registry protocol under `/v2/`.
//!
//! Two listeners are started: the "hub" (API, `/resolve/` and `/v2/`) and a
//! "cdn" (a different host:port) that serves LFS files and Ollama blobs after
//! the hub's redirect. This file holds the public API; the server is
//! `http.rs`, the precomputed repo data `hub/data.rs`, and the endpoints
//! `hub/routes.rs` (dispatch, auth, errors), `hub/api.rs` (`/api/models/…`),
//! `hub/files.rs` (`/resolve/`, resolve-cache, the LFS CDN) and
//! `hub/ollama.rs` (the registry and its CDN). See `tests/support/README.md`.

mod api;
mod data;
mod files;
mod ollama;
mod routes;

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};

// Re-exported for the tests; a crate that includes `support` without using
// one of them (benches/update.rs) would otherwise warn.
#[allow(unused_imports)]
pub use super::http::{Fault, FaultKind, Request};
use super::http::{Handler, HttpRequest, Server};

use data::RepoInfo;
use ollama::OllamaInfo;

// ---------------------------------------------------------------------------
// Hugging Face data model
// ---------------------------------------------------------------------------

/// A file in a commit. `lfs: true` files are served through the CDN redirect
/// and carry an `lfs` block (sha256) in the API; others are plain git blobs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct File {
    pub path: String,
    pub content: Vec<u8>,
    pub lfs: bool,
}

impl File {
    pub fn git(path: &str, content: impl Into<Vec<u8>>) -> File {
        File {
            path: path.to_owned(),
            content: content.into(),
            lfs: false,
        }
    }

    pub fn lfs(path: &str, content: impl Into<Vec<u8>>) -> File {
        File {
            path: path.to_owned(),
            content: content.into(),
            lfs: true,
        }
    }

    /// sha256 of the content (64 lower hex).
    pub fn sha256(&self) -> String {
        sha256_hex(&self.content)
    }

    /// The git LFS pointer text of this content.
    pub fn lfs_pointer(&self) -> String {
        lfs_pointer(&self.sha256(), self.content.len())
    }

    /// What the Hub reports as `oid` / `blobId`: the git blob sha1 of the
    /// content, or of the LFS pointer text for an LFS file.
    pub fn blob_id(&self) -> String {
        if self.lfs {
            git_blob_sha1(self.lfs_pointer().as_bytes())
        } else {
            git_blob_sha1(&self.content)
        }
    }

    /// What huggingface_hub uses as the etag: sha256 for LFS, git sha1 otherwise.
    pub fn etag(&self) -> String {
        if self.lfs {
            self.sha256()
        } else {
            self.blob_id()
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Commit {
    /// 40 lower-case hex.
    pub sha: String,
    pub files: Vec<File>,
    /// README front matter as JSON; `Value::Null` for none.
    pub card_data: Value,
    pub pipeline_tag: Option<String>,
    pub tags: Vec<String>,
}

impl Commit {
    /// A commit whose sha is `sha_of(seed)`.
    pub fn new(seed: &str, files: Vec<File>, card_data: Value) -> Commit {
        Commit {
            sha: sha_of(seed),
            files,
            card_data,
            pipeline_tag: None,
            tags: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Repo {
    /// `org/name` or a single segment.
    pub id: String,
    /// Treated as a linear history, oldest first (used for dates and `lastCommit`).
    pub commits: Vec<Commit>,
    /// Branch name -> index into `commits`. `refs/pr/N` and `refs/convert/X`
    /// entries are served as pull-request / convert refs.
    pub branches: Vec<(String, usize)>,
    /// Tag name -> index into `commits`.
    pub tags: Vec<(String, usize)>,
    /// Gated (`"gated": "manual"`): metadata, tree and refs are public,
    /// `resolve` needs the valid token.
    pub gated: bool,
    /// Private: like a missing repo unless the valid token is sent.
    pub private: bool,
    /// The repo's immutable id (`_id`); `None`: one derived from its name.
    pub object_id: Option<String>,
    /// `securityRepoStatus` (with `securityStatus=true`); `None`: scanned,
    /// no issues.
    pub security: Option<Value>,
    /// `securityFileStatus` of files (tree and paths-info with `expand`),
    /// by path; a file not listed is `safe`.
    pub file_security: Vec<(String, Value)>,
    /// Truncate `siblings` in the model info to this many entries (the real
    /// Hub omits siblings of huge repos), so clients must use the tree listing.
    pub max_siblings: Option<usize>,
}

impl Repo {
    /// One commit, branch `main`. The sha is deterministic: `sha_of` of the
    /// id, the files (paths, kinds and hashes) and the card data, so the same
    /// inputs always give the same sha and any change gives a new one.
    pub fn simple(id: &str, files: Vec<File>, card_data: Value) -> Repo {
        let mut seed = format!("{id}\n");
        for f in &files {
            seed.push_str(&format!("{}\t{}\t{}\n", f.path, f.lfs, f.sha256()));
        }
        seed.push_str(&card_data.to_string());
        Repo {
            id: id.to_owned(),
            commits: vec![Commit {
                sha: sha_of(&seed),
                files,
                card_data,
                pipeline_tag: None,
                tags: Vec::new(),
            }],
            branches: vec![("main".to_owned(), 0)],
            tags: Vec::new(),
            gated: false,
            private: false,
            object_id: None,
            security: None,
            file_security: Vec::new(),
            max_siblings: None,
        }
    }

    /// The sha of the commit a branch or tag points at (test convenience).
    pub fn sha_at(&self, reference: &str) -> Option<String> {
        self.branches
            .iter()
            .chain(self.tags.iter())
            .find(|(n, _)| n == reference)
            .and_then(|(_, i)| self.commits.get(*i))
            .map(|c| c.sha.clone())
    }
}

// ---------------------------------------------------------------------------
// Ollama data model
// ---------------------------------------------------------------------------

/// A model in the Ollama registry served under `/v2/{namespace}/{model}/`.
#[derive(Clone, Debug, Default)]
pub struct OllamaModel {
    pub namespace: String,
    pub model: String,
    /// Tag -> manifest bytes, served verbatim (and by digest,
    /// `sha256:<hex of the bytes>`).
    pub tags: Vec<(String, Vec<u8>)>,
    /// Blob contents, addressed by their sha256 (config and layers).
    pub blobs: Vec<Vec<u8>>,
}

pub const OLLAMA_MANIFEST_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const OLLAMA_CONFIG_TYPE: &str = "application/vnd.docker.container.image.v1+json";

/// A manifest as `ollama pull` receives it: compact JSON in Ollama's field
/// order (`schemaVersion`, `mediaType`, `config`, `layers`; each layer
/// `mediaType`, `digest`, `size`), no trailing newline. The config blob is
/// Ollama's `ConfigV2` JSON listing the layers' digests as `rootfs.diff_ids`.
/// Returns the manifest bytes and every blob, the config first, then the
/// layers in order.
pub fn ollama_manifest(layers: &[(&str, &[u8])]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let digest = |b: &[u8]| format!("sha256:{}", sha256_hex(b));
    let diff_ids: Vec<String> = layers.iter().map(|(_, b)| digest(b)).collect();
    // serde_json (without `preserve_order`) sorts keys, so the objects are
    // written by hand in Go's struct field order.
    let config = format!(
        r#"{{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"1B","file_type":"Q4_K_M","architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":{}}}}}"#,
        json!(diff_ids)
    )
    .into_bytes();
    let layer = |media_type: &str, b: &[u8]| {
        format!(
            r#"{{"mediaType":{},"digest":"{}","size":{}}}"#,
            json!(media_type),
            digest(b),
            b.len()
        )
    };
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OLLAMA_MANIFEST_TYPE}","config":{},"layers":[{}]}}"#,
        layer(OLLAMA_CONFIG_TYPE, &config),
        layers
            .iter()
            .map(|(t, b)| layer(t, b))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut blobs = vec![config];
    blobs.extend(layers.iter().map(|(_, b)| b.to_vec()));
    (manifest.into_bytes(), blobs)
}

// ---------------------------------------------------------------------------
// Hash helpers (public: tests use them to compute expectations)
// ---------------------------------------------------------------------------

/// A deterministic commit sha: the first 40 hex of sha256(seed).
pub fn sha_of(seed: &str) -> String {
    sha256_hex(seed.as_bytes())[..40].to_owned()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(Sha256::digest(data).as_slice())
}

/// `sha1(b"blob " + len + b"\0" + data)`, as git and the Hub compute blob ids.
pub fn git_blob_sha1(data: &[u8]) -> String {
    hex(&git_object_sha1("blob", data))
}

/// SHA-1 of arbitrary bytes.
pub fn sha1_hex(data: &[u8]) -> String {
    hex(Sha1::digest(data).as_slice())
}

/// `version https://git-lfs.github.com/spec/v1\noid sha256:<hex>\nsize <n>\n`
pub fn lfs_pointer(sha256: &str, size: usize) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n")
}

/// The id of a git object: `sha1("<kind> <len>\0" + data)`.
fn git_object_sha1(kind: &str, data: &[u8]) -> [u8; 20] {
    let mut s = Sha1::new();
    s.update(format!("{kind} {}\0", data.len()).as_bytes());
    s.update(data);
    s.finalize()
        .as_slice()
        .try_into()
        .expect("sha1 is 20 bytes")
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

// ---------------------------------------------------------------------------
// The fixture
// ---------------------------------------------------------------------------

/// Everything the handlers read; changed by `FixtureHub`'s methods.
struct State {
    repos: BTreeMap<String, Arc<RepoInfo>>,
    /// `namespace/model` -> the model.
    ollama: BTreeMap<String, Arc<OllamaInfo>>,
    /// Blob hex -> the bytes the CDN serves instead of the real ones.
    ollama_corrupt: BTreeMap<String, Vec<u8>>,
    token: Option<String>,
    page_size: Option<usize>,
    resolve_cache: bool,
    gated_denied: BTreeSet<String>,
    /// Web pages served on the CDN listener at `/web/{host}{path}` (the
    /// documents licenses incorporate by URL, read through
    /// `MODELLOCK_DOCUMENTS_MIRROR`): `host/path` -> (status, content
    /// type, body).
    pages: BTreeMap<String, (u16, String, Vec<u8>)>,
}

struct Shared {
    state: Mutex<State>,
    hub_url: String,
    cdn_url: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fixture hub. Dropping it stops both listeners.
pub struct FixtureHub {
    shared: Arc<Shared>,
    server: Server,
}

impl FixtureHub {
    /// Binds the hub on 127.0.0.1:0 and the CDN on 127.0.0.2:0 (or 127.0.0.1:0
    /// where 127.0.0.2 cannot be bound).
    pub fn start() -> FixtureHub {
        let hub = TcpListener::bind("127.0.0.1:0").expect("FixtureHub: bind 127.0.0.1:0");
        let cdn = TcpListener::bind("127.0.0.2:0")
            .or_else(|_| TcpListener::bind("127.0.0.1:0"))
            .expect("FixtureHub: bind CDN listener");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                repos: BTreeMap::new(),
                ollama: BTreeMap::new(),
                ollama_corrupt: BTreeMap::new(),
                token: None,
                page_size: None,
                resolve_cache: false,
                gated_denied: BTreeSet::new(),
                pages: BTreeMap::new(),
            }),
            hub_url: format!("http://{}", hub.local_addr().unwrap()),
            cdn_url: format!("http://{}", cdn.local_addr().unwrap()),
        });
        let handler: Handler = {
            let shared = shared.clone();
            Arc::new(move |server: &'static str, req: &HttpRequest| {
                routes::route(&shared, server, req)
            })
        };
        let server = Server::start(vec![("hub", hub), ("cdn", cdn)], handler);
        FixtureHub { shared, server }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the value for `HF_ENDPOINT`.
    pub fn url(&self) -> String {
        self.shared.hub_url.clone()
    }

    /// `http://127.0.0.2:PORT` (or another 127.0.0.1 port): where LFS and
    /// Ollama blob redirects point.
    pub fn cdn_url(&self) -> String {
        self.shared.cdn_url.clone()
    }

    /// Adds a repo, replacing one with the same id. Panics (in the caller) on
    /// an invalid repo: empty id, a sha that is not 40 lower hex, a ref index
    /// out of range.
    pub fn add_repo(&self, repo: Repo) {
        let info = RepoInfo::build(repo);
        self.shared
            .lock()
            .repos
            .insert(info.id.clone(), Arc::new(info));
    }

    pub fn remove_repo(&self, id: &str) {
        self.shared.lock().repos.remove(id);
    }

    /// Adds an Ollama model, replacing one with the same namespace and name
    /// (and forgetting its old manifests). Panics on an empty or `/`-containing
    /// namespace or model.
    pub fn add_ollama_model(&self, m: OllamaModel) {
        let info = OllamaInfo::build(m);
        self.shared
            .lock()
            .ollama
            .insert(info.name.clone(), Arc::new(info));
    }

    /// The CDN serves `bytes` for the blob `digest` (`sha256:<hex>` or
    /// `<hex>`) instead of its real content: a registry or proxy that hands
    /// out bytes that do not match their digest.
    pub fn corrupt_ollama_blob(&self, digest: &str, bytes: Vec<u8>) {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.shared
            .lock()
            .ollama_corrupt
            .insert(hex.to_owned(), bytes);
    }

    /// The one valid token. Any other `Authorization` value gets 401
    /// `Invalid credentials in Authorization header` (also before this is called).
    pub fn set_token(&self, token: &str) {
        self.shared.lock().token = Some(token.to_owned());
    }

    /// Delay added before every response (hub and CDN).
    pub fn set_latency(&self, d: Duration) {
        self.server.set_latency(d);
    }

    /// Page size of `/tree` listings (default 1000, or 50 with `expand=true`).
    pub fn set_page_size(&self, n: usize) {
        self.shared.lock().page_size = Some(n.max(1));
    }

    /// When on, non-LFS files are answered on `/resolve/` with a relative 307
    /// to `/api/resolve-cache/models/{repo}/{commit}/{path}?etag=...` (as the
    /// real Hub does since 2025). Default off: served directly with 200.
    pub fn set_resolve_cache_redirect(&self, on: bool) {
        self.shared.lock().resolve_cache = on;
    }

    /// The valid token is not on the access list of this gated repo: its
    /// files answer 403 `GatedRepo` even with the token.
    pub fn set_gated_denied(&self, repo_id: &str, denied: bool) {
        let mut st = self.shared.lock();
        if denied {
            st.gated_denied.insert(repo_id.to_owned());
        } else {
            st.gated_denied.remove(repo_id);
        }
    }

    /// Queues a fault; faults are matched in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.server.inject(fault);
    }

    /// How many injected faults are still waiting for a request.
    #[allow(dead_code)]
    pub fn faults_pending(&self) -> usize {
        self.server.faults_pending()
    }

    /// The value of `MODELLOCK_DOCUMENTS_MIRROR` that reads web pages from
    /// this fixture (see [`FixtureHub::set_page`]).
    pub fn web_mirror(&self) -> String {
        format!("{}/web", self.shared.cdn_url)
    }

    /// Serves `body` as the page at `url` (`https://host/path`), through
    /// [`FixtureHub::web_mirror`].
    pub fn set_page(&self, url: &str, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        let key = url
            .split_once("://")
            .map(|(_, rest)| rest.to_owned())
            .expect("set_page: an absolute URL");
        self.shared
            .lock()
            .pages
            .insert(key, (status, content_type.to_owned(), body.into()));
    }

    /// Every request received (hub and CDN), in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    pub fn clear_requests(&self) {
        self.server.clear_requests();
    }
}
