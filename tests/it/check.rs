//! `modellock check` on fixture files: one scenario per diagnostic code,
//! asserting the exit status and, in JSON, the code and the line it points at.

use crate::common;

use common::*;
use serde_json::Value;

fn check(fixture: &str) -> Run {
    let r = run_on(
        format!("fixtures/{fixture}/models.toml"),
        &["--format", "json", "check", "--offline"],
    );
    assert_no_panic(&r);
    r
}

/// The diagnostics with `code`, as (file name, line) of their first label.
fn located(r: &Run, code: &str) -> Vec<(String, u64)> {
    r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .map(|d| {
            let l = &d["labels"][0];
            let file = l["file"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned();
            (file, l["line"].as_u64().unwrap_or(0))
        })
        .collect()
}

#[track_caller]
fn expect(fixture: &str, exit: i32, codes: &[&str]) -> Run {
    let r = check(fixture);
    assert_eq!(r.code, exit, "{fixture}: exit status\n{}", r.stdout);
    assert_eq!(r.codes(), codes, "{fixture}: codes\n{}", r.stdout);
    assert_eq!(r.json()["summary"]["exit-status"], exit);
    r
}

#[test]
fn example_and_reviewed_pass() {
    let r = expect("example", 0, &[]);
    assert_eq!(r.json()["summary"]["models"], 2);
    let r = expect("check/reviewed", 0, &[]);
    let statuses: Vec<Value> = r.json()["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].clone())
        .collect();
    assert_eq!(statuses, [Value::from("reviewed"), Value::from("allowed")]);
}

#[test]
fn lock_missing() {
    let r = expect("check/lock-missing", 1, &["lock::missing"]);
    let d = &r.json()["diagnostics"][0];
    assert!(d["help"].as_str().unwrap().contains("modellock update"));
}

#[test]
fn license_unreviewed_points_at_the_entry_and_the_lock() {
    let r = expect("check/unreviewed", 1, &["license::unreviewed"]);
    let d = &r.json()["diagnostics"][0];
    assert_eq!(d["model"], "chat");
    assert_eq!(d["severity"], "error");
    let labels = d["labels"].as_array().unwrap();
    assert_eq!(labels[0]["file"], "fixtures/check/unreviewed/models.toml");
    assert_eq!(labels[0]["line"], 5);
    assert_eq!(labels[0]["snippet"], "chat");
    assert_eq!(labels[1]["file"], "fixtures/check/unreviewed/models.lock");
    // the help carries the digest to approve, ready to paste
    let help = d["help"].as_str().unwrap();
    assert!(
        help.contains(&format!("license-digest = \"{CHAT_DIGEST}\"")),
        "{help}"
    );
}

#[test]
fn license_changed_names_the_newest_review() {
    let r = expect("check/changed", 1, &["license::changed"]);
    let d = &r.json()["diagnostics"][0];
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains("counsel@example.com") && msg.contains("2026-04-02"),
        "{msg}"
    );
    // the entry first, then its newest review
    assert_eq!(
        located(&r, "license::changed"),
        [("models.toml".to_owned(), 5)]
    );
    assert_eq!(d["labels"][1]["line"], 16);
    let help = d["help"].as_str().unwrap();
    assert!(
        help.contains("LICENSE: '700 million' → '100 million'"),
        "{help}"
    );
    assert!(help.contains("card license: llama3 → llama3.1"), "{help}");
    assert!(
        help.ends_with("modellock review chat --reviewer legal@example.com --note TICKET"),
        "{help}"
    );
}

#[test]
fn expired_review() {
    let r = expect("check/expired", 1, &["license::review-expired"]);
    assert_eq!(
        located(&r, "license::review-expired"),
        [("models.toml".to_owned(), 14)]
    );
    // before the expiry date the same review counts
    let mut cmd = assert_cmd::Command::cargo_bin("modellock").unwrap();
    cmd.current_dir(root());
    cmd.args([
        "--today",
        "2026-05-15",
        "--manifest-path",
        "fixtures/check/expired/models.toml",
        "--format",
        "json",
        "check",
    ]);
    assert_eq!(run(&mut cmd).code, 0);
}

#[test]
fn denied_even_when_reviewed() {
    let r = expect("check/denied", 1, &["policy::denied"]);
    assert_eq!(
        located(&r, "policy::denied"),
        [("models.toml".to_owned(), 5)]
    );
    let labels = &r.json()["diagnostics"][0]["labels"];
    assert_eq!(labels[1]["line"], 3, "the deny entry is labelled");
}

#[test]
fn expected_license_mismatch() {
    let r = expect(
        "check/expected-mismatch",
        1,
        &["license::expected-mismatch"],
    );
    assert_eq!(
        located(&r, "license::expected-mismatch"),
        [("models.toml".to_owned(), 8)]
    );
}

#[test]
fn floating_revision_is_a_warning() {
    let r = expect("check/floating", 0, &["manifest::floating-revision"]);
    let d = &r.json()["diagnostics"][0];
    assert_eq!(d["severity"], "warning");
    assert!(d["help"].as_str().unwrap().contains("pin a tag or commit"));
}

#[test]
fn stale_locks() {
    for (fixture, line, file) in [
        ("check/stale-source", 6, "models.toml"),
        ("check/stale-revision", 6, "models.toml"),
        ("check/stale-files", 6, "models.toml"),
        ("check/stale-not-locked", 15, "models.toml"),
        ("check/stale-not-in-manifest", 24, "models.lock"),
    ] {
        let r = expect(fixture, 1, &["lock::stale"]);
        assert_eq!(
            located(&r, "lock::stale"),
            [(file.to_owned(), line)],
            "{fixture}"
        );
    }
    let r = check("check/stale-files");
    let msg = r.json()["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.contains("files: locked every file, manifest `*.safetensors`"),
        "{msg}"
    );
}

#[test]
fn policy_warnings_and_deny_wins() {
    let r = expect(
        "check/policy-warnings",
        1,
        &[
            "policy::allow-and-deny",
            "policy::denied",
            "policy::unknown-license",
        ],
    );
    let typo = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "policy::unknown-license")
        .cloned()
        .unwrap();
    assert_eq!(typo["severity"], "warning");
    assert!(typo["help"]
        .as_str()
        .unwrap()
        .contains("did you mean `mit`?"));
}

#[test]
fn invalid_manifests_exit_2_with_their_code() {
    for (fixture, code, line) in [
        ("parse", "manifest::parse", 6),
        ("unknown-key", "manifest::unknown-key", 8),
        ("invalid-source", "manifest::invalid-source", 6),
        ("invalid-type", "manifest::invalid-type", 2),
        ("missing-key", "manifest::missing-key", 5),
        ("invalid-name", "manifest::invalid-name", 5),
        ("dotted-name", "manifest::invalid-name", 4),
        ("duplicate-name", "manifest::duplicate-name", 8),
        ("invalid-revision", "manifest::invalid-revision", 7),
        ("invalid-version", "manifest::invalid-version", 8),
        ("invalid-glob", "manifest::invalid-glob", 8),
        ("invalid-digest", "manifest::invalid-digest", 10),
        ("invalid-date", "manifest::invalid-date", 12),
        ("invalid-value", "manifest::invalid-value", 8),
        ("unknown-base", "manifest::unknown-base", 8),
        ("lock-parse", "lock::parse", 7),
        ("lock-syntax", "lock::parse", 6),
        ("lock-version", "lock::version", 4),
    ] {
        let r = expect(&format!("invalid/{fixture}"), 2, &[code]);
        let lines: Vec<u64> = located(&r, code).into_iter().map(|(_, l)| l).collect();
        assert!(
            lines.contains(&line),
            "{fixture}: {code} at {lines:?}, expected line {line}\n{}",
            r.stdout
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    // three bad sources in one file: three diagnostics, not the first only
    assert_eq!(
        located(&check("invalid/invalid-source"), "manifest::invalid-source").len(),
        3
    );
    assert_eq!(
        located(&check("invalid/invalid-type"), "manifest::invalid-type").len(),
        3
    );
    assert_eq!(
        located(&check("invalid/unknown-key"), "manifest::unknown-key").len(),
        2
    );
    let r = check("invalid/unknown-base");
    let msgs: Vec<String> = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("`bsae`")), "{msgs:?}");
    assert!(
        msgs.iter().any(|m| m.contains("cycle: x → y → x")),
        "{msgs:?}"
    );
    let r = check("invalid/missing-key");
    assert_eq!(
        located(&r, "manifest::missing-key").len(),
        2,
        "no source; a review without reviewer"
    );
}

#[test]
fn unknown_key_suggests_the_close_key() {
    let r = check("invalid/unknown-key");
    let helps: Vec<String> = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["help"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        helps.contains(&"did you mean `revision`?".to_owned()),
        "{helps:?}"
    );
    assert!(
        helps.contains(&"did you mean `policy`?".to_owned()),
        "{helps:?}"
    );
}

#[test]
fn missing_or_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_on(
        dir.path().join("models.toml"),
        &["--format", "json", "check"],
    );
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["manifest::not-found".to_owned()])
    );
    // a directory where the manifest should be
    std::fs::create_dir(dir.path().join("models.toml")).unwrap();
    let r = run_on(
        dir.path().join("models.toml"),
        &["--format", "json", "check"],
    );
    assert_eq!((r.code, r.codes()), (2, vec!["manifest::io".to_owned()]));
    // a directory where the lock should be
    let d2 = tempfile::tempdir().unwrap();
    std::fs::write(d2.path().join("models.toml"), "[policy]\nallow = []\n").unwrap();
    std::fs::create_dir(d2.path().join("models.lock")).unwrap();
    let r = run_on(
        d2.path().join("models.toml"),
        &["--format", "json", "check"],
    );
    assert_eq!((r.code, r.codes()), (2, vec!["lock::io".to_owned()]));
    // not UTF-8
    std::fs::write(
        d2.path().join("bad.toml"),
        b"[policy]\nallow = [\"\xff\"]\n",
    )
    .unwrap();
    let r = run_on(d2.path().join("bad.toml"), &["--format", "json", "check"]);
    assert_eq!((r.code, r.codes()), (2, vec!["manifest::parse".to_owned()]));
}

#[test]
fn bad_arguments_exit_2() {
    let r = run(modellock().args(["check", "--no-such-flag"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--no-such-flag"));
    let r = run(modellock().args(["--format", "yaml", "check"]));
    assert_eq!(r.code, 2);
    let r = run(modellock().args(["--help"]));
    assert_eq!(r.code, 0);
}

#[test]
fn json_is_one_document_on_stdout() {
    let r = check("check/unreviewed");
    assert!(r.stderr.is_empty(), "nothing on stderr: {}", r.stderr);
    let v = r.json();
    assert_eq!(
        v["summary"],
        serde_json::json!({"errors": 1, "warnings": 0, "advice": 0, "models": 1, "exit-status": 1})
    );
    for d in v["diagnostics"].as_array().unwrap() {
        for key in ["code", "severity", "message", "help", "labels"] {
            assert!(d.get(key).is_some(), "{key} in {d}");
        }
        for l in d["labels"].as_array().unwrap() {
            for key in ["file", "line", "column", "text"] {
                assert!(l.get(key).is_some(), "{key} in {l}");
            }
        }
    }
}

fn human(fixture: &str) -> String {
    let r = run_on(format!("fixtures/{fixture}/models.toml"), &["check"]);
    assert_no_panic(&r);
    format!("exit status: {}\n{}", r.code, r.stdout)
}

#[test]
fn human_reports() {
    for fixture in [
        "check/unreviewed",
        "check/changed",
        "check/denied",
        "check/stale-source",
        "check/floating",
        "invalid/parse",
        "invalid/unknown-key",
        "invalid/invalid-source",
        "invalid/lock-version",
    ] {
        insta::assert_snapshot!(fixture.replace('/', "__"), human(fixture));
    }
}

#[test]
fn summary_line_and_quiet() {
    let out = human("check/floating");
    assert!(out.ends_with("0 errors, 1 warning in 1 model\n"), "{out}");
    let r = run_on("fixtures/check/floating/models.toml", &["-q", "check"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    let r = run_on("fixtures/example/models.toml", &["check"]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 2 models\n");
}

#[test]
fn colour_follows_flag_and_no_color() {
    let mut cmd = assert_cmd::Command::cargo_bin("modellock").unwrap();
    cmd.current_dir(root()).args([
        "--color",
        "always",
        "--manifest-path",
        "fixtures/check/unreviewed/models.toml",
        "check",
    ]);
    assert!(run(&mut cmd).stdout.contains('\u{1b}'));
    let mut cmd = assert_cmd::Command::cargo_bin("modellock").unwrap();
    cmd.current_dir(root()).env("NO_COLOR", "1").args([
        "--manifest-path",
        "fixtures/check/unreviewed/models.toml",
        "check",
    ]);
    assert!(!run(&mut cmd).stdout.contains('\u{1b}'));
}

#[test]
fn the_license_store_must_hold_every_locked_text() {
    // a lock whose texts were never stored (or not committed)
    let (dir, m) = copy_fixture("check/reviewed");
    let store = dir.path().join(".modellock");
    std::fs::rename(&store, dir.path().join("elsewhere")).unwrap();
    let r = run_on(&m, &["--format", "json", "check"]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["license::text-missing".to_owned()])
    );
    let diags = r.json()["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diags.len(), 2, "one per model");
    let help = diags[0]["help"].as_str().unwrap();
    assert!(help.contains(".modellock/terms/sha256-"), "{help}");
    assert!(help.contains("modellock update"), "{help}");
    std::fs::rename(dir.path().join("elsewhere"), &store).unwrap();
    assert_eq!(run_on(&m, &["check"]).code, 0);

    // an entry edited by hand no longer matches its name
    let licenses = store.join("licenses");
    let text = std::fs::read_dir(&licenses)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let original = std::fs::read(&text).unwrap();
    let mut edited = original.clone();
    edited.extend_from_slice(b"\nAnd one more clause.\n");
    std::fs::write(&text, &edited).unwrap();
    let r = run_on(&m, &["--format", "json", "check"]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["license::text-mismatch".to_owned()])
    );
    // re-wrapping the stored text keeps its digest: still the same terms
    let rewrapped: Vec<u8> = original
        .iter()
        .map(|&b| if b == b'\n' { b' ' } else { b })
        .collect();
    std::fs::write(&text, rewrapped).unwrap();
    assert_eq!(run_on(&m, &["check"]).code, 0);
}
