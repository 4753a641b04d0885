//! `modellock update` end to end against the fixture Hub.

use crate::common;
use crate::support;

use common::*;
use modellock::license::{file_digest, model_digest, CardLicense};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::hub::{Fault, FaultKind, File, FixtureHub, Repo};

const TOKEN: &str = "hf_fixtureSecretToken0123456789";
const LICENSE_TEXT: &str = "Example Community License\n\n1. Attribution. Display \"Built with Example\".\n2. Scale. Above 700 million monthly active users, ask for a license.\n";

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new(manifest: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), manifest).unwrap();
        Project {
            dir,
            hub: FixtureHub::start(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn lock_text(&self) -> Option<String> {
        std::fs::read_to_string(self.path("models.lock")).ok()
    }

    fn lock(&self) -> toml_edit::DocumentMut {
        self.lock_text()
            .expect("a lock was written")
            .parse()
            .unwrap()
    }

    /// modellock with a clean environment pointed at the fixture Hub.
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

    fn run_with_token(&self, args: &[&str]) -> Run {
        let mut cmd = self.cmd(args);
        cmd.env("HF_TOKEN", TOKEN);
        let r = run(&mut cmd);
        assert_no_panic(&r);
        for text in [&r.stdout, &r.stderr] {
            assert!(!text.contains(TOKEN), "the token was printed:\n{text}");
        }
        r
    }
}

fn weights(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn llama_like(id: &str) -> Repo {
    Repo::simple(
        id,
        vec![
            File::git("config.json", "{\"hidden_size\": 8}\n"),
            File::git("LICENSE", LICENSE_TEXT),
            File::git("README.md", "---\nlicense: other\n---\n# model\n"),
            File::lfs("model-00001-of-00002.safetensors", weights(1, 4096)),
            File::lfs("model-00002-of-00002.safetensors", weights(2, 2048)),
            File::git("onnx/model.onnx.json", "{}"),
        ],
        json!({"license": "other", "license_name": "example-community", "license_link": "LICENSE", "base_model": ["org/base-a", "org/base-b"]}),
    )
}

/// The two bases `llama_like` merges, under apache-2.0.
fn add_bases(hub: &FixtureHub) {
    for id in ["org/base-a", "org/base-b"] {
        hub.add_repo(Repo::simple(
            id,
            vec![File::git("config.json", "{}")],
            json!({"license": "apache-2.0"}),
        ));
    }
}

fn table<'a>(doc: &'a toml_edit::DocumentMut, name: &str) -> &'a toml_edit::Table {
    doc["model"]
        .as_array_of_tables()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("model {name} in the lock"))
}

fn files_of(t: &toml_edit::Table) -> Vec<(String, u64, String)> {
    t["file"]
        .as_array_of_tables()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap().to_owned(),
                        f["size"].as_integer().unwrap() as u64,
                        f["sha256"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn locks_an_hf_repo_exactly_as_design_md_says() {
    let p = Project::new(
        "[policy]\nallow = [\"example-community\", \"apache-2.0\"]\n\n[models.chat]\nsource = \"hf:org/chat\"\n",
    );
    let repo = llama_like("org/chat");
    let commit = repo.sha_at("main").unwrap();
    p.hub.add_repo(repo.clone());
    add_bases(&p.hub);
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Adding chat"), "{}", r.stdout);
    let doc = p.lock();
    assert_eq!(doc["version"].as_integer(), Some(1));
    let t = table(&doc, "chat");
    assert_eq!(t["source"].as_str(), Some("hf:org/chat"));
    assert_eq!(t["requested"].as_str(), Some("main"));
    assert_eq!(t["revision"].as_str(), Some(commit.as_str()));
    assert_eq!(
        t["license"].as_str(),
        Some("example-community"),
        "license: other locks license_name"
    );
    let bases: Vec<&str> = t["base-models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(bases, ["org/base-a", "org/base-b"]);
    // the lineage: both bases, a merge, with their cards' licenses
    let lineage: Vec<(String, String, String)> = t["lineage"]
        .as_array_of_tables()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["model"].as_str().unwrap().to_owned(),
                a["relation"].as_str().unwrap().to_owned(),
                a["license"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lineage,
        [
            ("org/base-a".into(), "merge".into(), "apache-2.0".into()),
            ("org/base-b".into(), "merge".into(), "apache-2.0".into())
        ]
    );
    // every file, sorted, with the content's sha256 (LFS from the API, git files downloaded)
    let mut expected: Vec<(String, u64, String)> = repo.commits[0]
        .files
        .iter()
        .map(|f| (f.path.clone(), f.content.len() as u64, f.sha256()))
        .collect();
    expected.sort();
    assert_eq!(files_of(t), expected);
    // the license digest, recomputed from DESIGN.md's definition
    let lf = file_digest(LICENSE_TEXT.as_bytes());
    let card = CardLicense {
        license: Some("other".into()),
        license_name: Some("example-community".into()),
        license_link: Some("LICENSE".into()),
    };
    assert_eq!(
        t["license-digest"].as_str(),
        Some(model_digest(&card, [("LICENSE", lf.as_str())]).as_str())
    );
    let lic = &t["license-file"].as_array_of_tables().unwrap();
    assert_eq!(lic.len(), 1);
    assert_eq!(lic.get(0).unwrap()["digest"].as_str(), Some(lf.as_str()));
    // weights were never downloaded: only git files went through resolve, all by commit
    for req in p.hub.requests() {
        assert!(
            !req.path.contains("safetensors") || req.path.contains("/tree/"),
            "downloaded weights: {}",
            req.path
        );
        if req.path.contains("/resolve/") {
            assert!(
                req.path.contains(&format!("/resolve/{commit}/")),
                "resolve by commit, not branch: {}",
                req.path
            );
        }
    }
    // and the lock passes check
    let r = p.run(&["check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn file_globs_select_files_but_never_the_license() {
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\nfiles = [\"*.safetensors\"]\n");
    p.hub.add_repo(llama_like("org/chat"));
    assert_eq!(p.run(&["update"]).code, 0);
    let doc = p.lock();
    let t = table(&doc, "chat");
    let paths: Vec<String> = files_of(t).into_iter().map(|f| f.0).collect();
    assert_eq!(
        paths,
        [
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors"
        ]
    );
    assert_eq!(t["license-file"].as_array_of_tables().unwrap().len(), 1);
    assert_eq!(
        t["include"].as_array().unwrap().get(0).unwrap().as_str(),
        Some("*.safetensors")
    );
}

#[test]
fn revisions_branches_tags_prs_and_commits() {
    let mut repo = llama_like("org/chat");
    let mut second = repo.commits[0].clone();
    second.sha = support::hub::sha_of("second");
    second.files.push(File::git("extra.json", "{}"));
    repo.commits.push(second.clone());
    repo.branches = vec![("main".into(), 1), ("refs/pr/1".into(), 0)];
    repo.tags = vec![("v1.0".into(), 0)];
    let first = repo.commits[0].sha.clone();
    for (rev, expect) in [
        ("main", second.sha.as_str()),
        ("v1.0", first.as_str()),
        ("refs/pr/1", first.as_str()),
        (first.as_str(), first.as_str()),
    ] {
        let p = Project::new(&format!(
            "[models.chat]\nsource = \"hf:org/chat\"\nrevision = \"{rev}\"\n"
        ));
        p.hub.add_repo(repo.clone());
        let r = p.run(&["update"]);
        assert_eq!(r.code, 0, "{rev}: {}", r.stdout);
        assert_eq!(
            table(&p.lock(), "chat")["revision"].as_str(),
            Some(expect),
            "{rev}"
        );
        if rev == "refs/pr/1" {
            assert!(
                p.hub
                    .requests()
                    .iter()
                    .any(|q| q.path.contains("/revision/refs%2Fpr%2F1")),
                "revision percent-encoded"
            );
        }
    }
}

#[test]
fn version_requirements_lock_the_highest_matching_tag() {
    let mut repo = llama_like("org/chat");
    let base = repo.commits[0].clone();
    for seed in ["c1", "c2", "c3"] {
        let mut c = base.clone();
        c.sha = support::hub::sha_of(seed);
        repo.commits.push(c);
    }
    repo.tags = vec![
        ("v1".into(), 1),
        ("v1.2.0".into(), 2),
        ("v2".into(), 3),
        ("latest".into(), 3),
    ];
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\nversion = \"^1\"\n");
    p.hub.add_repo(repo.clone());
    assert_eq!(p.run(&["update"]).code, 0);
    let doc = p.lock();
    let t = table(&doc, "chat");
    assert_eq!(t["tag"].as_str(), Some("v1.2.0"));
    assert_eq!(t["requested"].as_str(), Some("^1"));
    assert_eq!(t["revision"].as_str(), Some(repo.commits[2].sha.as_str()));
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\nversion = \"^3\"\n");
    p.hub.add_repo(repo);
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::no-matching-version".to_owned()])
    );
    let help = r.json()["diagnostics"][0]["help"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(help.contains("v1, v1.2.0, v2"), "{help}");
}

#[test]
fn the_tree_listing_is_paginated() {
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\n");
    let mut repo = llama_like("org/chat");
    repo.max_siblings = Some(2);
    p.hub.add_repo(repo);
    p.hub.set_page_size(2);
    assert_eq!(p.run(&["update"]).code, 0);
    assert_eq!(files_of(table(&p.lock(), "chat")).len(), 6);
    let pages = p
        .hub
        .requests()
        .iter()
        .filter(|q| q.path.contains("/tree/"))
        .count();
    assert!(pages >= 3, "{pages} tree pages");
}

#[test]
fn gated_repos_need_a_token_and_the_token_never_reaches_the_cdn() {
    let manifest = "[models.gated]\nsource = \"hf:org/gated\"\n";
    let mut repo = Repo::simple(
        "org/gated",
        vec![
            File::lfs("LICENSE", LICENSE_TEXT),
            File::lfs("model.safetensors", weights(3, 1000)),
            File::git("config.json", "{}"),
        ],
        json!({"license": "llama3.1"}),
    );
    repo.gated = true;
    let p = Project::new(manifest);
    p.hub.set_token(TOKEN);
    p.hub.add_repo(repo);
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::gated".to_owned()]),
        "{}",
        r.stdout
    );
    let d = &r.json()["diagnostics"][0];
    assert!(d["help"].as_str().unwrap().contains("HF_TOKEN"));
    assert_eq!(d["labels"][0]["line"], 2, "points at the source");
    assert!(p.lock_text().is_none(), "nothing written");

    p.hub.clear_requests();
    let r = p.run_with_token(&["update"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let reqs = p.hub.requests();
    assert!(
        reqs.iter().any(|q| q.server == "cdn"),
        "the LFS license went through the CDN"
    );
    for q in &reqs {
        match q.server {
            "cdn" => assert!(
                q.header("authorization").is_none(),
                "token sent to the CDN: {}",
                q.path
            ),
            _ if q.path.contains("/resolve/") => assert_eq!(
                q.header("authorization"),
                Some(format!("Bearer {TOKEN}").as_str())
            ),
            _ => {}
        }
    }
    assert!(!p.lock_text().unwrap().contains(TOKEN));
}

#[test]
fn source_and_network_errors_exit_2_and_write_nothing() {
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\nrevision = \"nope\"\n\n[models.missing]\nsource = \"hf:org/missing\"\n");
    p.hub.add_repo(llama_like("org/chat"));
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.codes(),
        ["source::not-found", "source::revision-not-found"]
    );
    let diags = r.json()["diagnostics"].clone();
    let by_model = |m: &str| {
        diags
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["model"] == m)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_model("chat")["labels"][0]["line"],
        3,
        "revision-not-found points at the revision"
    );
    assert!(by_model("missing")["help"]
        .as_str()
        .unwrap()
        .contains("HF_TOKEN"));
    assert!(p.lock_text().is_none());

    // a bad token
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\n");
    p.hub.add_repo(llama_like("org/chat"));
    p.hub.set_token("hf_theRealOne");
    let r = p.run_with_token(&["--format", "json", "update"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::unauthorized".to_owned()])
    );

    // nothing listens
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let mut cmd = p.cmd(&["--format", "json", "update"]);
    cmd.env("HF_ENDPOINT", &url);
    let r = run(&mut cmd);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["network::connect".to_owned()])
    );

    // a server that keeps failing
    p.hub.inject(Fault {
        path_prefix: "/api/".into(),
        kind: FaultKind::Status(503),
        times: 100,
    });
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["network::server-error".to_owned()])
    );
}

#[test]
fn transient_faults_are_retried() {
    for kind in [
        FaultKind::Status(500),
        FaultKind::Status(502),
        FaultKind::DropConnection,
        FaultKind::TruncateBody,
        FaultKind::Slow(Duration::from_millis(300)),
        FaultKind::StatusWithRetryAfter(429, 1),
    ] {
        let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\n");
        p.hub.add_repo(llama_like("org/chat"));
        p.hub.inject(Fault {
            path_prefix: "/api/models/org/chat/tree/".into(),
            kind: kind.clone(),
            times: 1,
        });
        p.hub.inject(Fault {
            path_prefix: "/org/chat/resolve/".into(),
            kind: kind.clone(),
            times: 1,
        });
        let started = std::time::Instant::now();
        let r = p.run(&["update"]);
        assert_eq!(r.code, 0, "{kind:?}: {}", r.stdout);
        if kind == FaultKind::StatusWithRetryAfter(429, 1) {
            assert!(
                started.elapsed() >= Duration::from_secs(1),
                "Retry-After honoured"
            );
        }
        assert_eq!(files_of(table(&p.lock(), "chat")).len(), 6, "{kind:?}");
    }
}

#[test]
fn all_or_nothing_and_named_updates_keep_the_rest() {
    let p =
        Project::new("[models.a]\nsource = \"hf:org/a\"\n\n[models.b]\nsource = \"hf:org/b\"\n");
    p.hub.add_repo(llama_like("org/a"));
    p.hub.add_repo(llama_like("org/b"));
    assert_eq!(p.run(&["update"]).code, 0);
    let before = p.lock_text().unwrap();

    // b moves; a named update of a moves nothing else
    let mut b2 = llama_like("org/b");
    b2.commits[0].sha = support::hub::sha_of("b2");
    b2.commits[0].files.push(File::git("new.json", "{}"));
    p.hub.add_repo(b2.clone());
    let r = p.run(&["update", "a"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        p.lock_text().unwrap(),
        before,
        "a did not change and b was not asked for"
    );

    // b fails, a resolves: nothing is written, and the error names b
    p.hub.inject(Fault {
        path_prefix: "/api/models/org/b/".into(),
        kind: FaultKind::Status(404),
        times: 100,
    });
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["diagnostics"][0]["model"], "b");
    assert_eq!(p.lock_text().unwrap(), before);

    // --dry-run says what would change and writes nothing
    let p2 = Project::new("[models.a]\nsource = \"hf:org/a\"\n");
    p2.hub.add_repo(llama_like("org/a"));
    let r = p2.run(&["update", "--dry-run"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("Adding a") && r.stdout.contains("dry run"),
        "{}",
        r.stdout
    );
    assert!(p2.lock_text().is_none());
}

#[test]
fn a_no_change_rerun_makes_one_request_per_floating_model_and_none_for_pinned() {
    let repo = llama_like("org/pinned");
    let commit = repo.sha_at("main").unwrap();
    let p = Project::new(&format!(
        "[models.floating]\nsource = \"hf:org/floating\"\n\n[models.pinned]\nsource = \"hf:org/pinned\"\nrevision = \"{commit}\"\n"
    ));
    let floating = llama_like("org/floating");
    let floating_commit = floating.sha_at("main").unwrap();
    p.hub.add_repo(floating);
    p.hub.add_repo(repo);
    assert_eq!(p.run(&["update"]).code, 0);
    let before = p.lock_text().unwrap();
    let mtime = std::fs::metadata(p.path("models.lock"))
        .unwrap()
        .modified()
        .unwrap();
    p.hub.clear_requests();
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0);
    let reqs: Vec<String> = p.hub.requests().iter().map(|q| q.path.clone()).collect();
    assert_eq!(
        reqs,
        [
            "/api/models/org/floating/revision/main?securityStatus=true".to_owned(),
            // and what its scan says of its weights now
            format!("/api/models/org/floating/paths-info/{floating_commit}")
        ],
        "{reqs:?}"
    );
    assert_eq!(p.lock_text().unwrap(), before);
    assert_eq!(
        std::fs::metadata(p.path("models.lock"))
            .unwrap()
            .modified()
            .unwrap(),
        mtime,
        "an unchanged lock is not rewritten"
    );
    assert!(r.stdout.contains("up to date"), "{}", r.stdout);
}

#[test]
fn a_license_change_is_printed_loudly_and_check_goes_red() {
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\n");
    let repo = llama_like("org/chat");
    p.hub.add_repo(repo.clone());
    add_bases(&p.hub);
    assert_eq!(p.run(&["update"]).code, 0);
    let digest = table(&p.lock(), "chat")["license-digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let manifest = format!(
        "[policy]\nallow = [\"apache-2.0\"]\n\n[models.chat]\nsource = \"hf:org/chat\"\n\n[[models.chat.review]]\nlicense-digest = \"{digest}\"\nreviewer = \"legal@example.com\"\ndate = 2026-05-01\n"
    );
    std::fs::write(p.path("models.toml"), manifest).unwrap();
    assert_eq!(p.run(&["check"]).code, 0);

    let mut changed = repo.clone();
    let c = &mut changed.commits[0];
    c.sha = support::hub::sha_of("relicensed");
    for f in &mut c.files {
        if f.path == "LICENSE" {
            f.content = LICENSE_TEXT
                .replace("700 million", "100 million")
                .into_bytes();
        }
    }
    p.hub.add_repo(changed);
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "update exits 0: check is the gate");
    assert!(
        r.stdout.contains("LICENSE") && r.stdout.contains("license terms of `chat` changed"),
        "{}",
        r.stdout
    );
    let r = p.run(&["--format", "json", "check"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.codes(),
        ["license::changed", "manifest::floating-revision"]
    );
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(r.json()["changes"], json!([]));
}

#[test]
fn offline_mode_refuses() {
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\n");
    let mut cmd = p.cmd(&["--format", "json", "update"]);
    cmd.env("HF_HUB_OFFLINE", "1");
    let r = run(&mut cmd);
    assert_eq!((r.code, r.codes()), (2, vec!["source::offline".to_owned()]));
    assert!(p.hub.requests().is_empty());
}

#[test]
fn big_files_in_git_are_refused_without_downloading() {
    let p = Project::new("[models.chat]\nsource = \"hf:org/chat\"\n");
    p.hub.add_repo(Repo::simple(
        "org/chat",
        vec![
            File::git("huge.bin", vec![7u8; (50 << 20) + 1]),
            File::git("config.json", "{}"),
        ],
        json!({}),
    ));
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::file-too-large".to_owned()])
    );
    assert!(!p
        .hub
        .requests()
        .iter()
        .any(|q| q.path.contains("/resolve/") && q.path.ends_with("huge.bin")));
    // leaving it out with `files` works
    std::fs::write(
        p.path("models.toml"),
        "[models.chat]\nsource = \"hf:org/chat\"\nfiles = [\"*.json\"]\n",
    )
    .unwrap();
    assert_eq!(p.run(&["update"]).code, 0);
}

#[test]
fn the_token_file_is_read_and_never_printed() {
    let p = Project::new("[models.chat]\nsource = \"hf:org/private\"\n");
    let mut repo = llama_like("org/private");
    repo.private = true;
    p.hub.set_token(TOKEN);
    p.hub.add_repo(repo);
    assert_eq!(
        p.run(&["update"]).code,
        2,
        "private without a token: not found"
    );
    std::fs::create_dir_all(p.path("hf-home")).unwrap();
    std::fs::write(p.path("hf-home/token"), format!("{TOKEN}\n")).unwrap();
    let r = p.run(&["-v", "update"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
    let cache_files: Vec<PathBuf> = walk(&p.path("cache"));
    for f in cache_files {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(TOKEN),
            "token in {}",
            f.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
