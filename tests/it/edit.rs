//! `init` and `add`: files written atomically, comments and layout kept,
//! refusals with exit 2 that change nothing.

use crate::common;

use common::*;
use modellock::diag::Files;
use modellock::lock::{self, Lock};
use std::path::Path;

fn temp_with(src: Option<&str>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.toml");
    if let Some(src) = src {
        std::fs::copy(root().join(src), &path).unwrap();
    }
    (dir, path)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn init_writes_a_skeleton_that_passes_check_once_locked() {
    let (dir, path) = temp_with(None);
    let r = run_on(&path, &["init"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.is_empty(),
        "human status goes to stderr: {}",
        r.stdout
    );
    assert!(r.stderr.contains("Created"));
    let text = read(&path);
    assert!(text.starts_with("# models.toml"));
    let mut files = Files::new();
    let (m, diags) = modellock::manifest::load(&path, &mut files);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(m.unwrap().models.is_empty());

    // without a lock, check says so; with the (empty) lock update writes, it passes
    assert_eq!(run_on(&path, &["check"]).code, 1);
    lock::write_atomic(&dir.path().join("models.lock"), &Lock::default()).unwrap();
    let r = run_on(&path, &["check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn init_refuses_to_overwrite() {
    let (_dir, path) = temp_with(Some("fixtures/add/models.toml"));
    let before = read(&path);
    let r = run_on(&path, &["--format", "json", "init"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.codes(), ["manifest::exists"]);
    assert_eq!(read(&path), before);
    let r = run_on(Path::new("/nonexistent-dir/models.toml"), &["init"]);
    assert_eq!(r.code, 2);
    assert_no_panic(&r);
}

#[test]
fn add_keeps_comments_and_layout() {
    let (_dir, path) = temp_with(Some("fixtures/add/models.toml"));
    let before = read(&path);
    let r = run_on(
        &path,
        &[
            "add",
            "hf:BAAI/bge-small-en-v1.5",
            "--revision",
            "v1.5",
            "--files",
            "*.safetensors",
            "--files",
            "*.json",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("modellock update bge-small-en-v1.5"),
        "{}",
        r.stderr
    );
    let after = read(&path);
    assert!(
        after.starts_with(&before),
        "the existing text is kept byte for byte"
    );
    let r = run_on(
        &path,
        &["add", "ollama:llama3.2:3b", "--name", "local-chat"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run_on(&path, &["add", "path:models/mine"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    insta::assert_snapshot!(read(&path));
}

#[test]
fn add_refuses_duplicates_and_bad_input_without_touching_the_file() {
    let (_dir, path) = temp_with(Some("fixtures/add/models.toml"));
    let before = read(&path);
    for (args, code) in [
        (
            &["add", "hf:org/other", "--name", "chat"][..],
            "manifest::duplicate-name",
        ),
        (
            &["add", "hf:org/other", "--name", "CHAT"][..],
            "manifest::duplicate-name",
        ),
        (&["add", "hf:org--x/y"][..], "manifest::invalid-source"),
        (
            &["add", "meta-llama/Llama-3.1-8B"][..],
            "manifest::invalid-source",
        ),
        (
            &["add", "hf:org/x", "--revision", "a..b"][..],
            "manifest::invalid-revision",
        ),
        (
            &["add", "ollama:llama3.2", "--revision", "3b"][..],
            "manifest::invalid-revision",
        ),
        (
            &["add", "hf:org/x", "--files", "*.{json"][..],
            "manifest::invalid-glob",
        ),
        (
            &["add", "hf:org/x", "--name", "bad name"][..],
            "manifest::invalid-name",
        ),
    ] {
        let mut full = vec!["--format", "json"];
        full.extend_from_slice(args);
        let r = run_on(&path, &full);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert_eq!(r.codes(), [code], "{args:?}");
        assert_eq!(read(&path), before, "{args:?} changed the file");
        assert_no_panic(&r);
    }
    let r = run_on(
        &path,
        &["--format", "json", "add", "meta-llama/Llama-3.1-8B"],
    );
    let help = r.json()["diagnostics"][0]["help"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(help.contains("hf:meta-llama/Llama-3.1-8B"), "{help}");
}

#[test]
fn add_refuses_an_invalid_manifest() {
    let (_dir, path) = temp_with(Some("fixtures/invalid/unknown-key/models.toml"));
    let before = read(&path);
    let r = run_on(&path, &["--format", "json", "add", "hf:org/x"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.codes(), ["manifest::unknown-key"]);
    assert_eq!(read(&path), before);
    let r = run_on(
        Path::new("/nonexistent-dir/models.toml"),
        &["--format", "json", "add", "hf:org/x"],
    );
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["manifest::not-found".to_owned()])
    );
}

#[test]
fn add_into_a_manifest_without_models() {
    let (_dir, path) = temp_with(None);
    std::fs::write(&path, "[policy]\nallow = [\"mit\"]").unwrap(); // no final newline
    let r = run_on(&path, &["--format", "json", "add", "hf:org/model"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["added"]["name"], "model");
    assert_eq!(
        read(&path),
        "[policy]\nallow = [\"mit\"]\n\n[models.model]\nsource = \"hf:org/model\"\n"
    );
}

#[test]
fn lock_writes_are_deterministic_and_skip_unchanged_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.lock");
    let text = std::fs::read_to_string(root().join("fixtures/check/reviewed/models.lock")).unwrap();
    let mut files = Files::new();
    let id = files.add("models.lock", text.as_str());
    let (parsed, diags) = lock::parse(&text, id);
    assert!(diags.is_empty());
    let parsed = parsed.unwrap();
    assert_eq!(
        lock::render(&parsed),
        text,
        "parse → render is the identity on a canonical lock"
    );
    let mut reversed = parsed.clone().into_models();
    reversed.reverse();
    let parsed = lock::Lock::new(reversed);
    assert_eq!(
        lock::render(&parsed),
        text,
        "order of models does not matter"
    );
    assert_eq!(
        lock::write_atomic(&path, &parsed).unwrap(),
        lock::WriteOutcome::Written
    );
    // an mtime no write could leave: a rewrite would change it
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    assert_eq!(
        lock::write_atomic(&path, &parsed).unwrap(),
        lock::WriteOutcome::Unchanged
    );
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), old);
}

#[test]
fn remove_keeps_the_rest_and_update_forgets_what_only_it_used() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, license) in [
        ("a", "MIT License\n\nCopyright (c) a\n"),
        ("b", "Custom terms of b, version 1.\n"),
    ] {
        let m = d.join("models").join(name);
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(m.join("LICENSE"), license).unwrap();
        std::fs::write(m.join("model.safetensors"), name.as_bytes()).unwrap();
    }
    let manifest = "# the product's models\n[policy]\nallow = [\"mit\"]\n\n# A, the classifier\n[models.a]\nsource = \"path:models/a\"\nlicense = \"mit\"\n\n# B, to be retired\n[models.b]\nsource = \"path:models/b\"\nlicense = \"custom\"\n\n[[models.b.review]]\nlicense-digest = \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"\nreviewer = \"legal@example.com\"\ndate = 2026-01-01\n";
    std::fs::write(d.join("models.toml"), manifest).unwrap();
    let run_here = |args: &[&str]| {
        let mut cmd = project_command(d, "http://127.0.0.1:9");
        cmd.args(args);
        run_checked(&mut cmd)
    };
    assert_eq!(run_here(&["update"]).code, 0);
    let texts = |sub: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d.join(".modellock").join(sub))
            .map(|r| {
                r.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    assert_eq!(texts("licenses").len(), 2);
    // a name that is not there, and a base that would be orphaned
    assert_eq!(run_here(&["remove", "c"]).code, 2);
    let r = run_here(&["remove", "b"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let after = std::fs::read_to_string(d.join("models.toml")).unwrap();
    assert_eq!(
        after,
        "# the product's models\n[policy]\nallow = [\"mit\"]\n\n# A, the classifier\n[models.a]\nsource = \"path:models/a\"\nlicense = \"mit\"\n"
    );
    // the next update drops it from the lock, and its texts from the store
    let r = run_here(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lock = std::fs::read_to_string(d.join("models.lock")).unwrap();
    assert!(
        lock.contains("name = \"a\"") && !lock.contains("name = \"b\""),
        "{lock}"
    );
    assert_eq!(texts("licenses").len(), 1, "{:?}", texts("licenses"));
    assert_eq!(texts("terms").len(), 1, "{:?}", texts("terms"));
    assert_eq!(run_here(&["check", "--offline"]).code, 0);
}

#[test]
fn remove_refuses_to_orphan_a_derived_model() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[models.base]\nsource = \"hf:org/base\"\n\n[models.tuned]\nsource = \"hf:org/tuned\"\nbase = \"base\"\n",
    )
    .unwrap();
    let mut cmd = project_command(dir.path(), "http://127.0.0.1:9");
    cmd.args(["--format", "json", "remove", "base"]);
    let r = run_checked(&mut cmd);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("`base` is the base of `tuned`, which stays"),
        "{}",
        r.stdout
    );
    // both go together
    let mut cmd = project_command(dir.path(), "http://127.0.0.1:9");
    cmd.args(["remove", "tuned", "base"]);
    assert_eq!(run_checked(&mut cmd).code, 0);
}

#[test]
fn add_with_version_license_base_and_lock() {
    use crate::support::hub::{File, FixtureHub, Repo};
    let hub = FixtureHub::start();
    let mut base = Repo::simple(
        "org/base",
        vec![
            File::git("LICENSE", "MIT License\n\nCopyright (c) org\n"),
            File::lfs("model.safetensors", vec![1u8; 256]),
        ],
        serde_json::json!({"license": "mit"}),
    );
    base.tags = vec![("v1.0.0".into(), 0)];
    hub.add_repo(base);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "# models\n[policy]\nallow = [\"mit\"]\n\n[models.tuned]\nsource = \"hf:org/tuned\"\n",
    )
    .unwrap();
    let mut cmd = project_command(dir.path(), &hub.url());
    cmd.args([
        "add",
        "hf:org/base",
        "--name",
        "base",
        "--version",
        "^1",
        "--license",
        "mit",
        "--lock",
    ]);
    let r = run_checked(&mut cmd);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let manifest = read(&dir.path().join("models.toml"));
    assert!(
        manifest.ends_with(
            "[models.base]\nsource = \"hf:org/base\"\nversion = \"^1\"\nlicense = \"mit\"\n"
        ),
        "{manifest}"
    );
    // locked right away, at the release the requirement takes
    let lock = read(&dir.path().join("models.lock"));
    assert!(
        lock.contains("name = \"base\"") && lock.contains("tag = \"v1.0.0\""),
        "{lock}"
    );
    // --base names an entry; --version and --revision exclude each other
    let mut cmd = project_command(dir.path(), &hub.url());
    cmd.args(["add", "hf:org/other", "--base", "base"]);
    assert_eq!(run_checked(&mut cmd).code, 0);
    assert!(read(&dir.path().join("models.toml"))
        .ends_with("source = \"hf:org/other\"\nbase = \"base\"\n"));
    let mut cmd = project_command(dir.path(), &hub.url());
    cmd.args(["add", "hf:org/third", "--base", "nowhere"]);
    assert_eq!(run_checked(&mut cmd).code, 2);
    let mut cmd = project_command(dir.path(), &hub.url());
    cmd.args([
        "add",
        "hf:org/fourth",
        "--version",
        "^1",
        "--revision",
        "main",
    ]);
    assert_eq!(run_checked(&mut cmd).code, 2);
}
