//! `modellock fetch` and `modellock path` end to end against the fixture Hub
//! and its Ollama registry: the Hugging Face cache laid out as
//! huggingface_hub lays it out, Ollama's store, `--dir`; verification while
//! streaming; ranges, resumption, refusals.

use crate::common;
use crate::support;

use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use support::hub::{
    git_blob_sha1, ollama_manifest, sha256_hex, Commit, Fault, FaultKind, File, FixtureHub,
    OllamaModel, Repo,
};

const TOKEN: &str = "hf_fixtureSecretToken0123456789";
const LICENSE: &str = "MIT License\n\nCopyright (c) 2024 Acme\n\nPermission is hereby granted, free of charge, to any person obtaining a copy.\n";

fn weights(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 13) as u8 ^ seed)
        .collect()
}

fn files(seed: u8, big: usize) -> Vec<File> {
    vec![
        File::git("config.json", format!("{{\"hidden_size\": {seed}}}\n")),
        File::git("LICENSE", LICENSE),
        File::git("tokenizer/vocab.txt", "a\nb\nc\n"),
        File::lfs("model.safetensors", weights(seed, big)),
    ]
}

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    /// A project locking `acme/chat` at `main`, against a hub with it.
    fn new(big: usize) -> Project {
        let p = Project {
            dir: tempfile::tempdir().unwrap(),
            hub: FixtureHub::start(),
        };
        p.hub.add_repo(Repo::simple(
            "acme/chat",
            files(1, big),
            json!({"license": "mit"}),
        ));
        p.write_manifest("[models.chat]\nsource = \"hf:acme/chat\"\nrevision = \"main\"\n");
        p
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write_manifest(&self, text: &str) {
        std::fs::write(
            self.path("models.toml"),
            format!("[policy]\nallow = [\"mit\"]\n\n{text}"),
        )
        .unwrap();
    }

    fn hub_cache(&self) -> PathBuf {
        self.path("hf-home").join("hub")
    }

    fn repo_dir(&self) -> PathBuf {
        self.hub_cache().join("models--acme--chat")
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = modellock();
        isolate(&mut cmd, self.dir.path(), &self.hub.url());
        cmd.arg("--manifest-path")
            .arg(self.path("models.toml"))
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        let r = run(&mut self.cmd(args));
        assert_no_panic(&r);
        r
    }

    fn update(&self) {
        let r = self.run(&["update"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }

    fn commit(&self) -> String {
        let lock: toml_edit::DocumentMut = std::fs::read_to_string(self.path("models.lock"))
            .unwrap()
            .parse()
            .unwrap();
        lock["model"][0]["revision"].as_str().unwrap().to_owned()
    }

    fn fetch(&self, args: &[&str]) -> Run {
        let mut all = vec!["--format", "json", "fetch"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// `fetch` with 1 MiB chunks, so that small test files come in ranges.
    fn fetch_in_chunks(&self, args: &[&str]) -> Run {
        let mut all = vec!["--format", "json", "fetch"];
        all.extend_from_slice(args);
        let mut cmd = self.cmd(&all);
        cmd.env("MODELLOCK_FETCH_PART_SIZE", (1u32 << 20).to_string());
        let r = run(&mut cmd);
        assert_no_panic(&r);
        r
    }

    /// A file of the locked snapshot in the cache, as its users read it.
    fn snapshot_file(&self, path: &str) -> Vec<u8> {
        std::fs::read(
            self.repo_dir()
                .join("snapshots")
                .join(self.commit())
                .join(path),
        )
        .unwrap()
    }
}

fn statuses(r: &Run) -> Vec<(String, String)> {
    r.json()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn all(r: &Run, status: &str) -> bool {
    statuses(r).iter().all(|(_, s)| s == status)
}

/// Every file under `dir` (relative paths), links not followed.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fetch_lays_out_the_hf_cache_as_huggingface_hub_does() {
    let p = Project::new(300_000);
    p.update();
    let commit = p.commit();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(all(&r, "fetched"), "{:?}", statuses(&r));

    let snap = p.repo_dir().join("snapshots").join(&commit);
    let model = weights(1, 300_000);
    // LFS files are named by their sha256, git files by their blob id;
    // entries are relative links, as huggingface_hub makes them
    let cases: [(&str, Vec<u8>, bool, &str); 4] = [
        ("model.safetensors", model.clone(), true, "../../blobs/"),
        (
            "config.json",
            b"{\"hidden_size\": 1}\n".to_vec(),
            false,
            "../../blobs/",
        ),
        (
            "LICENSE",
            LICENSE.as_bytes().to_vec(),
            false,
            "../../blobs/",
        ),
        (
            "tokenizer/vocab.txt",
            b"a\nb\nc\n".to_vec(),
            false,
            "../../../blobs/",
        ),
    ];
    for (path, content, lfs, up) in cases {
        let id = if lfs {
            sha256_hex(&content)
        } else {
            git_blob_sha1(&content)
        };
        let link = std::fs::read_link(snap.join(path)).unwrap();
        assert_eq!(link, PathBuf::from(format!("{up}{id}")), "{path}");
        assert_eq!(std::fs::read(snap.join(path)).unwrap(), content, "{path}");
        assert_eq!(
            std::fs::read(p.repo_dir().join("blobs").join(&id)).unwrap(),
            content
        );
    }
    // the requested branch points at the locked commit, without a newline
    assert_eq!(
        std::fs::read_to_string(p.repo_dir().join("refs/main")).unwrap(),
        commit
    );
    // nothing else: no .incomplete files left
    assert!(
        tree(&p.repo_dir())
            .iter()
            .all(|f| !f.contains("incomplete")),
        "{:?}",
        tree(&p.repo_dir())
    );

    // the second time: checked, not downloaded
    p.hub.clear_requests();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(all(&r, "present"), "{:?}", statuses(&r));
    assert_eq!(r.json()["downloaded"], 0);
    assert!(p.hub.requests().is_empty(), "{:?}", p.hub.requests());
    // and verify agrees
    let r = p.run(&["--format", "json", "verify"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn large_files_come_in_concurrent_ranges_and_are_verified_whole() {
    let p = Project::new(5 << 20);
    p.update();
    p.hub.clear_requests();
    let r = p.fetch_in_chunks(&["--jobs", "4"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let ranges: Vec<String> = p
        .hub
        .requests()
        .iter()
        .filter(|q| q.server == "cdn" && q.method == "GET")
        .filter_map(|q| q.header("range").map(str::to_owned))
        .collect();
    let mut ranges = ranges;
    ranges.sort();
    // chunks of MODELLOCK_FETCH_PART_SIZE, each asked for once
    let size = 5u64 << 20;
    let step = 1u64 << 20;
    let expected: Vec<String> = (0..size / step)
        .map(|k| format!("bytes={}-{}", k * step, (k + 1) * step - 1))
        .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(ranges, expected);
    assert_eq!(p.snapshot_file("model.safetensors"), weights(1, 5 << 20));
}

#[test]
fn a_file_served_other_than_locked_is_refused_and_absent() {
    let p = Project::new(100_000);
    p.update();
    let commit = p.commit();
    // the same commit now serves other bytes: a git file (found only by
    // hashing it) and an LFS file of the same size (its etag says so)
    let mut tampered = files(1, 100_000);
    tampered[0] = File::git("config.json", "{\"hidden_size\": 9}\n");
    tampered[3] = File::lfs("model.safetensors", weights(7, 100_000));
    p.hub.add_repo(Repo {
        id: "acme/chat".into(),
        commits: vec![Commit {
            sha: commit.clone(),
            files: tampered,
            card_data: json!({"license": "mit"}),
            ..Default::default()
        }],
        branches: vec![("main".to_owned(), 0)],
        ..Default::default()
    });
    let r = p.fetch(&[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.codes(), vec!["fetch::hash-mismatch"]);
    let messages: Vec<String> = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let expected_config = sha256_hex(b"{\"hidden_size\": 1}\n");
    let received_config = sha256_hex(b"{\"hidden_size\": 9}\n");
    assert!(
        messages.iter().any(|m| m.contains("`config.json`")
            && m.contains(&expected_config)
            && m.contains(&received_config)),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`model.safetensors`")
                && m.contains(&sha256_hex(&weights(7, 100_000)))),
        "{messages:?}"
    );
    let snap = p.repo_dir().join("snapshots").join(&commit);
    assert!(!snap.join("config.json").exists());
    assert!(!snap.join("model.safetensors").exists());
    let left = tree(&p.repo_dir());
    assert!(left.iter().all(|f| !f.contains("incomplete")), "{left:?}");
    assert!(
        !left
            .iter()
            .any(|f| f.ends_with(&git_blob_sha1(b"{\"hidden_size\": 9}\n"))),
        "{left:?}"
    );
    // the model is incomplete, so no ref points at it
    assert!(!p.repo_dir().join("refs/main").exists());
}

#[test]
fn a_dropped_connection_resumes_from_the_last_byte() {
    let p = Project::new(2 << 20);
    p.update();
    p.hub.clear_requests();
    p.hub.inject(Fault::once("/lfs/", FaultKind::TruncateBody));
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let cdn: Vec<Option<String>> = p
        .hub
        .requests()
        .iter()
        .filter(|q| q.server == "cdn" && q.method == "GET")
        .map(|q| q.header("range").map(str::to_owned))
        .collect();
    // the whole file, cut at half; then the rest from where it stopped
    assert_eq!(
        cdn,
        vec![None, Some(format!("bytes={}-{}", 1 << 20, (2 << 20) - 1))]
    );
    assert_eq!(p.snapshot_file("model.safetensors"), weights(1, 2 << 20));
}

#[test]
fn an_interrupted_fetch_goes_on_where_it_stopped_in_the_next_run() {
    let p = Project::new(2 << 20);
    p.update();
    // cut at half, then refused: the run stops, keeping what it has
    p.hub.inject(Fault::once("/lfs/", FaultKind::TruncateBody));
    p.hub.inject(Fault::once("/lfs/", FaultKind::Status(400)));
    let r = p.fetch(&[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let blobs = tree(&p.repo_dir().join("blobs"));
    let sha = sha256_hex(&weights(1, 2 << 20));
    assert!(blobs.contains(&format!("{sha}.incomplete")), "{blobs:?}");
    assert!(!blobs.contains(&sha), "{blobs:?}");
    assert!(!p.repo_dir().join("refs/main").exists());

    assert_eq!(p.hub.faults_pending(), 0);
    p.hub.clear_requests();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let first = p
        .hub
        .requests()
        .into_iter()
        .find(|q| q.server == "cdn" && q.method == "GET")
        .unwrap();
    let from: u64 = first
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split('-').next())
        .and_then(|n| n.parse().ok())
        .expect("a ranged request");
    assert!(from >= 1 << 20, "resumed from {from}");
    assert_eq!(p.snapshot_file("model.safetensors"), weights(1, 2 << 20));
}

#[test]
fn other_revisions_in_the_cache_are_left_alone() {
    let p = Project::new(50_000);
    // another revision, as huggingface_hub left it
    let old = p.repo_dir();
    let old_commit = "1111111111111111111111111111111111111111";
    let old_blob = old.join("blobs").join(sha256_hex(b"old weights"));
    std::fs::create_dir_all(old.join("blobs")).unwrap();
    std::fs::create_dir_all(old.join("snapshots").join(old_commit)).unwrap();
    std::fs::create_dir_all(old.join("refs")).unwrap();
    std::fs::write(&old_blob, b"old weights").unwrap();
    let old_link = old
        .join("snapshots")
        .join(old_commit)
        .join("model.safetensors");
    std::os::unix::fs::symlink(
        format!("../../blobs/{}", sha256_hex(b"old weights")),
        &old_link,
    )
    .unwrap();
    std::fs::write(old.join("refs/v1"), old_commit).unwrap();
    p.update();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read(&old_link).unwrap(), b"old weights");
    assert_eq!(
        std::fs::read_to_string(old.join("refs/v1")).unwrap(),
        old_commit
    );
    assert_eq!(
        std::fs::read_link(&old_link).unwrap(),
        PathBuf::from(format!("../../blobs/{}", sha256_hex(b"old weights")))
    );
}

#[test]
fn a_blob_another_revision_has_is_linked_not_downloaded() {
    let p = Project::new(50_000);
    p.update();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // the snapshot goes, the blobs stay (as after `hf cache rm` of a revision)
    std::fs::remove_dir_all(p.repo_dir().join("snapshots")).unwrap();
    p.hub.clear_requests();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(all(&r, "linked"), "{:?}", statuses(&r));
    assert!(
        p.hub
            .requests()
            .iter()
            .all(|q| q.method == "HEAD" && q.server == "hub"),
        "{:?}",
        p.hub.requests()
    );
}

#[test]
fn a_corrupt_blob_in_the_cache_is_replaced() {
    let p = Project::new(50_000);
    p.update();
    assert_eq!(p.fetch(&[]).code, 0);
    let blob = p
        .repo_dir()
        .join("blobs")
        .join(sha256_hex(&weights(1, 50_000)));
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(std::fs::read(&blob).unwrap(), weights(1, 50_000));
    let fetched: Vec<String> = statuses(&r)
        .into_iter()
        .filter(|(_, s)| s == "fetched")
        .map(|(p, _)| p)
        .collect();
    assert_eq!(fetched, vec!["model.safetensors"]);
}

#[test]
fn fetch_into_a_directory_lays_out_the_repo() {
    let p = Project::new(50_000);
    p.update();
    let out = p.path("out");
    let r = p.fetch(&["--dir", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read(out.join("model.safetensors")).unwrap(),
        weights(1, 50_000)
    );
    assert_eq!(
        std::fs::read(out.join("tokenizer/vocab.txt")).unwrap(),
        b"a\nb\nc\n"
    );
    // huggingface_hub's local-dir metadata: commit, etag, time
    let meta =
        std::fs::read_to_string(out.join(".cache/huggingface/download/config.json.metadata"))
            .unwrap();
    let lines: Vec<&str> = meta.lines().collect();
    assert_eq!(lines[0], p.commit());
    assert_eq!(lines[1], git_blob_sha1(b"{\"hidden_size\": 1}\n"));
    assert!(!p.repo_dir().exists(), "nothing went to the cache");
    let r = p.run(&["--format", "json", "verify", "--dir", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn a_stale_lock_stops_fetch_before_any_request() {
    let p = Project::new(10_000);
    p.update();
    p.write_manifest("[models.chat]\nsource = \"hf:acme/chat\"\nrevision = \"v2\"\n");
    p.hub.clear_requests();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.codes(), vec!["lock::stale"]);
    assert!(p.hub.requests().is_empty());
    assert!(!p.repo_dir().exists());
}

#[test]
fn gated_files_need_the_token_which_never_goes_to_the_cdn() {
    let p = Project::new(50_000);
    p.hub.set_token(TOKEN);
    p.hub.add_repo(Repo {
        gated: true,
        ..Repo::simple("acme/chat", files(1, 50_000), json!({"license": "mit"}))
    });
    let mut cmd = p.cmd(&["update"]);
    cmd.env("HF_TOKEN", TOKEN);
    assert_eq!(run(&mut cmd).code, 0);
    let r = p.fetch(&[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.codes(), vec!["source::gated"]);
    assert!(!p.repo_dir().join("refs/main").exists());

    p.hub.clear_requests();
    let mut cmd = p.cmd(&["--format", "json", "fetch"]);
    cmd.env("HF_TOKEN", TOKEN);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
    let reqs = p.hub.requests();
    assert!(reqs.iter().any(|q| q.server == "cdn"));
    for q in &reqs {
        match q.server {
            "cdn" => assert!(q.header("authorization").is_none(), "{q:?}"),
            _ => assert_eq!(
                q.header("authorization"),
                Some(format!("Bearer {TOKEN}").as_str())
            ),
        }
    }
}

#[test]
fn offline_fetch_works_when_everything_is_there_and_says_so_otherwise() {
    let p = Project::new(10_000);
    p.update();
    let mut cmd = p.cmd(&["--format", "json", "fetch"]);
    cmd.env("HF_HUB_OFFLINE", "1");
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.codes(), vec!["source::offline"]);
    assert_eq!(p.fetch(&[]).code, 0);
    let mut cmd = p.cmd(&["--format", "json", "fetch"]);
    cmd.env("HF_HUB_OFFLINE", "1");
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(all(&r, "present"));
}

#[test]
fn path_prints_where_the_locked_model_is() {
    let p = Project::new(10_000);
    p.update();
    let r = p.run(&["path", "chat"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout, "",
        "errors go to stderr, not into $(modellock path)"
    );
    assert!(r.stderr.contains("fetch::not-fetched"), "{}", r.stderr);
    assert!(r.stderr.contains("modellock fetch chat"), "{}", r.stderr);

    assert_eq!(p.fetch(&[]).code, 0);
    let snap = p.repo_dir().join("snapshots").join(p.commit());
    let r = p.run(&["path", "chat"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, format!("{}\n", snap.display()));
    let r = p.run(&["--format", "json", "path"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let m = &r.json()["models"][0];
    assert_eq!(m["name"], "chat");
    assert_eq!(m["revision"], p.commit());
    assert_eq!(m["requested"], "main");
    assert_eq!(m["path"], snap.display().to_string());
    assert_eq!(m["present"], true);
}

#[test]
fn ollama_models_go_into_the_store_with_their_manifest_verbatim() {
    let p = Project::new(10);
    let layers: [(&str, &[u8]); 3] = [
        ("application/vnd.ollama.image.model", &weights(3, 70_000)),
        ("application/vnd.ollama.image.license", LICENSE.as_bytes()),
        (
            "application/vnd.ollama.image.params",
            b"{\"stop\":[\"<eot>\"]}",
        ),
    ];
    let (manifest, blobs) = ollama_manifest(&layers);
    p.hub.add_ollama_model(OllamaModel {
        namespace: "library".into(),
        model: "tiny".into(),
        tags: [("1b".to_owned(), manifest.clone())].into_iter().collect(),
        blobs: blobs.clone(),
    });
    let host = p.hub.url().trim_start_matches("http://").to_owned();
    p.write_manifest(&format!(
        "[models.tiny]\nsource = \"ollama:http://{host}/library/tiny:1b\"\nlicense = \"mit\"\n"
    ));
    p.update();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let store = p.path("ollama");
    let written =
        std::fs::read(store.join("manifests").join(&host).join("library/tiny/1b")).unwrap();
    assert_eq!(written, manifest, "the manifest bytes as served");
    for b in &blobs {
        let path = store
            .join("blobs")
            .join(format!("sha256-{}", sha256_hex(b)));
        assert_eq!(&std::fs::read(path).unwrap(), b);
    }
    let r = p.run(&["--format", "json", "verify"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = p.run(&["path", "tiny"]);
    assert_eq!(r.stdout, format!("{host}/library/tiny:1b\n"));

    // a corrupted blob on the CDN is refused
    std::fs::remove_dir_all(&store).unwrap();
    let model = format!("sha256:{}", sha256_hex(&blobs[1]));
    p.hub.corrupt_ollama_blob(&model, vec![0u8; 70_000]);
    let r = p.fetch(&[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.codes(), vec!["fetch::hash-mismatch"]);
    assert!(!store
        .join("blobs")
        .join(format!("sha256-{}", sha256_hex(&blobs[1])))
        .exists());
    assert!(
        !store.join("manifests").exists(),
        "no manifest for an incomplete model"
    );
}

/// The real `huggingface_hub` (MODELLOCK_PYTHON, required in CI) loads what
/// `fetch` wrote, offline, at the requested tag and at the locked commit;
/// `hf cache verify` passes on the cache.
#[test]
fn the_real_huggingface_hub_loads_fetched_models_offline() {
    let Some(python) = std::env::var_os("MODELLOCK_PYTHON") else {
        assert!(
            std::env::var("MODELLOCK_REQUIRE_PYTHON").as_deref() != Ok("1"),
            "MODELLOCK_REQUIRE_PYTHON=1 but MODELLOCK_PYTHON is not set"
        );
        eprintln!("MODELLOCK_PYTHON not set: skipping the huggingface_hub check of fetch");
        return;
    };
    let p = Project::new(3 << 20);
    p.hub.add_repo(Repo {
        tags: vec![("v1.0".to_owned(), 0)],
        ..Repo::simple("acme/chat", files(1, 3 << 20), json!({"license": "mit"}))
    });
    p.write_manifest("[models.chat]\nsource = \"hf:acme/chat\"\nrevision = \"v1.0\"\n");
    p.update();
    let r = p.fetch_in_chunks(&["--jobs", "3"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let commit = p.commit();
    let snap = p.repo_dir().join("snapshots").join(&commit);
    let expected: Vec<(String, String)> = files(1, 3 << 20)
        .iter()
        .map(|f| (f.path.clone(), f.sha256()))
        .collect();
    let script = r#"
import hashlib, json, os, sys
from huggingface_hub import snapshot_download, hf_hub_download
commit, snap, expected = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for rev in ("v1.0", commit):
    got = snapshot_download("acme/chat", revision=rev, local_files_only=True)
    assert os.path.realpath(got) == os.path.realpath(snap), (rev, got, snap)
    for path, sha in expected:
        with open(os.path.join(got, path), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == sha, (rev, path)
    p = hf_hub_download("acme/chat", "model.safetensors", revision=rev, local_files_only=True)
    assert os.path.realpath(os.path.dirname(p)) == os.path.realpath(snap), p
print("ok")
"#;
    let expected_json = serde_json::to_string(&expected).unwrap();
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            script,
            &commit,
            snap.to_str().unwrap(),
            &expected_json,
        ])
        .env("HF_HOME", p.path("hf-home"))
        .env_remove("HF_HUB_CACHE")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // `hf cache verify` checks the snapshot against the Hub's tree
    let hf = Path::new(&python).with_file_name("hf");
    let out = std::process::Command::new(hf)
        .args([
            "cache",
            "verify",
            "acme/chat",
            "--revision",
            "v1.0",
            "--fail-on-missing-files",
            "--fail-on-extra-files",
        ])
        .env("HF_HOME", p.path("hf-home"))
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_TOKEN")
        .env("HF_ENDPOINT", p.hub.url())
        .env("HF_HUB_DISABLE_XET", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn models_that_share_blobs_fetch_each_blob_once() {
    // two entries of one repo, and two Ollama tags sharing their layers
    let p = Project::new(200_000);
    let layers: [(&str, &[u8]); 2] = [
        ("application/vnd.ollama.image.model", &weights(3, 30_000)),
        ("application/vnd.ollama.image.license", LICENSE.as_bytes()),
    ];
    let (manifest, blobs) = ollama_manifest(&layers);
    p.hub.add_ollama_model(OllamaModel {
        namespace: "library".into(),
        model: "tiny".into(),
        tags: vec![
            ("1b".to_owned(), manifest.clone()),
            ("latest".to_owned(), manifest),
        ],
        blobs,
    });
    let host = p.hub.url().trim_start_matches("http://").to_owned();
    p.write_manifest(&format!(
        "[models.chat]\nsource = \"hf:acme/chat\"\nrevision = \"main\"\n\n\
         [models.chat-again]\nsource = \"hf:acme/chat\"\nrevision = \"main\"\n\n\
         [models.tiny]\nsource = \"ollama:http://{host}/library/tiny:1b\"\nlicense = \"mit\"\n\n\
         [models.tiny-latest]\nsource = \"ollama:http://{host}/library/tiny\"\nlicense = \"mit\"\n"
    ));
    p.update();
    p.hub.clear_requests();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let gets: Vec<String> = p
        .hub
        .requests()
        .iter()
        .filter(|q| q.server == "cdn" && q.method == "GET")
        .map(|q| q.path.split('?').next().unwrap().to_owned())
        .collect();
    let mut unique = gets.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(gets.len(), unique.len(), "{gets:?}");
    let st = statuses(&r);
    assert_eq!(
        st.iter().filter(|(_, s)| s == "fetched").count(),
        4 + 3,
        "{st:?}"
    );
    assert!(
        st.iter().all(|(_, s)| s == "fetched" || s == "linked"),
        "{st:?}"
    );
    let store = p
        .path("ollama")
        .join("manifests")
        .join(&host)
        .join("library/tiny");
    assert!(store.join("1b").is_file() && store.join("latest").is_file());
}

#[test]
fn a_ranged_download_interrupted_between_runs_fetches_only_what_is_missing() {
    let p = Project::new(4 << 20);
    p.update();
    // the first run: every range cut at half, then refused
    p.hub.inject(Fault {
        path_prefix: "/lfs/".into(),
        kind: FaultKind::TruncateBody,
        times: 4,
    });
    p.hub.inject(Fault {
        path_prefix: "/lfs/".into(),
        kind: FaultKind::Status(400),
        times: 4,
    });
    let r = p.fetch_in_chunks(&["--jobs", "4"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    // the refusals the run did not meet are used up before the next one
    let sha = sha256_hex(&weights(1, 4 << 20));
    for _ in 0..8 {
        if p.hub.faults_pending() == 0 {
            break;
        }
        let _ = ureq::get(&format!("{}/lfs/{sha}", p.hub.cdn_url())).call();
    }
    assert_eq!(p.hub.faults_pending(), 0);
    p.hub.clear_requests();
    let r = p.fetch_in_chunks(&["--jobs", "4"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // ranges asked in the second run: about half of the file, not all
    let asked: u64 = p
        .hub
        .requests()
        .iter()
        .filter(|q| q.server == "cdn" && q.method == "GET")
        .map(|q| {
            let r = q.header("range").expect("ranged");
            let (a, b) = r.trim_start_matches("bytes=").split_once('-').unwrap();
            b.parse::<u64>().unwrap() + 1 - a.parse::<u64>().unwrap()
        })
        .sum();
    assert!(asked <= 2 << 20, "asked for {asked} bytes again");
    assert!(r.json()["downloaded"].as_u64().unwrap() >= 4 << 20);
    assert_eq!(p.snapshot_file("model.safetensors"), weights(1, 4 << 20));
}

#[test]
fn a_link_out_of_the_cache_is_never_written_through() {
    let p = Project::new(10_000);
    p.update();
    let outside = p.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let snapshots = p.repo_dir().join("snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    std::os::unix::fs::symlink(&outside, snapshots.join(p.commit())).unwrap();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.codes(), vec!["fetch::io"]);
    assert!(r.stdout.contains("through a link"), "{}", r.stdout);
    assert!(tree(&outside).is_empty(), "{:?}", tree(&outside));
}

#[test]
fn an_etag_that_is_not_a_hub_id_never_names_a_file() {
    let p = Project::new(10_000);
    p.update();
    // a hostile hub: a path for an etag, on every file
    p.hub.inject(Fault {
        path_prefix: "/acme/chat/resolve/".into(),
        kind: FaultKind::Respond {
            status: 200,
            headers: vec![
                ("ETag".into(), "\"../../../../evil\"".into()),
                ("X-Repo-Commit".into(), p.commit()),
            ],
            body: Vec::new(),
        },
        times: 100,
    });
    let r = p.fetch(&[]);
    assert_no_panic(&r);
    assert!(!p.path("evil").exists());
    assert!(!p.path("hf-home/evil").exists());
    for f in tree(p.dir.path()) {
        assert!(!f.ends_with("evil"), "{f}");
    }
}

#[test]
fn without_symlinks_snapshot_entries_are_files() {
    let p = Project::new(50_000);
    p.update();
    let mut cmd = p.cmd(&["--format", "json", "fetch"]);
    cmd.env("HF_HUB_DISABLE_SYMLINKS", "1");
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let snap = p.repo_dir().join("snapshots").join(p.commit());
    for (path, content) in [
        ("model.safetensors", weights(1, 50_000)),
        ("tokenizer/vocab.txt", b"a\nb\nc\n".to_vec()),
    ] {
        let meta = std::fs::symlink_metadata(snap.join(path)).unwrap();
        assert!(meta.file_type().is_file(), "{path} is a regular file");
        assert_eq!(std::fs::read(snap.join(path)).unwrap(), content);
    }
    // a new blob is moved into the snapshot, as huggingface_hub does
    let blobs = tree(&p.repo_dir().join("blobs"));
    assert!(blobs.is_empty(), "{blobs:?}");
    let r = p.run(&["--format", "json", "verify"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn an_unwritable_cache_is_reported_with_its_path() {
    let p = Project::new(10_000);
    p.update();
    // the cache is a file: nothing can be made in it (as root too)
    let blocker = p.path("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let mut cmd = p.cmd(&["--format", "json", "fetch"]);
    cmd.env("HF_HUB_CACHE", &blocker);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.codes(), vec!["fetch::io"]);
    assert!(r.stdout.contains("not-a-dir"), "{}", r.stdout);
    assert_eq!(std::fs::read(&blocker).unwrap(), b"x");
}

#[test]
fn path_models_are_verified_where_they_are() {
    let p = Project::new(10);
    let dir = p.path("models/local");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("LICENSE"), LICENSE).unwrap();
    std::fs::write(dir.join("weights.bin"), weights(5, 1000)).unwrap();
    p.write_manifest("[models.local]\nsource = \"path:models/local\"\n");
    p.update();
    p.hub.clear_requests();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(all(&r, "present"), "{:?}", statuses(&r));
    assert!(p.hub.requests().is_empty());
    std::fs::write(dir.join("weights.bin"), weights(6, 1000)).unwrap();
    let r = p.fetch(&[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.codes(), vec!["verify::hash-mismatch"]);
}

#[test]
fn human_output_is_one_summary_line_and_the_diagnostics() {
    let p = Project::new(50_000);
    p.update();
    let r = p.run(&["fetch"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].trim_start().starts_with("Fetched 4 files (")
            && lines[0].contains("of 1 model in"),
        "{}",
        r.stdout
    );
    let r = p.run(&["fetch"]);
    assert!(
        r.stdout.contains("Fetched 0 files (0 B) of 1 model")
            && r.stdout.contains("4 files already there and verified"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_mismatch_diagnostic_says_what_was_expected_and_received() {
    let p = Project::new(100_000);
    p.update();
    let commit = p.commit();
    let mut tampered = files(1, 100_000);
    tampered[0] = File::git("config.json", "{\"hidden_size\": 9}\n");
    p.hub.add_repo(Repo {
        id: "acme/chat".into(),
        commits: vec![Commit {
            sha: commit.clone(),
            files: tampered,
            card_data: json!({"license": "mit"}),
            ..Default::default()
        }],
        branches: vec![("main".to_owned(), 0)],
        ..Default::default()
    });
    let r = p.run(&["fetch"]);
    assert_eq!(r.code, 1);
    let text = r
        .stdout
        .replace(p.dir.path().to_str().unwrap(), "[DIR]")
        .replace(&p.hub.url(), "[HUB]")
        .replace(&commit, "[COMMIT]");
    let text: String = text
        .lines()
        .map(|l| {
            // the timing of the summary line
            match l.find(" in ") {
                Some(i) if l.trim_start().starts_with("Fetched") => {
                    format!("{} in [TIME]", &l[..i])
                }
                _ => l.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(text);
}

#[test]
fn an_expired_cdn_url_is_asked_for_again() {
    // the CDN refuses the signed URL once (it expired mid-download): the
    // Hub is asked again where the file is, and the download goes on
    let p = Project::new(3 << 20);
    p.update();
    p.hub.clear_requests();
    p.hub.inject(Fault::once("/lfs/", FaultKind::TruncateBody));
    p.hub.inject(Fault::once("/lfs/", FaultKind::Status(403)));
    let r = p.fetch_in_chunks(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let probes = p
        .hub
        .requests()
        .iter()
        .filter(|q| q.method == "HEAD" && q.path.ends_with("/model.safetensors"))
        .count();
    assert_eq!(probes, 2, "probed once, then once more after the refusal");
    assert_eq!(p.snapshot_file("model.safetensors"), weights(1, 3 << 20));
}
