//! The license knowledge base (`src/license/kb.toml`): valid against its
//! JSON Schema (`schema/licenses.schema.json`), one entry per Hub license id
//! and per common `license_name`, every condition with its source.

use modellock::license::kb::{Category, Kb};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The license identifiers the Hugging Face Hub accepts in a model card,
/// copied from https://huggingface.co/docs/hub/repositories-licenses: the
/// independent list the knowledge base must cover.
const HUB_IDS: &[&str] = &[
    "apache-2.0",
    "mit",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m",
    "afl-3.0",
    "artistic-2.0",
    "bsl-1.0",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "c-uda",
    "cc",
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "wtfpl",
    "ecl-2.0",
    "epl-1.0",
    "epl-2.0",
    "etalab-2.0",
    "eupl-1.1",
    "eupl-1.2",
    "agpl-3.0",
    "gfdl",
    "gpl",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl",
    "lgpl-2.1",
    "lgpl-3.0",
    "isc",
    "h-research",
    "intel-research",
    "lppl-1.3c",
    "ms-pl",
    "apple-ascl",
    "apple-amlr",
    "mpl-2.0",
    "odc-by",
    "odbl",
    "openmdw-1.0",
    "openmdw-1.1",
    "openrail++",
    "osl-3.0",
    "postgresql",
    "ofl-1.1",
    "ncsa",
    "unlicense",
    "zlib",
    "pddl",
    "lgpl-lr",
    "deepfloyd-if-license",
    "fair-noncommercial-research-license",
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    "grok2-community",
    "gemma",
    "unknown",
    "other",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn kb_json() -> Value {
    let text = std::fs::read_to_string(root().join("src/license/kb.toml")).unwrap();
    toml_edit::de::from_str(&text).expect("kb.toml is TOML")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/licenses.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::meta::validate(&schema).expect("a draft 2020-12 schema");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn the_knowledge_base_satisfies_its_schema() {
    let v = validator();
    let kb = kb_json();
    let errors: Vec<String> = v
        .iter_errors(&kb)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // a fact without its source is refused
    let mut bad = kb.clone();
    let llama = bad["license"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["id"] == "llama3.1")
        .unwrap();
    llama["conditions"]["mau-threshold"]
        .as_object_mut()
        .unwrap()
        .remove("source");
    assert!(!v.is_valid(&bad));
}

#[test]
fn every_hub_id_is_known_once() {
    let kb = Kb::builtin();
    let mut seen = BTreeSet::new();
    for e in &kb.licenses {
        assert!(seen.insert(e.id.to_ascii_lowercase()), "{} twice", e.id);
    }
    for id in HUB_IDS {
        assert!(kb.get(id).is_some(), "{id} is not in kb.toml");
    }
    for name in [
        "tongyi-qianwen",
        "tongyi-qianwen-research",
        "qwen",
        "qwen-research",
        "mrl",
        "mnpl",
        "deepseek",
        "falcon-llm-license",
        "yi",
        "stabilityai-ai-community",
        "nvidia-open-model-license",
    ] {
        assert!(kb.get(name).is_some(), "{name}");
    }
    assert_eq!(kb.licenses.len(), HUB_IDS.len() + 11);
}

#[test]
fn model_licenses_carry_their_conditions() {
    let kb = Kb::builtin();
    for id in [
        "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4",
    ] {
        let c = &kb.get(id).unwrap().conditions;
        assert_eq!(c.mau_threshold.as_ref().unwrap().users, 700_000_000, "{id}");
        assert!(
            !c.incorporated.is_empty(),
            "{id}: its acceptable use policy"
        );
        assert_eq!(
            !c.region_exclusions.is_empty(),
            matches!(id, "llama3.2" | "llama3.3" | "llama4"),
            "{id}: the EU multimodal clause"
        );
    }
    assert_eq!(
        kb.get("llama3")
            .unwrap()
            .conditions
            .attribution
            .as_ref()
            .unwrap()
            .text,
        "Built with Meta Llama 3"
    );
    assert_eq!(
        kb.get("tongyi-qianwen")
            .unwrap()
            .conditions
            .mau_threshold
            .as_ref()
            .unwrap()
            .users,
        100_000_000
    );
    for id in ["cc-by-nc-4.0", "mnpl"] {
        assert_eq!(
            kb.get(id).unwrap().category,
            Category::NonCommercial,
            "{id}"
        );
    }
    for id in ["qwen-research", "mrl", "tongyi-qianwen-research"] {
        let e = kb.get(id).unwrap();
        assert_eq!(e.category, Category::ResearchOnly, "{id}");
        assert_eq!(
            e.conditions.commercial.as_ref().map(|c| c.allowed),
            Some(false),
            "{id}"
        );
    }
}
