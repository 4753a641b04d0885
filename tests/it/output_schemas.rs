//! Every JSON output the README calls stable has a schema,
//! `schema/<command>-output.schema.json`, and real outputs satisfy it.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

fn validator(command: &str) -> jsonschema::Validator {
    let path = root().join(format!("schema/{command}-output.schema.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::meta::validate(&schema).expect("a draft 2020-12 schema");
    jsonschema::draft202012::options().build(&schema).unwrap()
}

fn assert_valid(command: &str, output: &str) {
    let doc: Value =
        serde_json::from_str(output).unwrap_or_else(|e| panic!("{command}: {e}\n{output}"));
    let v = validator(command);
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{command}: {errors:#?}\n{output}");
}

fn json_run(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = modellock();
    isolate(&mut cmd, dir, "http://127.0.0.1:9");
    cmd.current_dir(dir)
        .arg("--manifest-path")
        .arg(dir.join("models.toml"))
        .arg("--format")
        .arg("json")
        .args(args);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    r
}

#[test]
fn every_stable_json_output_satisfies_its_schema() {
    // the example project: two local models, one reviewed
    let (dir, _) = copy_fixture("example");
    let d = dir.path();
    for (command, args) in [
        ("update", vec!["update"]),
        ("check", vec!["check", "--offline"]),
        ("verify", vec!["verify"]),
        ("fetch", vec!["fetch"]),
        ("path", vec!["path"]),
        ("licenses", vec!["licenses"]),
        ("outdated", vec!["outdated"]),
        ("diff", vec!["diff", "adapter", "--from", "locked"]),
    ] {
        let r = json_run(d, &args);
        assert!(r.code < 2, "{command}: {}{}", r.stdout, r.stderr);
        assert_valid(command, &r.stdout);
    }
    // audit, with findings of every status
    let (dir, _) = copy_fixture("audit");
    let r = json_run(dir.path(), &["audit", "tree", "--hf-cache", "hf-cache"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_valid("audit", &r.stdout);
    // the document of a command that cannot run
    let empty = tempfile::tempdir().unwrap();
    let r = json_run(empty.path(), &["check"]);
    assert_eq!(r.code, 2);
    assert_valid("error", &r.stdout);
    assert_valid(
        "check",
        &r.stdout
            .replace("\"summary\"", "\"models\": [], \"summary\""),
    );
    // the schemas can fail: a document without its fields, a wrong enum
    let check = validator("check");
    assert!(!check.is_valid(&serde_json::json!({})));
    let audit = validator("audit");
    let mut doc: Value =
        serde_json::from_str(&json_run(dir.path(), &["audit", "tree"]).stdout).unwrap();
    doc["findings"][0]["kind"] = "usage".into();
    assert!(!audit.is_valid(&doc));
}
