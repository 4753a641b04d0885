//! Terms behind URLs, end to end: the acceptable use policy a Llama
//! license incorporates, read at `update` from the fixture's web (through
//! MODELLOCK_DOCUMENTS_MIRROR), locked with a `documents-digest`, reviewed,
//! changed behind the same URL (a new review needed, `diff` and `outdated`
//! say what changed), unreadable (a warning, never a silent pass), and a
//! lock written before documents were locked upgraded without turning a
//! reviewed model red.

use crate::common;
use crate::support;

use common::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use support::hub::{sha256_hex, File, FixtureHub, Repo};

const REPO: &str = "meta-llama/Llama-3.1-8B-Instruct";
const AUP: &str = "https://llama.meta.com/llama3_1/use-policy";

const MANIFEST: &str = r#"[policy]
allow = ["apache-2.0", "mit"]

[models.chat]
source = "hf:meta-llama/Llama-3.1-8B-Instruct"
revision = "main"
"#;

/// The Llama 3.1 repo: its real LICENSE, the card's license `llama3.1`;
/// `card` adds to the card data.
fn repo(card: Value) -> Repo {
    let license =
        std::fs::read(root().join("fixtures/licenses/known/llama3_1.LICENSE.txt")).unwrap();
    let mut data = json!({"license": "llama3.1"});
    data.as_object_mut()
        .unwrap()
        .extend(card.as_object().unwrap().clone());
    Repo::simple(
        REPO,
        vec![
            File::git("LICENSE", license),
            File::git("config.json", "{}\n"),
            File::lfs("model.safetensors", vec![3u8; 2048]),
        ],
        data,
    )
}

/// A policy page as a site serves it: navigation, scripts and a footer
/// around the policy, whose clauses are `clauses`.
fn page(clauses: &[&str]) -> String {
    let items: String = clauses.iter().map(|c| format!("<li>{c}</li>")).collect();
    format!(
        "<!DOCTYPE html><html><head><title>Llama 3.1 AUP</title><script>window.x = 1;</script></head>\
         <body><header><a href=\"/\">Llama</a></header><nav><a href=\"/docs\">Docs</a></nav>\
         <main><h1>Llama 3.1 Acceptable Use Policy</h1>\
         <p>You agree you will not use, or allow others to use, Llama 3.1 to:</p><ol>{items}</ol></main>\
         <footer>&copy; Meta 2026</footer></body></html>"
    )
}

/// The digest of the policy's text as a reader sees it, computed here:
/// the words of the heading, the paragraph and the clauses, in order,
/// joined by single spaces (list items read as `- ` lines).
fn page_digest(clauses: &[&str]) -> String {
    let mut words = vec![
        "Llama 3.1 Acceptable Use Policy".to_owned(),
        "You agree you will not use, or allow others to use, Llama 3.1 to:".to_owned(),
    ];
    words.extend(clauses.iter().map(|c| format!("- {c}")));
    format!("sha256:{}", sha256_hex(words.join(" ").as_bytes()))
}

const V1: &[&str] = &[
    "Violate the law or others' rights",
    "Engage in illegal weapons development",
];
const V2: &[&str] = &[
    "Violate the law or others' rights",
    "Engage in illegal weapons development",
    "Generate election misinformation",
];

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new(card: Value) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), MANIFEST).unwrap();
        let hub = FixtureHub::start();
        hub.add_repo(repo(card));
        hub.set_page(AUP, 200, "text/html; charset=utf-8", page(V1));
        Project { dir, hub }
    }

    fn manifest(&self) -> PathBuf {
        self.dir.path().join("models.toml")
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = modellock();
        isolate(&mut cmd, self.dir.path(), &self.hub.url());
        cmd.arg("--manifest-path").arg(self.manifest()).args(args);
        let r = run(&mut cmd);
        assert_no_panic(&r);
        r
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}:\n{}{}", r.stdout, r.stderr);
        r
    }

    fn lock(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("models.lock")).unwrap()
    }

    fn lock_json(&self) -> Value {
        let v: toml_edit::DocumentMut = self.lock().parse().unwrap();
        let text = v.to_string();
        toml_edit::de::from_str::<Value>(&text).unwrap()
    }

    /// `check`: exit status and every (code, severity).
    fn check(&self) -> (i32, Vec<(String, String)>) {
        let r = self.run(&["--format", "json", "check", "--offline"]);
        let diags = r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["severity"].as_str().unwrap().to_owned(),
                )
            })
            .filter(|(c, _)| c != "manifest::floating-revision")
            .collect();
        (r.code, diags)
    }

    /// `check`'s human output (stdout and stderr).
    fn check_text(&self) -> String {
        let r = self.run(&["check", "--offline"]);
        format!("{}{}", r.stdout, r.stderr)
    }

    fn review(&self) {
        self.ok(&[
            "review",
            "chat",
            "--reviewer",
            "legal@example.com",
            "--date",
            "2026-11-01",
        ]);
    }
}

fn documents(lock: &Value) -> Vec<Value> {
    lock["model"][0]["document"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn the_use_policy_is_locked_reviewed_and_its_change_needs_a_review() {
    let p = Project::new(json!({}));
    p.ok(&["update"]);
    let lock = p.lock_json();
    let docs = documents(&lock);
    assert_eq!(docs.len(), 1, "{lock:#}");
    assert_eq!(docs[0]["url"], AUP);
    assert_eq!(docs[0]["origin"], "kb:llama3.1");
    assert_eq!(docs[0]["title"], "Llama 3.1 Acceptable Use Policy");
    let d1 = page_digest(V1);
    assert_eq!(docs[0]["digest"], d1.as_str());
    // the documents digest: sha256 of the line `doc:URL\tHEX\n`
    let set1 = format!(
        "sha256:{}",
        sha256_hex(format!("doc:{AUP}\t{}\n", &d1[7..]).as_bytes())
    );
    assert_eq!(lock["model"][0]["documents-digest"], set1.as_str());
    assert!(lock["model"][0].get("documents-baseline").is_none());
    // the text a reviewer reads is in the store, without the site around it
    let stored = std::fs::read_to_string(
        p.dir
            .path()
            .join(format!(".modellock/licenses/sha256-{}.txt", &d1[7..])),
    )
    .unwrap();
    assert!(
        stored.starts_with("Llama 3.1 Acceptable Use Policy\n"),
        "{stored}"
    );
    assert!(
        !stored.contains("Docs") && !stored.contains("window.x") && !stored.contains("Meta 2026")
    );
    // the licenses report names it
    let r = p.ok(&["licenses"]);
    assert!(
        r.stdout
            .contains("Incorporates:  Llama 3.1 Acceptable Use Policy"),
        "{}",
        r.stdout
    );

    // unreviewed, then reviewed: the record carries the documents digest
    assert_eq!(
        p.check().1,
        [("license::unreviewed".to_owned(), "error".to_owned())]
    );
    p.review();
    let manifest = std::fs::read_to_string(p.manifest()).unwrap();
    assert!(
        manifest.contains(&format!("documents-digest = \"{set1}\"")),
        "{manifest}"
    );
    assert_eq!(p.check(), (0, vec![]));

    // the policy changes behind the same URL: outdated says so first
    p.hub.set_page(AUP, 200, "text/html", page(V2));
    let r = p.ok(&["--format", "json", "outdated"]);
    let row = &r.json()["models"][0];
    assert_eq!(row["documents"][0]["status"], "changed", "{row:#}");
    assert_eq!(row["documents"][0]["digest"], page_digest(V2).as_str());
    assert!(
        row["documents"][0]["what-changed"]
            .to_string()
            .contains("election misinformation"),
        "{row:#}"
    );
    assert_eq!(row["outdated"], true);

    // update locks it and says what changed; check goes red
    let r = p.ok(&["update"]);
    assert!(
        r.stdout
            .contains("a document the terms of `chat` incorporate changed"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("election misinformation"), "{}", r.stdout);
    let lock = p.lock_json();
    assert_eq!(documents(&lock)[0]["digest"], page_digest(V2).as_str());
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    assert_eq!(
        diags,
        [("license::document-changed".to_owned(), "error".to_owned())]
    );
    let out = p.check_text();
    assert!(
        out.contains(
            "Llama 3.1 Acceptable Use Policy (https://llama.meta.com/llama3_1/use-policy): changed"
        ),
        "{out}"
    );
    assert!(out.contains("modellock review chat"), "{out}");

    // diff shows the new clause, offline, from the store
    let mut cmd = modellock();
    isolate(&mut cmd, p.dir.path(), "http://127.0.0.1:9");
    cmd.env("HF_HUB_OFFLINE", "1")
        .arg("--manifest-path")
        .arg(p.manifest())
        .args(["diff", "chat"]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(AUP), "{}", r.stdout);
    assert!(
        r.stdout.contains("+- Generate election misinformation")
            || r.stdout.contains("election misinformation"),
        "{}",
        r.stdout
    );

    // a new review clears it
    p.review();
    assert_eq!(p.check(), (0, vec![]));
}

#[test]
fn an_old_lock_upgrades_without_turning_its_reviewed_models_red() {
    let p = Project::new(json!({}));
    p.ok(&["update"]);
    p.review();
    // the lock and the review as a modellock from before documents wrote
    // them: no documents, no documents digest
    let old_lock: String = strip_documents(&p.lock());
    std::fs::write(p.dir.path().join("models.lock"), &old_lock).unwrap();
    let manifest = std::fs::read_to_string(p.manifest()).unwrap();
    let old_manifest: String = manifest
        .lines()
        .filter(|l| !l.starts_with("documents-digest"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(p.manifest(), &old_manifest).unwrap();
    assert_eq!(p.check(), (0, vec![]), "the old lock checks as before");

    // upgrading: `update` locks the documents; the review still holds
    let r = p.ok(&["update"]);
    assert!(
        r.stdout.contains("reviews recorded before cover them"),
        "{}",
        r.stdout
    );
    let lock = p.lock_json();
    let m = &lock["model"][0];
    assert_eq!(m["documents-baseline"], m["documents-digest"], "{m:#}");
    assert_eq!(p.check(), (0, vec![]));
    // update again: nothing moves
    let before = p.lock();
    p.ok(&["update"]);
    assert_eq!(p.lock(), before);
    assert_eq!(p.check(), (0, vec![]));

    // the policy then changes: the old review does not cover the change
    p.hub.set_page(AUP, 200, "text/html", page(V2));
    p.ok(&["update"]);
    let lock = p.lock_json();
    assert_ne!(
        lock["model"][0]["documents-baseline"],
        lock["model"][0]["documents-digest"]
    );
    assert_eq!(
        p.check().1,
        [("license::document-changed".to_owned(), "error".to_owned())]
    );
    p.review();
    assert_eq!(p.check(), (0, vec![]));
}

/// The lock text without what modellock 0.1 before documents did not
/// write: `documents-*` keys and `[[model.document]]` tables.
fn strip_documents(lock: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in lock.lines() {
        if line.starts_with("[[") || line.starts_with('[') {
            skipping = line == "[[model.document]]";
        }
        if skipping || line.starts_with("documents-") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    // the blank line a dropped table leaves doubled
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out
}

#[test]
fn a_review_from_before_documents_does_not_cover_documents_it_never_saw() {
    // a model first locked now, with a review record written by hand in the
    // old form (no documents digest): there is no baseline
    let p = Project::new(json!({}));
    p.ok(&["update"]);
    let digest = p.lock_json()["model"][0]["license-digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut manifest = std::fs::read_to_string(p.manifest()).unwrap();
    manifest.push_str(&format!(
        "\n[[models.chat.review]]\nlicense-digest = \"{digest}\"\nreviewer = \"legal@example.com\"\ndate = 2026-11-01\n"
    ));
    std::fs::write(p.manifest(), manifest).unwrap();
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    assert_eq!(
        diags,
        [("license::document-changed".to_owned(), "error".to_owned())]
    );
    let out = p.check_text();
    assert!(out.contains(": added"), "{out}");
}

#[test]
fn an_unreadable_document_is_a_warning_never_a_silent_pass() {
    let p = Project::new(json!({}));
    p.hub.set_page(
        AUP,
        404,
        "text/html",
        "<html><body><main>Not found</main></body></html>",
    );
    let r = p.ok(&["--format", "json", "update"]);
    let codes = r.codes();
    assert!(
        codes.contains(&"license::document-unavailable".to_owned()),
        "{}",
        r.stdout
    );
    let docs = documents(&p.lock_json());
    assert_eq!(docs[0]["unavailable"], "HTTP 404");
    assert!(docs[0].get("digest").is_none());
    // check warns for as long as the lock says so (and it needs a review)
    let (_, diags) = p.check();
    assert!(
        diags.contains(&(
            "license::document-unavailable".to_owned(),
            "warning".to_owned()
        )),
        "{diags:?}"
    );
    p.review();
    let (code, diags) = p.check();
    assert_eq!(
        (code, diags),
        (
            0,
            vec![(
                "license::document-unavailable".to_owned(),
                "warning".to_owned()
            )]
        )
    );

    // it can be read now: the text a reviewer never saw needs a review
    p.hub.set_page(AUP, 200, "text/html", page(V1));
    p.ok(&["update"]);
    let (code, diags) = p.check();
    assert_eq!(
        (code, diags),
        (
            1,
            vec![("license::document-changed".to_owned(), "error".to_owned())]
        )
    );
    let out = p.check_text();
    assert!(out.contains("read for the first time"), "{out}");
    p.review();

    // unreachable later: the text locked before is kept, with a warning
    let locked = p.lock();
    p.hub.set_page(AUP, 503, "text/plain", "down");
    let r = p.ok(&["--format", "json", "update"]);
    assert!(r
        .codes()
        .contains(&"license::document-unavailable".to_owned()));
    assert!(
        r.stdout.contains("the text locked before is kept"),
        "{}",
        r.stdout
    );
    assert_eq!(p.lock(), locked);
    assert_eq!(p.check(), (0, vec![]));

    // offline: the same
    let mut cmd = modellock();
    isolate(&mut cmd, p.dir.path(), &p.hub.url());
    cmd.env("HF_HUB_OFFLINE", "1")
        .arg("--manifest-path")
        .arg(p.manifest())
        .args(["outdated"]);
    let r = run(&mut cmd);
    assert_no_panic(&r);
}

#[test]
fn the_card_link_and_gated_prompt_are_documents_and_the_token_stays_home() {
    let p = Project::new(json!({}));
    p.hub.add_repo(repo(json!({
        "license_link": "https://example.com/model-terms",
        "extra_gated_prompt": "You agree to the Llama 3.1 Community License.\n\nAnd to share your contact details.",
    })));
    p.hub.set_page(
        "https://example.com/model-terms",
        200,
        "text/plain; charset=utf-8",
        "Model terms, version 1.\n",
    );
    p.hub.set_token("hf_secret_token");
    let mut cmd = modellock();
    isolate(&mut cmd, p.dir.path(), &p.hub.url());
    cmd.env("HF_TOKEN", "hf_secret_token")
        .arg("--manifest-path")
        .arg(p.manifest())
        .arg("update");
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let docs = documents(&p.lock_json());
    let origins: Vec<&str> = docs.iter().map(|d| d["origin"].as_str().unwrap()).collect();
    assert_eq!(
        origins,
        [
            "card:extra_gated_prompt",
            "card:license_link",
            "kb:llama3.1"
        ],
        "{docs:#?}"
    );
    let prompt = format!(
        "sha256:{}",
        sha256_hex(
            b"You agree to the Llama 3.1 Community License. And to share your contact details."
        )
    );
    assert_eq!(docs[0]["digest"], prompt.as_str());
    assert!(docs[0].get("url").is_none());
    assert_eq!(docs[1]["url"], "https://example.com/model-terms");
    let terms = format!("sha256:{}", sha256_hex(b"Model terms, version 1."));
    assert_eq!(docs[1]["digest"], terms.as_str());
    // the Hub got the token; no page of another site did, though the
    // mirror here is on the Hub's own origin
    let requests = p.hub.requests();
    assert!(requests
        .iter()
        .any(|r| r.path.starts_with("/api/") && r.header("authorization").is_some()));
    let pages: Vec<_> = requests
        .iter()
        .filter(|r| r.path.starts_with("/web/"))
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    for req in pages {
        assert!(req.header("authorization").is_none(), "{req:?}");
    }
    let r = p.ok(&["licenses"]);
    assert!(
        r.stdout.contains("Gated access prompt (in the model card)"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_license_link_to_another_hub_repo_reads_its_raw_file() {
    // Qwen derivatives link their base's LICENSE: read from HF_ENDPOINT,
    // at the revision the link names, as raw text
    let p = Project::new(json!({}));
    let base_license = "Base model terms.\nDo not misuse.\n";
    p.hub.add_repo(Repo::simple(
        "base-org/Base-7B",
        vec![
            File::git("LICENSE", base_license),
            File::lfs("w.safetensors", vec![1u8; 64]),
        ],
        json!({"license": "other", "license_name": "base-license"}),
    ));
    p.hub.add_repo(repo(json!({
        "license_link": "https://huggingface.co/base-org/Base-7B/blob/main/LICENSE",
    })));
    p.ok(&["update"]);
    let docs = documents(&p.lock_json());
    let link = docs
        .iter()
        .find(|d| d["origin"] == "card:license_link")
        .expect("the linked license");
    assert_eq!(
        link["url"],
        "https://huggingface.co/base-org/Base-7B/resolve/main/LICENSE"
    );
    let want = format!("sha256:{}", sha256_hex(b"Base model terms. Do not misuse."));
    assert_eq!(link["digest"], want.as_str());
    // the model's own LICENSE named by the link is not a document: it is
    // locked with the license digest already
    p.hub.add_repo(repo(json!({
        "license_link": "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/LICENSE",
    })));
    p.ok(&["update"]);
    let docs = documents(&p.lock_json());
    assert!(
        docs.iter().all(|d| d["origin"] != "card:license_link"),
        "{docs:#?}"
    );
}

#[test]
fn what_is_not_a_text_document_is_not_locked_as_one() {
    let p = Project::new(json!({}));
    p.hub.set_page(
        AUP,
        200,
        "application/pdf",
        b"%PDF-1.7 \x00\x01binary".to_vec(),
    );
    let r = p.ok(&["--format", "json", "update"]);
    assert!(r
        .codes()
        .contains(&"license::document-unavailable".to_owned()));
    assert_eq!(
        documents(&p.lock_json())[0]["unavailable"],
        "not a text document (application/pdf)"
    );
    // a page drawn by JavaScript has no text
    p.hub.set_page(
        AUP,
        200,
        "text/html",
        "<html><body><div id=root></div><script>render()</script></body></html>",
    );
    p.ok(&["update"]);
    assert_eq!(
        documents(&p.lock_json())[0]["unavailable"],
        "the page has no text (it may be drawn by JavaScript)"
    );
}

#[test]
fn a_lock_whose_documents_digest_was_edited_does_not_read() {
    let p = Project::new(json!({}));
    p.ok(&["update"]);
    p.review();
    // the policy changes; someone copies the reviewed documents digest over
    // the new one by hand to make check pass
    let reviewed = p.lock_json()["model"][0]["documents-digest"]
        .as_str()
        .unwrap()
        .to_owned();
    p.hub.set_page(AUP, 200, "text/html", page(V2));
    p.ok(&["update"]);
    let lock = p.lock();
    let new = p.lock_json()["model"][0]["documents-digest"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(
        p.dir.path().join("models.lock"),
        lock.replace(&new, &reviewed),
    )
    .unwrap();
    let r = p.run(&["--format", "json", "check", "--offline"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.codes().contains(&"lock::parse".to_owned()),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("is not the digest of the documents it lists"),
        "{}",
        r.stdout
    );
}
