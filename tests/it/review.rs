//! `modellock review`: the red check → review → green check story, records
//! appended with comments kept, and every refusal.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};

fn project(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    copy_fixture(fixture)
}

/// modellock without any git identity to fall back to.
fn review(manifest: &Path, args: &[&str]) -> Run {
    let mut cmd = modellock();
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", manifest.parent().unwrap())
        .arg("--manifest-path")
        .arg(manifest)
        .args(["--format", "json", "review"])
        .args(args);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    r
}

#[test]
fn red_check_review_green_check() {
    let (_d, m) = project("check/unreviewed");
    let before = std::fs::read_to_string(&m).unwrap();
    assert_eq!(run_on(&m, &["check"]).code, 1);
    let r = review(
        &m,
        &[
            "chat",
            "--reviewer",
            "legal@example.com",
            "--note",
            "LEGAL-1234",
            "--date",
            "2026-11-20",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["review"]["license-digest"], CHAT_DIGEST);
    let after = std::fs::read_to_string(&m).unwrap();
    assert!(after.starts_with(&before), "existing text kept");
    insta::assert_snapshot!(after);
    assert_eq!(run_on(&m, &["check"]).code, 0);
}

#[test]
fn a_changed_license_gets_a_second_record_and_history_stays() {
    let (_d, m) = project("check/changed");
    let before = std::fs::read_to_string(&m).unwrap();
    let r = review(
        &m,
        &[
            "chat",
            "--reviewer",
            "counsel@example.com",
            "--date",
            "2026-11-21",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let after = std::fs::read_to_string(&m).unwrap();
    assert_eq!(after.matches("[[models.chat.review]]").count(), 3);
    for line in before.lines() {
        assert!(after.contains(line), "lost: {line}");
    }
    assert_eq!(run_on(&m, &["check"]).code, 0);
}

#[test]
fn expiring_reviews() {
    let (_d, m) = project("check/unreviewed");
    let r = review(
        &m,
        &[
            "chat",
            "--reviewer",
            "legal@example.com",
            "--date",
            "2026-01-01",
            "--expires",
            "2026-06-30",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run_on(&m, &["--format", "json", "check"]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["license::review-expired".to_owned()])
    );
    let r = review(
        &m,
        &[
            "chat",
            "--reviewer",
            "x@example.com",
            "--date",
            "2026-07-01",
            "--expires",
            "2026-06-30",
        ],
    );
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["manifest::invalid-value".to_owned()])
    );
}

#[test]
fn refusals_change_nothing() {
    for (fixture, args, code) in [
        (
            "check/reviewed",
            &["chat", "--reviewer", "a@b.c"][..],
            "review::already-reviewed",
        ),
        (
            "check/reviewed",
            &["embed", "--reviewer", "a@b.c"][..],
            "review::not-needed",
        ),
        (
            "check/denied",
            &["chat", "--reviewer", "a@b.c"][..],
            "review::not-needed",
        ),
        (
            "check/stale-source",
            &["chat", "--reviewer", "a@b.c"][..],
            "review::stale-lock",
        ),
        ("check/unreviewed", &["chat"][..], "review::no-reviewer"),
        (
            "check/unreviewed",
            &["chatt", "--reviewer", "a@b.c"][..],
            "manifest::unknown-model",
        ),
        (
            "check/lock-missing",
            &["chat", "--reviewer", "a@b.c"][..],
            "review::stale-lock",
        ),
    ] {
        let (_d, m) = project(fixture);
        let before = std::fs::read_to_string(&m).unwrap();
        let r = review(&m, args);
        // every refusal: exit 2, as the README says, and the JSON agrees
        assert_eq!(r.code, 2, "{fixture} {args:?}");
        assert_eq!(r.json()["summary"]["exit-status"], 2, "{fixture} {args:?}");
        assert_eq!(r.codes(), [code], "{fixture} {args:?}");
        assert_eq!(
            std::fs::read_to_string(&m).unwrap(),
            before,
            "{fixture} {args:?} changed models.toml"
        );
    }
}

#[test]
fn the_reviewer_falls_back_to_git() {
    let (d, m) = project("check/unreviewed");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(d.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap()
    };
    assert!(git(&["init", "-q"]).status.success());
    assert!(git(&["config", "user.email", "dev@example.com"])
        .status
        .success());
    let r = review(&m, &["chat"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["review"]["reviewer"], "dev@example.com");
}
