//! Tests of the fixture Hugging Face Hub itself (tests/it/support/hub.rs),
//! over real HTTP with `ureq`. No test touches the internet.

use crate::support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::hub::*;

// ---------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

#[derive(Debug)]
struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

fn collect(mut resp: ureq::http::Response<ureq::Body>) -> Result<Got, ureq::Error> {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()?;
    Ok(Got {
        status,
        headers,
        body,
    })
}

fn try_req(method: &str, url: &str, headers: &[(&str, &str)]) -> Result<Got, ureq::Error> {
    let a = agent();
    let resp = match method {
        "HEAD" => {
            let mut r = a.head(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()?
        }
        _ => {
            let mut r = a.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()?
        }
    };
    collect(resp)
}

fn get(url: &str) -> Got {
    try_req("GET", url, &[]).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn get_h(url: &str, headers: &[(&str, &str)]) -> Got {
    try_req("GET", url, headers).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn head_h(url: &str, headers: &[(&str, &str)]) -> Got {
    try_req("HEAD", url, headers).unwrap_or_else(|e| panic!("HEAD {url}: {e}"))
}

fn post_form(url: &str, pairs: &[(&str, &str)]) -> Got {
    let resp = agent()
        .post(url)
        .send_form(pairs.iter().copied())
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    collect(resp).unwrap()
}

/// Sends raw bytes on a fresh connection and returns everything received until close.
fn raw(hub: &FixtureHub, data: &[u8]) -> String {
    let addr = hub.url().trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(data).unwrap();
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------
// Fixture data
// ---------------------------------------------------------------------------

/// Deterministic pseudo-random bytes.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

const TOKEN: &str = "hf_fixturetoken";

/// acme/tiny-llm: 3 commits (tag v1.0 -> 0, refs/pr/1 -> 1, main -> 2),
/// nested dirs, LFS files and 25 files under extra/ (for pagination).
fn tiny_llm() -> Repo {
    let card0 = json!({"license": "apache-2.0", "base_model": "meta-llama/Llama-3.1-8B"});
    let card2 = json!({"license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B",
                        "base_model_relation": "finetune", "tags": ["text-generation"]});
    let c0 = vec![
        File::git(
            ".gitattributes",
            "*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
        ),
        File::git("README.md", "---\nlicense: apache-2.0\n---\n# tiny\n"),
        File::git("config.json", "{\"hidden_size\": 8}\n"),
        File::lfs("model.safetensors", bytes(1, 3000)),
    ];
    let mut c1 = c0.clone();
    c1.push(File::git("tokenizer/vocab.txt", "a\nb\nc\n"));
    let mut c2 = c1.clone();
    c2[1] = File::git("README.md", "---\nlicense: llama3.1\n---\n# tiny v2\n");
    c2[3] = File::lfs("model.safetensors", bytes(2, 5000));
    c2.push(File::lfs("onnx/model.onnx", bytes(3, 700)));
    c2.push(File::git("onnx/config.json", "{}"));
    for i in 0..25 {
        c2.push(File::git(
            &format!("extra/file-{i:02}.txt"),
            format!("extra {i}\n"),
        ));
    }
    Repo {
        id: "acme/tiny-llm".into(),
        commits: vec![
            Commit::new("tiny-0", c0, card0.clone()),
            Commit::new("tiny-1", c1, card0),
            Commit {
                pipeline_tag: Some("text-generation".into()),
                tags: vec!["transformers".into(), "safetensors".into()],
                ..Commit::new("tiny-2", c2, card2)
            },
        ],
        branches: vec![
            ("main".into(), 2),
            ("refs/pr/1".into(), 1),
            ("refs/convert/parquet".into(), 0),
        ],
        tags: vec![("v1.0".into(), 0)],
        ..Default::default()
    }
}

fn gated_llm() -> Repo {
    Repo {
        gated: true,
        ..Repo::simple(
            "meta-llama/Llama-Fixture",
            vec![
                File::git("LICENSE", "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\n"),
                File::git("README.md", "---\nlicense: llama3.1\n---\n"),
                File::lfs("model-00001-of-00001.safetensors", bytes(4, 4096)),
            ],
            json!({"license": "llama3.1"}),
        )
    }
}

fn private_repo() -> Repo {
    Repo {
        private: true,
        ..Repo::simple(
            "acme/secret",
            vec![
                File::git("config.json", "{}"),
                File::lfs("w.bin", bytes(5, 100)),
            ],
            Value::Null,
        )
    }
}

fn single_segment() -> Repo {
    Repo::simple(
        "tinybert",
        vec![
            File::git("config.json", "{\"a\":1}"),
            File::lfs("pytorch_model.bin", bytes(6, 1234)),
        ],
        json!({"license": "mit"}),
    )
}

fn hub_with_all() -> FixtureHub {
    let hub = FixtureHub::start();
    hub.add_repo(tiny_llm());
    hub.add_repo(gated_llm());
    hub.add_repo(private_repo());
    hub.add_repo(single_segment());
    hub.set_token(TOKEN);
    hub
}

fn sha(repo: &Repo, i: usize) -> String {
    repo.commits[i].sha.clone()
}

// ---------------------------------------------------------------------------
// Hash helpers
// ---------------------------------------------------------------------------

#[test]
fn hash_helpers_match_known_values() {
    assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(
        sha1_hex(&vec![b'a'; 1_000_000]),
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
    );
    // `git hash-object` of an empty file and of "hello\n"
    assert_eq!(
        git_blob_sha1(b""),
        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    );
    assert_eq!(
        git_blob_sha1(b"hello\n"),
        "ce013625030ba8dba906f756967f9e9ca394464a"
    );
    // bert-base-uncased pytorch_model.bin on the real Hub: oid of the LFS pointer
    let p = lfs_pointer(
        "097417381d6c7230bd9e3557456d726de6e83245ec8b24f529f60198a67b203a",
        440473133,
    );
    assert_eq!(p.len(), 134);
    assert_eq!(
        git_blob_sha1(p.as_bytes()),
        "ba5d19791be1dd7992e33bd61f20207b0f7f50a5"
    );
    let s = sha_of("x");
    assert_eq!(s.len(), 40);
    assert_eq!(s, sha256_hex(b"x")[..40]);
    let f = File::lfs("a.bin", b"abc".to_vec());
    assert_eq!(f.etag(), f.sha256());
    assert_eq!(f.blob_id(), git_blob_sha1(f.lfs_pointer().as_bytes()));
    assert_eq!(
        File::git("a", "hello\n").etag(),
        "ce013625030ba8dba906f756967f9e9ca394464a"
    );
    // Repo::simple: deterministic, content-dependent sha
    let a = Repo::simple("o/r", vec![File::git("a", "1")], Value::Null);
    let b = Repo::simple("o/r", vec![File::git("a", "1")], Value::Null);
    let c = Repo::simple("o/r", vec![File::git("a", "2")], Value::Null);
    assert_eq!(a.commits[0].sha, b.commits[0].sha);
    assert_ne!(a.commits[0].sha, c.commits[0].sha);
    assert_eq!(a.sha_at("main"), Some(a.commits[0].sha.clone()));
}

// ---------------------------------------------------------------------------
// Model info
// ---------------------------------------------------------------------------

#[test]
fn model_info_fields() {
    let hub = hub_with_all();
    let repo = tiny_llm();
    let r = get(&format!("{}/api/models/acme/tiny-llm", hub.url()));
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(r.header("x-request-id").is_some());
    let v = r.json();
    assert_eq!(v["id"], "acme/tiny-llm");
    assert_eq!(v["modelId"], "acme/tiny-llm");
    assert_eq!(v["author"], "acme");
    assert_eq!(v["_id"].as_str().unwrap().len(), 24);
    assert_eq!(v["sha"], sha(&repo, 2));
    assert_eq!(v["private"], false);
    assert_eq!(v["gated"], false);
    assert_eq!(v["disabled"], false);
    assert_eq!(v["pipeline_tag"], "text-generation");
    assert_eq!(v["lastModified"], "2024-01-03T12:00:00.000Z");
    assert!(v["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["cardData"]["license"], "llama3.1");
    let tags: Vec<&str> = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for t in [
        "transformers",
        "safetensors",
        "license:llama3.1",
        "base_model:meta-llama/Llama-3.1-8B",
        "base_model:finetune:meta-llama/Llama-3.1-8B",
    ] {
        assert!(tags.contains(&t), "{t} missing from {tags:?}");
    }
    let sib = v["siblings"].as_array().unwrap();
    assert_eq!(sib.len(), repo.commits[2].files.len());
    assert_eq!(sib[0], json!({"rfilename": ".gitattributes"}));
    assert!(sib
        .iter()
        .all(|s| s.get("size").is_none() && s.get("blobId").is_none()));

    // blobs=true
    let v = get(&format!(
        "{}/api/models/acme/tiny-llm?blobs=true",
        hub.url()
    ))
    .json();
    let sib = v["siblings"].as_array().unwrap();
    let model = File::lfs("model.safetensors", bytes(2, 5000));
    let m = sib
        .iter()
        .find(|s| s["rfilename"] == "model.safetensors")
        .unwrap();
    assert_eq!(
        *m,
        json!({"rfilename": "model.safetensors", "size": 5000, "blobId": model.blob_id(),
               "lfs": {"sha256": model.sha256(), "size": 5000, "pointerSize": model.lfs_pointer().len()}})
    );
    let c = sib
        .iter()
        .find(|s| s["rfilename"] == "config.json")
        .unwrap();
    assert_eq!(
        *c,
        json!({"rfilename": "config.json", "size": 19, "blobId": git_blob_sha1(b"{\"hidden_size\": 8}\n")})
    );

    // no cardData key when card_data is Null; gated "manual"
    let v = get(&format!("{}/api/models/acme/secret", hub.url()));
    assert_eq!(v.status, 401);
    let v = get_h(
        &format!("{}/api/models/acme/secret", hub.url()),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    )
    .json();
    assert!(v.get("cardData").is_none());
    assert_eq!(v["private"], true);
    assert!(v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| !t.as_str().unwrap().starts_with("license:")));
    let v = get(&format!(
        "{}/api/models/meta-llama/Llama-Fixture",
        hub.url()
    ))
    .json();
    assert_eq!(v["gated"], "manual");

    // single-segment id, and HEAD
    let v = get(&format!("{}/api/models/tinybert", hub.url())).json();
    assert_eq!(v["id"], "tinybert");
    assert!(v.get("author").is_none());
    let h = head_h(&format!("{}/api/models/tinybert", hub.url()), &[]);
    assert_eq!(h.status, 200);
    assert!(h.body.is_empty());
    assert!(
        h.header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap()
            > 0
    );

    // expand: only the listed properties (+ _id, id); unknown -> 400
    let v = get(&format!(
        "{}/api/models/acme/tiny-llm?expand=sha&expand=cardData",
        hub.url()
    ))
    .json();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["_id", "cardData", "id", "sha"]);
    let r = get(&format!(
        "{}/api/models/acme/tiny-llm?expand=bogus",
        hub.url()
    ));
    assert_eq!(r.status, 400);
}

#[test]
fn model_info_revisions() {
    let hub = hub_with_all();
    let repo = tiny_llm();
    let base = format!("{}/api/models/acme/tiny-llm/revision", hub.url());
    for (rev, idx) in [
        ("main", 2),
        ("v1.0", 0),
        ("refs%2Fpr%2F1", 1),
        ("refs/pr/1", 1),
        ("refs%2Fheads%2Fmain", 2),
        ("refs%2Fconvert%2Fparquet", 0),
    ] {
        let v = get(&format!("{base}/{rev}")).json();
        assert_eq!(v["sha"], sha(&repo, idx), "{rev}");
    }
    // a 40-hex sha selects the commit directly; a short unique prefix too
    let s1 = sha(&repo, 1);
    let v = get(&format!("{base}/{s1}")).json();
    assert_eq!(v["sha"], s1);
    assert!(v["siblings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["rfilename"] == "tokenizer/vocab.txt"));
    assert!(!v["siblings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["rfilename"] == "onnx/model.onnx"));
    assert_eq!(v["cardData"]["license"], "apache-2.0");
    assert_eq!(get(&format!("{base}/{}", &s1[..10])).json()["sha"], s1);

    // unknown revision
    let r = get(&format!("{base}/badrev"));
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-error-code"), Some("RevisionNotFound"));
    assert_eq!(r.header("x-error-message"), Some("Invalid rev id: badrev"));
    assert_eq!(r.json(), json!({"error": "Invalid rev id: badrev"}));
    let r = get(&format!("{base}/refs%2Fpr%2F9"));
    assert_eq!(
        r.header("x-error-message"),
        Some("Invalid rev id: refs/pr/9")
    );
    let r = get(&format!("{base}/{}", sha_of("nope")));
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-error-code"), Some("RevisionNotFound"));
}

#[test]
fn model_info_max_siblings() {
    let hub = FixtureHub::start();
    let files = (0..10)
        .map(|i| File::git(&format!("f{i}"), format!("{i}")))
        .collect();
    hub.add_repo(Repo {
        max_siblings: Some(3),
        ..Repo::simple("big/repo", files, Value::Null)
    });
    let v = get(&format!("{}/api/models/big/repo?blobs=true", hub.url())).json();
    assert_eq!(v["siblings"].as_array().unwrap().len(), 3);
    let t = get(&format!(
        "{}/api/models/big/repo/tree/main?recursive=true",
        hub.url()
    ))
    .json();
    assert_eq!(t.as_array().unwrap().len(), 10);
}

// ---------------------------------------------------------------------------
// Tree, paths-info, refs
// ---------------------------------------------------------------------------

fn paths(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["type"].as_str().unwrap(),
                e["path"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn tree_listing() {
    let hub = hub_with_all();
    let repo = tiny_llm();
    let url = format!("{}/api/models/acme/tiny-llm/tree", hub.url());

    let v = get(&format!("{url}/main?recursive=false&expand=false")).json();
    assert_eq!(
        paths(&v),
        [
            "file:.gitattributes",
            "file:README.md",
            "file:config.json",
            "directory:extra",
            "file:model.safetensors",
            "directory:onnx",
            "directory:tokenizer"
        ]
    );
    let model = File::lfs("model.safetensors", bytes(2, 5000));
    let m = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "model.safetensors")
        .unwrap();
    assert_eq!(
        *m,
        json!({"type": "file", "oid": model.blob_id(), "size": 5000, "path": "model.safetensors",
               "lfs": {"oid": model.sha256(), "size": 5000, "pointerSize": model.lfs_pointer().len()}})
    );
    let cfg = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "config.json")
        .unwrap();
    assert!(cfg.get("lfs").is_none());
    let d = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "onnx")
        .unwrap();
    assert_eq!(d["size"], 0);
    assert_eq!(d["oid"].as_str().unwrap().len(), 40);

    // recursive: every file and directory, paths relative to the root
    let v = get(&format!("{url}/main?recursive=true")).json();
    let all = paths(&v);
    assert_eq!(all.len(), repo.commits[2].files.len() + 3);
    assert!(all.contains(&"file:onnx/model.onnx".to_owned()));
    assert!(all.contains(&"directory:tokenizer".to_owned()));

    // a sub-path (the Python client sends it as one %2F-encoded segment)
    let v = get(&format!("{url}/main/onnx?recursive=false")).json();
    assert_eq!(paths(&v), ["file:onnx/config.json", "file:onnx/model.onnx"]);
    let v2 = get(&format!("{url}/main/onnx%2F?recursive=false")).json();
    assert_eq!(paths(&v2), paths(&v));

    // older revision, special ref, sha
    let v = get(&format!("{url}/v1.0?recursive=true")).json();
    assert_eq!(paths(&v).len(), 4);
    let v = get(&format!("{url}/refs%2Fpr%2F1?recursive=true")).json();
    assert!(paths(&v).contains(&"file:tokenizer/vocab.txt".to_owned()));
    let v = get(&format!("{url}/{}?recursive=true", sha(&repo, 1))).json();
    assert_eq!(paths(&v).len(), 6);

    // missing dir, file path, bad rev
    let r = get(&format!("{url}/main/nope"));
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-error-code"), Some("EntryNotFound"));
    let r = get(&format!("{url}/main/config.json"));
    assert_eq!(r.status, 404);
    let r = get(&format!("{url}/nope"));
    assert_eq!(r.header("x-error-code"), Some("RevisionNotFound"));

    // expand=true adds lastCommit + securityFileStatus
    let v = get(&format!("{url}/main?recursive=true&expand=true")).json();
    let e = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "config.json")
        .unwrap();
    assert_eq!(
        e["lastCommit"]["id"],
        sha(&repo, 0),
        "config.json unchanged since commit 0"
    );
    assert_eq!(e["lastCommit"]["date"], "2024-01-01T12:00:00.000Z");
    assert_eq!(e["securityFileStatus"]["status"], "safe");
    let e = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "model.safetensors")
        .unwrap();
    assert_eq!(e["lastCommit"]["id"], sha(&repo, 2));
    let e = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "tokenizer")
        .unwrap();
    assert_eq!(e["lastCommit"]["id"], sha(&repo, 1));
}

#[test]
fn tree_directory_oids_are_git_tree_hashes() {
    // Values from `git mktree` / `git write-tree` on the same content.
    let hub = FixtureHub::start();
    hub.add_repo(Repo::simple(
        "t/oids",
        vec![
            File::git("a.txt", "hello\n"),
            File::git("d/b.txt", "b\n"),
            File::git("d-e.txt", "x\n"),
            File::lfs("d/w.bin", b"weights".to_vec()),
        ],
        Value::Null,
    ));
    let v = get(&format!(
        "{}/api/models/t/oids/tree/main?recursive=true",
        hub.url()
    ))
    .json();
    let d = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "d")
        .unwrap();
    assert_eq!(d["oid"], GIT_TREE_OF_D);
}

/// `git write-tree` of d/ = {b.txt: "b\n", w.bin: <LFS pointer of "weights">}
const GIT_TREE_OF_D: &str = "eec953840067e296c2e205d4f8b3b3a467a8260e";

#[test]
fn tree_pagination() {
    let hub = hub_with_all();
    let url = format!(
        "{}/api/models/acme/tiny-llm/tree/main?recursive=true&expand=false",
        hub.url()
    );
    let full = paths(&get(&url).json());
    assert!(
        get(&url).header("link").is_none(),
        "default page size 1000 fits"
    );

    hub.set_page_size(10);
    let mut next = Some(url.clone());
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(u) = next.take() {
        let r = get(&u);
        assert_eq!(r.status, 200);
        let page = paths(&r.json());
        assert!(page.len() <= 10);
        seen.extend(page);
        pages += 1;
        if let Some(link) = r.header("link") {
            assert!(link.ends_with("; rel=\"next\""), "{link}");
            let u = link
                .trim_start_matches('<')
                .split(">;")
                .next()
                .unwrap()
                .to_owned();
            assert!(u.starts_with(&hub.url()), "{u}");
            assert!(u.contains("recursive=true") && u.contains("cursor="), "{u}");
            next = Some(u);
        }
    }
    assert_eq!(pages, full.len().div_ceil(10));
    assert_eq!(seen, full);

    // limit narrows the page; a bad cursor is a 400
    let r = get(&format!("{url}&limit=3"));
    assert_eq!(r.json().as_array().unwrap().len(), 3);
    assert!(r.header("link").unwrap().contains("limit=3"));
    assert_eq!(get(&format!("{url}&cursor=%%%")).status, 400);
    assert_eq!(get(&format!("{url}&cursor=bm9wZQ")).status, 400);
}

#[test]
fn tree_pagination_expand_defaults_to_50() {
    let hub = FixtureHub::start();
    let files = (0..120)
        .map(|i| File::git(&format!("f{i:03}"), format!("{i}")))
        .collect();
    hub.add_repo(Repo::simple("many/files", files, Value::Null));
    let base = format!("{}/api/models/many/files/tree/main", hub.url());
    let r = get(&format!("{base}?recursive=true&expand=true"));
    assert_eq!(r.json().as_array().unwrap().len(), 50);
    assert!(r.header("link").is_some());
    let r = get(&format!("{base}?recursive=true&expand=false"));
    assert_eq!(r.json().as_array().unwrap().len(), 120);
    assert!(r.header("link").is_none());
}

#[test]
fn paths_info() {
    let hub = hub_with_all();
    let url = format!("{}/api/models/acme/tiny-llm/paths-info/main", hub.url());
    let r = post_form(
        &url,
        &[
            ("paths", "config.json"),
            ("paths", "onnx"),
            ("paths", "nope"),
            ("expand", "false"),
        ],
    );
    assert_eq!(r.status, 200);
    assert_eq!(paths(&r.json()), ["file:config.json", "directory:onnx"]);
    let r = post_form(&url, &[("paths", "model.safetensors"), ("expand", "true")]);
    let v = r.json();
    assert_eq!(v[0]["lfs"]["size"], 5000);
    assert!(v[0]["lastCommit"]["id"].is_string());
    let r = post_form(
        &format!("{}/api/models/acme/tiny-llm/paths-info/v1.0", hub.url()),
        &[("paths", "tokenizer/vocab.txt")],
    );
    assert_eq!(r.json(), json!([]));
    // GET is not allowed
    assert_eq!(get(&url).status, 405);
}

#[test]
fn refs() {
    let hub = hub_with_all();
    let repo = tiny_llm();
    let v = get(&format!("{}/api/models/acme/tiny-llm/refs", hub.url())).json();
    assert_eq!(
        v,
        json!({
            "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": sha(&repo, 2)}],
            "tags": [{"name": "v1.0", "ref": "refs/tags/v1.0", "targetCommit": sha(&repo, 0)}],
            "converts": [{"name": "parquet", "ref": "refs/convert/parquet", "targetCommit": sha(&repo, 0)}],
        })
    );
    let v = get(&format!(
        "{}/api/models/acme/tiny-llm/refs?include_prs=1",
        hub.url()
    ))
    .json();
    assert_eq!(
        v["pullRequests"],
        json!([{"name": "refs/pr/1", "ref": "refs/pr/1", "targetCommit": sha(&repo, 1)}])
    );
    let v = get(&format!("{}/api/models/tinybert/refs", hub.url())).json();
    assert_eq!(v["branches"][0]["name"], "main");
    // refs of a gated repo are public
    assert_eq!(
        get(&format!(
            "{}/api/models/meta-llama/Llama-Fixture/refs",
            hub.url()
        ))
        .status,
        200
    );
}

// ---------------------------------------------------------------------------
// resolve + CDN
// ---------------------------------------------------------------------------

#[test]
fn resolve_git_file() {
    let hub = hub_with_all();
    let repo = tiny_llm();
    let content = b"{\"hidden_size\": 8}\n";
    let etag = git_blob_sha1(content);
    let url = format!("{}/acme/tiny-llm/resolve/main/config.json", hub.url());

    let r = get(&url);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, content);
    assert_eq!(r.header("etag"), Some(format!("\"{etag}\"").as_str()));
    assert_eq!(r.header("x-repo-commit"), Some(sha(&repo, 2).as_str()));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-length"), Some("19"));
    assert!(r.header("x-linked-etag").is_none());
    assert!(r.header("x-request-id").is_some());

    let h = head_h(&url, &[("Accept-Encoding", "identity")]);
    assert_eq!(h.status, 200);
    assert!(h.body.is_empty());
    assert_eq!(h.header("content-length"), Some("19"));
    assert_eq!(h.header("etag"), r.header("etag"));

    // ranges
    let r = get_h(&url, &[("Range", "bytes=2-7")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &content[2..=7]);
    assert_eq!(r.header("content-range"), Some("bytes 2-7/19"));
    let r = get_h(&url, &[("Range", "bytes=15-")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &content[15..]);
    assert_eq!(r.header("content-range"), Some("bytes 15-18/19"));
    let r = get_h(&url, &[("Range", "bytes=-3")]);
    assert_eq!(r.body, &content[16..]);
    let r = get_h(&url, &[("Range", "bytes=0-999")]);
    assert_eq!((r.status, r.body.len()), (206, 19));
    let r = get_h(&url, &[("Range", "bytes=19-")]);
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */19"));

    // If-None-Match
    let r = get_h(&url, &[("If-None-Match", &format!("\"{etag}\""))]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());

    // nested path, older revision, sha revision, %2F-encoded special ref
    let r = get(&format!(
        "{}/acme/tiny-llm/resolve/refs%2Fpr%2F1/tokenizer/vocab.txt",
        hub.url()
    ));
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, b"a\nb\nc\n".as_slice())
    );
    assert_eq!(r.header("x-repo-commit"), Some(sha(&repo, 1).as_str()));
    let r = get(&format!(
        "{}/acme/tiny-llm/resolve/{}/README.md",
        hub.url(),
        sha(&repo, 0)
    ));
    assert_eq!(r.body, b"---\nlicense: apache-2.0\n---\n# tiny\n");
    let r = get(&format!("{}/tinybert/resolve/main/config.json", hub.url()));
    assert_eq!(r.body, b"{\"a\":1}");

    // missing file / bad revision
    let r = head_h(
        &format!("{}/acme/tiny-llm/resolve/main/nope.bin", hub.url()),
        &[],
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-error-code"), Some("EntryNotFound"));
    assert_eq!(r.header("x-error-message"), Some("Entry not found"));
    assert_eq!(r.header("x-repo-commit"), Some(sha(&repo, 2).as_str()));
    let r = get(&format!(
        "{}/acme/tiny-llm/resolve/v9/config.json",
        hub.url()
    ));
    assert_eq!(r.header("x-error-code"), Some("RevisionNotFound"));
    // a directory is not a file
    let r = get(&format!("{}/acme/tiny-llm/resolve/main/onnx", hub.url()));
    assert_eq!(r.header("x-error-code"), Some("EntryNotFound"));
}

#[test]
fn resolve_lfs_redirects_to_cdn() {
    let hub = hub_with_all();
    hub.clear_requests();
    let repo = tiny_llm();
    let model = bytes(2, 5000);
    let digest = sha256_hex(&model);
    let url = format!("{}/acme/tiny-llm/resolve/main/model.safetensors", hub.url());

    for method in ["HEAD", "GET"] {
        let r = try_req(
            method,
            &url,
            &[("Authorization", &format!("Bearer {TOKEN}"))],
        )
        .unwrap();
        assert_eq!(r.status, 302, "{method}");
        let loc = r.header("location").unwrap();
        assert!(
            loc.starts_with(&format!("{}/lfs/{digest}?", hub.cdn_url())),
            "{loc}"
        );
        assert_ne!(hub.cdn_url(), hub.url());
        assert_eq!(r.header("x-repo-commit"), Some(sha(&repo, 2).as_str()));
        assert_eq!(
            r.header("x-linked-etag"),
            Some(format!("\"{digest}\"").as_str())
        );
        assert_eq!(r.header("x-linked-size"), Some("5000"));
        assert_eq!(r.header("etag"), Some(format!("\"{digest}\"").as_str()));
    }
    let loc = head_h(&url, &[]).header("location").unwrap().to_owned();

    let r = get(&loc);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, model);
    assert_eq!(r.header("content-length"), Some("5000"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    let cdn_etag = r.header("etag").unwrap();
    assert_ne!(
        cdn_etag.trim_matches('"'),
        digest,
        "the CDN etag is not the sha256, like the real CDN"
    );
    let r = get_h(&loc, &[("Range", "bytes=4990-")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &model[4990..]);
    assert_eq!(r.header("content-range"), Some("bytes 4990-4999/5000"));
    let h = head_h(&loc, &[]);
    assert_eq!((h.status, h.header("content-length")), (200, Some("5000")));

    // the log: hub + CDN requests in order, no authorization reached the CDN
    let log = hub.requests();
    let servers: Vec<&str> = log.iter().map(|r| r.server).collect();
    assert_eq!(servers, ["hub", "hub", "hub", "cdn", "cdn", "cdn"]);
    assert_eq!(log[0].method, "HEAD");
    assert_eq!(log[0].path, "/acme/tiny-llm/resolve/main/model.safetensors");
    assert_eq!(
        log[0].header("Authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(log
        .iter()
        .filter(|r| r.server == "cdn")
        .all(|r| r.header("authorization").is_none()));
    assert_eq!(log[4].header("range"), Some("bytes=4990-"));

    // an LFS file of an older commit; a sha256 unknown to the CDN
    let r = head_h(
        &format!("{}/acme/tiny-llm/resolve/v1.0/model.safetensors", hub.url()),
        &[],
    );
    assert_eq!(r.header("x-linked-size"), Some("3000"));
    assert_eq!(get(r.header("location").unwrap()).body, bytes(1, 3000));
    assert_eq!(
        get(&format!("{}/lfs/{}", hub.cdn_url(), sha256_hex(b"nope"))).status,
        404
    );
}

#[test]
fn resolve_cache_redirect_mode() {
    let hub = hub_with_all();
    hub.set_resolve_cache_redirect(true);
    let repo = tiny_llm();
    let etag = git_blob_sha1(b"a\nb\nc\n");
    let r = head_h(
        &format!(
            "{}/acme/tiny-llm/resolve/main/tokenizer/vocab.txt",
            hub.url()
        ),
        &[],
    );
    assert_eq!(r.status, 307);
    let loc = r.header("location").unwrap();
    assert!(
        loc.starts_with(&format!(
            "/api/resolve-cache/models/acme/tiny-llm/{}/tokenizer/vocab.txt?",
            sha(&repo, 2)
        )),
        "{loc}"
    );
    assert_eq!(
        r.header("x-linked-etag"),
        Some(format!("\"{etag}\"").as_str())
    );
    assert_eq!(r.header("x-repo-commit"), Some(sha(&repo, 2).as_str()));
    let r = get(&format!("{}{loc}", hub.url()));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"a\nb\nc\n");
    assert_eq!(r.header("etag"), Some(format!("\"{etag}\"").as_str()));
    assert_eq!(r.header("x-repo-commit"), Some(sha(&repo, 2).as_str()));
    // LFS files still go to the CDN
    let r = head_h(
        &format!("{}/acme/tiny-llm/resolve/main/model.safetensors", hub.url()),
        &[],
    );
    assert_eq!(r.status, 302);
    // single-segment repo through resolve-cache
    let r = head_h(
        &format!("{}/tinybert/resolve/main/config.json", hub.url()),
        &[],
    );
    let r = get(&format!("{}{}", hub.url(), r.header("location").unwrap()));
    assert_eq!(r.body, b"{\"a\":1}");
}

// ---------------------------------------------------------------------------
// Errors and auth
// ---------------------------------------------------------------------------

#[test]
fn unknown_and_private_repos() {
    let hub = hub_with_all();
    let auth = format!("Bearer {TOKEN}");
    for path in [
        "/api/models/nobody/nothing",
        "/api/models/nobody/nothing/revision/main",
        "/api/models/nobody/nothing/tree/main",
        "/api/models/nobody/nothing/refs",
        "/nobody/nothing/resolve/main/config.json",
        "/api/models/acme/secret",
        "/api/models/acme/secret/tree/main",
        "/acme/secret/resolve/main/config.json",
        "/api/models/gpt2",
    ] {
        let r = get(&format!("{}{path}", hub.url()));
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(
            r.header("x-error-message"),
            Some("Invalid username or password."),
            "{path}"
        );
        assert!(r.header("x-error-code").is_none(), "{path}");
        assert!(
            r.header("www-authenticate").unwrap().starts_with("Bearer"),
            "{path}"
        );
        assert!(r.header("x-request-id").is_some());
    }
    for path in [
        "/api/models/nobody/nothing",
        "/nobody/nothing/resolve/main/config.json",
    ] {
        let r = get_h(&format!("{}{path}", hub.url()), &[("Authorization", &auth)]);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("x-error-code"), Some("RepoNotFound"), "{path}");
    }
    // private repo with the token: served, LFS via the CDN
    let r = get_h(
        &format!("{}/acme/secret/resolve/main/config.json", hub.url()),
        &[("Authorization", &auth)],
    );
    assert_eq!((r.status, r.body.as_slice()), (200, b"{}".as_slice()));
    let r = get_h(
        &format!("{}/acme/secret/resolve/main/w.bin", hub.url()),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 302);
    // a removed repo is unknown
    hub.remove_repo("acme/secret");
    let r = get_h(
        &format!("{}/api/models/acme/secret", hub.url()),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.header("x-error-code"), Some("RepoNotFound"));
}

#[test]
fn gated_repo() {
    let hub = hub_with_all();
    let auth = format!("Bearer {TOKEN}");
    let base = hub.url();
    // metadata, tree, refs, paths-info: public
    for path in [
        "/api/models/meta-llama/Llama-Fixture",
        "/api/models/meta-llama/Llama-Fixture/revision/main?blobs=true",
        "/api/models/meta-llama/Llama-Fixture/tree/main?recursive=true",
        "/api/models/meta-llama/Llama-Fixture/refs",
    ] {
        assert_eq!(get(&format!("{base}{path}")).status, 200, "{path}");
    }
    // files: 401 GatedRepo anonymously
    for method in ["HEAD", "GET"] {
        let r = try_req(
            method,
            &format!("{base}/meta-llama/Llama-Fixture/resolve/main/LICENSE"),
            &[],
        )
        .unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(r.header("x-error-code"), Some("GatedRepo"));
        assert_eq!(
            r.header("x-error-message"),
            Some(
                "Access to model meta-llama/Llama-Fixture is restricted. You must have access to it and be \
                 authenticated to access it. Please log in."
            )
        );
    }
    let r = get(&format!(
        "{base}/api/models/meta-llama/Llama-Fixture/auth-check"
    ));
    assert_eq!(r.header("x-error-code"), Some("GatedRepo"));
    // with the token: served
    let r = get_h(
        &format!("{base}/meta-llama/Llama-Fixture/resolve/main/LICENSE"),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"LLAMA"));
    let r = head_h(
        &format!("{base}/meta-llama/Llama-Fixture/resolve/main/model-00001-of-00001.safetensors"),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 302);
    assert_eq!(get(r.header("location").unwrap()).body, bytes(4, 4096));
    assert_eq!(
        get_h(
            &format!("{base}/api/models/meta-llama/Llama-Fixture/auth-check"),
            &[("Authorization", &auth)]
        )
        .status,
        200
    );
    // authenticated but not on the access list: 403 GatedRepo
    hub.set_gated_denied("meta-llama/Llama-Fixture", true);
    let r = get_h(
        &format!("{base}/meta-llama/Llama-Fixture/resolve/main/LICENSE"),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-error-code"), Some("GatedRepo"));
    assert!(r
        .header("x-error-message")
        .unwrap()
        .contains("not in the authorized list"));
    hub.set_gated_denied("meta-llama/Llama-Fixture", false);
    let r = get_h(
        &format!("{base}/meta-llama/Llama-Fixture/resolve/main/LICENSE"),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn bad_token_everywhere() {
    let hub = hub_with_all();
    for path in [
        "/api/models/acme/tiny-llm",
        "/api/models/acme/tiny-llm/tree/main",
        "/api/models/nobody/nothing",
        "/acme/tiny-llm/resolve/main/config.json",
        "/meta-llama/Llama-Fixture/resolve/main/LICENSE",
        "/api/whatever",
    ] {
        for value in ["Bearer hf_wrong", "Basic dXNlcjpwYXNz", "Bearer"] {
            let r = get_h(&format!("{}{path}", hub.url()), &[("Authorization", value)]);
            assert_eq!(r.status, 401, "{path} {value}");
            assert_eq!(
                r.header("x-error-message"),
                Some("Invalid credentials in Authorization header"),
                "{path}"
            );
            assert!(r.header("x-error-code").is_none());
        }
    }
    // before set_token, every token is invalid
    let hub = FixtureHub::start();
    hub.add_repo(single_segment());
    let r = get_h(
        &format!("{}/api/models/tinybert", hub.url()),
        &[("Authorization", "Bearer x")],
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        get(&format!("{}/api/models/tinybert", hub.url())).status,
        200
    );
}

#[test]
fn routing_errors() {
    let hub = hub_with_all();
    assert_eq!(get(&format!("{}/", hub.url())).status, 404);
    assert_eq!(get(&format!("{}/api/datasets/x/y", hub.url())).status, 404);
    assert_eq!(
        get(&format!("{}/acme/tiny-llm/blob/main/x", hub.url())).status,
        404
    );
    assert_eq!(
        get(&format!("{}/api/models/acme/tiny-llm/nope", hub.url())).status,
        404
    );
    let r = agent()
        .delete(format!("{}/api/models/acme/tiny-llm", hub.url()))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(
        get(&format!(
            "{}/api/models/acme/tiny-llm/revision/%zz",
            hub.url()
        ))
        .status,
        400
    );
    assert_eq!(
        get(&format!(
            "{}/api/models/acme/tiny-llm/revision/%C3%28",
            hub.url()
        ))
        .status,
        400
    );
}

// ---------------------------------------------------------------------------
// Faults, latency, logging
// ---------------------------------------------------------------------------

#[test]
fn fault_status_and_retry_after() {
    let hub = hub_with_all();
    let url = format!("{}/api/models/acme/tiny-llm", hub.url());
    hub.inject(Fault {
        path_prefix: "/api/models/acme".into(),
        kind: FaultKind::Status(503),
        times: 2,
    });
    for _ in 0..2 {
        let r = get(&url);
        assert_eq!(r.status, 503);
        assert_eq!(r.json(), json!({}));
        assert!(r.header("x-request-id").is_some());
    }
    assert_eq!(get(&url).status, 200);

    hub.inject(Fault::once(
        "/api/",
        FaultKind::StatusWithRetryAfter(429, 7),
    ));
    // a non-matching request is untouched
    assert_eq!(
        get(&format!(
            "{}/acme/tiny-llm/resolve/main/config.json",
            hub.url()
        ))
        .status,
        200
    );
    let r = get(&url);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(get(&url).status, 200);

    // HEAD with a fault: status, no body
    hub.inject(Fault::once("/acme/", FaultKind::Status(500)));
    let r = head_h(
        &format!("{}/acme/tiny-llm/resolve/main/config.json", hub.url()),
        &[],
    );
    assert_eq!(r.status, 500);

    // a fault on the CDN
    let loc = head_h(
        &format!("{}/acme/tiny-llm/resolve/main/model.safetensors", hub.url()),
        &[],
    )
    .header("location")
    .unwrap()
    .to_owned();
    hub.inject(Fault::once("/lfs/", FaultKind::Status(502)));
    assert_eq!(get(&loc).status, 502);
    assert_eq!(get(&loc).status, 200);
    // times: 0 never applies
    hub.inject(Fault {
        path_prefix: "/".into(),
        kind: FaultKind::Status(500),
        times: 0,
    });
    assert_eq!(get(&url).status, 200);
}

#[test]
fn fault_drop_connection() {
    let hub = hub_with_all();
    let url = format!("{}/api/models/acme/tiny-llm", hub.url());
    hub.inject(Fault::once(
        "/api/models/acme/tiny-llm",
        FaultKind::DropConnection,
    ));
    let err = try_req("GET", &url, &[]).expect_err("connection dropped");
    let _ = err; // any transport error
    assert_eq!(get(&url).status, 200);
    // raw check: nothing at all is sent back
    hub.inject(Fault::once(
        "/api/models/acme/tiny-llm",
        FaultKind::DropConnection,
    ));
    let out = raw(
        &hub,
        b"GET /api/models/acme/tiny-llm HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(out, "");
    assert_eq!(hub.requests().len(), 3, "dropped requests are logged too");
}

#[test]
fn fault_truncate_body() {
    let hub = hub_with_all();
    let model = bytes(2, 5000);
    let loc = head_h(
        &format!("{}/acme/tiny-llm/resolve/main/model.safetensors", hub.url()),
        &[],
    )
    .header("location")
    .unwrap()
    .to_owned();
    hub.inject(Fault::once("/lfs/", FaultKind::TruncateBody));
    assert!(
        try_req("GET", &loc, &[]).is_err(),
        "a truncated body is a read error"
    );
    // raw: full Content-Length, half the body, then close
    hub.inject(Fault::once(
        "/acme/tiny-llm/resolve/main/README.md",
        FaultKind::TruncateBody,
    ));
    let out = raw(
        &hub,
        b"GET /acme/tiny-llm/resolve/main/README.md HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    let readme = "---\nlicense: llama3.1\n---\n# tiny v2\n";
    assert!(
        out.contains(&format!("Content-Length: {}\r\n", readme.len())),
        "{out}"
    );
    let body = out.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(body, &readme[..readme.len() / 2]);
    // then normal again
    assert_eq!(get(&loc).body, model);
}

#[test]
fn fault_slow_and_latency() {
    let hub = hub_with_all();
    let url = format!("{}/api/models/acme/tiny-llm", hub.url());
    hub.inject(Fault::once(
        "/api/",
        FaultKind::Slow(Duration::from_millis(800)),
    ));
    let t = Instant::now();
    assert_eq!(get(&url).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(800));
    // only the next request is slow: the fault is used up
    assert_eq!(hub.faults_pending(), 0);
    assert_eq!(get(&url).status, 200);

    // a client timeout shorter than Slow fails
    hub.inject(Fault::once(
        "/api/",
        FaultKind::Slow(Duration::from_millis(1500)),
    ));
    let quick: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(300)))
        .build()
        .into();
    assert!(quick.get(&url).call().is_err());

    hub.set_latency(Duration::from_millis(200));
    let t = Instant::now();
    get(&url);
    get(&format!(
        "{}/acme/tiny-llm/resolve/main/config.json",
        hub.url()
    ));
    assert!(t.elapsed() >= Duration::from_millis(400));
    hub.set_latency(Duration::ZERO);
}

#[test]
fn request_log() {
    let hub = hub_with_all();
    hub.clear_requests();
    get_h(
        &format!(
            "{}/api/models/acme/tiny-llm/revision/refs%2Fpr%2F1?blobs=true",
            hub.url()
        ),
        &[
            ("X-Custom", "Value 1"),
            ("Authorization", &format!("Bearer {TOKEN}")),
        ],
    );
    head_h(
        &format!("{}/tinybert/resolve/main/config.json", hub.url()),
        &[],
    );
    let log = hub.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].server, "hub");
    assert_eq!(log[0].method, "GET");
    assert_eq!(
        log[0].path,
        "/api/models/acme/tiny-llm/revision/refs%2Fpr%2F1?blobs=true"
    );
    assert_eq!(log[0].header("x-custom"), Some("Value 1"));
    assert_eq!(log[0].header("X-CUSTOM"), Some("Value 1"));
    assert!(log[0]
        .headers
        .iter()
        .all(|(k, _)| *k == k.to_ascii_lowercase()));
    assert_eq!(log[1].method, "HEAD");
    hub.clear_requests();
    assert!(hub.requests().is_empty());
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

#[test]
fn malformed_requests_get_400_and_server_survives() {
    let hub = hub_with_all();
    for junk in [
        &b"garbage\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET /x HTTP/9.9\r\n\r\n",
        b"GET nopath HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST /api/models/acme/tiny-llm/paths-info/main HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /api/models/acme/tiny-llm/paths-info/main HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
        b"POST /api/models/acme/tiny-llm/paths-info/main HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"\xff\xfe / HTTP/1.1\r\n\r\n",
    ] {
        let out = raw(&hub, junk);
        assert!(out.starts_with("HTTP/1.1 400 "), "{:?} -> {out:?}", String::from_utf8_lossy(junk));
    }
    // oversized header block
    let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 70 * 1024));
    big.extend_from_slice(b"\r\n\r\n");
    let out = raw(&hub, &big);
    assert!(out.starts_with("HTTP/1.1 400 "), "{out:?}");
    // a client that connects and leaves
    drop(TcpStream::connect(hub.url().trim_start_matches("http://")).unwrap());
    // a half-sent request then close
    let out = raw(&hub, b"GET /api/models/acme/tiny-llm HTTP/1.1\r\nHost");
    assert_eq!(out, "");
    assert_eq!(
        get(&format!("{}/api/models/acme/tiny-llm", hub.url())).status,
        200
    );
}

#[test]
fn keep_alive_pipelining_and_chunked_bodies() {
    let hub = hub_with_all();
    let body = "paths=config.json&expand=false";
    let req = format!(
        "GET /tinybert/resolve/main/config.json HTTP/1.1\r\nHost: x\r\n\r\n\
         POST /api/models/acme/tiny-llm/paths-info/main HTTP/1.1\r\nHost: x\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n\
         HEAD /api/models/tinybert HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let out = raw(&hub, req.as_bytes());
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 3, "{out}");
    assert!(out.contains("{\"a\":1}"));
    assert!(out.contains("\"path\":\"config.json\""));
    assert!(out.contains("Connection: close"));
    // HTTP/1.0 without keep-alive closes after one response
    let out = raw(&hub, b"GET /api/models/tinybert HTTP/1.0\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn drop_stops_the_server() {
    let hub = hub_with_all();
    let url = hub.url();
    let addr = url.trim_start_matches("http://").to_owned();
    // keep an idle keep-alive connection open across the drop
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /api/models/tinybert HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    drop(hub);
    // the idle connection gets closed
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    idle.read_to_end(&mut rest)
        .expect("the server closes idle keep-alive connections on drop");
    // (no check that the port now refuses connections: another test's hub may reuse it)
}

#[test]
fn many_concurrent_clients() {
    let hub = hub_with_all();
    let url = format!("{}/acme/tiny-llm/resolve/main/config.json", hub.url());
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let a = agent();
                for _ in 0..10 {
                    let mut r = a.get(&url).call().unwrap();
                    assert_eq!(
                        r.body_mut().read_to_vec().unwrap(),
                        b"{\"hidden_size\": 8}\n"
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(hub.requests().len(), 160);
}

// ---------------------------------------------------------------------------
// Ollama registry
// ---------------------------------------------------------------------------

const MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
const LLAMA_LICENSE: &[u8] = b"LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\n";
const TEMPLATE: &[u8] = b"{{ .Prompt }}";
const PARAMS: &[u8] = b"{\"stop\":[\"<|eot_id|>\"]}";

/// The layers of a small model, in the order `ollama pull gemma:2b` has them.
fn ollama_layers(weights: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("application/vnd.ollama.image.model", weights.to_vec()),
        (
            "application/vnd.ollama.image.license",
            LLAMA_LICENSE.to_vec(),
        ),
        ("application/vnd.ollama.image.template", TEMPLATE.to_vec()),
        ("application/vnd.ollama.image.params", PARAMS.to_vec()),
    ]
}

fn build(layers: &[(&'static str, Vec<u8>)]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let refs: Vec<(&str, &[u8])> = layers.iter().map(|(t, b)| (*t, b.as_slice())).collect();
    ollama_manifest(&refs)
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// `library/tiny` with tags `latest` and `1b` (other weights) and `acme/other`.
fn ollama_hub() -> (FixtureHub, Vec<u8>, Vec<Vec<u8>>, Vec<u8>) {
    let hub = FixtureHub::start();
    let (latest, mut blobs) = build(&ollama_layers(&bytes(20, 3000)));
    let (small, small_blobs) = build(&ollama_layers(&bytes(21, 1000)));
    blobs.extend(small_blobs);
    hub.add_ollama_model(OllamaModel {
        namespace: "library".into(),
        model: "tiny".into(),
        tags: vec![
            ("latest".into(), latest.clone()),
            ("1b".into(), small.clone()),
        ],
        blobs: blobs.clone(),
    });
    let (other, other_blobs) = build(&[("application/vnd.ollama.image.model", bytes(22, 10))]);
    hub.add_ollama_model(OllamaModel {
        namespace: "acme".into(),
        model: "other".into(),
        tags: vec![("latest".into(), other)],
        blobs: other_blobs,
    });
    (hub, latest, blobs, small)
}

#[test]
fn ollama_manifest_is_byte_for_byte_ollamas_format() {
    let layers = ollama_layers(b"GGUF\x03\x00\x00\x00weights");
    let (manifest, blobs) = build(&layers);
    assert_eq!(blobs.len(), 5, "config + 4 layers");
    for (i, (_, content)) in layers.iter().enumerate() {
        assert_eq!(&blobs[i + 1], content);
    }
    // gemma:2b's manifest from an Ollama store (hub-formats.md §9.3), with
    // this model's digests and sizes put in
    let d = |b: &[u8]| (digest(b), b.len());
    let ((c, cs), (m, ms), (l, ls), (t, ts), (p, ps)) = (
        d(&blobs[0]),
        d(&blobs[1]),
        d(&blobs[2]),
        d(&blobs[3]),
        d(&blobs[4]),
    );
    let expected = format!(
        "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\
         \"config\":{{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"{c}\",\"size\":{cs}}},\
         \"layers\":[{{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"{m}\",\"size\":{ms}}},\
         {{\"mediaType\":\"application/vnd.ollama.image.license\",\"digest\":\"{l}\",\"size\":{ls}}},\
         {{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"{t}\",\"size\":{ts}}},\
         {{\"mediaType\":\"application/vnd.ollama.image.params\",\"digest\":\"{p}\",\"size\":{ps}}}]}}"
    );
    assert_eq!(String::from_utf8(manifest).unwrap(), expected);
    // the config is Ollama's ConfigV2, with the layers as rootfs.diff_ids
    let config = String::from_utf8(blobs[0].clone()).unwrap();
    assert!(
        config.starts_with("{\"model_format\":\"gguf\",\"model_family\":\"llama\","),
        "{config}"
    );
    assert!(!config.contains(' ') && !config.ends_with('\n'));
    let v: Value = serde_json::from_str(&config).unwrap();
    assert_eq!(
        v["rootfs"],
        json!({"type": "layers", "diff_ids": [m, l, t, p]})
    );
    assert_eq!(
        (v["architecture"].as_str(), v["os"].as_str()),
        (Some("amd64"), Some("linux"))
    );
    // deterministic
    assert_eq!(build(&layers).0, build(&layers).0);
}

#[test]
fn ollama_manifests_by_tag_and_digest() {
    let (hub, latest, _, small) = ollama_hub();
    let base = format!("{}/v2/library/tiny/manifests", hub.url());
    let accept = [("Accept", MANIFEST_V2)];
    for url in [
        format!("{base}/latest"),
        format!("{base}/{}", digest(&latest)),
        format!("{base}/sha256%3A{}", sha256_hex(&latest)),
    ] {
        let r = get_h(&url, &accept);
        assert_eq!(r.status, 200, "{url}");
        assert_eq!(r.body, latest, "served verbatim: {url}");
        assert_eq!(r.header("content-type"), Some(MANIFEST_V2));
        assert_eq!(
            r.header("docker-content-digest"),
            Some(digest(&latest).as_str())
        );
        assert_eq!(
            r.header("docker-distribution-api-version"),
            Some("registry/2.0")
        );
        assert!(r.header("x-request-id").is_some());
    }
    let r = get_h(&format!("{base}/1b"), &accept);
    assert_eq!((r.status, r.body), (200, small.clone()));
    let r = head_h(&format!("{base}/1b"), &accept);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(
        r.header("content-length"),
        Some(small.len().to_string().as_str())
    );
    assert_eq!(
        r.header("docker-content-digest"),
        Some(digest(&small).as_str())
    );
    // unknown tag, digest, model, and a manifest of another model
    let other = get(&format!("{}/v2/acme/other/manifests/latest", hub.url())).body;
    for url in [
        format!("{base}/nope"),
        format!("{base}/sha256:{}", "0".repeat(64)),
        format!("{base}/{}", digest(&other)),
        format!("{}/v2/library/nothing/manifests/latest", hub.url()),
        format!("{}/v2/acme/tiny/manifests/latest", hub.url()),
    ] {
        let r = get_h(&url, &accept);
        assert_eq!(r.status, 404, "{url}");
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(
            r.json(),
            json!({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}),
            "{url}"
        );
    }
    // the version check, wrong methods, bad tokens
    assert_eq!(get(&format!("{}/v2/", hub.url())).status, 200);
    let r = agent().delete(format!("{base}/latest")).call().unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = get_h(
        &format!("{base}/latest"),
        &[("Authorization", "Bearer nope")],
    );
    assert_eq!(r.status, 401, "a bad token is refused on every hub path");
    // replacing a model moves its tags and forgets its old manifests
    let (moved, blobs) = build(&ollama_layers(&bytes(23, 500)));
    hub.add_ollama_model(OllamaModel {
        namespace: "library".into(),
        model: "tiny".into(),
        tags: vec![("latest".into(), moved.clone())],
        blobs,
    });
    assert_eq!(get_h(&format!("{base}/latest"), &accept).body, moved);
    for gone in [format!("{base}/1b"), format!("{base}/{}", digest(&latest))] {
        assert_eq!(get_h(&gone, &accept).status, 404, "{gone}");
    }
}

#[test]
fn ollama_blobs_redirect_to_the_cdn() {
    let (hub, _, blobs, _) = ollama_hub();
    let base = format!("{}/v2/library/tiny/blobs", hub.url());
    for blob in &blobs {
        let url = format!("{base}/{}", digest(blob));
        for method in ["GET", "HEAD"] {
            let r = try_req(method, &url, &[]).unwrap();
            assert_eq!(r.status, 307, "{method} {url}");
            let loc = r.header("location").unwrap();
            assert!(
                loc.starts_with(&format!(
                    "{}/ollama/docker/registry/v2/blobs/sha256/{}/{}/data?",
                    hub.cdn_url(),
                    &sha256_hex(blob)[..2],
                    sha256_hex(blob)
                )),
                "{loc}"
            );
            assert_ne!(hub.cdn_url(), hub.url(), "the CDN is another origin");
        }
        let loc = get(&url).header("location").unwrap().to_owned();
        let r = get(&loc);
        assert_eq!((r.status, &r.body), (200, blob));
        assert_eq!(r.header("accept-ranges"), Some("bytes"));
        let r = get_h(&loc, &[("Range", "bytes=1-3")]);
        assert_eq!((r.status, r.body.as_slice()), (206, &blob[1..=3]));
        let r = head_h(&loc, &[]);
        assert_eq!(
            (r.status, r.header("content-length")),
            (200, Some(blob.len().to_string().as_str()))
        );
    }
    // a client that follows redirects gets the bytes
    let r = ureq::get(format!("{base}/{}", digest(&blobs[1])))
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    assert_eq!(r, blobs[1]);
    // unknown blobs, a blob of another model, malformed digests
    let other_blob = {
        let m = get(&format!("{}/v2/acme/other/manifests/latest", hub.url())).json();
        m["layers"][0]["digest"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        get(&format!("{}/v2/acme/other/blobs/{other_blob}", hub.url())).status,
        307
    );
    for url in [
        format!("{base}/sha256:{}", "0".repeat(64)),
        format!("{base}/{other_blob}"),
        format!(
            "{}/v2/library/nothing/blobs/{}",
            hub.url(),
            digest(&blobs[0])
        ),
    ] {
        let r = get(&url);
        assert_eq!(r.status, 404, "{url}");
        assert_eq!(
            r.json(),
            json!({"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry"}]})
        );
    }
    for bad in [
        "sha256:abc",
        "md5:0123",
        &format!("sha256:{}", "A".repeat(64)),
    ] {
        let r = get(&format!("{base}/{bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["errors"][0]["code"], "DIGEST_INVALID");
    }
    let h = sha256_hex(b"nothing");
    let r = get(&format!(
        "{}/ollama/docker/registry/v2/blobs/sha256/{}/{h}/data",
        hub.cdn_url(),
        &h[..2]
    ));
    assert_eq!(r.status, 404);
    assert!(String::from_utf8_lossy(&r.body).contains("NoSuchKey"));
}

#[test]
fn ollama_corrupt_blobs_faults_and_the_request_log() {
    let (hub, latest, blobs, _) = ollama_hub();
    let license = digest(LLAMA_LICENSE);
    let url = format!("{}/v2/library/tiny/blobs/{license}", hub.url());
    // a corrupt blob: the registry still redirects, the CDN serves other bytes
    hub.corrupt_ollama_blob(&license, b"not the license".to_vec());
    let loc = get(&url).header("location").unwrap().to_owned();
    assert_eq!(get(&loc).body, b"not the license");
    assert!(blobs.iter().any(|b| b == LLAMA_LICENSE));

    // faults on registry and CDN paths
    let manifest = format!("{}/v2/library/tiny/manifests/latest", hub.url());
    hub.inject(Fault::once(
        "/v2/library/tiny/manifests/",
        FaultKind::Status(503),
    ));
    assert_eq!(get(&manifest).status, 503);
    assert_eq!(get(&manifest).body, latest);
    hub.inject(Fault::once("/ollama/", FaultKind::TruncateBody));
    let model = digest(&blobs[1]);
    let loc = get(&format!("{}/v2/library/tiny/blobs/{model}", hub.url()))
        .header("location")
        .unwrap()
        .to_owned();
    assert!(try_req("GET", &loc, &[]).is_err(), "body cut short");
    assert_eq!(get(&loc).body, blobs[1]);

    // the log: server, method, raw path and headers
    hub.clear_requests();
    get_h(&manifest, &[("Accept", MANIFEST_V2)]);
    get(&loc);
    let log = hub.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].server, log[0].method.as_str(), log[0].path.as_str()),
        ("hub", "GET", "/v2/library/tiny/manifests/latest")
    );
    assert_eq!(log[0].header("Accept"), Some(MANIFEST_V2));
    assert_eq!(log[1].server, "cdn");
    assert!(log[1]
        .path
        .starts_with("/ollama/docker/registry/v2/blobs/sha256/"));
}

// ---------------------------------------------------------------------------
// Fidelity with the real Python client
// ---------------------------------------------------------------------------

/// The repos used for the Python fidelity run, and the JSON spec describing them.
fn python_hub() -> (FixtureHub, Value) {
    let hub = FixtureHub::start();
    let repos = vec![tiny_llm(), gated_llm(), private_repo(), single_segment()];
    let mut spec_repos = Vec::new();
    for repo in &repos {
        hub.add_repo(repo.clone());
        let files_at = |i: usize| -> Value {
            let m: serde_json::Map<String, Value> = repo.commits[i]
                .files
                .iter()
                .map(|f| (f.path.clone(), json!(f.sha256())))
                .collect();
            Value::Object(m)
        };
        let mut refs = serde_json::Map::new();
        for (name, i) in repo.branches.iter().chain(repo.tags.iter()) {
            if name.starts_with("refs/convert/") {
                continue;
            }
            refs.insert(
                name.clone(),
                json!({"sha": repo.commits[*i].sha, "files": files_at(*i)}),
            );
        }
        let main_idx = repo.branches.iter().find(|(n, _)| n == "main").unwrap().1;
        spec_repos.push(json!({
            "id": repo.id,
            "gated": repo.gated,
            "private": repo.private,
            "refs": refs,
            "card_data": repo.commits[main_idx].card_data,
            "max_siblings": repo.max_siblings,
            "branches": repo.branches.iter().filter(|(n, _)| !n.starts_with("refs/")).map(|(n, _)| n).collect::<Vec<_>>(),
            "tags": repo.tags.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "pull_requests": repo.branches.iter().filter(|(n, _)| n.starts_with("refs/pr/")).map(|(n, _)| n).collect::<Vec<_>>(),
        }));
    }
    hub.set_token(TOKEN);
    hub.set_page_size(10); // acme/tiny-llm's recursive tree spans 4 pages
    (hub, json!({"token": TOKEN, "repos": spec_repos}))
}

/// Runs tests/it/support/python_fidelity.py with the real `huggingface_hub`
/// against the fixture. Skipped unless MODELLOCK_PYTHON points at a Python
/// with huggingface_hub installed (and its `hf` next to it); required (a
/// failure, not a skip) with MODELLOCK_REQUIRE_PYTHON=1, as `.ci/run` sets. E.g.
/// `MODELLOCK_PYTHON=/tmp/venv-hf/bin/python cargo test --test it hub_fixture::python`.
#[test]
fn python_client_fidelity() {
    let Some(python) = std::env::var_os("MODELLOCK_PYTHON") else {
        // CI installs huggingface_hub and requires this check (.ci/run)
        assert!(
            std::env::var("MODELLOCK_REQUIRE_PYTHON").as_deref() != Ok("1"),
            "MODELLOCK_REQUIRE_PYTHON=1 but MODELLOCK_PYTHON is not set"
        );
        eprintln!("MODELLOCK_PYTHON not set: skipping the huggingface_hub fidelity check");
        return;
    };
    for resolve_cache in [false, true] {
        let (hub, spec) = python_hub();
        hub.set_resolve_cache_redirect(resolve_cache);
        let dir = tempfile::tempdir().unwrap();
        let spec_path = dir.path().join("spec.json");
        std::fs::write(&spec_path, serde_json::to_vec_pretty(&spec).unwrap()).unwrap();
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/support/python_fidelity.py");
        let out = std::process::Command::new(&python)
            .arg(&script)
            .arg(&spec_path)
            .env("HF_ENDPOINT", hub.url())
            .env("HF_HUB_DISABLE_XET", "1")
            .env("HF_HOME", dir.path().join("hf-home"))
            .env("HF_HUB_DISABLE_TELEMETRY", "1")
            .env("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            .env("NO_COLOR", "1")
            .env_remove("HF_TOKEN")
            .env_remove("HUGGING_FACE_HUB_TOKEN")
            .env_remove("HF_HUB_OFFLINE")
            .env_remove("HF_HUB_CACHE")
            .env_remove("HUGGINGFACE_HUB_CACHE")
            .output()
            .expect("run python");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("--- resolve_cache={resolve_cache}\n{stdout}");
        assert!(
            out.status.success(),
            "python fidelity failed:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains("ALL OK"));

        let log = hub.requests();
        // the tree listing was followed across pages
        assert!(log
            .iter()
            .any(|r| r.path.contains("/tree/") && r.path.contains("cursor=")));
        // LFS bytes came from the CDN, never with the token
        assert!(log.iter().any(|r| r.server == "cdn"));
        assert!(log
            .iter()
            .filter(|r| r.server == "cdn")
            .all(|r| r.header("authorization").is_none()));
        // the token was sent to the hub for the gated repo
        assert!(log.iter().any(|r| r.server == "hub"
            && r.path.starts_with("/meta-llama/Llama-Fixture/resolve/")
            && r.header("authorization") == Some(&format!("Bearer {TOKEN}"))));
        if resolve_cache {
            assert!(log
                .iter()
                .any(|r| r.path.starts_with("/api/resolve-cache/")));
        }
    }
}

/// Manual use: starts the fixture with the fidelity repos and blocks until
/// the file named by MODELLOCK_HUB_STOP_FILE (default /tmp/modellock-hub.stop)
/// exists. Prints the URL and the spec.
/// `cargo test --test it hub_fixture::serve_fixture_hub -- --ignored --nocapture`
#[test]
#[ignore]
fn serve_fixture_hub() {
    let (hub, spec) = python_hub();
    let stop = std::env::var("MODELLOCK_HUB_STOP_FILE")
        .unwrap_or_else(|_| "/tmp/modellock-hub.stop".into());
    let _ = std::fs::remove_file(&stop);
    println!("HF_ENDPOINT={}", hub.url());
    println!("token: {TOKEN}");
    println!("spec: {}", serde_json::to_string(&spec).unwrap());
    println!("touch {stop} to stop");
    while !std::path::Path::new(&stop).exists() {
        std::thread::sleep(Duration::from_millis(200));
    }
}
