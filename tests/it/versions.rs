//! Upgrades the cargo way, against the fixture Hub: `version`
//! requirements resolved against tags, locks that stay put while they
//! satisfy the manifest, `update --precise`, and `outdated` with its
//! license preview (license files only, never the weights).

use crate::common;
use crate::support;

use common::*;
use serde_json::{json, Value};
use support::hub::{sha_of, Commit, File, FixtureHub, Repo};

fn text(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/licenses").join(name)).unwrap()
}

/// `org/chat`: v1 and v1.2.0 under the Example 3 license, v2 under 3.1
/// (another threshold, attribution and URL), and a non-version tag.
fn chat_repo() -> Repo {
    let commit = |seed: &str, license: &str, card: &str, weights: u8| {
        let mut c = Commit::new(
            seed,
            vec![
                File::git("LICENSE", text(license)),
                File::git("README.md", "---\n---\n"),
                File::lfs("model.safetensors", vec![weights; 4096]),
            ],
            json!({"license": "other", "license_name": card}),
        );
        c.sha = sha_of(seed);
        c
    };
    Repo {
        id: "org/chat".into(),
        commits: vec![
            commit("c1", "example-3.LICENSE.txt", "example-3", 1),
            commit("c2", "example-3.LICENSE.txt", "example-3", 2),
            commit("c3", "example-3.1.LICENSE.txt", "example-3.1", 3),
        ],
        branches: vec![("main".into(), 2)],
        tags: vec![
            ("v1".into(), 0),
            ("v1.2.0".into(), 1),
            ("v2".into(), 2),
            ("stable".into(), 1),
        ],
        ..Default::default()
    }
}

fn embed_repo() -> Repo {
    let mut r = Repo::simple(
        "org/embed",
        vec![
            File::git("LICENSE", text("example-permissive.LICENSE.txt")),
            File::lfs("model.safetensors", vec![9u8; 2048]),
        ],
        json!({"license": "mit"}),
    );
    r.tags = vec![("v1.0".into(), 0)];
    r
}

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new(manifest: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), manifest).unwrap();
        let hub = FixtureHub::start();
        hub.add_repo(chat_repo());
        hub.add_repo(embed_repo());
        Project { dir, hub }
    }

    fn write_manifest(&self, manifest: &str) {
        std::fs::write(self.dir.path().join("models.toml"), manifest).unwrap();
    }

    fn run(&self, args: &[&str]) -> Run {
        run_checked(project_command(self.dir.path(), &self.hub.url()).args(args))
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        r
    }

    fn lock_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("models.lock")).unwrap()
    }

    /// (tag, revision) of a model in the lock.
    fn locked(&self, name: &str) -> (String, String) {
        let doc: toml_edit::DocumentMut = self.lock_text().parse().unwrap();
        let t = doc["model"]
            .as_array_of_tables()
            .unwrap()
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .unwrap()
            .clone();
        (
            t.get("tag")
                .and_then(|v| v.as_str())
                .unwrap_or("-")
                .to_owned(),
            t["revision"].as_str().unwrap().to_owned(),
        )
    }
}

fn chat(version: &str) -> String {
    format!("[models.chat]\nsource = \"hf:org/chat\"\nversion = \"{version}\"\n")
}

fn sha(seed: &str) -> String {
    sha_of(seed)
}

#[test]
fn each_requirement_locks_the_highest_matching_tag() {
    for (req, tag, seed) in [
        ("^1", "v1.2.0", "c2"),
        ("~1.2", "v1.2.0", "c2"),
        (">=1, <3", "v2", "c3"),
        ("=1.2.0", "v1.2.0", "c2"),
        ("=1.0.0", "v1", "c1"),
    ] {
        let p = Project::new(&chat(req));
        p.ok(&["update"]);
        assert_eq!(p.locked("chat"), (tag.to_owned(), sha(seed)), "{req}");
        assert!(p
            .lock_text()
            .contains(&format!("requested = \"{req}\"\ntag = \"{tag}\"\n")));
        // check accepts it (a tag is pinned: no floating warning)
        let r = p.run(&["--format", "json", "check"]);
        assert!(
            !r.codes().contains(&"lock::stale".to_owned()),
            "{}",
            r.stdout
        );
        assert!(!r
            .codes()
            .contains(&"manifest::floating-revision".to_owned()));
    }
    let p = Project::new(&chat("^4"));
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::no-matching-version".to_owned()])
    );
    let d = &r.json()["diagnostics"][0];
    assert_eq!(
        d["message"],
        "cannot lock `chat`: no tag of org/chat satisfies `^4`"
    );
    assert_eq!(d["help"], "the versions tagged are: v1, v1.2.0, v2");
    assert_eq!(d["labels"][0]["line"], 3, "labelled at `version`");
}

#[test]
fn a_locked_release_stays_while_it_satisfies_the_manifest() {
    let p = Project::new(&chat("^1"));
    p.ok(&["update"]);
    assert_eq!(p.locked("chat").0, "v1.2.0");
    let before = p.lock_text();

    // a new 1.x release appears; another entry is added
    let mut repo = chat_repo();
    let mut c4 = repo.commits[1].clone();
    c4.sha = sha("c4");
    repo.commits.push(c4);
    repo.tags.push(("v1.3.0".into(), 3));
    p.hub.add_repo(repo);
    p.write_manifest(&format!(
        "{}\n[models.embed]\nsource = \"hf:org/embed\"\nrevision = \"v1.0\"\n",
        chat("^1")
    ));
    p.hub.clear_requests();
    p.ok(&["update"]);
    assert_eq!(
        p.locked("chat"),
        ("v1.2.0".into(), sha("c2")),
        "chat stays put"
    );
    let chat_block = |lock: &str| {
        lock.split("[[model]]")
            .nth(1)
            .unwrap()
            .trim_end()
            .to_owned()
    };
    assert_eq!(chat_block(&p.lock_text()), chat_block(&before));
    assert!(
        p.hub
            .requests()
            .iter()
            .all(|r| !r.path.contains("org/chat")),
        "no request for the kept model"
    );

    // a requirement the locked release still satisfies keeps it too
    p.write_manifest(&chat(">=1.1, <2"));
    p.ok(&["update"]);
    assert_eq!(p.locked("chat"), ("v1.2.0".into(), sha("c2")));
    assert!(p.lock_text().contains("requested = \">=1.1, <2\""));

    // one it does not satisfy moves it
    p.write_manifest(&chat("^2"));
    p.ok(&["update"]);
    assert_eq!(p.locked("chat").0, "v2");

    // naming the model moves it to the newest match
    p.write_manifest(&chat("^1"));
    p.ok(&["update"]);
    assert_eq!(
        p.locked("chat").0,
        "v1.3.0",
        "v2 is outside ^1: the newest match"
    );
    p.ok(&["update", "chat", "--precise", "v1"]);
    assert_eq!(p.locked("chat").0, "v1");
    p.ok(&["update"]);
    assert_eq!(
        p.locked("chat").0,
        "v1",
        "plain update keeps a satisfying lock"
    );
    p.ok(&["update", "chat"]);
    assert_eq!(p.locked("chat").0, "v1.3.0");
}

#[test]
fn precise_pins_a_tag_or_commit_inside_the_requirement() {
    let p = Project::new(&chat("^1"));
    p.ok(&["update"]);
    p.ok(&["update", "chat", "--precise", sha("c1").as_str()]);
    assert_eq!(
        p.locked("chat"),
        ("v1".into(), sha("c1")),
        "a commit finds its tag"
    );
    p.ok(&["update", "chat", "--precise", "1.2.0"]);
    assert_eq!(
        p.locked("chat"),
        ("v1.2.0".into(), sha("c2")),
        "a version finds its tag"
    );

    let r = p.run(&["--format", "json", "update", "chat", "--precise", "v2"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["source::precise-outside".to_owned()])
    );
    let d = &r.json()["diagnostics"][0];
    assert_eq!(
        d["message"],
        "cannot lock `chat`: `v2` (2.0.0) is outside `^1`"
    );
    assert_eq!(
        d["help"],
        "the tags inside `^1` are: v1, v1.2.0; to take `v2`, change `version` in models.toml"
    );
    let r = p.run(&["--format", "json", "update", "chat", "--precise", "v9"]);
    assert_eq!(r.codes(), ["source::revision-not-found"]);
    assert_eq!(
        p.locked("chat").0,
        "v1.2.0",
        "a refused --precise writes nothing"
    );

    // --precise needs exactly one model
    let r = p.run(&["update", "--precise", "v1"]);
    assert_eq!(r.code, 2);
    // a branch-following entry takes any revision
    p.write_manifest("[models.chat]\nsource = \"hf:org/chat\"\nrevision = \"main\"\n");
    p.ok(&["update", "chat", "--precise", "v1"]);
    assert_eq!(p.locked("chat"), ("-".into(), sha("c1")));
}

#[test]
fn outdated_previews_the_terms_of_each_candidate() {
    let p = Project::new(&format!(
        "{}\n[models.embed]\nsource = \"hf:org/embed\"\nrevision = \"v1.0\"\n",
        chat("^1")
    ));
    p.ok(&["update"]);
    let before = p.lock_text();
    p.hub.clear_requests();
    let r = p.ok(&["outdated"]);
    insta::assert_snapshot!(r.stdout);
    assert_eq!(p.lock_text(), before, "nothing is written");
    // license files and metadata only: never a weight
    let requests = p.hub.requests();
    assert!(
        requests.iter().all(|r| !r.path.contains("safetensors")),
        "{:#?}",
        requests.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    let downloads: Vec<&str> = requests
        .iter()
        .filter(|r| r.path.contains("/resolve/"))
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(
        downloads,
        [format!("/org/chat/resolve/{}/LICENSE", sha("c3")).as_str()]
    );

    let r = p.ok(&["--format", "json", "outdated"]);
    let doc = r.json();
    assert_eq!(doc["outdated"], 1);
    let chat = &doc["models"][0];
    assert_eq!(chat["locked"]["tag"], "v1.2.0");
    assert_eq!(chat["compatible"], Value::Null, "v1.2.0 is the newest 1.x");
    assert_eq!(chat["latest"]["tag"], "v2");
    assert_eq!(chat["latest"]["license-changed"], true);
    let what = chat["latest"]["what-changed"].as_array().unwrap();
    assert!(
        what.iter()
            .any(|w| w == "card license_name: example-3 → example-3.1"),
        "{what:?}"
    );
    assert_eq!(doc["models"][1]["outdated"], false);
    insta::assert_json_snapshot!(doc["models"]);

    // --exit-code for a scheduled job
    assert_eq!(p.run(&["outdated", "--exit-code"]).code, 1);
    assert_eq!(p.run(&["outdated", "embed", "--exit-code"]).code, 0);
}

#[test]
fn outdated_without_a_license_change() {
    let p = Project::new(&chat("=1.0.0"));
    p.ok(&["update"]);
    let r = p.ok(&["--format", "json", "outdated"]);
    let chat = &r.json()["models"][0];
    // v1.2.0 has the same terms; v2 is the newest release
    assert_eq!(chat["compatible"], Value::Null);
    assert_eq!(chat["latest"]["tag"], "v2");
    p.write_manifest("[models.chat]\nsource = \"hf:org/chat\"\nrevision = \"v1\"\n");
    p.ok(&["update"]);
    p.write_manifest("[models.chat]\nsource = \"hf:org/chat\"\nrevision = \"main\"\n");
    p.ok(&["update", "chat", "--precise", "v1"]);
    let r = p.ok(&["outdated"]);
    assert!(
        r.stdout.contains(&format!(
            "chat main@{} (`modellock update chat` takes it): license changes:",
            &sha("c3")[..12]
        )),
        "{}",
        r.stdout
    );
    let mut repo = chat_repo();
    repo.branches = vec![("main".into(), 1)];
    p.hub.add_repo(repo);
    let r = p.ok(&["outdated"]);
    assert!(
        r.stdout.contains(&format!(
            "chat main@{} (`modellock update chat` takes it): the same license terms",
            &sha("c2")[..12]
        )),
        "{}",
        r.stdout
    );
}

/// The README's "Upgrading a model": `outdated` shows a release whose
/// terms changed, `diff --to` shows the clauses, `update` takes it, and
/// `check` is red until `review`.
#[test]
fn upgrading_a_model() {
    let manifest = |v: &str| {
        format!("[policy]\nallow = [\"mit\"]\n\n[models.chat]\nsource = \"hf:org/chat\"\nversion = \"{v}\"\n")
    };
    let p = Project::new(&manifest("^1"));
    p.ok(&["update"]);
    p.ok(&[
        "review",
        "chat",
        "--reviewer",
        "legal@example.com",
        "--note",
        "LEGAL-1",
    ]);
    p.ok(&["check"]);

    let outdated = p.ok(&["outdated"]);
    assert!(outdated.stdout.contains("chat v2 (outside `^1`"));
    let diff = p.run(&["diff", "chat", "--from", "locked", "--to", "v2"]);
    assert_eq!(diff.code, 1, "the terms differ: {}", diff.stderr);

    // edit the requirement (the review records stay)
    let path = p.dir.path().join("models.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    p.write_manifest(&text.replace("version = \"^1\"", "version = \"^2\""));
    let update = p.ok(&["update"]);
    assert_eq!(p.locked("chat").0, "v2");
    let check = p.run(&["check"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stdout.contains("license::changed"),
        "{}",
        check.stdout
    );
    p.ok(&[
        "review",
        "chat",
        "--reviewer",
        "legal@example.com",
        "--note",
        "LEGAL-2",
    ]);
    p.ok(&["check"]);

    let dir = p.dir.path().to_str().unwrap().to_owned();
    let all = format!(
        "$ modellock outdated\n{}\n$ modellock diff chat --from locked --to v2\n{}\n$ modellock update\n{}{}\n$ modellock check\n{}",
        outdated.stdout, diff.stdout, update.stderr, update.stdout, check.stdout
    )
    .replace(&dir, "[DIR]");
    insta::assert_snapshot!(all);
}
