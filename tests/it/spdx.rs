//! `licenses --format spdx`: an SPDX 3.0.1 AI BOM, validated against the
//! official SPDX 3.0.1 JSON schema (tests/schemas/spdx, from PyPI; with the
//! Rust `jsonschema` crate and, in CI, Python's), its graph checked the way
//! the SPDX model requires (every element has creation info, every
//! relationship points at elements of the document), and what it says of
//! each model checked against known answers.

use crate::common::*;
use crate::support::hub::{File, FixtureHub, Repo};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const MANIFEST: &str = r#"[policy]
allow = ["apache-2.0", "llama3.1", "example-community"]

[models.chat]
source = "hf:acme/Chat-7B-Instruct"
revision = "v1.0"

[models.adapter]
source = "path:adapter"
license = "example-community"
base = "chat"
"#;

fn repo(id: &str, files: Vec<File>, card: Value) -> Repo {
    let mut files = files;
    files.push(File::git("README.md", "---\n---\n"));
    let mut r = Repo::simple(id, files, card);
    r.tags = vec![("v1.0".to_owned(), 0)];
    r
}

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), MANIFEST).unwrap();
        std::fs::create_dir_all(dir.path().join("adapter")).unwrap();
        std::fs::write(
            dir.path().join("adapter/adapter_model.safetensors"),
            vec![2u8; 1024],
        )
        .unwrap();
        std::fs::write(
            dir.path().join("adapter/LICENSE"),
            "Example Community License\n\nUse it kindly.\n",
        )
        .unwrap();
        let hub = FixtureHub::start();
        hub.add_repo(repo(
            "acme/Chat-7B-Instruct",
            vec![
                File::git("LICENSE", "Apache License\nVersion 2.0, January 2004\n"),
                File::lfs("model.safetensors", vec![1u8; 4096]),
            ],
            // the card's datasets: two ids, one repeated, and values that
            // are not dataset ids (never locked)
            json!({
                "license": "apache-2.0",
                "base_model": "acme/Chat-7B",
                "datasets": ["HuggingFaceH4/ultrachat_200k", "../../etc/passwd", "openbmb/UltraFeedback", "HuggingFaceH4/ultrachat_200k", "a b"],
            }),
        ));
        hub.add_repo(repo(
            "acme/Chat-7B",
            vec![File::lfs("model.safetensors", vec![3u8; 4096])],
            json!({"license": "apache-2.0"}),
        ));
        let p = Project { dir, hub };
        let r = p.run(&["update"], &[]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        p
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = project_command(self.dir.path(), &self.hub.url());
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_checked(cmd.args(args))
    }

    fn spdx(&self) -> (Value, String) {
        let r = self.run(
            &["--format", "spdx", "licenses"],
            &[("SOURCE_DATE_EPOCH", "1764500000")],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        (serde_json::from_str(&r.stdout).unwrap(), r.stdout)
    }
}

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("tests/schemas/spdx/spdx-json-schema-3.0.1.json"))
            .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).expect("the SPDX 3.0.1 schema compiles")
}

fn by_type<'a>(doc: &'a Value, t: &str) -> Vec<&'a Value> {
    doc["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == t)
        .collect()
}

fn element<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["spdxId"] == id)
        .unwrap_or_else(|| panic!("no element {id}"))
}

/// The `to` elements of the relationships of `kind` from `from`.
fn related<'a>(doc: &'a Value, from: &str, kind: &str) -> Vec<&'a Value> {
    by_type(doc, "Relationship")
        .into_iter()
        .filter(|r| r["from"] == from && r["relationshipType"] == kind)
        .flat_map(|r| r["to"].as_array().unwrap().iter())
        .map(|id| element(doc, id.as_str().unwrap()))
        .collect()
}

#[test]
fn the_ai_bom_is_valid_spdx_3_0_1() {
    let p = Project::new();
    let (doc, text) = p.spdx();
    let errors: Vec<String> = validator()
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        doc["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );

    // the model's rules the JSON schema cannot say
    let graph = doc["@graph"].as_array().unwrap();
    let info = &graph[0];
    assert_eq!(info["type"], "CreationInfo");
    assert_eq!(info["specVersion"], "3.0.1");
    // SOURCE_DATE_EPOCH 1764500000, as Python's datetime gives it
    assert_eq!(info["created"], "2025-11-30T10:53:20Z");
    let ids: BTreeSet<&str> = graph.iter().filter_map(|e| e["spdxId"].as_str()).collect();
    assert_eq!(ids.len(), graph.len() - 1, "ids are unique");
    for e in &graph[1..] {
        assert_eq!(e["creationInfo"], info["@id"], "{e}");
    }
    for r in by_type(&doc, "Relationship") {
        assert!(ids.contains(r["from"].as_str().unwrap()), "{r}");
        for to in r["to"].as_array().unwrap() {
            assert!(ids.contains(to.as_str().unwrap()), "{r}");
        }
    }
    for agent in info["createdBy"]
        .as_array()
        .unwrap()
        .iter()
        .chain(info["createdUsing"].as_array().unwrap())
    {
        assert!(ids.contains(agent.as_str().unwrap()), "{agent}");
    }
    let document = by_type(&doc, "SpdxDocument")[0];
    let members: BTreeSet<&str> = document["element"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let others: BTreeSet<&str> = ids
        .iter()
        .copied()
        .filter(|id| *id != document["spdxId"])
        .collect();
    assert_eq!(members, others, "the document lists every element");
    assert_eq!(
        element(&doc, document["dataLicense"].as_str().unwrap())
            ["simplelicensing_licenseExpression"],
        "CC0-1.0"
    );
    let sbom = element(&doc, document["rootElement"][0].as_str().unwrap());
    assert_eq!(sbom["type"], "software_Sbom");
    assert_eq!(
        sbom["rootElement"].as_array().unwrap().len(),
        2,
        "a root per model"
    );

    // the same lock, the same document
    assert_eq!(p.spdx().1, text);
}

#[test]
fn each_model_is_an_ai_package_with_its_revision_files_licenses_lineage_and_datasets() {
    let p = Project::new();
    let (doc, _) = p.spdx();
    let lock: toml_edit::DocumentMut = std::fs::read_to_string(p.dir.path().join("models.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let locked = |name: &str, key: &str| -> String {
        lock["model"]
            .as_array_of_tables()
            .unwrap()
            .iter()
            .find(|m| m["name"].as_str() == Some(name))
            .unwrap()[key]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // the card's dataset ids are locked; what is not an id is not
    let datasets: Vec<&str> = lock["model"]
        .as_array_of_tables()
        .unwrap()
        .iter()
        .find(|m| m["name"].as_str() == Some("chat"))
        .unwrap()["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        datasets,
        ["HuggingFaceH4/ultrachat_200k", "openbmb/UltraFeedback"]
    );

    let packages = by_type(&doc, "ai_AIPackage");
    let chat = packages
        .iter()
        .find(|e| e["name"] == "acme/Chat-7B-Instruct")
        .expect("chat");
    let rev = locked("chat", "revision");
    assert_eq!(chat["software_packageVersion"], rev.as_str());
    assert_eq!(
        chat["software_packageUrl"],
        format!("pkg:huggingface/acme/Chat-7B-Instruct@{rev}")
    );
    assert_eq!(
        chat["software_downloadLocation"],
        format!("https://huggingface.co/acme/Chat-7B-Instruct/tree/{rev}")
    );
    assert_eq!(chat["software_primaryPurpose"], "model");
    let supplier = element(&doc, chat["suppliedBy"].as_str().unwrap());
    assert_eq!(
        (supplier["type"].as_str(), supplier["name"].as_str()),
        (Some("Organization"), Some("acme"))
    );
    let chat_id = chat["spdxId"].as_str().unwrap();

    // files with their sha256 (Python's hashlib of the fixture bytes)
    let files = related(&doc, chat_id, "contains");
    let weights = files
        .iter()
        .find(|f| f["name"] == "model.safetensors")
        .unwrap();
    assert_eq!(
        weights["verifiedUsing"],
        json!([{"type": "Hash", "algorithm": "sha256", "hashValue": "3431383721510cf1c211de027cf958c183e16db5fabb6b230eb284c85e196aa9"}])
    );
    assert_eq!(weights["software_primaryPurpose"], "model");
    assert!(files.iter().any(|f| f["name"] == "LICENSE"));

    // licenses: SPDX ids where there is one, LicenseRef- otherwise
    let concluded = related(&doc, chat_id, "hasConcludedLicense");
    assert_eq!(
        concluded[0]["simplelicensing_licenseExpression"],
        "Apache-2.0"
    );
    let declared = related(&doc, chat_id, "hasDeclaredLicense");
    assert_eq!(
        declared[0]["simplelicensing_licenseExpression"],
        "Apache-2.0"
    );

    // datasets the card names: trainedOn
    let trained: Vec<&str> = related(&doc, chat_id, "trainedOn")
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        trained,
        ["HuggingFaceH4/ultrachat_200k", "openbmb/UltraFeedback"]
    );
    let set = by_type(&doc, "dataset_DatasetPackage");
    assert_eq!(set.len(), 2);
    assert_eq!(
        set[0]["software_downloadLocation"],
        "https://huggingface.co/datasets/HuggingFaceH4/ultrachat_200k"
    );

    // lineage: the Hub base outside the manifest, with its license
    let parents = related(&doc, chat_id, "descendantOf");
    assert_eq!(parents.len(), 1);
    assert_eq!(parents[0]["name"], "acme/Chat-7B");
    assert_eq!(
        parents[0]["software_packageUrl"],
        "pkg:huggingface/acme/Chat-7B"
    );
    let parent_license = related(
        &doc,
        parents[0]["spdxId"].as_str().unwrap(),
        "hasDeclaredLicense",
    );
    assert_eq!(
        parent_license[0]["simplelicensing_licenseExpression"],
        "Apache-2.0"
    );

    // the local adapter: a custom license as LicenseRef-, its manifest base
    // is the chat package itself
    let adapter = packages
        .iter()
        .find(|e| e["name"] == "path:adapter")
        .expect("adapter");
    let adapter_id = adapter["spdxId"].as_str().unwrap();
    assert_eq!(
        adapter["software_packageVersion"],
        locked("adapter", "revision").as_str()
    );
    assert!(adapter.get("software_downloadLocation").is_none());
    let concluded = related(&doc, adapter_id, "hasConcludedLicense");
    assert_eq!(
        concluded[0]["simplelicensing_licenseExpression"],
        "LicenseRef-example-community"
    );
    let parents: Vec<&str> = related(&doc, adapter_id, "descendantOf")
        .iter()
        .map(|e| e["spdxId"].as_str().unwrap())
        .collect();
    assert!(parents.contains(&chat_id), "{parents:?}");
    let weights = related(&doc, adapter_id, "contains");
    let w = weights
        .iter()
        .find(|f| f["name"] == "adapter_model.safetensors")
        .unwrap();
    assert_eq!(
        w["verifiedUsing"][0]["hashValue"],
        "14d6fc848712815bc1b5fe1ced1b8980eea1e0db781a946dac5aded9769d1984"
    );
    assert!(adapter["comment"]
        .as_str()
        .unwrap()
        .contains("license-digest sha256:"));
}

/// Python's `jsonschema` (an independent implementation, from CI's
/// virtualenv) agrees that the document is valid, and so do the SPDX
/// model's own Python bindings.
#[test]
fn python_jsonschema_and_the_spdx_model_agree() {
    let Some(python) = ci_python("the SPDX check with Python's jsonschema") else {
        return;
    };
    let p = Project::new();
    let (_, text) = p.spdx();
    let out_file = p.dir.path().join("bom.spdx.json");
    std::fs::write(&out_file, text).unwrap();
    let schema = root().join("tests/schemas/spdx/spdx-json-schema-3.0.1.json");
    assert_check_jsonschema(
        &python,
        &["--schemafile".as_ref(), schema.as_os_str()],
        &out_file,
    );

    // and the official bindings of the SPDX 3.0.1 model (its SHACL classes,
    // types and cardinalities) read, link and write it
    let check = root().join("tests/it/support/spdx_model_check.py");
    let run_check = |file: &std::path::Path| {
        std::process::Command::new(&python)
            .arg(&check)
            .arg(file)
            .output()
            .unwrap()
    };
    let out = run_check(&out_file);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // the check can fail: a supplier that is not an Agent
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    for e in doc["@graph"].as_array_mut().unwrap() {
        if e["type"] == "ai_AIPackage" {
            e["suppliedBy"] = e["spdxId"].clone();
        }
    }
    let bad = p.dir.path().join("bad.spdx.json");
    std::fs::write(&bad, doc.to_string()).unwrap();
    let out = run_check(&bad);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Agent"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn spdx_is_for_licenses_only() {
    let r = run(modellock().args(["--format", "spdx", "check"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid value 'spdx'"), "{}", r.stderr);
}

/// A lock written before modellock recorded the card's datasets is not
/// outdated for lacking them: `update --locked` stays green (upgrading
/// modellock does not turn CI red), and `update` adds them.
#[test]
fn a_lock_without_datasets_is_not_outdated_and_update_records_them() {
    let p = Project::new();
    let lock_path = p.dir.path().join("models.lock");
    let with = std::fs::read_to_string(&lock_path).unwrap();
    let datasets_line = with
        .lines()
        .find(|l| l.starts_with("datasets = "))
        .expect("datasets locked")
        .to_owned();
    let without = with.replace(&format!("{datasets_line}\n"), "");
    std::fs::write(&lock_path, &without).unwrap();

    let r = p.run(&["update", "--locked"], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read_to_string(&lock_path).unwrap(), without);
    let r = p.run(&["check", "--offline"], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // the SPDX document of such a lock names no datasets
    let (doc, _) = p.spdx();
    assert!(by_type(&doc, "dataset_DatasetPackage").is_empty());

    let r = p.run(&["update"], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read_to_string(&lock_path).unwrap(), with);

    // a lock that says other datasets than the card is outdated
    std::fs::write(
        &lock_path,
        with.replace("openbmb/UltraFeedback", "someone/else"),
    )
    .unwrap();
    let r = p.run(&["update", "--locked"], &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("lock::outdated") || r.stderr.contains("lock::outdated"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

/// `licenses --format spdx MODEL`: a base entry left out of the selection is
/// named (its identity and license), not detailed, and the document stays
/// valid.
#[test]
fn a_selection_names_the_bases_it_leaves_out() {
    let p = Project::new();
    let r = p.run(
        &["--format", "spdx", "licenses", "adapter"],
        &[("SOURCE_DATE_EPOCH", "0")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let errors: Vec<String> = validator()
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let packages = by_type(&doc, "ai_AIPackage");
    let adapter = packages
        .iter()
        .find(|e| e["name"] == "path:adapter")
        .unwrap();
    let parents = related(&doc, adapter["spdxId"].as_str().unwrap(), "descendantOf");
    let chat = parents
        .iter()
        .find(|e| e["name"] == "acme/Chat-7B-Instruct")
        .expect("the base entry, named");
    assert!(chat["software_packageUrl"]
        .as_str()
        .unwrap()
        .starts_with("pkg:huggingface/acme/Chat-7B-Instruct@"));
    assert!(related(&doc, chat["spdxId"].as_str().unwrap(), "contains").is_empty());
    let license = related(&doc, chat["spdxId"].as_str().unwrap(), "hasDeclaredLicense");
    assert_eq!(
        license[0]["simplelicensing_licenseExpression"],
        "Apache-2.0"
    );
    // the Hub ancestor of the base is reached through it in the full BOM
    // only; here no element is a path: purl
    assert!(!r.stdout.contains("pkg:huggingface/path:"));
    let sbom = &by_type(&doc, "software_Sbom")[0];
    assert_eq!(sbom["rootElement"].as_array().unwrap().len(), 1);
}

/// The lock's `datasets` hold Hub dataset ids only: a hand-edited value
/// that is not one is `lock::parse` (exit 2), as the schema says.
#[test]
fn a_lock_with_a_value_that_is_not_a_dataset_id_is_refused() {
    let p = Project::new();
    let lock_path = p.dir.path().join("models.lock");
    let text = std::fs::read_to_string(&lock_path).unwrap();
    std::fs::write(
        &lock_path,
        text.replace("\"openbmb/UltraFeedback\"", "\"../../etc/passwd\""),
    )
    .unwrap();
    let r = p.run(&["--format", "json", "check", "--offline"], &[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("lock::parse") && r.stdout.contains("not a Hub dataset id"),
        "{}",
        r.stdout
    );
}

/// The CycloneDX BOM carries the card's datasets too
/// (`modelCard.modelParameters.datasets`), valid CycloneDX 1.6.
#[test]
fn the_cyclonedx_bom_names_the_datasets() {
    let p = Project::new();
    let r = p.run(&["--format", "cyclonedx", "licenses"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bom: Value = serde_json::from_str(&r.stdout).unwrap();
    let errors: Vec<String> = crate::licenses::cyclonedx_validator()
        .iter_errors(&bom)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let chat = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "acme/Chat-7B-Instruct")
        .unwrap();
    assert_eq!(
        chat["modelCard"]["modelParameters"]["datasets"],
        json!([
            {"type": "dataset", "name": "HuggingFaceH4/ultrachat_200k", "contents": {"url": "https://huggingface.co/datasets/HuggingFaceH4/ultrachat_200k"}},
            {"type": "dataset", "name": "openbmb/UltraFeedback", "contents": {"url": "https://huggingface.co/datasets/openbmb/UltraFeedback"}},
        ])
    );
}

/// A SOURCE_DATE_EPOCH SPDX cannot write (past year 9999) or that is not a
/// number is not used: the document keeps a valid `created`.
#[test]
fn an_unusable_source_date_epoch_is_ignored() {
    let p = Project::new();
    for epoch in ["99999999999999", "yesterday", "-5"] {
        let r = p.run(
            &["--format", "spdx", "licenses"],
            &[("SOURCE_DATE_EPOCH", epoch)],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let doc: Value = serde_json::from_str(&r.stdout).unwrap();
        let errors: Vec<String> = validator()
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{epoch}: {errors:#?}");
        let created = doc["@graph"][0]["created"].as_str().unwrap();
        assert!(created.starts_with("20"), "{epoch}: {created}");
    }
}
