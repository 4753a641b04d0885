//! `policy::use-conflict` end to end against the fixture Hub: `[use]`
//! (commercial, monthly active users, regions) against the conditions of
//! every license a model is bound by, its bases' included.

use crate::common;
use crate::support;

use common::*;
use serde_json::{json, Value};
use support::hub::{File, FixtureHub, Repo};

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

fn repo(id: &str, card: Value, pipeline: Option<&str>) -> Repo {
    let files = vec![
        File::lfs("model.safetensors", id.as_bytes().to_vec()),
        File::git("README.md", "---\n---\n"),
    ];
    let mut r = Repo::simple(id, files, card);
    r.commits[0].pipeline_tag = pipeline.map(str::to_owned);
    r.tags = vec![("v1.0".to_owned(), 0)];
    r
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
        run_checked(project_command(self.dir.path(), &self.hub.url()).args(args))
    }

    fn update(&self) {
        let r = self.run(&["update"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }

    /// `check --format json`: exit status and the use conflicts.
    fn conflicts(&self) -> (i32, Vec<Value>) {
        let r = self.run(&["--format", "json", "check"]);
        let diags = r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "policy::use-conflict")
            .cloned()
            .collect();
        (r.code, diags)
    }
}

fn label_lines(d: &Value) -> Vec<(String, u64)> {
    d["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["file"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                l["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn commercial_use_of_a_non_commercial_model() {
    let p = Project::new(
        "[policy]\nallow = [\"cc-by-nc-4.0\"]\n\n[use]\ncommercial = true\n\n[models.tts]\nsource = \"hf:lab/Speech-NC\"\n",
    );
    p.hub.add_repo(repo(
        "lab/Speech-NC",
        json!({"license": "cc-by-nc-4.0"}),
        Some("text-to-speech"),
    ));
    p.update();
    let (code, c) = p.conflicts();
    assert_eq!(code, 1);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["severity"], "error");
    assert_eq!(
        c[0]["message"],
        "model `tts` is bound by `cc-by-nc-4.0`, which permits no commercial use, but [use] says commercial = true"
    );
    // labelled at `commercial = true` (line 5), the entry, and the lock
    assert_eq!(
        label_lines(&c[0])[..2],
        [("models.toml".into(), 5), ("models.toml".into(), 7)]
    );
    assert!(c[0]["help"]
        .as_str()
        .unwrap()
        .contains("CC BY-NC 4.0 §1(i)"));

    // a product that is not commercial: nothing conflicts
    std::fs::write(
        p.dir.path().join("models.toml"),
        "[policy]\nallow = [\"cc-by-nc-4.0\"]\n\n[use]\ncommercial = false\n\n[models.tts]\nsource = \"hf:lab/Speech-NC\"\n",
    )
    .unwrap();
    assert_eq!(p.conflicts(), (0, vec![]));
}

#[test]
fn more_users_than_the_license_allows() {
    let manifest = |users: &str| {
        format!("[policy]\nallow = [\"llama3.1\"]\n\n[use]\nmonthly-active-users = {users}\n\n[models.chat]\nsource = \"hf:meta-llama/Llama-3.1-8B-Instruct\"\n")
    };
    let p = Project::new(&manifest("800_000_000"));
    p.hub.add_repo(repo(
        "meta-llama/Llama-3.1-8B-Instruct",
        json!({"license": "llama3.1"}),
        Some("text-generation"),
    ));
    p.update();
    let (code, c) = p.conflicts();
    assert_eq!(code, 1);
    assert_eq!(
        c[0]["message"],
        "model `chat` is bound by `llama3.1`, which needs a separate license above 700,000,000 monthly active users; [use] says 800,000,000"
    );
    assert_eq!(label_lines(&c[0])[0], ("models.toml".into(), 5));
    assert!(c[0]["help"]
        .as_str()
        .unwrap()
        .contains("request a license from Meta"));

    std::fs::write(p.dir.path().join("models.toml"), manifest("2_000_000")).unwrap();
    assert_eq!(p.conflicts(), (0, vec![]));

    // a separate agreement with Meta covers it
    let agreed = manifest("800_000_000").replace(
        "[use]\n",
        "[use]\nagreements = [\"Llama3.1\"]   # LEGAL-88: Meta license above 700M MAU\n",
    );
    std::fs::write(p.dir.path().join("models.toml"), &agreed).unwrap();
    assert_eq!(p.conflicts(), (0, vec![]));
    // a misspelt id gets a did-you-mean, and covers nothing
    std::fs::write(
        p.dir.path().join("models.toml"),
        agreed.replace("Llama3.1", "lama3.1"),
    )
    .unwrap();
    let r = p.run(&["--format", "json", "check"]);
    assert_eq!(r.code, 1);
    let typo = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "policy::unknown-license")
        .cloned()
        .expect("a did-you-mean");
    assert_eq!(
        typo["message"],
        "`lama3.1` in `use.agreements` is not a known license id"
    );
}

#[test]
fn the_eu_clause_for_multimodal_models() {
    let p = Project::new(
        "[policy]\nallow = [\"llama3.2\"]\n\n[use]\nregions = [\"US\", \"DE\"]\n\n[models.vision]\nsource = \"hf:meta-llama/Llama-3.2-11B-Vision-Instruct\"\nrevision = \"v1.0\"\n\n[models.text]\nsource = \"hf:meta-llama/Llama-3.2-3B-Instruct\"\nrevision = \"v1.0\"\n\n[models.unknown]\nsource = \"hf:someone/Llama-3.2-Thing\"\nrevision = \"v1.0\"\n",
    );
    p.hub.add_repo(repo(
        "meta-llama/Llama-3.2-11B-Vision-Instruct",
        json!({"license": "llama3.2"}),
        Some("image-text-to-text"),
    ));
    p.hub.add_repo(repo(
        "meta-llama/Llama-3.2-3B-Instruct",
        json!({"license": "llama3.2"}),
        Some("text-generation"),
    ));
    p.hub.add_repo(repo(
        "someone/Llama-3.2-Thing",
        json!({"license": "llama3.2"}),
        None,
    ));
    p.update();
    let lock = std::fs::read_to_string(p.dir.path().join("models.lock")).unwrap();
    assert!(lock.contains("pipeline-tag = \"image-text-to-text\"\nmultimodal = true\n"));
    let (code, c) = p.conflicts();
    assert_eq!(code, 1);
    let by_model: Vec<(&str, &str)> = c
        .iter()
        .map(|d| {
            (
                d["model"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
            )
        })
        .collect();
    // the text-only model is fine; unknown modality is a warning
    assert_eq!(by_model, [("vision", "error"), ("unknown", "warning")]);
    let vision = &c[0];
    assert!(vision["message"]
        .as_str()
        .unwrap()
        .ends_with("grants no rights in the EU for multimodal models; [use] regions include it and the model is multimodal"));
    // labelled at "DE" (line 5)
    assert_eq!(label_lines(vision)[0], ("models.toml".into(), 5));
    assert!(vision["help"]
        .as_str()
        .unwrap()
        .contains("end users of a product"));
    let human = p.run(&["check"]);
    let dir = p.dir.path().to_str().unwrap();
    insta::assert_snapshot!((human.stdout.clone() + &human.stderr).replace(dir, "[DIR]"));
}

#[test]
fn a_quantization_inherits_its_bases_conditions() {
    // the quantization says apache-2.0; its base is research-only
    let p = Project::new(
        "[policy]\nallow = [\"apache-2.0\", \"qwen-research\"]\n\n[use]\ncommercial = true\n\n[models.quant]\nsource = \"hf:q/Small-GGUF\"\n",
    );
    p.hub.add_repo(repo(
        "q/Small-GGUF",
        json!({"license": "apache-2.0", "base_model": "ft/Small-Chat", "base_model_relation": "quantized"}),
        Some("text-generation"),
    ));
    p.hub.add_repo(repo(
        "ft/Small-Chat",
        json!({"license": "apache-2.0", "base_model": "Qwen/Qwen2.5-3B"}),
        None,
    ));
    p.hub.add_repo(repo(
        "Qwen/Qwen2.5-3B",
        json!({"license": "other", "license_name": "qwen-research"}),
        None,
    ));
    p.update();
    let (code, c) = p.conflicts();
    assert_eq!(code, 1);
    assert_eq!(
        c[0]["message"],
        "model `quant` is bound by `qwen-research` (through its base Qwen/Qwen2.5-3B), which permits no commercial use, but [use] says commercial = true"
    );
}
