//! A fixture Hugging Face Hub: an HTTP/1.1 server on 127.0.0.1, started
//! inside the test process, that speaks enough of the real Hub API for the
//! Python `huggingface_hub` client (and `modellock`) to work against it.
//!
//! Two listeners are started: the "hub" (API + `/resolve/`) and a "cdn"
//! (a different host:port) that serves LFS file bytes after the hub's 302.
//! Only std is used for networking; `serde_json` for JSON; `sha2` for sha256.
//! See `tests/support/README.md` for the API.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------
// Public data model
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

/// One request received by the hub or the CDN.
#[derive(Clone, Debug)]
pub struct Request {
    /// `"hub"` or `"cdn"`.
    pub server: &'static str,
    pub method: String,
    /// The request target as received: raw (percent-encoded) path plus query.
    pub path: String,
    /// Header names are lower-case; values as received.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Fault {
    /// Matched against the raw request target (path + query) with `starts_with`,
    /// on both servers (hub paths look like `/api/...` or `/{repo}/resolve/...`,
    /// CDN paths like `/lfs/...`).
    pub path_prefix: String,
    pub kind: FaultKind,
    /// How many matching requests the fault applies to.
    pub times: usize,
}

impl Fault {
    /// A fault applied to the next matching request only.
    pub fn once(path_prefix: &str, kind: FaultKind) -> Fault {
        Fault {
            path_prefix: path_prefix.to_owned(),
            kind,
            times: 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status with the body `{}`.
    Status(u16),
    /// Same, with `Retry-After: <secs>`.
    StatusWithRetryAfter(u16, u64),
    /// Close the socket without answering.
    DropConnection,
    /// Sleep this long, then answer normally.
    Slow(Duration),
    /// Send the real headers (full `Content-Length`) but only half of the body, then close.
    TruncateBody,
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

/// SHA-1 of arbitrary bytes (a small, test-only implementation).
pub fn sha1_hex(data: &[u8]) -> String {
    let mut s = Sha1::new();
    s.update(data);
    hex(&s.finish())
}

/// `version https://git-lfs.github.com/spec/v1\noid sha256:<hex>\nsize <n>\n`
pub fn lfs_pointer(sha256: &str, size: usize) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n")
}

fn git_object_sha1(kind: &str, data: &[u8]) -> [u8; 20] {
    let mut s = Sha1::new();
    s.update(format!("{kind} {}\0", data.len()).as_bytes());
    s.update(data);
    s.finish()
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

struct Sha1 {
    h: [u32; 5],
    buf: Vec<u8>,
    len: u64,
}

impl Sha1 {
    fn new() -> Sha1 {
        Sha1 {
            h: [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0],
            buf: Vec::with_capacity(64),
            len: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if !self.buf.is_empty() {
            let take = (64 - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == 64 {
                let block: [u8; 64] = self.buf[..].try_into().unwrap();
                self.block(&block);
                self.buf.clear();
            }
        }
        let mut chunks = data.chunks_exact(64);
        for c in &mut chunks {
            self.block(c.try_into().unwrap());
        }
        self.buf.extend_from_slice(chunks.remainder());
    }

    fn finish(mut self) -> [u8; 20] {
        let bits = self.len.wrapping_mul(8);
        let mut tail = std::mem::take(&mut self.buf);
        tail.push(0x80);
        while tail.len() % 64 != 56 {
            tail.push(0);
        }
        tail.extend_from_slice(&bits.to_be_bytes());
        for c in tail.chunks_exact(64) {
            self.block(c.try_into().unwrap());
        }
        let mut out = [0u8; 20];
        for (i, w) in self.h.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    fn block(&mut self, block: &[u8; 64]) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(block[4 * i..4 * i + 4].try_into().unwrap());
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = self.h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (h, v) in self.h.iter_mut().zip([a, b, c, d, e]) {
            *h = h.wrapping_add(v);
        }
    }
}

// ---------------------------------------------------------------------------
// Precomputed repo data
// ---------------------------------------------------------------------------

struct FileInfo {
    path: String,
    lfs: bool,
    content: Vec<u8>,
    sha256: String,
    blob_id: String,
    pointer_size: usize,
}

impl FileInfo {
    fn etag(&self) -> &str {
        if self.lfs {
            &self.sha256
        } else {
            &self.blob_id
        }
    }
}

struct CommitInfo {
    sha: String,
    /// ISO-8601 date of the commit (deterministic: 2024-01-01 + index days).
    date: String,
    files: BTreeMap<String, FileInfo>,
    /// directory path -> git tree sha1
    dirs: BTreeMap<String, String>,
    card_data: Value,
    pipeline_tag: Option<String>,
    tags: Vec<String>,
}

struct RepoInfo {
    id: String,
    commits: Vec<CommitInfo>,
    branches: Vec<(String, usize)>,
    tags: Vec<(String, usize)>,
    gated: bool,
    private: bool,
    max_siblings: Option<usize>,
}

impl RepoInfo {
    fn build(repo: Repo) -> RepoInfo {
        assert!(!repo.id.is_empty(), "FixtureHub: repo id is empty");
        let n = repo.commits.len();
        for (name, i) in repo.branches.iter().chain(repo.tags.iter()) {
            assert!(
                *i < n,
                "FixtureHub: ref {name:?} of {} points at commit {i}, but there are {n} commits",
                repo.id
            );
        }
        let commits = repo
            .commits
            .into_iter()
            .enumerate()
            .map(|(idx, c)| {
                assert!(
                    c.sha.len() == 40
                        && c.sha
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                    "FixtureHub: commit sha {:?} of {} is not 40 lower-case hex",
                    c.sha,
                    repo.id
                );
                let mut files = BTreeMap::new();
                for f in c.files {
                    let sha256 = sha256_hex(&f.content);
                    let pointer = lfs_pointer(&sha256, f.content.len());
                    let blob_id = if f.lfs {
                        git_blob_sha1(pointer.as_bytes())
                    } else {
                        git_blob_sha1(&f.content)
                    };
                    let path = f.path.trim_matches('/').to_owned();
                    files.insert(
                        path.clone(),
                        FileInfo {
                            path,
                            lfs: f.lfs,
                            content: f.content,
                            sha256,
                            blob_id,
                            pointer_size: pointer.len(),
                        },
                    );
                }
                let dirs = tree_oids(&files);
                CommitInfo {
                    sha: c.sha,
                    date: format!("{}T12:00:00.000Z", date_plus_days(2024, 1, 1, idx as i64)),
                    files,
                    dirs,
                    card_data: c.card_data,
                    pipeline_tag: c.pipeline_tag,
                    tags: c.tags,
                }
            })
            .collect();
        RepoInfo {
            id: repo.id,
            commits,
            branches: repo.branches,
            tags: repo.tags,
            gated: repo.gated,
            private: repo.private,
            max_siblings: repo.max_siblings,
        }
    }

    /// Branch, tag, `refs/heads/X`, `refs/tags/X`, full sha or unique sha prefix (>= 7).
    fn resolve(&self, rev: &str) -> Option<usize> {
        let find = |list: &Vec<(String, usize)>, name: &str| {
            list.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
        };
        if let Some(i) = find(&self.branches, rev).or_else(|| find(&self.tags, rev)) {
            return Some(i);
        }
        if let Some(b) = rev.strip_prefix("refs/heads/") {
            return find(&self.branches, b);
        }
        if let Some(t) = rev.strip_prefix("refs/tags/") {
            return find(&self.tags, t);
        }
        let is_hex = !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex && rev.len() == 40 {
            let rev = rev.to_ascii_lowercase();
            return self.commits.iter().position(|c| c.sha == rev);
        }
        if is_hex && rev.len() >= 7 && rev.len() < 40 {
            let rev = rev.to_ascii_lowercase();
            let hits: Vec<usize> = (0..self.commits.len())
                .filter(|&i| self.commits[i].sha.starts_with(&rev))
                .collect();
            if hits.len() == 1 {
                return Some(hits[0]);
            }
        }
        None
    }

    /// The oldest commit at or before `idx` from which `path` (file or dir)
    /// is unchanged up to `idx` (history = the order of `commits`).
    fn last_commit(&self, idx: usize, path: &str) -> usize {
        let oid_at = |i: usize| -> Option<&str> {
            let c = &self.commits[i];
            c.files
                .get(path)
                .map(|f| f.blob_id.as_str())
                .or_else(|| c.dirs.get(path).map(|s| s.as_str()))
        };
        let current = oid_at(idx);
        let mut j = idx;
        while j > 0 && oid_at(j - 1) == current {
            j -= 1;
        }
        j
    }
}

/// Git tree sha1 of every directory (including "" for the root).
fn tree_oids(files: &BTreeMap<String, FileInfo>) -> BTreeMap<String, String> {
    #[derive(Default)]
    struct Node {
        files: BTreeMap<String, [u8; 20]>,
        dirs: BTreeMap<String, Node>,
    }
    let mut root = Node::default();
    for f in files.values() {
        let oid = git_object_sha1(
            "blob",
            &if f.lfs {
                lfs_pointer(&f.sha256, f.content.len()).into_bytes()
            } else {
                f.content.clone()
            },
        );
        let parts: Vec<&str> = f.path.split('/').collect();
        let mut node = &mut root;
        for p in &parts[..parts.len() - 1] {
            node = node.dirs.entry((*p).to_owned()).or_default();
        }
        node.files.insert(parts[parts.len() - 1].to_owned(), oid);
    }
    fn hash(node: &Node, path: &str, out: &mut BTreeMap<String, String>) -> [u8; 20] {
        // git sorts tree entries by name, comparing directory names as "name/".
        let mut entries: Vec<(Vec<u8>, &str, String, [u8; 20])> = Vec::new();
        for (name, oid) in &node.files {
            entries.push((name.as_bytes().to_vec(), "100644", name.clone(), *oid));
        }
        for (name, child) in &node.dirs {
            let child_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            let oid = hash(child, &child_path, out);
            let mut key = name.as_bytes().to_vec();
            key.push(b'/');
            entries.push((key, "40000", name.clone(), oid));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut data = Vec::new();
        for (_, mode, name, oid) in &entries {
            data.extend_from_slice(mode.as_bytes());
            data.push(b' ');
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            data.extend_from_slice(oid);
        }
        let oid = git_object_sha1("tree", &data);
        out.insert(path.to_owned(), hex(&oid));
        oid
    }
    let mut out = BTreeMap::new();
    hash(&root, "", &mut out);
    out
}

/// `YYYY-MM-DD` of a date plus `days`.
fn date_plus_days(y: i64, m: i64, d: i64, days: i64) -> String {
    // days_from_civil / civil_from_days (H. Hinnant)
    let y0 = if m <= 2 { y - 1 } else { y };
    let era = if y0 >= 0 { y0 } else { y0 - 399 } / 400;
    let yoe = y0 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let z = era * 146097 + doe - 719468 + days;
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    format!("{year:04}-{month:02}-{day:02}")
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

const DEFAULT_PAGE: usize = 1000;
const DEFAULT_PAGE_EXPAND: usize = 50;
const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CREATED_AT: &str = "2023-12-01T00:00:00.000Z";

struct State {
    repos: BTreeMap<String, Arc<RepoInfo>>,
    token: Option<String>,
    latency: Duration,
    faults: Vec<Fault>,
    log: Vec<Request>,
    page_size: Option<usize>,
    resolve_cache: bool,
    gated_denied: BTreeSet<String>,
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
    hub_url: String,
    cdn_url: String,
    counter: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fixture hub. Dropping it stops both listeners.
pub struct FixtureHub {
    shared: Arc<Shared>,
    hub_addr: SocketAddr,
    cdn_addr: SocketAddr,
    threads: Vec<JoinHandle<()>>,
}

impl FixtureHub {
    /// Binds the hub on 127.0.0.1:0 and the CDN on 127.0.0.2:0 (or 127.0.0.1:0
    /// where 127.0.0.2 cannot be bound).
    pub fn start() -> FixtureHub {
        let hub = TcpListener::bind("127.0.0.1:0").expect("FixtureHub: bind 127.0.0.1:0");
        let cdn = TcpListener::bind("127.0.0.2:0")
            .or_else(|_| TcpListener::bind("127.0.0.1:0"))
            .expect("FixtureHub: bind CDN listener");
        let hub_addr = hub.local_addr().unwrap();
        let cdn_addr = cdn.local_addr().unwrap();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                repos: BTreeMap::new(),
                token: None,
                latency: Duration::ZERO,
                faults: Vec::new(),
                log: Vec::new(),
                page_size: None,
                resolve_cache: false,
                gated_denied: BTreeSet::new(),
            }),
            stop: AtomicBool::new(false),
            hub_url: format!("http://{hub_addr}"),
            cdn_url: format!("http://{cdn_addr}"),
            counter: AtomicU64::new(0),
        });
        let threads = vec![
            spawn_acceptor(shared.clone(), hub, "hub"),
            spawn_acceptor(shared.clone(), cdn, "cdn"),
        ];
        FixtureHub {
            shared,
            hub_addr,
            cdn_addr,
            threads,
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the value for `HF_ENDPOINT`.
    pub fn url(&self) -> String {
        self.shared.hub_url.clone()
    }

    /// `http://127.0.0.2:PORT` (or another 127.0.0.1 port): where LFS redirects point.
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

    /// The one valid token. Any other `Authorization` value gets 401
    /// `Invalid credentials in Authorization header` (also before this is called).
    pub fn set_token(&self, token: &str) {
        self.shared.lock().token = Some(token.to_owned());
    }

    /// Delay added before every response (hub and CDN).
    pub fn set_latency(&self, d: Duration) {
        self.shared.lock().latency = d;
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
        if fault.times > 0 {
            self.shared.lock().faults.push(fault);
        }
    }

    /// Every request received (hub and CDN), in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().log.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }
}

impl Drop for FixtureHub {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for addr in [self.hub_addr, self.cdn_addr] {
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn spawn_acceptor(
    shared: Arc<Shared>,
    listener: TcpListener,
    server: &'static str,
) -> JoinHandle<()> {
    thread::spawn(move || {
        for conn in listener.incoming() {
            if shared.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = conn else {
                thread::sleep(Duration::from_millis(10));
                continue;
            };
            let shared = shared.clone();
            let _ = thread::Builder::new()
                .name(format!("fixture-{server}-conn"))
                .spawn(move || serve_connection(&shared, server, stream));
        }
    })
}

// ---------------------------------------------------------------------------
// HTTP/1.1 parsing and writing
// ---------------------------------------------------------------------------

struct HttpRequest {
    method: String,
    target: String,
    /// Raw path (before `?`).
    path: String,
    /// Raw query (after `?`, may be empty).
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

enum ReadOutcome {
    Request(HttpRequest),
    Closed,
    Bad(&'static str),
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn new(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn json(status: u16, v: &Value) -> Resp {
        Resp::new(status)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(v.to_string().into_bytes())
    }

    fn header(mut self, k: &str, v: impl Into<String>) -> Resp {
        self.headers.push((k.to_owned(), v.into()));
        self
    }

    fn body(mut self, b: Vec<u8>) -> Resp {
        self.body = b;
        self
    }
}

fn serve_connection(shared: &Shared, server: &'static str, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let mut buf: Vec<u8> = Vec::new();
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        match read_request(shared, &mut stream, &mut buf) {
            ReadOutcome::Closed => break,
            ReadOutcome::Bad(msg) => {
                let resp = Resp::json(400, &json!({ "error": msg }))
                    .header("X-Error-Message", msg)
                    .header("Connection", "close");
                let _ = write_response(shared, &mut stream, "GET", resp, false);
                linger(&mut stream);
                break;
            }
            ReadOutcome::Request(req) => {
                if !handle(shared, server, &mut stream, req) {
                    break;
                }
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Half-closes and discards what the client still sends (briefly), so that
/// closing with unread input does not reset the connection before the client
/// has read our response.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut tmp = [0u8; 16 * 1024];
    let mut total = 0usize;
    while Instant::now() < deadline && total < 4 * MAX_BODY_BYTES {
        match stream.read(&mut tmp) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
}

fn find_header_end(buf: &[u8]) -> Option<(usize, usize)> {
    // (end of header text, start of body)
    for i in 0..buf.len() {
        if buf[i..].starts_with(b"\r\n\r\n") {
            return Some((i, i + 4));
        }
        if buf[i..].starts_with(b"\n\n") {
            return Some((i, i + 2));
        }
    }
    None
}

/// Reads more bytes into `buf`. Ok(false) on EOF; Err(()) on stop/timeout/error.
fn fill(
    shared: &Shared,
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    started: Instant,
    idle: bool,
) -> Result<bool, ()> {
    let mut tmp = [0u8; 16 * 1024];
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return Err(());
        }
        match stream.read(&mut tmp) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&tmp[..n]);
                return Ok(true);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                let limit = if idle { IDLE_TIMEOUT } else { REQUEST_TIMEOUT };
                if started.elapsed() > limit {
                    return Err(());
                }
            }
            Err(_) => return Err(()),
        }
    }
}

fn read_request(shared: &Shared, stream: &mut TcpStream, buf: &mut Vec<u8>) -> ReadOutcome {
    let started = Instant::now();
    // Skip stray CRLFs between requests (RFC 9112 §2.2).
    let (head_end, body_start) = loop {
        while buf.first().is_some_and(|b| *b == b'\r' || *b == b'\n') {
            buf.remove(0);
        }
        if let Some(pos) = find_header_end(buf) {
            break pos;
        }
        if buf.len() > MAX_HEADER_BYTES {
            return ReadOutcome::Bad("Request header too large");
        }
        match fill(shared, stream, buf, started, buf.is_empty()) {
            Ok(true) => {}
            Ok(false) | Err(()) => return ReadOutcome::Closed,
        }
    };
    if head_end > MAX_HEADER_BYTES {
        return ReadOutcome::Bad("Request header too large");
    }
    let Ok(head) = std::str::from_utf8(&buf[..head_end]) else {
        return ReadOutcome::Bad("Request header is not UTF-8");
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or("");
    let parts: Vec<&str> = request_line.split(' ').collect();
    if parts.len() != 3 {
        return ReadOutcome::Bad("Malformed request line");
    }
    let (method, target, version) = (parts[0], parts[1], parts[2]);
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
    {
        return ReadOutcome::Bad("Malformed method");
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return ReadOutcome::Bad("Unsupported HTTP version");
    }
    // Absolute-form targets: keep only path + query.
    let target = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        },
        None => target.to_owned(),
    };
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return ReadOutcome::Bad("Malformed request target");
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            return ReadOutcome::Bad("Malformed header line");
        };
        if k.is_empty() || k.bytes().any(|b| b <= b' ' || b >= 0x7f) {
            return ReadOutcome::Bad("Malformed header name");
        }
        headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
    }
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    let connection = get("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let chunked =
        get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let content_length = match get("content-length") {
        None => 0,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= MAX_BODY_BYTES => n,
            Ok(_) => return ReadOutcome::Bad("Request body too large"),
            Err(_) => return ReadOutcome::Bad("Malformed Content-Length"),
        },
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    let method = method.to_owned();
    buf.drain(..body_start);
    let body = if chunked {
        loop {
            match parse_chunked(buf) {
                Ok(Some((body, used))) => {
                    buf.drain(..used);
                    break body;
                }
                Ok(None) => {
                    if buf.len() > MAX_BODY_BYTES + MAX_HEADER_BYTES {
                        return ReadOutcome::Bad("Request body too large");
                    }
                    match fill(shared, stream, buf, started, false) {
                        Ok(true) => {}
                        _ => return ReadOutcome::Closed,
                    }
                }
                Err(msg) => return ReadOutcome::Bad(msg),
            }
        }
    } else {
        while buf.len() < content_length {
            match fill(shared, stream, buf, started, false) {
                Ok(true) => {}
                _ => return ReadOutcome::Closed,
            }
        }
        buf.drain(..content_length).collect()
    };
    ReadOutcome::Request(HttpRequest {
        method,
        target,
        path,
        query,
        headers,
        body,
        keep_alive,
    })
}

/// Ok(None): incomplete. Ok(Some((body, bytes consumed))).
fn parse_chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, &'static str> {
    let mut pos = 0;
    let mut body = Vec::new();
    loop {
        let Some(nl) = buf[pos..].iter().position(|b| *b == b'\n') else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&buf[pos..pos + nl]).map_err(|_| "Malformed chunk")?;
        let size_text = line
            .trim_end_matches('\r')
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| "Malformed chunk size")?;
        if size > MAX_BODY_BYTES || body.len() + size > MAX_BODY_BYTES {
            return Err("Request body too large");
        }
        pos += nl + 1;
        if size == 0 {
            // trailers until an empty line
            loop {
                let Some(nl) = buf[pos..].iter().position(|b| *b == b'\n') else {
                    return Ok(None);
                };
                let empty = buf[pos..pos + nl].iter().all(|b| *b == b'\r');
                pos += nl + 1;
                if empty {
                    return Ok(Some((body, pos)));
                }
            }
        }
        if buf.len() < pos + size {
            return Ok(None);
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        pos += size;
        // CRLF after the data
        if buf.len() < pos + 1 {
            return Ok(None);
        }
        if buf[pos] == b'\r' {
            if buf.len() < pos + 2 {
                return Ok(None);
            }
            pos += 1;
        }
        if buf[pos] != b'\n' {
            return Err("Malformed chunk terminator");
        }
        pos += 1;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Writes a response. With `truncate`, sends only half of the body (and the
/// caller closes the connection).
fn write_response(
    shared: &Shared,
    stream: &mut TcpStream,
    method: &str,
    resp: Resp,
    truncate: bool,
) -> io::Result<()> {
    let n = shared.counter.fetch_add(1, Ordering::SeqCst);
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    let has = |name: &str| {
        resp.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    let no_body = method == "HEAD" || resp.status == 304 || resp.status == 204;
    if !has("content-length") && resp.status != 304 && resp.status != 204 {
        head.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
    }
    if !has("x-request-id") {
        head.push_str(&format!("X-Request-Id: Root=1-66f00000-{n:024x}\r\n"));
    }
    if !has("connection") {
        head.push_str("Connection: keep-alive\r\n");
    }
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if !no_body {
        let len = if truncate {
            resp.body.len() / 2
        } else {
            resp.body.len()
        };
        out.extend_from_slice(&resp.body[..len]);
    }
    stream.write_all(&out)?;
    stream.flush()
}

/// Handles one request. Returns whether to keep the connection open.
fn handle(shared: &Shared, server: &'static str, stream: &mut TcpStream, req: HttpRequest) -> bool {
    let (latency, fault) = {
        let mut st = shared.lock();
        st.log.push(Request {
            server,
            method: req.method.clone(),
            path: req.target.clone(),
            headers: req.headers.clone(),
        });
        let fault = match st
            .faults
            .iter()
            .position(|f| req.target.starts_with(&f.path_prefix))
        {
            Some(i) => {
                let f = &mut st.faults[i];
                f.times -= 1;
                let kind = f.kind.clone();
                if f.times == 0 {
                    st.faults.remove(i);
                }
                Some(kind)
            }
            None => None,
        };
        (st.latency, fault)
    };
    if !latency.is_zero() {
        thread::sleep(latency);
    }
    let mut truncate = false;
    let resp = match fault {
        Some(FaultKind::DropConnection) => {
            let _ = stream.shutdown(Shutdown::Both);
            return false;
        }
        Some(FaultKind::Status(code)) => Some(Resp::json(code, &json!({}))),
        Some(FaultKind::StatusWithRetryAfter(code, secs)) => {
            Some(Resp::json(code, &json!({})).header("Retry-After", secs.to_string()))
        }
        Some(FaultKind::Slow(d)) => {
            thread::sleep(d);
            None
        }
        Some(FaultKind::TruncateBody) => {
            truncate = true;
            None
        }
        None => None,
    };
    let resp = match resp {
        Some(r) => r,
        None => {
            // A panic in a handler must never take the server down: answer 500.
            let routed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match server {
                "cdn" => route_cdn(shared, &req),
                _ => route_hub(shared, &req),
            }));
            routed.unwrap_or_else(|_| {
                Resp::json(500, &json!({"error": "fixture hub: internal error"}))
            })
        }
    };
    let mut keep = req.keep_alive && !truncate;
    if resp
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("connection") && v == "close")
    {
        keep = false;
    }
    let resp = if keep {
        resp
    } else {
        resp.header("Connection", "close")
    };
    let ok = write_response(shared, stream, &req.method, resp, truncate).is_ok();
    ok && keep
}

// ---------------------------------------------------------------------------
// Routing helpers
// ---------------------------------------------------------------------------

fn pct_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let h = b.get(i + 1..i + 3)?;
                let h = std::str::from_utf8(h).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/` if `keep_slash`).
fn pct_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn parse_query(q: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((pct_decode(k, true)?, pct_decode(v, true)?));
    }
    Some(out)
}

fn q_get<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn truthy(v: Option<&str>) -> bool {
    matches!(
        v.map(|s| s.to_ascii_lowercase()).as_deref(),
        Some("true" | "1" | "yes")
    )
}

fn error(status: u16, code: Option<&str>, message: &str) -> Resp {
    let mut r = Resp::json(status, &json!({ "error": message })).header("X-Error-Message", message);
    if let Some(code) = code {
        r = r.header("X-Error-Code", code);
    }
    r
}

fn bad_request(message: &str) -> Resp {
    error(400, None, message)
}

fn not_found_route() -> Resp {
    Resp::json(
        404,
        &json!({"error": "Sorry, we can't find the page you are looking for."}),
    )
}

fn method_not_allowed(allow: &str) -> Resp {
    Resp::json(405, &json!({"error": "Method not allowed"})).header("Allow", allow)
}

fn anonymous_unauthorized() -> Resp {
    error(401, None, "Invalid username or password.").header(
        "WWW-Authenticate",
        "Bearer realm=\"Authentication required\", charset=\"UTF-8\"",
    )
}

fn revision_not_found(rev: &str) -> Resp {
    error(
        404,
        Some("RevisionNotFound"),
        &format!("Invalid rev id: {rev}"),
    )
}

fn entry_not_found(commit: &str) -> Resp {
    error(404, Some("EntryNotFound"), "Entry not found").header("X-Repo-Commit", commit)
}

#[derive(Clone, Copy, PartialEq)]
enum Auth {
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
fn access(st: &State, auth: Auth, id: &str, files: bool) -> Result<Arc<RepoInfo>, Resp> {
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

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

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

fn model_info(st: &State, auth: Auth, id: &str, rev: &str, query: &[(String, String)]) -> Resp {
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
    m.insert(
        "_id".into(),
        json!(sha256_hex(format!("model:{id}").as_bytes())[..24]),
    );
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
        e.insert(
            "securityFileStatus".into(),
            json!({"status": "safe", "avScan": {"virusFound": false, "virusNames": null}, "pickleImportScan": null}),
        );
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
fn tree(
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

fn paths_info(st: &State, auth: Auth, req: &HttpRequest, id: &str, rev: &str) -> Resp {
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

fn refs(st: &State, auth: Auth, id: &str, query: &[(String, String)]) -> Resp {
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

/// Parses a single `bytes=` range against `len`. None: no (usable) range,
/// serve the whole body. Some(Err(())): unsatisfiable.
fn parse_range(h: Option<&str>, len: usize) -> Option<Result<(usize, usize), ()>> {
    let spec = h?.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: usize = b.parse().ok()?;
        if n == 0 || len == 0 {
            return Some(Err(()));
        }
        return Some(Ok((len.saturating_sub(n), len - 1)));
    }
    let start: usize = a.parse().ok()?;
    let end: usize = if b.is_empty() {
        usize::MAX
    } else {
        b.parse().ok()?
    };
    if end < start {
        return None;
    }
    if start >= len {
        return Some(Err(()));
    }
    Some(Ok((start, end.min(len - 1))))
}

/// 200 / 206 / 416 with the bytes of `content`.
fn serve_bytes(req: &HttpRequest, content: &[u8], headers: Vec<(String, String)>) -> Resp {
    let len = content.len();
    let mut resp = match parse_range(req.header("range"), len) {
        None => Resp::new(200).body(content.to_vec()),
        Some(Ok((a, b))) => Resp::new(206)
            .header("Content-Range", format!("bytes {a}-{b}/{len}"))
            .body(content[a..=b].to_vec()),
        Some(Err(())) => {
            return Resp::json(416, &json!({"error": "Requested range not satisfiable"}))
                .header("Content-Range", format!("bytes */{len}"))
        }
    };
    resp.headers.extend(headers);
    resp.header("Accept-Ranges", "bytes")
        .header("Content-Type", "application/octet-stream")
}

fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.header("if-none-match").is_some_and(|v| {
        v.split(',')
            .any(|t| t.trim().trim_start_matches("W/").trim_matches('"') == etag)
    })
}

fn resolve(
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
fn resolve_cache(
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
fn route_cdn(shared: &Shared, req: &HttpRequest) -> Resp {
    if req.method != "GET" && req.method != "HEAD" {
        return method_not_allowed("GET, HEAD");
    }
    let Some(sha) = req.path.strip_prefix("/lfs/") else {
        return Resp::new(404)
            .header("Content-Type", "application/xml")
            .body(
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code></Error>"
                    .to_vec(),
            );
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
        return Resp::new(404)
            .header("Content-Type", "application/xml")
            .body(
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code></Error>"
                    .to_vec(),
            );
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
