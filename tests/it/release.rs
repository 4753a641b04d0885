//! Release engineering, checked here since it cannot run here: the release
//! workflow is a valid GitHub workflow, its targets are the ones the action's
//! installer and `cargo binstall` ask for, and `.ci/package` makes the
//! archive both download (checked with Python's hashlib and tarfile).

use crate::common::*;
use std::process::Command;

/// The release workflow's matrix targets, read with PyYAML.
fn workflow_targets(python: &std::ffi::OsStr) -> Vec<String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import sys, yaml; d = yaml.safe_load(open(sys.argv[1]));\n\
             print('\\n'.join(e['target'] for e in d['jobs']['build']['strategy']['matrix']['include']))",
        ])
        .arg(root().join(".github/workflows/release.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_release_workflow_is_a_valid_workflow_that_builds_what_installers_fetch() {
    let Some(python) = ci_python("the release workflow's checks") else {
        return;
    };
    assert_check_jsonschema(
        &python,
        &[
            "--builtin-schema".as_ref(),
            "vendor.github-workflows".as_ref(),
        ],
        &root().join(".github/workflows/release.yml"),
    );

    let mut targets = workflow_targets(&python);
    targets.sort();
    assert_eq!(
        targets,
        [
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-pc-windows-msvc",
            "x86_64-unknown-linux-musl"
        ]
    );

    // the action's installer asks for exactly these (every runner it knows)
    let install = std::fs::read_to_string(root().join("action/install.sh")).unwrap();
    let mut asked: Vec<String> = install
        .lines()
        .filter_map(|l| {
            l.split_once(") target=")
                .map(|(_, t)| t.trim_end_matches(" ;;").to_owned())
        })
        .filter(|t| !t.starts_with('"'))
        .collect();
    asked.sort();
    assert_eq!(asked, targets);

    // binstall's template names the archive the installer downloads
    let manifest: toml_edit::DocumentMut = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let repo = manifest["package"]["repository"].as_str().unwrap();
    assert_eq!(binstall["pkg-fmt"].as_str(), Some("tgz"));
    for target in &targets {
        let url = binstall["pkg-url"]
            .as_str()
            .unwrap()
            .replace("{ repo }", repo)
            .replace("{ version }", "1.2.3")
            .replace("{ name }", "modellock")
            .replace("{ target }", target);
        let (os, arch) = match target.as_str() {
            "x86_64-unknown-linux-musl" => ("Linux", "X64"),
            "aarch64-unknown-linux-musl" => ("Linux", "ARM64"),
            "x86_64-apple-darwin" => ("macOS", "X64"),
            "aarch64-apple-darwin" => ("macOS", "ARM64"),
            _ => ("Windows", "X64"),
        };
        let plan = Command::new("bash")
            .arg(root().join("action/install.sh"))
            .env("MODELLOCK_ACTION_PLAN", "1")
            .env("MODELLOCK_VERSION", "1.2.3")
            .env(
                "MODELLOCK_REPOSITORY",
                repo.trim_start_matches("https://github.com/"),
            )
            .env(
                "RUNNER_TEMP",
                std::env::temp_dir().join("modellock-release-plan"),
            )
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env_remove("GITHUB_PATH")
            .output()
            .unwrap();
        let plan = String::from_utf8_lossy(&plan.stdout);
        assert!(
            plan.contains(&format!("download {url} ")),
            "{target}: {plan} (binstall: {url})"
        );
    }
}

#[test]
fn ci_package_makes_the_archive_and_checksum_the_installers_expect() {
    let Some(python) = ci_python("the release archive check") else {
        return;
    };
    let dist = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_modellock");
    let out = Command::new("bash")
        .arg(root().join(".ci/package"))
        .args(["x86_64-unknown-linux-musl", bin])
        .env("DIST", dist.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = dist
        .path()
        .join("modellock-x86_64-unknown-linux-musl.tar.gz");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        archive.display().to_string()
    );

    // Python's hashlib and tarfile, not this crate: the .sha256 line is
    // sha256sum's, and the archive holds the binary alone, at its root
    let check = Command::new(python)
        .args([
            "-c",
            "import hashlib, sys, tarfile\n\
             a = sys.argv[1]\n\
             digest = hashlib.sha256(open(a, 'rb').read()).hexdigest()\n\
             line = open(a + '.sha256').read()\n\
             assert line == digest + '  modellock-x86_64-unknown-linux-musl.tar.gz\\n', line\n\
             t = tarfile.open(a)\n\
             names = t.getnames()\n\
             assert names == ['modellock'], names\n\
             m = t.getmember('modellock')\n\
             assert m.mode & 0o111 and m.uid == 0 and m.mtime == 0, (m.mode, m.uid, m.mtime)\n\
             open(sys.argv[2], 'wb').write(t.extractfile(m).read())\n",
        ])
        .arg(&archive)
        .arg(dist.path().join("extracted"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(
        std::fs::read(dist.path().join("extracted")).unwrap(),
        std::fs::read(bin).unwrap(),
        "the archive carries the built binary"
    );

    // no binary: a clear refusal, exit 2
    let out = Command::new("bash")
        .arg(root().join(".ci/package"))
        .args(["aarch64-apple-darwin"])
        .env("DIST", dist.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("cargo build --release --locked --target aarch64-apple-darwin"));
}
