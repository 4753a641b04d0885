//! The GitHub Action (`action.yml`): its scripts run as the runner would
//! run them, with a fake `GITHUB_*` environment.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_modellock"))
        .parent()
        .unwrap()
        .to_owned()
}

/// `action/run.sh` in `dir` with these inputs; the exit status, stdout and
/// what it wrote to GITHUB_OUTPUT.
fn run_action(dir: &Path, inputs: &[(&str, &str)]) -> (i32, String, String) {
    let output = dir.join("github-output");
    let summary = dir.join("github-summary");
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_WORKSPACE", dir)
        .env("RUNNER_TEMP", dir)
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .env("HF_HOME", dir.join("hf-home"))
        .env("MODELLOCK_CACHE_DIR", dir.join("cache"))
        .env("MODELLOCK_DOCUMENTS_MIRROR", "http://127.0.0.1:9/web")
        .env_remove("HF_TOKEN");
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs the action's script");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(output).unwrap_or_default(),
    )
}

#[test]
fn the_action_runs_the_gate_with_annotations_and_sarif() {
    let (dir, _) = copy_fixture("example");
    let (code, stdout, outputs) = run_action(
        dir.path(),
        &[
            ("INPUT_VERIFY", "true"),
            ("INPUT_FETCH", "true"),
            ("INPUT_SARIF", "true"),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    // fetch, then verify what it fetched
    let fetched = stdout.find("modellock fetch exited 0").expect("fetch ran");
    let verified = stdout
        .find("modellock verify exited 0")
        .expect("verify ran");
    assert!(fetched < verified, "{stdout}");
    assert!(
        stdout.contains("::group::modellock check --offline"),
        "{stdout}"
    );
    assert!(stdout.contains("modellock verify exited 0"), "{stdout}");
    assert!(outputs.contains("exit-status=0\n"), "{outputs}");
    let sarif = dir.path().join("modellock.sarif");
    assert!(
        outputs.contains(&format!("sarif-file={}\n", sarif.display())),
        "{outputs}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let summary = std::fs::read_to_string(dir.path().join("github-summary")).unwrap();
    assert!(
        summary.contains("`modellock check --offline`: exit 0"),
        "{summary}"
    );

    // unreviewed terms: an annotation on models.toml, and the step fails
    let (dir, _) = copy_fixture("check/unreviewed");
    let (code, stdout, outputs) = run_action(dir.path(), &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("::error file=models.toml,")
            && stdout.contains("title=license%3A%3Aunreviewed::"),
        "{stdout}"
    );
    assert!(outputs.contains("exit-status=1\n"), "{outputs}");

    // no modellock on PATH: a clear error and exit 2, not bash's 127
    let out = Command::new("bash")
        .arg(root().join("action/run.sh"))
        .current_dir(dir.path())
        .env("PATH", "/usr/bin:/bin")
        .env("GITHUB_OUTPUT", dir.path().join("out2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("::error title=modellock::modellock is not on PATH"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out2")).unwrap(),
        "exit-status=2\n"
    );

    // a manifest elsewhere: `manifest-path`, and annotations name its path
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("fixtures/check/unreviewed"),
        &dir.path().join("ml"),
    );
    let (code, stdout, _) = run_action(dir.path(), &[("INPUT_MANIFEST_PATH", "ml/models.toml")]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("::error file=ml/models.toml,"), "{stdout}");
}

#[test]
fn the_action_installs_a_release_binary_or_builds_from_source() {
    let dir = tempfile::tempdir().unwrap();
    let plan = |env: &[(&str, &str)]| {
        let gh_path = dir.path().join("github-path");
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("action/install.sh"))
            .env("MODELLOCK_ACTION_PLAN", "1")
            .env("RUNNER_TEMP", dir.path())
            .env("GITHUB_PATH", &gh_path);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            std::fs::read_to_string(gh_path).unwrap_or_default(),
        )
    };
    let (out, gh_path) = plan(&[
        ("MODELLOCK_VERSION", "1.2.3"),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
    ]);
    assert!(
        out.contains("download https://github.com/modellock/modellock/releases/download/v1.2.3/modellock-x86_64-unknown-linux-musl.tar.gz"),
        "{out}"
    );
    assert!(
        gh_path.trim_end().ends_with("modellock-install/bin"),
        "{gh_path}"
    );
    let (out, _) = plan(&[
        ("MODELLOCK_VERSION", "latest"),
        ("RUNNER_OS", "macOS"),
        ("RUNNER_ARCH", "ARM64"),
    ]);
    assert!(
        out.contains("releases/latest/download/modellock-aarch64-apple-darwin.tar.gz"),
        "{out}"
    );
    let (out, _) = plan(&[("MODELLOCK_VERSION", "source")]);
    assert!(out.contains("cargo install --locked --path"), "{out}");
    // no version given: the release of the action's tag, else its source
    let (out, _) = plan(&[
        ("MODELLOCK_ACTION_REF", "v0.4.1"),
        ("MODELLOCK_REPOSITORY", "acme/modellock-fork"),
        ("RUNNER_OS", "Windows"),
        ("RUNNER_ARCH", "X64"),
    ]);
    assert!(
        out.contains("https://github.com/acme/modellock-fork/releases/download/v0.4.1/modellock-x86_64-pc-windows-msvc.tar.gz"),
        "{out}"
    );
    let (out, _) = plan(&[("MODELLOCK_ACTION_REF", "main")]);
    assert!(out.contains("cargo install --locked --path"), "{out}");
    // the runner may leave github.action_ref/_repository empty in a
    // composite action: the action's checkout path names them
    let (out, _) = plan(&[
        (
            "GITHUB_ACTION_PATH",
            "/home/runner/work/_actions/acme/modellock-fork/v0.4.1",
        ),
        ("MODELLOCK_ACTION_REF", ""),
        ("MODELLOCK_REPOSITORY", ""),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "ARM64"),
    ]);
    assert!(
        out.contains("https://github.com/acme/modellock-fork/releases/download/v0.4.1/modellock-aarch64-unknown-linux-musl.tar.gz"),
        "{out}"
    );
    let (out, _) = plan(&[
        (
            "GITHUB_ACTION_PATH",
            r"D:\a\_actions\acme\modellock-fork\v0.4.1",
        ),
        ("RUNNER_OS", "Windows"),
        ("RUNNER_ARCH", "X64"),
    ]);
    assert!(
        out.contains(
            "acme/modellock-fork/releases/download/v0.4.1/modellock-x86_64-pc-windows-msvc.tar.gz"
        ),
        "{out}"
    );
    // `v0.4.1` for a version is that version; anything else is refused
    let (out, _) = plan(&[
        ("MODELLOCK_VERSION", "v0.4.1"),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
    ]);
    assert!(out.contains("/releases/download/v0.4.1/"), "{out}");
    let out = Command::new("bash")
        .arg(root().join("action/install.sh"))
        .env("MODELLOCK_ACTION_PLAN", "1")
        .env("MODELLOCK_VERSION", "../../evil")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is not a release version"));

    // the cache key names the version and what is installed
    let key = |env: &[(&str, &str)]| -> String {
        let gh_out = dir.path().join("key-output");
        let _ = std::fs::remove_file(&gh_out);
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("action/install.sh"))
            .arg("--key")
            .env("GITHUB_OUTPUT", &gh_out);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(gh_out).unwrap()
    };
    let k1 = key(&[("MODELLOCK_VERSION", "0.4.1")]);
    assert!(k1.starts_with("key=0.4.1-") && k1.ends_with('\n'), "{k1}");
    assert_eq!(key(&[("MODELLOCK_VERSION", "0.4.1")]), k1);
    assert_ne!(key(&[("MODELLOCK_VERSION", "0.4.2")]), k1);
    assert_ne!(
        key(&[
            ("MODELLOCK_VERSION", "0.4.1"),
            ("MODELLOCK_REPOSITORY", "acme/fork")
        ]),
        k1
    );
    assert!(key(&[("MODELLOCK_VERSION", "source")]).starts_with("key=source-"));

    // a runner without a release binary builds the tag
    let (out, _) = plan(&[
        ("MODELLOCK_VERSION", "0.4.1"),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "ARM"),
    ]);
    assert!(out.contains("no release binary for this runner"), "{out}");
    // an install is reused only while its stamp names the same version
    std::fs::create_dir_all(dir.path().join("modellock-install/bin")).unwrap();
    let exe = dir.path().join("modellock-install/bin/modellock");
    std::fs::write(&exe, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.path().join("modellock-install/stamp"),
        "version=0.4.1 repo=modellock/modellock\n",
    )
    .unwrap();
    let (out, _) = plan(&[
        ("MODELLOCK_VERSION", "0.4.1"),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
    ]);
    assert!(out.contains("cached:"), "{out}");
    let (out, _) = plan(&[
        ("MODELLOCK_VERSION", "0.4.2"),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
    ]);
    assert!(out.contains("download "), "{out}");
}

#[test]
fn action_yml_names_its_scripts_and_inputs() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    for needle in [
        "using: composite",
        "action/install.sh",
        "action/run.sh",
        "github/codeql-action/upload-sarif",
        "actions/cache",
    ] {
        assert!(text.contains(needle), "action.yml lacks {needle}");
    }
    for input in [
        "version",
        "manifest-path",
        "check",
        "locked",
        "verify",
        "fetch",
        "sarif",
    ] {
        assert!(
            text.contains(&format!("\n  {input}:\n")),
            "no input {input}"
        );
    }
    // it is YAML (checked with PyYAML, which the CI's pre-commit brings)
    let Some(python) = ci_python("the YAML parse of action.yml") else {
        return;
    };
    let out = Command::new(python)
        .args(["-c", "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d['runs']['using'] == 'composite'; print(len(d['runs']['steps']))"])
        .arg(root().join("action.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5");
    // and an action by GitHub's schema (SchemaStore's, vendored by check-jsonschema)
    assert_check_jsonschema(
        &ci_python("").unwrap(),
        &[
            "--builtin-schema".as_ref(),
            "vendor.github-actions".as_ref(),
        ],
        &root().join("action.yml"),
    );
}

/// The README's workflows are the files under examples/, verbatim, and they
/// are valid by GitHub's and GitLab's schemas (SchemaStore's, vendored by
/// check-jsonschema); the GitHub one uses this action.
#[test]
fn the_readme_workflows_are_valid_and_use_the_action() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for (file, schema) in [
        ("examples/github-workflow.yml", "vendor.github-workflows"),
        ("examples/gitlab-ci.yml", "vendor.gitlab-ci"),
    ] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        assert!(
            readme.contains(&format!("```yaml\n{text}```\n")),
            "README does not carry {file} verbatim"
        );
        let Some(python) = ci_python("the schema check of the example workflows") else {
            continue;
        };
        assert_check_jsonschema(
            &python,
            &["--builtin-schema".as_ref(), schema.as_ref()],
            &root().join(file),
        );
    }
    let workflow = std::fs::read_to_string(root().join("examples/github-workflow.yml")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        workflow.contains(&format!("uses: modellock/modellock@v{version}")),
        "{workflow}"
    );
    let gitlab = std::fs::read_to_string(root().join("examples/gitlab-ci.yml")).unwrap();
    assert!(gitlab.contains(&format!("MODELLOCK_VERSION: \"{version}\"")));
    assert!(gitlab.contains("--format gitlab check --offline"));
}
