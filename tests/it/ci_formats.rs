//! `--format github` (GitHub Actions annotations) and `--format sarif`
//! (SARIF 2.1.0, validated against the official schema) on the check
//! fixtures; the exit status never depends on the format.

use crate::common;

use common::*;
use serde_json::Value;

fn check(fixture: &str, format: &str) -> Run {
    let mut cmd = modellock();
    cmd.current_dir(root().join("fixtures").join(fixture))
        .args(["--format", format, "check", "--offline"]);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    r
}

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("tests/schemas/sarif-2.1.0-rtm.5.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

#[test]
fn github_annotations_point_at_the_lines() {
    let r = check("check/changed", "github");
    assert_eq!(r.code, 1);
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("::error file=models.toml,line=5,col=9,endLine=5,endColumn=13,title=license%3A%3Achanged::"),
        "{first}"
    );
    // one line per annotation: the help travels escaped
    assert!(first.contains("%0A%0Awhat changed:%0A"), "{first}");
    assert!(first.contains("also: models.toml:16:18"), "{first}");
    insta::assert_snapshot!(r.stdout);

    let r = check("check/floating", "github");
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("::warning file=models.toml,line=6,"),
        "{}",
        r.stdout
    );
    let r = check("invalid/parse", "github");
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.starts_with("::error file=models.toml,"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("title=manifest%3A%3Aparse"),
        "{}",
        r.stdout
    );
}

#[test]
fn github_paths_are_relative_to_the_checkout() {
    let mut cmd = modellock();
    cmd.args(["--format", "github", "--manifest-path"])
        .arg(root().join("fixtures/check/unreviewed/models.toml"))
        .args(["check"]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("::error file=fixtures/check/unreviewed/models.toml,line=5,"),
        "{}",
        r.stdout
    );
}

#[test]
fn sarif_logs_are_valid_sarif_2_1_0() {
    let validator = sarif_validator();
    // the schema is strict enough to catch a wrong log
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.0.0", "runs": []})));
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
    for (fixture, exit, results) in [
        ("check/reviewed", 0, 0),
        ("check/changed", 1, 1),
        ("check/unreviewed", 1, 1),
        ("check/floating", 0, 1),
        ("check/stale-source", 1, 1),
        ("invalid/parse", 2, 1),
        ("invalid/unknown-key", 2, 2),
    ] {
        let r = check(fixture, "sarif");
        assert_eq!(r.code, exit, "{fixture}");
        let log: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{fixture}: not JSON ({e}):\n{}", r.stdout));
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{fixture}: {errors:#?}");
        let run = &log["runs"][0];
        assert_eq!(
            run["results"].as_array().unwrap().len(),
            results,
            "{fixture}"
        );
        assert_eq!(run["invocations"][0]["exitCode"], exit);
        assert_eq!(run["invocations"][0]["executionSuccessful"], exit != 2);
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                run["tool"]["driver"]["rules"][index]["id"],
                result["ruleId"]
            );
        }
        // no pointer to a registry where modellock is not published
        assert!(!r.stdout.contains("crates.io"), "{fixture}");
        // a rule's level is the level its findings have
        for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
            let want = match rule["id"].as_str().unwrap() {
                "manifest::floating-revision"
                | "policy::unknown-license"
                | "policy::allow-and-deny"
                | "audit::unpinned"
                | "audit::unreadable"
                | "source::token-unreadable"
                | "license::document-unavailable"
                | "policy::remote-code"
                | "policy::not-scanned" => "warning",
                _ => "error",
            };
            assert_eq!(rule["defaultConfiguration"]["level"], want, "{rule}");
        }
    }
}

#[test]
fn sarif_result_of_a_changed_license() {
    let r = check("check/changed", "sarif");
    let log: Value = serde_json::from_str(&r.stdout).unwrap();
    let result = &log["runs"][0]["results"][0];
    insta::assert_json_snapshot!(result);
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(5), Some(9))
    );
    assert_eq!(
        result["relatedLocations"][1]["physicalLocation"]["artifactLocation"]["uri"],
        "models.lock"
    );
}

/// `--format gitlab`: a GitLab Code Quality report, valid by the fields
/// GitLab requires (schema/gitlab-codequality.schema.json), severities by
/// the gate's, fingerprints stable and distinct.
#[test]
fn gitlab_code_quality_reports() {
    let text =
        std::fs::read_to_string(root().join("schema/gitlab-codequality.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut issues = 0;
    for (fixture, code) in [
        ("check/changed", 1),
        ("check/floating", 0),
        ("check/policy-warnings", 1),
        ("check/stale-not-locked", 1),
        ("check/lock-missing", 1),
        ("invalid/parse", 2),
        ("example", 0),
    ] {
        let r = check(fixture, "gitlab");
        assert_eq!(r.code, code, "{fixture}: {}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{fixture}: {e}\n{}", r.stdout));
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{fixture}: {errors:?}\n{}", r.stdout);
        let list = report.as_array().unwrap();
        issues += list.len();
        let mut prints: Vec<&str> = list
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        prints.sort();
        prints.dedup();
        assert_eq!(
            prints.len(),
            list.len(),
            "{fixture}: fingerprints are distinct"
        );
        // the same findings, the same fingerprints
        assert_eq!(check(fixture, "gitlab").stdout, r.stdout, "{fixture}");
        for i in list {
            assert_eq!(i["location"]["path"], "models.toml", "{fixture}: {i}");
        }
    }
    assert!(issues >= 5, "{issues}");

    let r = check("check/changed", "gitlab");
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report[0]["check_name"], "license::changed");
    assert_eq!(report[0]["severity"], "critical");
    assert_eq!(report[0]["location"]["lines"]["begin"], 5);
    assert!(report[0]["description"]
        .as_str()
        .unwrap()
        .contains("modellock review chat"));
    let r = check("check/floating", "gitlab");
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        report
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["severity"] == "minor"),
        "{report}"
    );
    assert!(!report.as_array().unwrap().is_empty());
}
