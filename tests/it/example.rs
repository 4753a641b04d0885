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
