//! Writers of a project (issue 15): one at a time under an advisory lock,
//! never through a symbolic link, and what an interrupted writer left
//! behind is swept by the next.

use crate::common::{copy_fixture, modellock, run};
use std::path::Path;
use std::process::Command;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("modellock")
}

fn manifest_with(dir: &Path, text: &str) -> std::path::PathBuf {
    let m = dir.join("models.toml");
    std::fs::write(&m, text).unwrap();
    m
}

/// A second writer waits for the first, says so, and fails with
/// `project::locked` when the wait runs out; nothing is written.
#[test]
fn a_second_writer_waits_then_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest_with(dir.path(), "# mine\n");
    // another process holds the lock (the test, here)
    let held = std::fs::File::open(dir.path()).unwrap();
    held.lock().unwrap();
    let mut cmd = modellock();
    cmd.env("MODELLOCK_LOCK_TIMEOUT", "1")
        .arg("--manifest-path")
        .arg(&m)
        .args(["--format", "json", "add", "path:models/a"]);
    let r = run(&mut cmd);
    assert_eq!((r.code, r.codes()), (2, vec!["project::locked".to_owned()]));
    assert!(r.stderr.contains("Waiting"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&m).unwrap(), "# mine\n");
    // readers never wait
    let mut check = modellock();
    check
        .arg("--manifest-path")
        .arg(&m)
        .args(["--format", "json", "check"]);
    assert_ne!(run(&mut check).codes(), vec!["project::locked".to_owned()]);
    drop(held);
    let mut again = modellock();
    again
        .arg("--manifest-path")
        .arg(&m)
        .args(["add", "path:models/a"]);
    assert_eq!(run(&mut again).code, 0);
}

/// Two `add`s at once both land (without the lock one edit was lost in
/// most trials).
#[test]
fn concurrent_adds_both_land() {
    for round in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let m = manifest_with(dir.path(), "[policy]\nallow = [\"mit\"]\n");
        let spawn = |name: &str| {
            Command::new(bin())
                .arg("--manifest-path")
                .arg(&m)
                .args(["-q", "add", &format!("path:models/{name}"), "--name", name])
                .spawn()
                .unwrap()
        };
        let (mut a, mut b) = (spawn("first"), spawn("second"));
        assert!(a.wait().unwrap().success());
        assert!(b.wait().unwrap().success());
        let text = std::fs::read_to_string(&m).unwrap();
        assert!(
            text.contains("[models.first]") && text.contains("[models.second]"),
            "round {round}: {text}"
        );
    }
}

/// A models.lock, models.toml or `.modellock/` that is a symbolic link is
/// never written through (nor replaced by a file): the command says so and
/// the link's target is untouched.
#[test]
fn links_are_never_written_through() {
    let (dir, manifest) = copy_fixture("example");
    let elsewhere = tempfile::tempdir().unwrap();

    // models.toml as a link: `add` refuses
    let target = elsewhere.path().join("models.toml");
    std::fs::rename(&manifest, &target).unwrap();
    std::os::unix::fs::symlink(&target, &manifest).unwrap();
    let before = std::fs::read(&target).unwrap();
    let mut cmd = modellock();
    cmd.arg("--manifest-path").arg(&manifest).args([
        "--format",
        "json",
        "add",
        "path:models/tiny-classifier",
        "--name",
        "x",
    ]);
    let r = run(&mut cmd);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["manifest::io".to_owned()]),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("symbolic link"), "{}", r.stdout);
    assert_eq!(std::fs::read(&target).unwrap(), before);
    assert!(std::fs::symlink_metadata(&manifest)
        .unwrap()
        .file_type()
        .is_symlink());
    std::fs::remove_file(&manifest).unwrap();
    std::fs::rename(&target, &manifest).unwrap();

    // models.lock as a link: `update` refuses
    let lock = dir.path().join("models.lock");
    let lock_target = elsewhere.path().join("models.lock");
    std::fs::write(&lock_target, "version = 1\n").unwrap();
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&lock_target, &lock).unwrap();
    let mut cmd = modellock();
    cmd.env("HF_HUB_OFFLINE", "1")
        .env("MODELLOCK_CACHE_DIR", elsewhere.path().join("cache"))
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--format", "json", "update"]);
    let r = run(&mut cmd);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["lock::io".to_owned()]),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&lock_target).unwrap(),
        "version = 1\n"
    );
    assert!(std::fs::symlink_metadata(&lock)
        .unwrap()
        .file_type()
        .is_symlink());
    std::fs::remove_file(&lock).unwrap();

    // `.modellock/` as a link: the store is not written
    let store = dir.path().join(".modellock");
    let store_target = elsewhere.path().join("store");
    std::fs::create_dir_all(&store_target).unwrap();
    std::fs::remove_dir_all(&store).unwrap();
    std::os::unix::fs::symlink(&store_target, &store).unwrap();
    let r = run(&mut cmd);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["license::store-io".to_owned()]),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read_dir(&store_target).unwrap().count(), 0);
    assert!(!lock.exists(), "no lock without its store");
}

/// Temporary files an interrupted (killed) write left beside models.toml,
/// models.lock and in the store are removed by the next writer; other
/// dot-files stay.
#[test]
fn temporary_files_of_interrupted_writes_are_swept() {
    let (dir, manifest) = copy_fixture("example");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let litter = [
        dir.path().join(".models.lock.a1B2c3.tmp"),
        dir.path().join(".models.toml.Zz9yY8.tmp"),
        dir.path()
            .join(".modellock/licenses")
            .join(format!(".sha256-{}.txt.q1w2e3.tmp", "0".repeat(64))),
    ];
    for p in &litter {
        std::fs::write(p, "half a file").unwrap();
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let keep = dir.path().join(".models.lock.notours");
    std::fs::write(&keep, "x").unwrap();
    let mut cmd = modellock();
    cmd.arg("--manifest-path").arg(&manifest).args([
        "-q",
        "add",
        "path:models/tiny-classifier",
        "--name",
        "again",
    ]);
    assert_eq!(run(&mut cmd).code, 0);
    for p in &litter {
        assert!(!p.exists(), "{} was swept", p.display());
    }
    assert!(keep.exists());
}

/// Ctrl-C ends a writer as a shell expects (exit 130) and leaves nothing
/// behind: here while it waits for the project's lock.
#[test]
fn an_interrupted_writer_exits_130_and_leaves_nothing() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let m = manifest_with(dir.path(), "# mine\n");
    let held = std::fs::File::open(dir.path()).unwrap();
    held.lock().unwrap();
    let mut child = Command::new(bin())
        .env("MODELLOCK_LOCK_TIMEOUT", "600")
        .arg("--manifest-path")
        .arg(&m)
        .args(["add", "path:models/a"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // wait until it says it is waiting (its handler is installed by then)
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("Waiting") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no Waiting line");
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait().unwrap();
    assert_eq!(out.code(), Some(130));
    drop(held);
    assert_eq!(std::fs::read_to_string(&m).unwrap(), "# mine\n");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
