//! The license drift workflow end to end against the fixture Hub: `update`
//! locks terms and stores their texts, `check` goes red with what changed,
//! `diff` shows the clause (offline, from the store), `review` records the
//! approval, `check` goes green. One scenario per kind of change that real
//! model licenses go through, on the texts under `fixtures/licenses/`.

use crate::common;
use crate::support;

use common::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use support::hub::{File, FixtureHub, Repo};

const REPO: &str = "example-org/Example-3-8B";

fn text(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/licenses").join(name)).unwrap()
}

/// The repo with these license files and card license name.
fn repo(licenses: &[(&str, &str)], license_name: &str) -> Repo {
    let mut files = vec![
        File::git("config.json", "{\"hidden_size\": 8}\n"),
        File::git("README.md", "---\nlicense: other\n---\n# Example 3\n"),
        File::lfs("model.safetensors", vec![7u8; 4096]),
    ];
    for (path, fixture) in licenses {
        files.push(File::git(path, text(fixture)));
    }
    Repo::simple(
        REPO,
        files,
        json!({"license": "other", "license_name": license_name, "license_link": "LICENSE"}),
    )
}

const V3: &[(&str, &str)] = &[
    ("LICENSE", "example-3.LICENSE.txt"),
    ("USE_POLICY.md", "example-3.USE_POLICY.md"),
];

const MANIFEST: &str = r#"# Models of the product.
[policy]
allow = ["apache-2.0", "mit"]

# The chat model: legal approves each version of its terms.
[models.chat]
source = "hf:example-org/Example-3-8B"
revision = "main"
"#;

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new(start: Repo) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), MANIFEST).unwrap();
        let hub = FixtureHub::start();
        hub.add_repo(start);
        Project { dir, hub }
    }

    fn manifest(&self) -> PathBuf {
        self.dir.path().join("models.toml")
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = modellock();
        isolate(&mut cmd, self.dir.path(), &self.hub.url());
        cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .arg("--manifest-path")
            .arg(self.manifest())
            .args(args);
        let r = run(&mut cmd);
        assert_no_panic(&r);
        r
    }

    /// The same, with the Hub unreachable: what must work offline.
    fn run_offline(&self, args: &[&str]) -> Run {
        let mut cmd = modellock();
        isolate(&mut cmd, self.dir.path(), "http://127.0.0.1:9");
        cmd.env("HF_HUB_OFFLINE", "1")
            .arg("--manifest-path")
            .arg(self.manifest())
            .args(args);
        let r = run(&mut cmd);
        assert_no_panic(&r);
        r
    }

    fn update(&self) -> Run {
        let r = self.run(&["update"]);
        assert_eq!(r.code, 0, "update:\n{}{}", r.stdout, r.stderr);
        r
    }

    fn review(&self, date: &str) {
        let r = self.run(&[
            "review",
            "chat",
            "--reviewer",
            "legal@example.com",
            "--note",
            "LEGAL-1",
            "--date",
            date,
        ]);
        assert_eq!(r.code, 0, "review:\n{}{}", r.stdout, r.stderr);
    }

    /// `check`'s exit status and error codes (`main` floats: a warning).
    fn check_codes(&self) -> (i32, Vec<String>) {
        let r = self.run_offline(&["--format", "json", "check", "--offline"]);
        let mut codes: Vec<String> = r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        codes.dedup();
        (r.code, codes)
    }

    /// Replaces the commit `main` points at: an upstream release.
    fn release(&self, repo: Repo) {
        self.hub.add_repo(repo);
    }
}

/// Locked and reviewed at the v3 terms.
fn reviewed_v3() -> Project {
    let p = Project::new(repo(V3, "example3"));
    p.update();
    p.review("2026-03-01");
    assert_eq!(p.check_codes(), (0, vec![]));
    p
}

#[test]
fn red_check_diff_review_green_check_offline_after_one_update() {
    let p = Project::new(repo(V3, "example3"));
    let r = p.update();
    assert!(r.stdout.contains("Stored"), "{}", r.stdout);
    let store = p.dir.path().join(".modellock");
    assert_eq!(
        std::fs::read_dir(store.join("licenses")).unwrap().count(),
        2
    );
    assert_eq!(std::fs::read_dir(store.join("terms")).unwrap().count(), 1);

    // a first lock: unreviewed, and diff shows every term as new
    assert_eq!(p.check_codes(), (1, vec!["license::unreviewed".to_owned()]));
    let r = p.run_offline(&["check"]);
    assert!(r.stdout.contains("modellock diff chat"), "{}", r.stdout);
    assert!(
        r.stdout.contains("modellock review chat --reviewer"),
        "{}",
        r.stdout
    );
    let r = p.run_offline(&["diff", "chat"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("LICENSE: a new license file"),
        "{}",
        r.stdout
    );
    p.review("2026-03-01");
    assert_eq!(p.check_codes(), (0, vec![]));
    assert_eq!(p.run_offline(&["diff", "chat"]).code, 0);

    // upstream changes the threshold, the attribution and the policy URL
    p.release(repo(
        &[
            ("LICENSE", "example-3.1.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    ));
    let r = p.update();
    assert!(
        r.stdout.contains("'700 million' → '100 million'"),
        "{}",
        r.stdout
    );
    let (code, codes) = p.check_codes();
    assert_eq!((code, codes), (1, vec!["license::changed".to_owned()]));

    // everything below runs with the Hub unreachable
    let r = p.run_offline(&["--format", "json", "check"]);
    let v = r.json();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "license::changed")
        .unwrap();
    let help = d["help"].as_str().unwrap();
    assert!(
        help.contains("LICENSE: '700 million' → '100 million'"),
        "{help}"
    );
    assert!(help.contains("Built with Example 3"), "{help}");
    assert!(
        help.trim_end()
            .ends_with("modellock review chat --reviewer legal@example.com --note TICKET"),
        "{help}"
    );
    assert!(d["message"].as_str().unwrap().contains("legal@example.com"));
    assert!(d["message"].as_str().unwrap().contains("(LICENSE changed)"));

    let r = p.run_offline(&["diff", "chat"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("[-700-]"), "{}", r.stdout);
    assert!(r.stdout.contains("{+100+}"), "{}", r.stdout);
    let r = p.run_offline(&["--format", "json", "diff", "chat"]);
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v["differs"], true);
    assert_eq!(v["summary"]["exit-status"], 1);
    assert!(v["what-changed"]
        .as_array()
        .unwrap()
        .contains(&Value::from("LICENSE: '700 million' → '100 million'")));
    assert_eq!(v["from"]["reviewer"], "legal@example.com");
    let license = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "LICENSE")
        .unwrap();
    assert_eq!(license["status"], "changed");
    assert!(license["substance"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["kind"] == "number" && s["old"] == "700 million"));

    // the same gate for CI: GitHub annotations and SARIF
    let r = p.run_offline(&["--format", "github", "check", "--offline"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("models.toml,line=6,col=9,"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("title=license%3A%3Achanged::"),
        "{}",
        r.stdout
    );
    let r = p.run_offline(&["--format", "sarif", "check", "--offline"]);
    assert_eq!(r.code, 1);
    let log: Value = serde_json::from_str(&r.stdout).unwrap();
    let rules: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["ruleId"])
        .collect();
    assert!(
        rules.contains(&&Value::from("license::changed")),
        "{rules:?}"
    );

    p.review("2026-07-02");
    assert_eq!(p.check_codes(), (0, vec![]));
    assert_eq!(p.run_offline(&["diff", "chat"]).code, 0);
    for format in ["human", "json", "github", "sarif"] {
        let r = p.run_offline(&["--format", format, "check", "--offline"]);
        assert_eq!(r.code, 0, "{format}: {}", r.stdout);
    }
}

/// The help of `check`'s `license::changed`.
fn changed_help(p: &Project) -> String {
    let r = p.run_offline(&["--format", "json", "check"]);
    r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "license::changed")
        .expect("license::changed")["help"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// One upstream release after a reviewed v3: its check codes and the
/// `diff` a reviewer reads.
fn release_after_v3(licenses: &[(&str, &str)], license_name: &str) -> (Project, Run) {
    let p = reviewed_v3();
    p.release(repo(licenses, license_name));
    p.update();
    let d = p.run_offline(&["diff", "chat"]);
    (p, d)
}

#[test]
fn a_new_threshold_number() {
    let (p, d) = release_after_v3(
        &[
            ("LICENSE", "example-3.1.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    );
    assert_eq!(p.check_codes().1, ["license::changed"]);
    assert_eq!(d.code, 1);
    insta::assert_snapshot!(d.stdout);
}

#[test]
fn a_clause_added_to_the_use_policy_only() {
    let (p, d) = release_after_v3(
        &[
            ("LICENSE", "example-3.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.2.USE_POLICY.md"),
        ],
        "example3",
    );
    let help = changed_help(&p);
    assert!(
        help.contains("USE_POLICY.md: added 'With respect to any multimodal models"),
        "{help}"
    );
    assert!(!help.contains("LICENSE:"), "{help}");
    assert_eq!(d.code, 1);
    insta::assert_snapshot!(d.stdout);
}

#[test]
fn rewrapping_and_crlf_are_not_drift() {
    let p = Project::new(repo(
        &[
            ("LICENSE", "example-3.1.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    ));
    p.update();
    p.review("2026-07-02");
    let locked = std::fs::read_to_string(p.dir.path().join("models.lock")).unwrap();
    p.release(repo(
        &[
            ("LICENSE", "example-3.1-rewrapped.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    ));
    let r = p.update();
    assert!(
        !r.stdout.contains("LICENSE the license terms"),
        "{}",
        r.stdout
    );
    let relocked = std::fs::read_to_string(p.dir.path().join("models.lock")).unwrap();
    assert_ne!(locked, relocked, "a new commit");
    let digest = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("license-digest"))
            .unwrap()
            .to_owned()
    };
    assert_eq!(digest(&locked), digest(&relocked), "the same terms");
    assert_eq!(p.check_codes(), (0, vec![]));
    // the fetched revision differs in format only
    let r = p.run(&["diff", "chat", "--from", "reviewed", "--to", "main"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("LICENSE: whitespace/format only"),
        "{}",
        r.stdout
    );
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn one_changed_word_is_drift() {
    let p = Project::new(repo(
        &[
            ("LICENSE", "example-3.1.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    ));
    p.update();
    p.review("2026-07-02");
    p.release(repo(
        &[
            ("LICENSE", "example-3.1-one-word.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    ));
    p.update();
    assert_eq!(p.check_codes().1, ["license::changed"]);
    let d = p.run_offline(&["diff", "chat"]);
    assert_eq!(d.code, 1);
    insta::assert_snapshot!(d.stdout);
}

#[test]
fn a_license_file_added() {
    let (p, d) = release_after_v3(
        &[
            ("LICENSE", "example-3.LICENSE.txt"),
            ("NOTICE", "example-permissive.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    );
    assert_eq!(p.check_codes().1, ["license::changed"]);
    assert!(
        d.stdout.contains("NOTICE: a new license file"),
        "{}",
        d.stdout
    );
    insta::assert_snapshot!(d.stdout);
}

#[test]
fn a_license_file_removed() {
    let (p, d) = release_after_v3(&[("LICENSE", "example-3.LICENSE.txt")], "example3");
    assert_eq!(p.check_codes().1, ["license::changed"]);
    assert!(d.stdout.contains("USE_POLICY.md: removed"), "{}", d.stdout);
    insta::assert_snapshot!(d.stdout);
}

#[test]
fn the_card_license_changed_with_the_files_unchanged() {
    let (p, d) = release_after_v3(V3, "example3.1");
    assert_eq!(p.check_codes().1, ["license::changed"]);
    let help = changed_help(&p);
    assert!(
        help.contains("card license_name: example3 → example3.1"),
        "{help}"
    );
    assert_eq!(d.code, 1);
    insta::assert_snapshot!(d.stdout);
}

#[test]
fn diff_against_a_revision_or_a_digest() {
    let p = reviewed_v3();
    let reviewed_digest = {
        let t = std::fs::read_to_string(p.manifest()).unwrap();
        let line = t.lines().find(|l| l.starts_with("license-digest")).unwrap();
        line.split('"').nth(1).unwrap().to_owned()
    };
    let next = repo(
        &[
            ("LICENSE", "example-3.1.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    );
    let next_sha = next.commits[0].sha.clone();
    p.release(next);
    // before any update, the reviewer reads the terms of the new commit
    let r = p.run(&["--format", "json", "diff", "chat", "--to", &next_sha]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v: Value = r.json();
    assert_eq!(v["to"]["revision"], next_sha);
    assert_eq!(v["from"]["digest"], reviewed_digest);
    // no weights were downloaded for it
    assert!(p
        .hub
        .requests()
        .iter()
        .all(|q| !q.path.contains("model.safetensors")));
    // a digest prefix from the store
    let r = p.run_offline(&[
        "diff",
        "chat",
        "--from",
        &reviewed_digest[7..19],
        "--to",
        "locked",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // an unknown digest, an unknown model, a revision the repo lacks
    let r = p.run_offline(&[
        "--format",
        "json",
        "diff",
        "chat",
        "--from",
        "sha256:0123456789abcdef",
    ]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["diff::terms-unavailable".to_owned()])
    );
    let r = p.run_offline(&["--format", "json", "diff", "chatt"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["manifest::unknown-model".to_owned()])
    );
    let r = p.run(&["--format", "json", "diff", "chat", "--to", "v9.9"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::revision-not-found".to_owned()])
    );
}

#[test]
fn reviews_made_before_the_store_fetch_the_reviewed_revision() {
    let p = reviewed_v3();
    std::fs::remove_dir_all(p.dir.path().join(".modellock")).unwrap();
    p.release(repo(
        &[
            ("LICENSE", "example-3.1.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    ));
    // the v3 commit is no longer on main, but the Hub still serves it by id
    let v3 = repo(V3, "example3");
    let mut both = repo(
        &[
            ("LICENSE", "example-3.1.LICENSE.txt"),
            ("USE_POLICY.md", "example-3.USE_POLICY.md"),
        ],
        "example3",
    );
    both.commits.insert(0, v3.commits[0].clone());
    both.branches = vec![("main".to_owned(), 1)];
    p.release(both);
    p.update();
    let r = p.run(&["diff", "chat"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("(fetched)"), "{}", r.stdout);
    assert!(r.stdout.contains("700 million"), "{}", r.stdout);
}

#[test]
fn update_restores_a_deleted_store_from_the_user_cache_or_the_hub() {
    let p = reviewed_v3();
    let store = p.dir.path().join(".modellock");
    let listing = |dir: &std::path::Path| {
        let mut names: Vec<String> = walk(dir);
        names.sort();
        names
    };
    let before = listing(&store);
    assert_eq!(before.len(), 3, "{before:?}");
    // from the user's copy: no request for a license file
    std::fs::remove_dir_all(&store).unwrap();
    p.hub.clear_requests();
    p.update();
    assert_eq!(listing(&store), before);
    assert!(p.hub.requests().iter().all(|q| !q.path.contains("LICENSE")));
    // without it: downloaded again by commit
    std::fs::remove_dir_all(&store).unwrap();
    std::fs::remove_dir_all(p.dir.path().join("cache/v1/texts")).unwrap();
    p.update();
    assert_eq!(listing(&store), before);
    assert!(p
        .hub
        .requests()
        .iter()
        .any(|q| q.path.contains("/resolve/") && q.path.ends_with("/LICENSE")));
    assert_eq!(p.check_codes(), (0, vec![]));
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}
