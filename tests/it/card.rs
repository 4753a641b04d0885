//! `license::card-mismatch` end to end: a card's `license:` that the LICENSE
//! file contradicts. The fixture texts stand for known licenses through a
//! fingerprints file (`MODELLOCK_FINGERPRINTS`), as an organisation adds its
//! own texts.

use crate::common;
use crate::support;

use common::*;
use modellock::license::identify::{Fingerprints, Known};
use serde_json::json;
use support::hub::{File, FixtureHub, Repo};

fn text(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/licenses").join(name)).unwrap()
}

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new(card: serde_json::Value, license: &[u8]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("models.toml"),
            "[policy]\nallow = [\"mit\", \"apache-2.0\"]\n\n[models.quant]\nsource = \"hf:someone/Example-3-8B-GGUF\"\n",
        )
        .unwrap();
        // the fixture texts, fingerprinted as the licenses they imitate
        let fp = Fingerprints {
            texts: vec![
                Known::of(
                    "llama3",
                    "example-3.LICENSE.txt",
                    &text("example-3.LICENSE.txt"),
                ),
                Known::of(
                    "mit",
                    "example-permissive.LICENSE.txt",
                    &text("example-permissive.LICENSE.txt"),
                ),
            ],
        };
        std::fs::write(dir.path().join("fingerprints.toml"), fp.to_toml()).unwrap();
        let hub = FixtureHub::start();
        hub.add_repo(Repo::simple(
            "someone/Example-3-8B-GGUF",
            vec![
                File::git("LICENSE", license.to_vec()),
                File::lfs("model-Q4_K_M.gguf", vec![3u8; 2048]),
            ],
            card,
        ));
        Project { dir, hub }
    }

    fn run(&self, args: &[&str]) -> Run {
        let fingerprints = self.dir.path().join("fingerprints.toml");
        run_checked(
            project_command(self.dir.path(), &self.hub.url())
                .env("MODELLOCK_FINGERPRINTS", fingerprints)
                .args(args),
        )
    }

    fn lock(&self) -> toml_edit::DocumentMut {
        std::fs::read_to_string(self.dir.path().join("models.lock"))
            .unwrap()
            .parse()
            .unwrap()
    }
}

#[test]
fn a_card_that_says_mit_over_a_llama_license() {
    let p = Project::new(json!({"license": "mit"}), &text("example-3.LICENSE.txt"));
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lock = p.lock();
    let m = &lock["model"][0];
    assert_eq!(
        m["license"].as_str(),
        Some("llama3"),
        "the stricter license is locked"
    );
    let lf = &m["license-file"][0];
    assert_eq!(lf["id"].as_str(), Some("llama3"));
    assert_eq!(lf["confidence"].as_float(), Some(1.0));

    let r = p.run(&["--format", "json", "check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.codes().contains(&"license::card-mismatch".to_owned()),
        "{}",
        r.stdout
    );
    // policy applies to the stricter license: llama3 is not allowed
    assert!(
        r.codes().contains(&"license::unreviewed".to_owned()),
        "{}",
        r.stdout
    );
    let d = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "license::card-mismatch")
        .unwrap()
        .clone();
    assert_eq!(
        d["message"],
        "model `quant`'s card declares `mit`, but `LICENSE` is the `llama3` text"
    );
    assert_eq!(d["labels"][0]["line"], 4);
}

#[test]
fn a_near_copy_under_an_apache_label() {
    // a quantization labelled apache-2.0 whose LICENSE is the Example 3
    // text with a word changed: a near match, still the stricter license
    let edited = String::from_utf8(text("example-3.LICENSE.txt"))
        .unwrap()
        .replace("you must request a license", "you may request a license");
    let p = Project::new(json!({"license": "apache-2.0"}), edited.as_bytes());
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let m = &p.lock()["model"][0];
    assert_eq!(m["license"].as_str(), Some("llama3"));
    let lf = &m["license-file"][0];
    assert_eq!(lf["id"].as_str(), Some("llama3"));
    let c = lf["confidence"].as_float().unwrap();
    assert!((0.85..1.0).contains(&c), "{c}");
    let r = p.run(&["--format", "json", "check"]);
    assert!(
        r.codes().contains(&"license::card-mismatch".to_owned()),
        "{}",
        r.stdout
    );
    let msg = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "license::card-mismatch")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("reads as `llama3` ("), "{msg}");
}

#[test]
fn a_card_that_agrees_with_its_file() {
    let p = Project::new(
        json!({"license": "mit"}),
        &text("example-permissive.LICENSE.txt"),
    );
    assert_eq!(p.run(&["update"]).code, 0);
    assert_eq!(p.lock()["model"][0]["license"].as_str(), Some("mit"));
    let r = p.run(&["--format", "json", "check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn a_broken_fingerprints_file_is_refused() {
    let p = Project::new(
        json!({"license": "mit"}),
        &text("example-permissive.LICENSE.txt"),
    );
    std::fs::write(p.dir.path().join("fingerprints.toml"), "not = [valid").unwrap();
    let r = p.run(&["--format", "json", "update"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["license::fingerprints".to_owned()])
    );
    assert!(!p.dir.path().join("models.lock").exists());
}

/// A near copy of another version of the family under the card's version is
/// other terms: the Llama 3.1 license (a word changed) under a card saying
/// `llama3.2` is a card mismatch, not agreement, and the stricter of the
/// two is locked.
#[test]
fn another_version_of_the_family_under_the_card_is_a_mismatch() {
    let real = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/licenses/known/llama3_1.LICENSE.txt"),
    )
    .unwrap();
    let edited = real.replacen("worldwide", "world-wide", 1);
    assert_ne!(edited, real);
    let p = Project::new(json!({"license": "llama3.2"}), edited.as_bytes());
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lf = &p.lock()["model"][0]["license-file"][0];
    assert_eq!(lf["id"].as_str(), Some("llama3.1"), "{lf}");
    assert!(lf["confidence"].as_float().unwrap() < 1.0);
    let r = p.run(&["--format", "json", "check"]);
    assert!(
        r.codes().contains(&"license::card-mismatch".to_owned()),
        "{}",
        r.stdout
    );
}
