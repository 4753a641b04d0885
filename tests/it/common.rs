//! Helpers shared by the integration tests: run the built binary from the
//! repository root on fixture files.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub const TODAY: &str = "2026-11-23";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `modellock` run from the repository root, with a fixed date and no colour.
pub fn modellock() -> Command {
    let mut cmd = Command::cargo_bin("modellock").unwrap();
    // no test reads a web page from the internet: documents incorporated
    // by URL go to a local port that refuses, unless a test serves them
    // (`isolate` reads them from the fixture Hub's web)
    cmd.current_dir(root())
        .env("MODELLOCK_DOCUMENTS_MIRROR", "http://127.0.0.1:9/web")
        .env_remove("NO_COLOR")
        .args(["--color", "never", "--today", TODAY]);
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// (code, file, line) of every diagnostic label, and codes without labels.
    pub fn codes(&self) -> Vec<String> {
        let v = self.json();
        let mut out: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().expect("exited with a code, not a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `modellock --manifest-path <path> ARGS…`
pub fn run_on(manifest: impl AsRef<Path>, args: &[&str]) -> Run {
    let mut cmd = modellock();
    cmd.arg("--manifest-path").arg(manifest.as_ref()).args(args);
    run(&mut cmd)
}

/// Asserts that nothing in the output looks like a panic or a backtrace.
pub fn assert_no_panic(r: &Run) {
    for text in [&r.stdout, &r.stderr] {
        assert!(!text.contains("panicked"), "{text}");
        assert!(!text.contains("RUST_BACKTRACE"), "{text}");
        assert!(!text.contains("internal error"), "{text}");
    }
}

/// Isolates a command from the machine: no token or offline setting from
/// the environment; the Hub at `hf_endpoint`; `HF_HOME`, the metadata cache
/// and the Ollama store inside `dir`.
pub fn isolate(cmd: &mut Command, dir: &Path, hf_endpoint: &str) {
    for var in [
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "HF_TOKEN_PATH",
        "HF_HUB_CACHE",
        "OLLAMA_HOST",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HF_ENDPOINT", hf_endpoint)
        .env("MODELLOCK_DOCUMENTS_MIRROR", format!("{hf_endpoint}/web"))
        .env("HF_HOME", dir.join("hf-home"))
        .env("MODELLOCK_CACHE_DIR", dir.join("cache"))
        .env("OLLAMA_MODELS", dir.join("ollama"));
}

/// `modellock --manifest-path DIR/models.toml`, isolated as [`isolate`]
/// does, against the Hub at `hf_endpoint`; add the arguments.
pub fn project_command(dir: &Path, hf_endpoint: &str) -> Command {
    let mut cmd = modellock();
    isolate(&mut cmd, dir, hf_endpoint);
    cmd.arg("--manifest-path").arg(dir.join("models.toml"));
    cmd
}

/// Runs a command; a panic of modellock fails the test.
pub fn run_checked(cmd: &mut Command) -> Run {
    let r = run(cmd);
    assert_no_panic(&r);
    r
}

/// The locked license digest of model `chat` in the fixtures under
/// `fixtures/check/` (terms: `card:license llama3.1`, LICENSE =
/// `fixtures/licenses/example-3.1.LICENSE.txt`).
pub const CHAT_DIGEST: &str =
    "sha256:d30e4c25ace392e2a77ad927b88b0d886533887c0c8503516389bb9f4ca5f42a";

/// Copies a fixture directory (with its `.modellock/` store) into a new
/// temporary directory; returns it and the path of its models.toml.
pub fn copy_fixture(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures").join(fixture), dir.path());
    let manifest = dir.path().join("models.toml");
    (dir, manifest)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The Python of CI's virtualenv (MODELLOCK_PYTHON: pre-commit,
/// huggingface_hub, PyYAML, check-jsonschema), or None where it is not set,
/// which CI forbids (MODELLOCK_REQUIRE_PYTHON=1): a skip is visible, never
/// silent in CI.
pub fn ci_python(what: &str) -> Option<std::ffi::OsString> {
    let python = std::env::var_os("MODELLOCK_PYTHON");
    if python.is_none() {
        assert!(
            std::env::var_os("MODELLOCK_REQUIRE_PYTHON").is_none(),
            "MODELLOCK_REQUIRE_PYTHON=1 but MODELLOCK_PYTHON is not set"
        );
        eprintln!("MODELLOCK_PYTHON not set: skipping {what}");
    }
    python
}

/// Asserts that `file` is valid by check-jsonschema (in CI's virtualenv,
/// run by `python`) against `schema`: `["--builtin-schema", NAME]` (the
/// SchemaStore schemas it vendors) or `["--schemafile", PATH]`.
pub fn assert_check_jsonschema(python: &std::ffi::OsStr, schema: &[&std::ffi::OsStr], file: &Path) {
    let out = std::process::Command::new(python)
        .args(["-m", "check_jsonschema"])
        .args(schema)
        .arg(file)
        .output()
        .expect("python runs check_jsonschema");
    assert!(
        out.status.success(),
        "{}: {}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
