//! A hostile or broken server (issue 15): every value a source gives is
//! checked by the rules the lock parser applies before it is locked or
//! cached. Each case crafts one response with a fixture fault and expects
//! `source::unexpected-response` (exit 2), no lock, and — once the server
//! behaves again — a normal update (nothing bad was cached).

use crate::common::{isolate, modellock, run, Run};
use crate::support::hub::{Fault, FaultKind, File, FixtureHub, Repo};
use serde_json::{json, Value};

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("models.toml"),
            "[models.m]\nsource = \"hf:org/m\"\n",
        )
        .unwrap();
        let hub = FixtureHub::start();
        hub.add_repo(Repo::simple(
            "org/m",
            vec![
                File::git("config.json", "{}"),
                File::lfs("model.safetensors", vec![1u8; 64]),
            ],
            json!({"license": "apache-2.0"}),
        ));
        Project { dir, hub }
    }

    fn update(&self) -> Run {
        let mut cmd = modellock();
        isolate(&mut cmd, self.dir.path(), &self.hub.url());
        cmd.arg("--manifest-path")
            .arg(self.dir.path().join("models.toml"))
            .args(["--format", "json", "update"]);
        run(&mut cmd)
    }

    fn lock(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("models.lock")).ok()
    }

    /// The next file listing answers `entries` (and these headers).
    fn tree_answers(&self, entries: Value, headers: Vec<(String, String)>) {
        self.hub.inject(Fault::once(
            "/api/models/org/m/tree/",
            FaultKind::Respond {
                status: 200,
                headers: [("Content-Type".to_owned(), "application/json".to_owned())]
                    .into_iter()
                    .chain(headers)
                    .collect(),
                body: entries.to_string().into_bytes(),
            },
        ));
    }
}

fn lfs_entry(path: &str, sha: &str) -> Value {
    json!({"type": "file", "path": path, "size": 64, "oid": "a".repeat(40),
           "lfs": {"oid": sha, "size": 64, "pointerSize": 130}})
}

/// Refused, nothing written, and fine once the server behaves.
fn refused_then_recovers(p: &Project, why: &str) {
    let r = p.update();
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::unexpected-response".to_owned()]),
        "{why}: {}",
        r.stdout
    );
    assert!(p.lock().is_none(), "{why}: no lock is written");
    let again = p.update();
    assert_eq!(
        again.code, 0,
        "{why}: nothing bad was cached: {}",
        again.stdout
    );
    assert!(p.lock().is_some());
}

#[test]
fn an_lfs_sha256_that_is_not_one_is_refused_and_never_cached() {
    let p = Project::new();
    p.tree_answers(json!([lfs_entry("model.safetensors", "NOT-HEX")]), vec![]);
    refused_then_recovers(&p, "bad sha256");
    // the lock every later command reads back
    let mut cmd = modellock();
    isolate(&mut cmd, p.dir.path(), &p.hub.url());
    cmd.arg("--manifest-path")
        .arg(p.dir.path().join("models.toml"))
        .args(["--format", "json", "update", "--locked"]);
    assert_eq!(run(&mut cmd).code, 0);
}

#[test]
fn paths_out_of_the_repo_are_refused() {
    for path in [
        "../evil.bin",
        "/etc/passwd",
        "a/../../b",
        "a//b",
        "dir\\x.bin",
    ] {
        let p = Project::new();
        p.tree_answers(json!([lfs_entry(path, &"b".repeat(64))]), vec![]);
        refused_then_recovers(&p, path);
    }
}

#[test]
fn a_path_listed_twice_is_refused() {
    let p = Project::new();
    let sha = "c".repeat(64);
    p.tree_answers(
        json!([
            lfs_entry("model.safetensors", &sha),
            lfs_entry("model.safetensors", &sha)
        ]),
        vec![],
    );
    refused_then_recovers(&p, "duplicate");
}

#[test]
fn empty_or_mistyped_listings_are_refused() {
    for body in [
        json!([]),
        json!([null]),
        json!({"files": []}),
        json!([{"path": "x"}]),
    ] {
        let p = Project::new();
        p.tree_answers(body.clone(), vec![]);
        refused_then_recovers(&p, &body.to_string());
    }
}

#[test]
fn a_next_link_back_to_the_same_page_is_refused() {
    let p = Project::new();
    let link = |target: &str| vec![("Link".to_owned(), format!("<{target}>; rel=\"next\""))];
    // the page links to one URL, and that URL answers a page linking to itself
    let loop_url = format!("{}/api/models/org/m/tree/loop?cursor=same", p.hub.url());
    p.tree_answers(
        json!([lfs_entry("model.safetensors", &"d".repeat(64))]),
        link(&loop_url),
    );
    for _ in 0..3 {
        p.hub.inject(Fault::once(
            "/api/models/org/m/tree/loop",
            FaultKind::Respond {
                status: 200,
                headers: [("Content-Type".to_owned(), "application/json".to_owned())]
                    .into_iter()
                    .chain(link(&loop_url))
                    .collect(),
                body: json!([lfs_entry("other.safetensors", &"e".repeat(64))])
                    .to_string()
                    .into_bytes(),
            },
        ));
    }
    let r = p.update();
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::unexpected-response".to_owned()]),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("seen before"), "{}", r.stdout);
    let pages = p
        .hub
        .requests()
        .iter()
        .filter(|q| q.path.contains("/tree/"))
        .count();
    assert_eq!(pages, 2, "the first page, the looping page once, then stop");
}

#[test]
fn globs_that_select_nothing_lock_nothing() {
    let p = Project::new();
    std::fs::write(
        p.dir.path().join("models.toml"),
        "[models.m]\nsource = \"hf:org/m\"\nfiles = [\"*.gguf\"]\n",
    )
    .unwrap();
    let r = p.update();
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::no-files".to_owned()])
    );
    assert!(r.stdout.contains("*.gguf"), "{}", r.stdout);
    assert!(p.lock().is_none());
}

#[test]
fn an_ollama_manifest_without_a_list_of_layers_is_refused() {
    use crate::support::hub::{ollama_manifest, OllamaModel};
    let (manifest, blobs) =
        ollama_manifest(&[("application/vnd.ollama.image.model", b"weights".as_slice())]);
    for layers in [json!(null), json!({"0": 1}), json!([])] {
        let dir = tempfile::tempdir().unwrap();
        let hub = FixtureHub::start();
        hub.add_ollama_model(OllamaModel {
            namespace: "library".into(),
            model: "tiny".into(),
            tags: [("latest".to_owned(), manifest.clone())]
                .into_iter()
                .collect(),
            blobs: blobs.clone(),
        });
        let host = hub.url().trim_start_matches("http://").to_owned();
        std::fs::write(
            dir.path().join("models.toml"),
            format!(
                "[models.m]\nsource = \"ollama:http://{host}/library/tiny\"\nlicense = \"mit\"\n"
            ),
        )
        .unwrap();
        let mut crafted: Value = serde_json::from_slice(&manifest).unwrap();
        crafted["layers"] = layers.clone();
        hub.inject(Fault::once(
            "/v2/library/tiny/manifests/latest",
            FaultKind::Respond {
                status: 200,
                headers: vec![(
                    "Content-Type".to_owned(),
                    "application/vnd.docker.distribution.manifest.v2+json".to_owned(),
                )],
                body: crafted.to_string().into_bytes(),
            },
        ));
        let mut cmd = modellock();
        isolate(&mut cmd, dir.path(), &hub.url());
        cmd.arg("--manifest-path")
            .arg(dir.path().join("models.toml"))
            .args(["--format", "json", "update"]);
        let r = run(&mut cmd);
        assert_eq!(
            (r.code, r.codes()),
            (2, vec!["source::unexpected-response".to_owned()]),
            "layers {layers}: {}",
            r.stdout
        );
        assert!(!dir.path().join("models.lock").exists());
    }
}

/// A body that stalls after the headers, or trickles one byte at a time,
/// fails as `network::timeout` within the limits the environment sets
/// (here 1 s without data, 4 s for the whole request), naming the URL.
#[test]
fn stalled_and_trickling_bodies_time_out() {
    use std::time::Duration;
    for kind in [
        FaultKind::StallBody(Duration::from_secs(30)),
        FaultKind::Trickle(Duration::from_millis(400)),
    ] {
        let p = Project::new();
        p.hub.inject(crate::support::hub::Fault {
            path_prefix: "/api/models/org/m/tree/".into(),
            kind: kind.clone(),
            times: 100,
        });
        let mut cmd = modellock();
        isolate(&mut cmd, p.dir.path(), &p.hub.url());
        cmd.env("MODELLOCK_HTTP_STALL", "1")
            .env("MODELLOCK_HTTP_TIMEOUT", "4")
            .arg("--manifest-path")
            .arg(p.dir.path().join("models.toml"))
            .args(["--format", "json", "update"]);
        let r = run(&mut cmd);
        assert_eq!(
            (r.code, r.codes()),
            (2, vec!["network::timeout".to_owned()]),
            "{kind:?}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("/api/models/org/m/tree/"), "{}", r.stdout);
        assert!(p.lock().is_none());
    }
}

/// Crafted files do not make `audit` quadratic or its report huge: at most
/// 20 candidates a line and 1,000 a file are looked at (the rest counted),
/// and a line too long to show is named by its location, not printed.
#[test]
fn crafted_files_stay_bounded_in_audit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.sh"), "ollama run ".repeat(24_000)).unwrap();
    std::fs::write(
        dir.path().join("x.py"),
        "from_pretrained(\"org/model\", revision=\"".repeat(20_000),
    )
    .unwrap();
    let many_lines: String = (0..3000)
        .map(|i| format!("model = AutoModel.from_pretrained(\"acme-ai/m{i}\")\n"))
        .collect();
    std::fs::write(dir.path().join("many.py"), many_lines).unwrap();

    let mut json = modellock();
    json.current_dir(dir.path())
        .args(["--format", "json", "audit", "."]);
    let r = run(&mut json);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    let findings = v["findings"].as_array().unwrap();
    let in_file = |f: &str| {
        findings
            .iter()
            .filter(|x| x["file"].as_str().is_some_and(|p| p.ends_with(f)))
            .count()
    };
    assert!(in_file("run.sh") <= 20, "{}", in_file("run.sh"));
    let many = in_file("many.py");
    assert!((300..=1000).contains(&many), "{many}");
    assert!(v["walk"]["capped"].as_u64().unwrap() > 23_000);

    let mut human = modellock();
    human.current_dir(dir.path()).args(["audit", "."]);
    let r = run(&mut human);
    assert!(r.stdout.len() < 1_000_000, "{} bytes", r.stdout.len());
    assert!(r.stdout.contains("the line is too long to show"));
    assert!(r.stdout.contains("more candidate references not looked at"));
}
