//! `attest`: an in-toto v1 Statement of the lock; `verify --statement`
//! holds the lock and the files on disk to one.

use crate::common::*;
use serde_json::Value;

#[test]
fn the_statement_names_every_locked_file_and_verify_holds_files_to_it() {
    let (dir, _) = copy_fixture("example");
    let d = dir.path();
    let cmd = |args: &[&str]| {
        let mut c = modellock();
        isolate(&mut c, d, "http://127.0.0.1:9");
        c.current_dir(d)
            .arg("--manifest-path")
            .arg(d.join("models.toml"))
            .args(args);
        run_checked(&mut c)
    };
    assert_eq!(cmd(&["update"]).code, 0);
    let r = cmd(&["attest"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let st: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        st["predicateType"],
        "https://github.com/modellock/modellock/attestation/lock/v1"
    );
    // every locked file, as MODEL/PATH with its sha256 (known answers: the
    // sha256 of the bytes on disk, computed here)
    let lock = std::fs::read_to_string(d.join("models.lock")).unwrap();
    let subjects = st["subject"].as_array().unwrap();
    assert_eq!(subjects.len(), lock.matches("[[model.file]]").count());
    let cfg = subjects
        .iter()
        .find(|s| s["name"] == "classifier/config.json")
        .expect("the classifier's config");
    let bytes = std::fs::read(d.join("models/tiny-classifier/config.json")).unwrap();
    assert_eq!(
        cfg["digest"]["sha256"],
        crate::support::hub::sha256_hex(&bytes)
    );
    let lock_sha = crate::support::hub::sha256_hex(lock.as_bytes());
    assert_eq!(
        st["predicate"]["lock"]["digest"]["sha256"],
        lock_sha.as_str()
    );
    let adapter = st["predicate"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "adapter")
        .unwrap();
    assert_eq!(adapter["reviews"].as_array().unwrap().len(), 1);

    // written to a file, then held to
    assert_eq!(cmd(&["attest", "--output", "statement.json"]).code, 0);
    let r = cmd(&["verify", "--statement", "statement.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // a statement of other bytes
    let tampered = std::fs::read_to_string(d.join("statement.json"))
        .unwrap()
        .replacen(
            cfg["digest"]["sha256"].as_str().unwrap(),
            &"0".repeat(64),
            1,
        );
    std::fs::write(d.join("tampered.json"), tampered).unwrap();
    let r = cmd(&["--format", "json", "verify", "--statement", "tampered.json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.codes().contains(&"verify::statement-mismatch".to_owned()),
        "{}",
        r.stdout
    );
    // not a statement at all
    std::fs::write(d.join("junk.json"), "{\"_type\": \"something else\"}").unwrap();
    let r = cmd(&["--format", "json", "verify", "--statement", "junk.json"]);
    assert_eq!(r.code, 2);
    assert!(r.codes().contains(&"verify::statement-invalid".to_owned()));
}
