//! `modellock licenses` and the planted conflicts of the issue's pipeline:
//! a Llama-based chat model, an Apache-2.0 embedder, a quantization
//! labelled apache-2.0 whose LICENSE is the Llama text, and a reranker
//! whose base is Gemma — against the fixture Hub. The report in each
//! format is snapshotted; the BOM is validated against the official
//! CycloneDX 1.6 JSON schema.

use crate::common;
use crate::support;

use common::*;
use modellock::license::identify::{Fingerprints, Known};
use serde_json::{json, Value};
use support::hub::{File, FixtureHub, Repo};

fn text(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/licenses").join(name)).unwrap()
}

const MANIFEST: &str = r#"[policy]
allow = ["apache-2.0", "mit"]

[use]
commercial = true
monthly-active-users = 800_000_000
regions = ["US", "EU"]

[models.chat]
source = "hf:meta-llama/Llama-3.1-8B-Instruct"
revision = "v1.0"

[models.embed]
source = "hf:sentence-transformers/all-MiniLM-L6-v2"
revision = "v1.0"

[models.quant]
source = "hf:someone/Llama-3.1-8B-Instruct-GGUF"
revision = "v1.0"

[models.rerank]
source = "hf:BAAI/bge-reranker-v2-gemma"
revision = "v1.0"
"#;

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

fn repo(id: &str, files: Vec<File>, card: Value, pipeline: Option<&str>) -> Repo {
    let mut files = files;
    files.push(File::git("README.md", "---\n---\n"));
    let mut r = Repo::simple(id, files, card);
    r.commits[0].pipeline_tag = pipeline.map(str::to_owned);
    r.tags = vec![("v1.0".to_owned(), 0)];
    r
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), MANIFEST).unwrap();
        // the fixture texts stand for the licenses they imitate
        let fp = Fingerprints {
            texts: vec![
                Known::of(
                    "llama3.1",
                    "example-3.1.LICENSE.txt",
                    &text("example-3.1.LICENSE.txt"),
                ),
                Known::of(
                    "apache-2.0",
                    "example-permissive.LICENSE.txt",
                    &text("example-permissive.LICENSE.txt"),
                ),
            ],
        };
        std::fs::write(dir.path().join("fingerprints.toml"), fp.to_toml()).unwrap();
        let hub = FixtureHub::start();
        let llama = || File::git("LICENSE", text("example-3.1.LICENSE.txt"));
        let apache = || File::git("LICENSE", text("example-permissive.LICENSE.txt"));
        hub.add_repo(repo(
            "meta-llama/Llama-3.1-8B-Instruct",
            vec![
                llama(),
                File::git("USE_POLICY.md", text("example-3.USE_POLICY.md")),
                File::lfs("model-00001-of-00002.safetensors", vec![1u8; 4096]),
                File::lfs("model-00002-of-00002.safetensors", vec![2u8; 1024]),
            ],
            json!({"license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B"}),
            Some("text-generation"),
        ));
        hub.add_repo(repo(
            "meta-llama/Llama-3.1-8B",
            vec![llama(), File::lfs("model.safetensors", vec![3u8; 4096])],
            json!({"license": "llama3.1"}),
            Some("text-generation"),
        ));
        hub.add_repo(repo(
            "sentence-transformers/all-MiniLM-L6-v2",
            vec![apache(), File::lfs("model.safetensors", vec![4u8; 2048])],
            json!({"license": "apache-2.0"}),
            Some("sentence-similarity"),
        ));
        // planted: the card says apache-2.0, the LICENSE is the Llama text
        hub.add_repo(repo(
            "someone/Llama-3.1-8B-Instruct-GGUF",
            vec![
                llama(),
                File::lfs("Llama-3.1-8B-Instruct-Q4_K_M.gguf", vec![5u8; 2048]),
            ],
            json!({"license": "apache-2.0", "base_model": "meta-llama/Llama-3.1-8B-Instruct"}),
            Some("text-generation"),
        ));
        // planted: an apache-2.0 reranker fine-tuned from Gemma
        hub.add_repo(repo(
            "BAAI/bge-reranker-v2-gemma",
            vec![apache(), File::lfs("model.safetensors", vec![6u8; 2048])],
            json!({"license": "apache-2.0", "base_model": "google/gemma-2b"}),
            Some("text-classification"),
        ));
        hub.add_repo(repo(
            "google/gemma-2b",
            vec![File::lfs("model.safetensors", vec![7u8; 2048])],
            json!({"license": "gemma"}),
            Some("text-generation"),
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

    /// Locks the pipeline and has legal review the Llama terms of `chat`
    /// and `quant`.
    fn locked_and_reviewed() -> Project {
        let p = Project::new();
        let r = p.run(&["update"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        for m in ["chat", "quant"] {
            let r = p.run(&[
                "review",
                m,
                "--reviewer",
                "legal@example.com",
                "--note",
                "LEGAL-7",
            ]);
            assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        }
        p
    }
}

#[test]
fn check_catches_each_planted_conflict() {
    let p = Project::locked_and_reviewed();
    let r = p.run(&["--format", "json", "check"]);
    assert_eq!(r.code, 1);
    let found: Vec<(String, String, String)> = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["model"].as_str().unwrap_or("").to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = |c: &str, m: &str| (c.to_owned(), m.to_owned(), "error".to_owned());
    assert_eq!(
        found,
        [
            want("license::card-mismatch", "quant"),
            want("policy::use-conflict", "chat"),
            want("policy::use-conflict", "quant"),
            want("lineage::restricted-parent", "rerank"),
        ],
        "{}",
        r.stdout
    );
}

#[test]
fn licenses_human_report() {
    let p = Project::locked_and_reviewed();
    let r = p.run(&["licenses"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dir = p.dir.path().to_str().unwrap();
    insta::assert_snapshot!(r.stdout.replace(dir, "[DIR]"));
}

#[test]
fn licenses_json_report() {
    let p = Project::locked_and_reviewed();
    let r = p.run(&["--format", "json", "licenses"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    // the stable shape
    for m in doc["models"].as_array().unwrap() {
        for key in [
            "name",
            "source",
            "license",
            "category",
            "files",
            "lineage",
            "obligations",
        ] {
            assert!(m.get(key).is_some(), "{key} missing in {m}");
        }
    }
    for key in ["obligations", "thresholds", "conflicts"] {
        assert!(doc["pipeline"][key].is_array(), "{key}");
    }
    let quant = &doc["models"][2];
    assert_eq!(quant["license"], "llama3.1", "the stricter license");
    assert_eq!(
        quant["files"][0],
        json!({"path": "LICENSE", "id": "llama3.1", "confidence": 1.0, "governs": "weights"})
    );
    let attributions: Vec<&Value> = doc["pipeline"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "attribution")
        .collect();
    assert_eq!(attributions.len(), 1);
    assert_eq!(attributions[0]["text"], "Built with Llama");
    assert_eq!(attributions[0]["models"], json!(["chat", "quant"]));
    assert_eq!(doc["pipeline"]["thresholds"][0]["limit"], 700_000_000);
    assert_eq!(doc["pipeline"]["thresholds"][0]["exceeded"], true);
    insta::assert_json_snapshot!(doc);
}

#[test]
fn licenses_cyclonedx_bom_is_valid_cyclonedx_1_6() {
    let p = Project::locked_and_reviewed();
    let r = p.run(&["--format", "cyclonedx", "licenses"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bom = r.json();
    let errors: Vec<String> = cyclonedx_validator()
        .iter_errors(&bom)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let comps = bom["components"].as_array().unwrap();
    assert_eq!(comps.len(), 4);
    assert!(comps.iter().all(|c| c["type"] == "machine-learning-model"));
    let chat = &comps[0];
    assert_eq!(chat["name"], "meta-llama/Llama-3.1-8B-Instruct");
    assert_eq!(
        chat["hashes"].as_array().unwrap().len(),
        5,
        "every locked file"
    );
    assert_eq!(chat["licenses"][0]["license"]["name"], "llama3.1");
    assert_eq!(
        chat["pedigree"]["ancestors"][0]["name"],
        "meta-llama/Llama-3.1-8B"
    );
    assert_eq!(comps[1]["licenses"][0]["license"]["id"], "Apache-2.0");
    // deterministic: the same lock gives the same BOM
    assert_eq!(
        p.run(&["--format", "cyclonedx", "licenses"]).stdout,
        r.stdout
    );
    insta::assert_json_snapshot!(bom);
}

#[test]
fn cyclonedx_is_for_licenses_only() {
    let p = Project::new();
    let r = p.run(&["--format", "cyclonedx", "check"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(
        "invalid value 'cyclonedx' for '--format <FORMAT>' of this command\n  [possible values: human, json, github, sarif, gitlab]"
    ), "{}", r.stderr);
    let r = p.run(&["--format", "sarif", "licenses"]);
    assert_eq!(r.code, 2);
    // after the command name too, as its help lists
    let r = p.run(&["licenses", "--format", "sarif"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("[possible values: human, json, cyclonedx, spdx]"),
        "{}",
        r.stderr
    );
}

#[test]
fn each_commands_help_lists_its_formats_and_the_global_options_apart() {
    let help = |cmd: &str| {
        let r = run(modellock().args([cmd, "-h"]));
        assert_eq!(r.code, 0);
        r.stdout
    };
    let check = help("check");
    let (own, global) = check.split_once("Global options:").unwrap();
    assert!(
        !own.contains("--format") && !own.contains("--manifest-path"),
        "{check}"
    );
    assert!(
        global.contains("[possible values: human, json, github,"),
        "{check}"
    );
    assert!(!global.contains("cyclonedx"), "{check}");
    let licenses = help("licenses");
    assert!(
        licenses.contains("[possible values: human, json,\n")
            || licenses.contains("[possible values: human, json, cyclonedx, spdx]"),
        "{licenses}"
    );
    assert!(!licenses.contains("sarif"), "{licenses}");
}

/// The official CycloneDX 1.6 JSON schema, its `$ref`s to the SPDX and JSF
/// schemas served from tests/schemas/cyclonedx (never downloaded).
pub(crate) fn cyclonedx_validator() -> jsonschema::Validator {
    struct Local;
    impl jsonschema::Retrieve for Local {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            let name = uri
                .path()
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            let path = root().join("tests/schemas/cyclonedx").join(&name);
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(serde_json::from_str(&text)?)
        }
    }
    let text = std::fs::read_to_string(root().join("tests/schemas/cyclonedx/bom-1.6.schema.json"))
        .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_retriever(Local)
        .build(&schema)
        .expect("the CycloneDX schema compiles")
}
