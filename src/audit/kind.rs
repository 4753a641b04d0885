//! What a finding is for a reader of the inventory: a use in the product's
//! code, a configuration value, a deployment (Helm, Kubernetes, compose,
//! Dockerfile), documentation, a test, or test data (recorded responses,
//! snapshots). The default report leads with uses, configuration and
//! deployments; documentation, tests and recordings are grouped apart.

use super::recognise::FileKind;
use serde::Serialize;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Use,
    Config,
    Deploy,
    Docs,
    Test,
    TestData,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Use => "use",
            Kind::Config => "config",
            Kind::Deploy => "deploy",
            Kind::Docs => "docs",
            Kind::Test => "test",
            Kind::TestData => "test-data",
        }
    }

    /// Whether the product runs what it names (uses, configuration,
    /// deployments), as opposed to documentation, tests and recordings.
    pub fn is_product(self) -> bool {
        matches!(self, Kind::Use | Kind::Config | Kind::Deploy)
    }
}

/// Directories of recorded data for tests.
const TEST_DATA_DIRS: &[&str] = &[
    "__snapshots__",
    "snapshots",
    "cassettes",
    "recordings",
    "fixtures",
    "__fixtures__",
    "testdata",
    "test_data",
    "test-data",
    "golden",
    "goldens",
    "mocks",
    "__mocks__",
];

/// Directories of tests.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "spec",
    "specs",
    "__tests__",
    "e2e",
    "integration_tests",
    "integration-tests",
    "unit_tests",
];

const DOC_DIRS: &[&str] = &["docs", "doc", "documentation", "website"];

/// The kind of what a file names, from its path and text.
pub fn of_file(path: &Path, file: FileKind, text: &str) -> Kind {
    let lower = path
        .to_string_lossy()
        .replace('\\', "/")
        .to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let (dirs, name) = parts.split_at(parts.len().saturating_sub(1));
    let name = name.first().copied().unwrap_or("");
    let in_dir = |set: &[&str]| dirs.iter().any(|d| set.contains(d));
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");

    let test_named = name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_test.go")
        || name.ends_with("_tests.rs")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name == "conftest.py";
    let recorded = matches!(ext, "snap" | "har" | "jsonl" | "ndjson");
    if recorded || (in_dir(TEST_DATA_DIRS) && !matches!(file, FileKind::Python | FileKind::Script))
    {
        return Kind::TestData;
    }
    if in_dir(TEST_DIRS) && matches!(file, FileKind::Json) {
        return Kind::TestData;
    }
    if test_named || in_dir(TEST_DIRS) || in_dir(TEST_DATA_DIRS) {
        return Kind::Test;
    }
    if matches!(file, FileKind::Markdown) || in_dir(DOC_DIRS) {
        return Kind::Docs;
    }
    let helm = in_dir(&["templates", "charts", "helm", "chart"])
        || name.starts_with("values")
        || name == "chart.yaml"
        || ext == "tpl";
    let compose = name.starts_with("docker-compose") || name.starts_with("compose.");
    let k8s =
        matches!(file, FileKind::Yaml) && text.contains("apiVersion:") && text.contains("kind:");
    match file {
        FileKind::Docker | FileKind::Modelfile | FileKind::Terraform => Kind::Deploy,
        FileKind::Yaml | FileKind::Template if helm || compose || k8s => Kind::Deploy,
        FileKind::Template => Kind::Deploy,
        FileKind::Yaml | FileKind::Json | FileKind::Toml | FileKind::Env | FileKind::Make => {
            Kind::Config
        }
        _ => Kind::Use,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(path: &str, text: &str) -> Kind {
        let name = path.rsplit('/').next().unwrap();
        of_file(Path::new(path), FileKind::of(name).unwrap(), text)
    }

    #[test]
    fn kinds_of_files() {
        assert_eq!(k("src/app/serve.py", ""), Kind::Use);
        assert_eq!(k("tests/test_chat.py", ""), Kind::Test);
        assert_eq!(k("pkg/api/client_test.go", ""), Kind::Test);
        assert_eq!(k("tests/__snapshots__/chat.py", ""), Kind::Test);
        assert_eq!(k("tests/fixtures/response.json", ""), Kind::TestData);
        assert_eq!(k("web/__snapshots__/x.test.ts.snap", ""), Kind::TestData);
        assert_eq!(k("README.md", ""), Kind::Docs);
        assert_eq!(k("docs/guide/serve.py", ""), Kind::Docs);
        assert_eq!(k("charts/ollama/values.yaml", ""), Kind::Deploy);
        assert_eq!(k("deploy/templates/_helpers.tpl", ""), Kind::Deploy);
        assert_eq!(k("docker-compose.yml", ""), Kind::Deploy);
        assert_eq!(
            k("k8s/pod.yaml", "apiVersion: v1\nkind: Pod\n"),
            Kind::Deploy
        );
        assert_eq!(k("Dockerfile", ""), Kind::Deploy);
        assert_eq!(k("config/settings.yaml", "model: x\n"), Kind::Config);
        assert_eq!(k(".env.example", ""), Kind::Config);
        assert_eq!(k("Makefile", ""), Kind::Config);
    }
}
