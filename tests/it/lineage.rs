//! Lineage end to end against the fixture Hub: `update` follows the cards'
//! `base_model` graph and locks every ancestor's license; `check` reports
//! `lineage::restricted-parent` for an ancestor whose license policy does
//! not allow (unless an entry locks and reviews it) or denies.

use crate::common;
use crate::support;

use common::*;
use serde_json::{json, Value};
use support::hub::{File, FixtureHub, Repo};

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

fn repo(id: &str, files: Vec<File>, card: Value) -> Repo {
    let mut files = files;
    files.push(File::git("README.md", "---\n---\n"));
    Repo::simple(id, files, card)
}

impl Project {
    fn new(manifest: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), manifest).unwrap();
        Project {
            dir,
            hub: FixtureHub::start(),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        run_checked(
            project_command(self.dir.path(), &self.hub.url())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .args(args),
        )
    }

    fn lineage(&self, name: &str) -> Vec<Vec<String>> {
        let doc: toml_edit::DocumentMut =
            std::fs::read_to_string(self.dir.path().join("models.lock"))
                .unwrap()
                .parse()
                .unwrap();
        let model = doc["model"]
            .as_array_of_tables()
            .unwrap()
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .unwrap()
            .clone();
        model
            .get("lineage")
            .and_then(|l| l.as_array_of_tables())
            .map(|a| {
                a.iter()
                    .map(|t| {
                        ["model", "relation", "license", "base-of"]
                            .iter()
                            .map(|k| t.get(k).and_then(|v| v.as_str()).unwrap_or("-").to_owned())
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn errors(&self) -> Vec<Value> {
        let r = self.run(&["--format", "json", "check"]);
        r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .cloned()
            .collect()
    }
}

fn codes(errors: &[Value]) -> Vec<String> {
    errors
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_quantization_two_levels_below_a_restricted_base() {
    let p = Project::new(
        "[policy]\nallow = [\"apache-2.0\"]\n\n[models.quant]\nsource = \"hf:q/Example-Chat-GGUF\"\nrevision = \"main\"\n",
    );
    p.hub.add_repo(repo(
        "q/Example-Chat-GGUF",
        vec![File::lfs("example-chat.Q4_K_M.gguf", vec![1u8; 512])],
        json!({"license": "apache-2.0", "base_model": "ft/Example-Chat"}),
    ));
    p.hub.add_repo(repo(
        "ft/Example-Chat",
        vec![File::lfs("model.safetensors", vec![2u8; 512])],
        json!({"license": "apache-2.0", "base_model": "example-org/Example-3-8B", "base_model_relation": "finetune"}),
    ));
    p.hub.add_repo(repo(
        "example-org/Example-3-8B",
        vec![File::lfs("model.safetensors", vec![3u8; 512])],
        json!({"license": "llama3"}),
    ));
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        p.lineage("quant"),
        [
            vec!["ft/Example-Chat", "quantized", "apache-2.0", "-"],
            vec![
                "example-org/Example-3-8B",
                "finetune",
                "llama3",
                "ft/Example-Chat"
            ],
        ]
    );
    let errors = p.errors();
    assert_eq!(codes(&errors), ["lineage::restricted-parent"]);
    let msg = errors[0]["message"].as_str().unwrap();
    assert_eq!(
        msg,
        "model `quant` derives from example-org/Example-3-8B (finetune: quant → ft/Example-Chat → example-org/Example-3-8B) under `llama3`, which policy does not allow and nobody reviewed"
    );
    assert!(errors[0]["help"]
        .as_str()
        .unwrap()
        .contains("modellock add hf:example-org/Example-3-8B"));

    // lock the base as an entry of its own and review its terms: green
    let manifest = std::fs::read_to_string(p.dir.path().join("models.toml")).unwrap();
    std::fs::write(
        p.dir.path().join("models.toml"),
        format!("{manifest}\n[models.base]\nsource = \"hf:example-org/Example-3-8B\"\nrevision = \"main\"\n"),
    )
    .unwrap();
    assert_eq!(p.run(&["update"]).code, 0);
    let r = p.run(&["review", "base", "--reviewer", "legal@example.com"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(codes(&p.errors()), Vec::<String>::new());
}

#[test]
fn a_merge_of_two_bases_under_different_licenses() {
    let p = Project::new(
        "[policy]\nallow = [\"mit\"]\ndeny = [\"cc-by-nc-4.0\"]\n\n[models.merged]\nsource = \"hf:m/Merged\"\nrevision = \"main\"\n",
    );
    p.hub.add_repo(repo(
        "m/Merged",
        vec![File::lfs("model.safetensors", vec![4u8; 512])],
        json!({"license": "mit", "base_model": ["a/Permissive", "b/NonCommercial"]}),
    ));
    p.hub
        .add_repo(repo("a/Permissive", vec![], json!({"license": "mit"})));
    p.hub.add_repo(repo(
        "b/NonCommercial",
        vec![],
        json!({"license": "cc-by-nc-4.0"}),
    ));
    assert_eq!(p.run(&["update"]).code, 0);
    assert_eq!(
        p.lineage("merged"),
        [
            vec!["a/Permissive", "merge", "mit", "-"],
            vec!["b/NonCommercial", "merge", "cc-by-nc-4.0", "-"],
        ]
    );
    let errors = p.errors();
    assert_eq!(codes(&errors), ["lineage::restricted-parent"]);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("b/NonCommercial"));
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("which policy denies"));
}

#[test]
fn cycles_end_and_missing_bases_are_unreadable() {
    let p = Project::new(
        "[policy]\nallow = [\"mit\"]\n\n[models.x]\nsource = \"hf:c/X\"\nrevision = \"main\"\n",
    );
    p.hub.add_repo(repo(
        "c/X",
        vec![],
        json!({"license": "mit", "base_model": "c/Y"}),
    ));
    p.hub.add_repo(repo(
        "c/Y",
        vec![],
        json!({"license": "mit", "base_model": ["c/X", "gone/Deleted"]}),
    ));
    assert_eq!(p.run(&["update"]).code, 0);
    assert_eq!(
        p.lineage("x"),
        [
            vec!["c/Y", "finetune", "mit", "-"],
            vec!["gone/Deleted", "merge", "-", "c/Y"],
        ]
    );
    let errors = p.errors();
    assert_eq!(codes(&errors), ["lineage::restricted-parent"]);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("nobody could read"));
}
