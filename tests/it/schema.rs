//! The JSON Schemas in `schema/` describe `models.toml` and `models.lock`:
//! they are valid draft 2020-12 schemas, every fixture (outside `invalid/`
//! directories) satisfies them, known-bad documents do not, and their
//! property names agree with the manifest parser's key lists.

use jsonschema::Validator;
use modellock::manifest::{ACCEPT_KEYS, MODEL_KEYS, POLICY_KEYS, REVIEW_KEYS, TOP_KEYS, USE_KEYS};
use serde_json::{Map, Number, Value as Json};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use toml_edit::{Item, Value};

const MANIFEST_SCHEMA: &str = "schema/models.schema.json";
const LOCK_SCHEMA: &str = "schema/models.lock.schema.json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load_schema(rel: &str) -> Json {
    let path = root().join(rel);
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!(
            "{rel} is not a valid draft 2020-12 schema: {e} (at {})",
            e.instance_path()
        );
    }
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{rel} must declare draft 2020-12"
    );
    schema
}

/// A validator that asserts `format` (so `format: date` rejects 2026-02-30).
fn validator(rel: &str) -> Validator {
    let schema = load_schema(rel);
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("cannot build a validator for {rel}: {e}"))
}

// --- TOML → JSON -----------------------------------------------------------

fn value_to_json(v: &Value) -> Json {
    match v {
        Value::String(s) => Json::String(s.value().clone()),
        Value::Integer(i) => Json::Number((*i.value()).into()),
        Value::Float(f) => Number::from_f64(*f.value())
            .map_or_else(|| Json::String(f.value().to_string()), Json::Number),
        Value::Boolean(b) => Json::Bool(*b.value()),
        Value::Datetime(d) => Json::String(d.value().to_string()),
        Value::Array(a) => Json::Array(a.iter().map(value_to_json).collect()),
        Value::InlineTable(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.to_owned(), value_to_json(v)))
                .collect(),
        ),
    }
}

fn table_to_json(t: &toml_edit::Table) -> Json {
    let mut map = Map::new();
    for (k, item) in t.iter() {
        if let Some(v) = item_to_json(item) {
            map.insert(k.to_owned(), v);
        }
    }
    Json::Object(map)
}

fn item_to_json(item: &Item) -> Option<Json> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(value_to_json(v)),
        Item::Table(t) => Some(table_to_json(t)),
        Item::ArrayOfTables(a) => Some(Json::Array(a.iter().map(table_to_json).collect())),
    }
}

fn toml_to_json(text: &str, what: &str) -> Json {
    let doc = toml_edit::Document::parse(text)
        .unwrap_or_else(|e| panic!("{what} is not valid TOML: {e}"));
    table_to_json(doc.as_table())
}

// --- helpers ---------------------------------------------------------------

fn errors(v: &Validator, instance: &Json) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_owned() } else { at };
            format!("{at}: {e}")
        })
        .collect()
}

fn assert_valid(v: &Validator, text: &str, what: &str) {
    let errs = errors(v, &toml_to_json(text, what));
    assert!(
        errs.is_empty(),
        "{what} does not satisfy its schema:\n  {}",
        errs.join("\n  ")
    );
}

fn assert_invalid(v: &Validator, text: &str, what: &str) {
    let json = toml_to_json(text, what);
    assert!(!v.is_valid(&json), "the schema accepts {what}:\n{json:#}");
}

/// Every file named `name` under `dir`, skipping directories named `invalid`.
fn find(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if e.file_name() != "invalid" {
                find(&path, name, out);
            }
        } else if ft.is_file() && e.file_name() == name {
            out.push(path);
        }
    }
}

const DIGEST: &str = "sha256:281a0a631b12c31d3bdb5b363a23d66e4b8554ecb00ad23a3bc0f6536d85772f";

fn inline_manifest() -> String {
    format!(
        r#"
[policy]
allow = ["apache-2.0", "MIT"]
deny = ["cc-by-nc-4.0"]

[use]
commercial = true
monthly-active-users = 250_000
regions = ["EU", "US"]

[models.chat]
source = "hf:meta-llama/Llama-3.1-8B-Instruct"
revision = "0e9e39f249a16976918f6564b8830bc894c89659"
files = ["*.safetensors", "*.json"]
license = "llama3.1"

[[models.chat.review]]
license-digest = "{DIGEST}"
reviewer = "legal@example.com"
date = 2026-05-01
expires = "2027-05-01"
note = "LEGAL-1"
license = "llama3.1"
revision = "0e9e39f249a16976918f6564b8830bc894c89659"

[[models.chat.accept]]
finding = "restricted-parent"
ancestor = "meta-llama/Llama-3.1-8B"
license-digest = "{DIGEST}"
reviewer = "legal@example.com"
date = 2026-05-02
reason = "LEGAL-2"
expires = 2027-05-01

[models.small]
source = "ollama:llama3.2:3b"

[models."tuned.v2"]
source = "path:models/tuned"
base = "chat"

[models.released]
source = "hf:org/model"
version = "^1.2"
"#
    )
}

fn inline_lock() -> String {
    format!(
        r#"
version = 1

[[model]]
name = "chat"
source = "hf:meta-llama/Llama-3.1-8B-Instruct"
requested = "^1.2"
tag = "v1.2.3"
revision = "0e9e39f249a16976918f6564b8830bc894c89659"
include = ["*.safetensors"]
license = "llama3.1"
license-digest = "{DIGEST}"
base-models = ["meta-llama/Llama-3.1-8B"]

[[model.license-file]]
path = "LICENSE"
digest = "{DIGEST}"

[[model.lineage]]
model = "meta-llama/Llama-3.1-8B"
relation = "finetune"
license = "llama3.1"
revision = "0e9e39f249a16976918f6564b8830bc894c89659"
license-digest = "{DIGEST}"

[[model.file]]
path = "model.safetensors"
size = 0
sha256 = "{hex}"
"#,
        hex = &DIGEST["sha256:".len()..]
    )
}

// --- tests -----------------------------------------------------------------

#[test]
fn fixtures_satisfy_the_schemas() {
    let manifest = validator(MANIFEST_SCHEMA);
    let lock = validator(LOCK_SCHEMA);
    let fixtures = root().join("fixtures");

    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, v) in [("models.toml", &manifest), ("models.lock", &lock)] {
        let mut files = Vec::new();
        find(&fixtures, name, &mut files);
        for path in files {
            let shown = path
                .strip_prefix(root())
                .unwrap_or(&path)
                .display()
                .to_string();
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {shown}: {e}"));
            let errs = errors(v, &toml_to_json(&text, &shown));
            if !errs.is_empty() {
                failures.push(format!("{shown}:\n  {}", errs.join("\n  ")));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures that do not satisfy the schemas:\n{}",
        failures.join("\n")
    );

    if checked == 0 {
        // No fixtures yet: still check that the schemas accept something.
        assert_valid(&manifest, &inline_manifest(), "the inline manifest");
        assert_valid(&lock, &inline_lock(), "the inline lock");
    }
}

#[test]
fn inline_examples_satisfy_the_schemas() {
    assert_valid(
        &validator(MANIFEST_SCHEMA),
        &inline_manifest(),
        "the inline manifest",
    );
    assert_valid(&validator(LOCK_SCHEMA), &inline_lock(), "the inline lock");
}

#[test]
fn broken_documents_are_rejected() {
    let manifest = validator(MANIFEST_SCHEMA);
    let lock = validator(LOCK_SCHEMA);

    assert_invalid(
        &manifest,
        "[models.x]\nsource = \"hf:org/x\"\nrevsion = \"main\"\n",
        "an unknown key in [models.x]",
    );
    assert_invalid(
        &manifest,
        "[models.x]\nsource = \"hf:org/x\"\nrevision = \"main\"\nversion = \"^1\"\n",
        "both `revision` and `version`",
    );
    assert_invalid(
        &manifest,
        "[models.x]\nsource = \"hf:org/x\"\n\n[[models.x.review]]\nlicense-digest = \"sha256:ABC\"\nreviewer = \"me\"\ndate = 2026-05-01\n",
        "a malformed `license-digest`",
    );
    assert_invalid(
        &manifest,
        "[models.x]\nrevision = \"main\"\n",
        "a model without `source`",
    );
    assert_invalid(
        &manifest,
        &format!("[models.x]\nsource = \"hf:org/x\"\n\n[[models.x.accept]]\nfinding = \"card-mismatch\"\nlicense-digest = \"{DIGEST}\"\nreviewer = \"me\"\ndate = 2026-05-01\n"),
        "an acceptance without `reason`",
    );
    assert_invalid(
        &manifest,
        "[models.x]\nsource = \"git:org/x\"\n",
        "an unknown source kind",
    );
    assert_invalid(
        &manifest,
        "[models.\"-x\"]\nsource = \"hf:org/x\"\n",
        "an invalid model name",
    );
    assert_invalid(
        &manifest,
        "[models.x]\nsource = \"path:m\"\nrevision = \"main\"\n",
        "a revision on a path: source",
    );
    assert_invalid(
        &manifest,
        "[models.x]\nsource = \"ollama:llama3\"\nrevision = \"main\"\n",
        "a tag as ollama revision",
    );
    assert_invalid(
        &manifest,
        "[models.x]\nsource = \"hf:org/x\"\nfiles = []\n",
        "empty `files`",
    );
    assert_invalid(
        &manifest,
        "[use]\nmonthly-active-users = -1\n",
        "negative monthly-active-users",
    );
    assert_invalid(
        &manifest,
        "[policy]\nallow = \"mit\"\n",
        "`allow` as a string",
    );
    assert_invalid(&manifest, "colour = 1\n", "an unknown top-level key");
    let review = |date: &str| {
        format!("[models.x]\nsource = \"hf:org/x\"\n\n[[models.x.review]]\nlicense-digest = \"{DIGEST}\"\nreviewer = \"me\"\ndate = {date}\n")
    };
    assert_valid(
        &manifest,
        &review("2026-05-01"),
        "a review dated with a TOML local date",
    );
    assert_valid(
        &manifest,
        &review("\"2026-05-01\""),
        "a review dated with a string",
    );
    assert_invalid(
        &manifest,
        &review("2026-05-01T10:00:00Z"),
        "a review dated with a date-time",
    );
    assert_invalid(
        &manifest,
        &review("\"2026-02-30\""),
        "a review dated on a day that does not exist",
    );
    assert_invalid(&manifest, &review("\"May 1st\""), "a review dated in prose");

    assert_invalid(
        &lock,
        &inline_lock().replace("version = 1", "version = 2"),
        "a lock with `version = 2`",
    );
    assert_invalid(
        &lock,
        "[[model]]\nname = \"x\"\n",
        "a lock without `version`",
    );
    assert_invalid(
        &lock,
        &inline_lock().replace("size = 0", "size = -1"),
        "a lock with a negative file size",
    );
    assert_invalid(
        &lock,
        &inline_lock().replace("license-digest = \"sha256:", "license-digest = \"md5:"),
        "a lock with a malformed `license-digest`",
    );
    assert_invalid(
        &lock,
        &format!("{}extra = 1\n", inline_lock()),
        "a lock with an unknown key in [[model.file]]",
    );
}

fn keys(schema: &Json, what: &str) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("the schema of {what} has no `properties` object"))
        .keys()
        .cloned()
        .collect()
}

fn set(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

#[test]
fn schema_keys_match_the_parser() {
    let schema = load_schema(MANIFEST_SCHEMA);
    let top = &schema;
    let policy = &top["properties"]["policy"];
    let usage = &top["properties"]["use"];
    let model = &top["properties"]["models"]["additionalProperties"];
    let review = &model["properties"]["review"]["items"];
    let accept = &model["properties"]["accept"]["items"];
    for (what, object, expected) in [
        ("models.toml", top, TOP_KEYS),
        ("[policy]", policy, POLICY_KEYS),
        ("[use]", usage, USE_KEYS),
        ("[models.NAME]", model, MODEL_KEYS),
        ("[[models.NAME.review]]", review, REVIEW_KEYS),
        ("[[models.NAME.accept]]", accept, ACCEPT_KEYS),
    ] {
        assert_eq!(
            keys(object, what),
            set(expected),
            "the keys of {what} differ between the schema and the parser"
        );
        assert_eq!(
            object["additionalProperties"],
            Json::Bool(false),
            "{what} must reject unknown keys"
        );
        for (key, prop) in object["properties"].as_object().unwrap() {
            assert!(
                prop["description"]
                    .as_str()
                    .is_some_and(|d| !d.trim().is_empty()),
                "`{key}` in {what} has no description"
            );
        }
    }
}
