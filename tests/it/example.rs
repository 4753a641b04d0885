//! The example under fixtures/example must stay truthful: its committed
//! models.lock is exactly what the directories lock to, and it passes
//! `check` on a fresh clone. `MODELLOCK_BLESS=1 cargo test --test it example::`
//! rewrites the lock after a deliberate change to the example.

use assert_cmd::Command;
use modellock::diag::Files;
use modellock::lock::{self, Lock};
use modellock::manifest;
use modellock::resolve::Resolver;
use modellock::source::Source;
use std::path::Path;

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example")
}

#[test]
fn committed_lock_is_what_the_directories_lock_to() {
    let dir = example();
    let mut files = Files::new();
    let (m, diags) = manifest::load(&dir.join("models.toml"), &mut files);
    assert!(diags.is_empty(), "{diags:?}");
    let m = m.unwrap();
    // exactly what `update` locks: the directories' files, their license
    // files identified
    let cache = tempfile::tempdir().unwrap();
    let mut env = modellock::env::Env::from_process();
    env.cache_dir = cache.path().to_owned();
    let resolver = Resolver::new(env, &m.path);
    let mut expected = Lock::default();
    for entry in &m.models {
        assert!(
            matches!(entry.source.value, Source::Path(_)),
            "example uses path: sources"
        );
        expected.insert(resolver.lock_entry(entry, None).unwrap());
    }
    let text = lock::render(&expected);
    let lock_path = dir.join("models.lock");
    if std::env::var_os("MODELLOCK_BLESS").is_some() {
        std::fs::write(&lock_path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&lock_path).unwrap();
    assert_eq!(
        committed, text,
        "fixtures/example/models.lock is out of date; rerun with MODELLOCK_BLESS=1"
    );
}

#[test]
fn example_passes_check() {
    let dir = example();
    Command::cargo_bin("modellock")
        .unwrap()
        .args(["--manifest-path"])
        .arg(dir.join("models.toml"))
        .args(["check", "--offline"])
        .assert()
        .code(0);
}

/// Known answers for the example, computed with Python's hashlib from the
/// rules of DESIGN.md (not by modellock): each file's sha256, each license
/// file's digest (its text split on white space, joined by single spaces),
/// the license digest (the sorted `file:PATH\tHEX` lines) and a directory's
/// revision (the sorted `PATH\tSIZE\tSHA256` lines of its locked and
/// license files).
#[test]
fn committed_lock_has_the_independently_computed_digests() {
    let text = std::fs::read_to_string(example().join("models.lock")).unwrap();
    let doc: toml_edit::DocumentMut = text.parse().unwrap();
    let models = doc["model"].as_array_of_tables().unwrap();
    let model = |name: &str| {
        models
            .iter()
            .find(|m| m["name"].as_str() == Some(name))
            .unwrap()
    };
    let s = |t: &toml_edit::Table, k: &str| t[k].as_str().unwrap().to_owned();
    let files = |t: &toml_edit::Table| -> Vec<(String, i64, String)> {
        t["file"]
            .as_array_of_tables()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    s(f, "path"),
                    f["size"].as_integer().unwrap(),
                    s(f, "sha256"),
                )
            })
            .collect()
    };
    let license_files = |t: &toml_edit::Table| -> Vec<(String, String)> {
        t["license-file"]
            .as_array_of_tables()
            .unwrap()
            .iter()
            .map(|f| (s(f, "path"), s(f, "digest")))
            .collect()
    };

    let adapter = model("adapter");
    assert_eq!(
        s(adapter, "revision"),
        "sha256:ca8d1177c66e71c136b987709ac15204be0188bc5a29def7d318320c4a59c756"
    );
    assert_eq!(
        s(adapter, "license-digest"),
        "sha256:281a0a631b12c31d3bdb5b363a23d66e4b8554ecb00ad23a3bc0f6536d85772f"
    );
    assert_eq!(
        license_files(adapter),
        [
            (
                "LICENSE".into(),
                "sha256:a6684b2908f369f716c57549363252d707e5a1d4ed13412db5571aee54a3e1b7".into()
            ),
            (
                "USE_POLICY.md".into(),
                "sha256:cfd323481e1c93c0fdde3738d2c573b848593a2da22f3dde4df9a484ca35ae7d".into()
            ),
        ]
    );
    assert_eq!(
        files(adapter),
        [
            (
                "adapter_config.json".into(),
                142,
                "44c06a055d7f2581a893df276bca1d2d912c7234026f1bc87ad2ea219a61e18c".into()
            ),
            (
                "adapter_model.safetensors".into(),
                152,
                "779dddc19348dfac91495a17bb38b809ca25d0468447ab55bd8d337fc5028f06".into()
            ),
        ]
    );

    let classifier = model("classifier");
    assert_eq!(
        s(classifier, "revision"),
        "sha256:33991fff5c158d2236ef135b7d0329fb06768703c1f9244f0cc26bc9c16c8872"
    );
    assert_eq!(
        s(classifier, "license-digest"),
        "sha256:7484f7b84ebc299f6abd0cd4ebecc2eb35fcac2441f11d3efdea0680a5cc99df"
    );
    assert_eq!(
        license_files(classifier),
        [(
            "LICENSE".into(),
            "sha256:aa5de618858d63477807dc1f84984930510b0ce526d97e936367af64f1ef366d".into()
        )]
    );
    assert_eq!(
        files(classifier),
        [
            (
                "LICENSE".into(),
                1078,
                "2655caa6b5dba1a849430f5b43b6ce52da0ffcf648c31577f8094960aba1d426".into()
            ),
            (
                "config.json".into(),
                131,
                "79176818eb1262fc474d1717b02c5b30d5a5c1537001dba510045684cfcca70c".into()
            ),
            (
                "model.safetensors".into(),
                192,
                "0c976db8e6e17fd8b9f70073e23fed2b849622bc20f75c960e2c8f6677bc7457".into()
            ),
        ]
    );
}
