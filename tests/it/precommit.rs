//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real
//! `pre-commit try-repo` against this repository in a temporary git
//! repository that uses modellock: red on unreviewed terms, green after
//! `modellock review`, skipped when no watched file changes.
//!
//! pre-commit comes from `MODELLOCK_PRE_COMMIT` (its executable) or PATH;
//! without it the test says so and passes, unless
//! `MODELLOCK_REQUIRE_PRE_COMMIT=1` (as `.ci/run` sets).

use crate::common;

use common::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn find_pre_commit() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MODELLOCK_PRE_COMMIT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("pre-commit"))
        .find(|p| p.is_file())
}

fn modellock_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_modellock"))
}

/// A command isolated from the user's git configuration and pre-commit
/// cache, with the built modellock first on PATH.
fn command(program: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    let bin_dir = modellock_bin().parent().unwrap().to_owned();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(&path));
    cmd.current_dir(dir)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env("GIT_CONFIG_GLOBAL", dir.join(".no-global-gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .env("NO_COLOR", "1")
        .env_remove("MODELLOCK_PRE_COMMIT");
    cmd
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn git(dir: &Path, args: &[&str]) {
    let o = command(Path::new("git"), dir).args(args).output().unwrap();
    assert!(o.status.success(), "git {args:?}: {}", show(&o));
}

fn modellock(dir: &Path, args: &[&str]) -> Output {
    command(&modellock_bin(), dir).args(args).output().unwrap()
}

/// A repository of a product with one local model under a license that
/// needs a review, locked by `modellock update`.
fn product() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = dir.join("models/chat");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::copy(
        root().join("fixtures/licenses/example-3.LICENSE.txt"),
        model.join("LICENSE"),
    )
    .unwrap();
    std::fs::write(model.join("model.safetensors"), [7u8; 512]).unwrap();
    std::fs::write(
        dir.join("models.toml"),
        "[policy]\nallow = [\"mit\"]\n\n[models.chat]\nsource = \"path:models/chat\"\nlicense = \"example3\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "# product\n").unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.email", "legal@example.com"]);
    git(dir, &["config", "user.name", "Legal"]);
    let o = modellock(dir, &["update"]);
    assert!(o.status.success(), "update: {}", show(&o));
    assert!(dir.join(".modellock/licenses").is_dir());
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "product"]);
    tmp
}

fn try_repo(pre_commit: &Path, dir: &Path, hook: &str, all_files: bool) -> Output {
    let mut cmd = command(pre_commit, dir);
    cmd.arg("try-repo").arg(root()).arg(hook);
    if all_files {
        cmd.arg("--all-files");
    }
    // the rust hook builds modellock with cargo; a target directory of
    // its own under target/ makes every later build incremental
    cmd.env("CARGO_TARGET_DIR", root().join("target/pre-commit-hook"))
        // a test build: no link-time optimisation, many codegen units
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false");
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn hooks_are_red_on_unreviewed_terms_and_green_after_review() {
    let Some(pre_commit) = find_pre_commit() else {
        assert!(
            std::env::var("MODELLOCK_REQUIRE_PRE_COMMIT").as_deref() != Ok("1"),
            "MODELLOCK_REQUIRE_PRE_COMMIT=1 but no pre-commit (set MODELLOCK_PRE_COMMIT)"
        );
        eprintln!("skipped: no pre-commit on PATH and MODELLOCK_PRE_COMMIT unset");
        return;
    };
    let tmp = product();
    let dir = tmp.path();

    // red: the locked terms have no review
    for hook in ["modellock-check-system", "modellock-check"] {
        let o = try_repo(&pre_commit, dir, hook, true);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{hook}: {}", show(&o));
        assert!(out.contains("modellock check"), "{hook}: {out}");
        assert!(out.contains("Failed"), "{hook}: {out}");
        assert!(out.contains("license::unreviewed"), "{hook}: {out}");
        assert!(out.contains("modellock review chat"), "{hook}: {out}");
    }

    // the review is a commit of its own; then green
    let o = modellock(
        dir,
        &[
            "review",
            "chat",
            "--note",
            "LEGAL-1234",
            "--date",
            "2026-11-20",
        ],
    );
    assert!(o.status.success(), "review: {}", show(&o));
    git(dir, &["add", "-A"]);
    for hook in ["modellock-check-system", "modellock-check"] {
        let o = try_repo(&pre_commit, dir, hook, true);
        assert_eq!(o.status.code(), Some(0), "{hook}: {}", show(&o));
        assert!(stdout(&o).contains("Passed"), "{hook}: {}", show(&o));
    }
    git(dir, &["commit", "-q", "-m", "review chat"]);

    // a commit that touches none of the watched files does not run it
    std::fs::write(dir.join("README.md"), "# product\n\nMore.\n").unwrap();
    git(dir, &["add", "README.md"]);
    let o = try_repo(&pre_commit, dir, "modellock-check-system", false);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(stdout(&o).contains("Skipped"), "{}", show(&o));

    // a changed license text under the model is caught at the next update:
    // the stale lock fails the hook once models.lock is staged
    std::fs::copy(
        root().join("fixtures/licenses/example-3.1.LICENSE.txt"),
        dir.join("models/chat/LICENSE"),
    )
    .unwrap();
    let o = modellock(dir, &["update"]);
    assert!(o.status.success(), "update: {}", show(&o));
    git(dir, &["add", "-A"]);
    let o = try_repo(&pre_commit, dir, "modellock-check-system", false);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(stdout(&o).contains("license::changed"), "{}", show(&o));
    assert!(
        stdout(&o).contains("'700 million' → '100 million'"),
        "{}",
        show(&o)
    );
}
