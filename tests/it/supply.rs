//! Supply-chain policy: where models may come from (`[policy] ban`,
//! `allow-orgs`), held by `check` and applied by `audit`.

use crate::common::*;
use serde_json::Value;

/// models.toml, and an empty lock: where models come from is judged
/// before anything is locked.
fn write(dir: &std::path::Path, manifest: &str) {
    std::fs::write(dir.join("models.toml"), manifest).unwrap();
    std::fs::write(dir.join("models.lock"), "version = 1\n").unwrap();
}

fn diags(r: &Run) -> Vec<(String, String)> {
    r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["model"].as_str().unwrap_or("").to_owned(),
            )
        })
        .filter(|(c, _)| c.starts_with("policy::banned") || c.starts_with("policy::source"))
        .collect()
}

#[test]
fn banned_sources_and_organisations_not_allowed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        r#"[policy]
allow = ["mit"]
ban = ["deleted-org/*", "hf:Acme/old-*"]
allow-orgs = ["meta-llama", "acme", "library"]

[models.a]
source = "hf:deleted-org/model"

[models.b]
source = "hf:acme/old-chat"

[models.c]
source = "hf:someone/model"

[models.d]
source = "ollama:llama3.1:8b"

[models.e]
source = "hf:meta-llama/Llama-3.1-8B"
"#,
    );
    let mut cmd = project_command(dir.path(), "http://127.0.0.1:9");
    cmd.args(["--format", "json", "check", "--offline"]);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        diags(&r),
        [
            ("policy::banned".to_owned(), "a".to_owned()),
            ("policy::source-not-allowed".to_owned(), "a".to_owned()),
            ("policy::banned".to_owned(), "b".to_owned()),
            ("policy::source-not-allowed".to_owned(), "c".to_owned()),
        ]
    );
    // the ban points at the source and the pattern
    let doc: Value = r.json();
    let ban = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "policy::banned" && d["model"] == "b")
        .unwrap();
    let lines: Vec<u64> = ban["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [10, 3]);
    // a pattern that is not a glob is a manifest error
    write(dir.path(), "[policy]\nban = [\"org/[\"]\n");
    let mut cmd = project_command(dir.path(), "http://127.0.0.1:9");
    cmd.args(["--format", "json", "check", "--offline"]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.codes().contains(&"manifest::invalid-value".to_owned()),
        "{}",
        r.stdout
    );
}

#[test]
fn audit_triages_banned_references_migrate() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "[policy]\nban = [\"evil/*\"]\n");
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(
        dir.path().join("app/serve.py"),
        "m = AutoModel.from_pretrained(\"evil/backdoored-7b\")\n",
    )
    .unwrap();
    let mut cmd = project_command(dir.path(), "http://127.0.0.1:9");
    cmd.current_dir(dir.path())
        .args(["--format", "json", "audit", "app"]);
    let r = run(&mut cmd);
    let f = &r.json()["findings"][0];
    assert_eq!(f["reference"], "hf:evil/backdoored-7b");
    assert_eq!(f["triage"], "migrate");
    assert!(
        f["why"]
            .as_str()
            .unwrap()
            .contains("`policy.ban` bans it (`evil/*`)"),
        "{f}"
    );
}

#[test]
fn a_namespace_deleted_and_registered_again_is_refused() {
    use crate::support::hub::{File, FixtureHub, Repo};
    let hub = FixtureHub::start();
    let repo = |object_id: Option<&str>, weights: u8| Repo {
        object_id: object_id.map(str::to_owned),
        ..Repo::simple(
            "acme/chat-7b",
            vec![
                File::git("LICENSE", "MIT License\n\nCopyright (c) acme\n"),
                File::lfs("model.safetensors", vec![weights; 256]),
            ],
            serde_json::json!({"license": "mit"}),
        )
    };
    hub.add_repo(repo(Some("66f0c0ffee0000000000abcd"), 1));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[policy]\nallow = [\"mit\"]\n\n[models.chat]\nsource = \"hf:acme/chat-7b\"\n",
    )
    .unwrap();
    let update = || {
        let mut cmd = project_command(dir.path(), &hub.url());
        cmd.args(["--format", "json", "update"]);
        run(&mut cmd)
    };
    let r = update();
    assert_eq!(r.code, 0, "{}", r.stdout);
    let lock = std::fs::read_to_string(dir.path().join("models.lock")).unwrap();
    assert!(
        lock.contains("hub-id = \"66f0c0ffee0000000000abcd\"\nauthor = \"acme\"\n"),
        "{lock}"
    );
    // the owner deletes the repo; someone registers the name again, with a
    // copy of the LICENSE and other weights
    hub.add_repo(repo(Some("77aa00000000000000000001"), 9));
    let r = update();
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.codes().contains(&"source::identity-changed".to_owned()),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("66f0c0ffee0000000000abcd"),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("models.lock")).unwrap(),
        lock
    );
}

/// A repo with pickle and safetensors weights, a config mapping classes to
/// its own code and to another repo's, and the code.
fn remote_code_repo() -> crate::support::hub::Repo {
    use crate::support::hub::{File, Repo};
    Repo::simple(
        "acme/custom-7b",
        vec![
            File::git("LICENSE", "MIT License\n\nCopyright (c) acme\n"),
            File::git(
                "config.json",
                r#"{"model_type": "custom", "auto_map": {"AutoConfig": "configuration_custom.CustomConfig", "AutoModelForCausalLM": "acme/shared-code--modeling_custom.CustomForCausalLM"}}"#,
            ),
            File::git(
                "modeling_custom.py",
                "import os\nclass CustomForCausalLM: pass\n",
            ),
            File::lfs("pytorch_model.bin", vec![5u8; 512]),
            File::lfs("model.safetensors", vec![6u8; 512]),
        ],
        serde_json::json!({"license": "mit"}),
    )
}

fn supply_project(
    extra_policy: &str,
    entry_extra: &str,
) -> (tempfile::TempDir, crate::support::hub::FixtureHub) {
    let hub = crate::support::hub::FixtureHub::start();
    hub.add_repo(remote_code_repo());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        format!("[policy]\nallow = [\"mit\"]\n{extra_policy}\n[models.custom]\nsource = \"hf:acme/custom-7b\"\nrevision = \"main\"\n{entry_extra}"),
    )
    .unwrap();
    (dir, hub)
}

fn check_codes(
    dir: &std::path::Path,
    hub: &crate::support::hub::FixtureHub,
) -> (i32, Vec<(String, String)>, Value) {
    let mut cmd = project_command(dir, &hub.url());
    cmd.args(["--format", "json", "update"]);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    let mut cmd = project_command(dir, &hub.url());
    cmd.args(["--format", "json", "check", "--offline"]);
    let r = run(&mut cmd);
    let doc = r.json();
    let codes = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(c, _)| c != "manifest::floating-revision")
        .collect();
    (r.code, codes, doc)
}

#[test]
fn pickle_weights_and_remote_code_by_default() {
    let (dir, hub) = supply_project("", "");
    let (code, codes, doc) = check_codes(dir.path(), &hub);
    assert_eq!(code, 1);
    assert_eq!(
        codes,
        [
            ("policy::format".to_owned(), "error".to_owned()),
            ("policy::remote-code".to_owned(), "warning".to_owned()),
        ]
    );
    let lock = std::fs::read_to_string(dir.path().join("models.lock")).unwrap();
    assert!(
        lock.contains("path = \"pytorch_model.bin\"\nsize = 512\nsha256 = \"")
            && lock.contains("class = \"pickle\""),
        "{lock}"
    );
    assert!(
        lock.contains("remote-code = [\"acme/shared-code--modeling_custom.CustomForCausalLM\", \"configuration_custom.CustomConfig\"]"),
        "{lock}"
    );
    let diags = doc["diagnostics"].as_array().unwrap();
    let format = diags
        .iter()
        .find(|d| d["code"] == "policy::format")
        .unwrap();
    assert!(
        format["message"]
            .as_str()
            .unwrap()
            .contains("pickle format"),
        "{format}"
    );
    assert!(
        format["message"]
            .as_str()
            .unwrap()
            .contains("pytorch_model.bin"),
        "{format}"
    );
    assert!(
        format["help"].as_str().unwrap().contains("`files` globs"),
        "{format}"
    );
    let rc = diags
        .iter()
        .find(|d| d["code"] == "policy::remote-code")
        .unwrap();
    let m = rc["message"].as_str().unwrap();
    assert!(m.contains("modeling_custom.py"), "{m}");
    assert!(
        m.contains("modeling_custom.CustomForCausalLM from the repo acme/shared-code"),
        "{m}"
    );
}

#[test]
fn files_globs_formats_and_remote_code_settings() {
    // leaving the pickle out; code allowed for this model after reading it
    let (dir, hub) = supply_project(
        "",
        "files = [\"*.safetensors\", \"*.json\"]\nremote-code = \"allow\"\n",
    );
    let (code, codes, _) = check_codes(dir.path(), &hub);
    assert_eq!((code, codes), (0, vec![]));
    // remote code denied by policy: an error
    let (dir, hub) = supply_project(
        "remote-code = \"deny\"\n",
        "files = [\"*.safetensors\", \"*.json\"]\n",
    );
    let (code, codes, _) = check_codes(dir.path(), &hub);
    assert_eq!(
        (code, codes),
        (
            1,
            vec![("policy::remote-code".to_owned(), "error".to_owned())]
        )
    );
    // formats chosen by policy: pickle accepted, safetensors not
    let (dir, hub) = supply_project(
        "formats = [\"pickle\", \"gguf\"]\nremote-code = \"allow\"\n",
        "",
    );
    let (code, codes, doc) = check_codes(dir.path(), &hub);
    assert_eq!(
        (code, codes),
        (1, vec![("policy::format".to_owned(), "error".to_owned())])
    );
    let m = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "policy::format")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        m.contains("safetensors format") && m.contains("model.safetensors"),
        "{m}"
    );
    // a format that does not exist
    let (dir, hub) = supply_project("formats = [\"safetensor\"]\n", "");
    let mut cmd = project_command(dir.path(), &hub.url());
    cmd.args(["--format", "json", "check", "--offline"]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("`safetensor` in `formats` is not a weight format"),
        "{}",
        r.stdout
    );
}

/// A pickle (protocol 2) that calls `os.system` when it is unpickled —
/// written opcode by opcode, never executed.
fn malicious_pickle() -> Vec<u8> {
    let mut p = vec![0x80, 2];
    p.extend(b"cposix\nsystem\n");
    p.extend(b"q\x00");
    p.extend(b"X\x0c\x00\x00\x00echo pwned!!");
    p.extend([0x85, b'R', b'.']);
    p
}

/// The pickle of a state dict as torch.save writes it (protocol 2, in
/// `archive/data.pkl` of a zip): OrderedDict, _rebuild_tensor_v2,
/// FloatStorage by persistent id.
fn torch_state_dict_zip() -> Vec<u8> {
    let mut pkl = vec![0x80, 2, b'}', b'q', 0, b'(', b'X', 6, 0, 0, 0];
    pkl.extend(b"weight");
    pkl.extend(b"ctorch._utils\n_rebuild_tensor_v2\n");
    pkl.extend(b"(X\x07\x00\x00\x00storageccollections\nOrderedDict\n");
    pkl.extend(b")R");
    pkl.extend(b"ctorch\nFloatStorage\n");
    pkl.extend([
        b'N', 0x86, b'Q', b'K', 0, b'K', 4, 0x85, b'K', 1, 0x85, 0x89, b't', b'R',
    ]);
    pkl.extend([b'u', b'.']);
    let mut out = std::io::Cursor::new(Vec::new());
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("archive/data.pkl", opts).unwrap();
        z.write_all(&pkl).unwrap();
        z.start_file("archive/data/0", opts).unwrap();
        z.write_all(&[0u8; 16]).unwrap();
        z.finish().unwrap();
    }
    out.into_inner()
}

#[test]
fn pickles_on_disk_are_read_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    for (name, weights) in [
        ("good", torch_state_dict_zip()),
        ("evil", malicious_pickle()),
    ] {
        let d = models.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("LICENSE"), "MIT License\n\nCopyright (c) x\n").unwrap();
        std::fs::write(d.join("pytorch_model.bin"), weights).unwrap();
    }
    std::fs::write(
        dir.path().join("models.toml"),
        "[policy]\nallow = [\"mit\"]\nformats = [\"pickle\"]\n\n[models.good]\nsource = \"path:models/good\"\nlicense = \"mit\"\n\n[models.evil]\nsource = \"path:models/evil\"\nlicense = \"mit\"\n",
    )
    .unwrap();
    let mut cmd = project_command(dir.path(), "http://127.0.0.1:9");
    cmd.arg("update");
    assert_eq!(run(&mut cmd).code, 0);
    let mut cmd = project_command(dir.path(), "http://127.0.0.1:9");
    cmd.args(["--format", "json", "verify"]);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let doc = r.json();
    let unsafe_: Vec<&Value> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "verify::unsafe-pickle")
        .collect();
    assert_eq!(unsafe_.len(), 1, "{}", r.stdout);
    assert_eq!(unsafe_[0]["model"], "evil");
    assert!(
        unsafe_[0]["message"]
            .as_str()
            .unwrap()
            .contains("imports posix.system (dangerous)"),
        "{}",
        unsafe_[0]
    );
    // nothing ran: no file was written by the payload
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn the_hub_scan_verdict_is_locked_and_held() {
    use crate::support::hub::{File, FixtureHub, Repo};
    let hub = FixtureHub::start();
    let repo = |security: serde_json::Value| Repo {
        security: Some(security),
        ..Repo::simple(
            "acme/scanned-7b",
            vec![
                File::git("LICENSE", "MIT License\n\nCopyright (c) acme\n"),
                File::lfs("model.safetensors", vec![1u8; 128]),
                File::lfs("extra/weights.safetensors", vec![2u8; 128]),
            ],
            serde_json::json!({"license": "mit"}),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[policy]\nallow = [\"mit\"]\n\n[models.m]\nsource = \"hf:acme/scanned-7b\"\nrevision = \"main\"\nfiles = [\"model.safetensors\", \"LICENSE\"]\n",
    )
    .unwrap();
    let codes = |hub: &FixtureHub| {
        let mut cmd = project_command(dir.path(), &hub.url());
        cmd.args(["--format", "json", "update"]);
        assert_eq!(run(&mut cmd).code, 0);
        let mut cmd = project_command(dir.path(), &hub.url());
        cmd.args(["--format", "json", "check", "--offline"]);
        let r = run(&mut cmd);
        let codes: Vec<(String, String)> = r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["message"].as_str().unwrap().to_owned(),
                )
            })
            .filter(|(c, _)| c != "manifest::floating-revision")
            .collect();
        (r.code, codes)
    };
    // a flagged file that is locked, and one the globs leave out
    hub.add_repo(repo(
        serde_json::json!({"scansDone": true, "filesWithIssues": [
            {"path": "model.safetensors", "level": "unsafe"},
            {"path": "extra/weights.safetensors", "level": "suspicious"}
        ]}),
    ));
    let (code, found) = codes(&hub);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "policy::scan-flagged");
    assert!(
        found[0].1.ends_with("model.safetensors (unsafe)"),
        "{found:?}"
    );
    let lock = std::fs::read_to_string(dir.path().join("models.lock")).unwrap();
    assert!(lock.contains("[model.scan]\ndone = true\nissues = [{ path = \"model.safetensors\", level = \"unsafe\" }]\n"), "{lock}");
    // scans not done (snake_case field names, as some answers have them):
    // a warning, never a clean bill
    hub.add_repo(repo(
        serde_json::json!({"scans_done": false, "files_with_issues": []}),
    ));
    let (code, found) = codes(&hub);
    assert_eq!(code, 0);
    assert_eq!(
        found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["policy::not-scanned"]
    );
}

#[test]
fn flagged_files_can_be_accepted_for_exactly_those_files() {
    use crate::support::hub::{File, FixtureHub, Repo};
    let hub = FixtureHub::start();
    let repo = |weights: u8| Repo {
        security: Some(
            serde_json::json!({"scansDone": true, "filesWithIssues": [{"path": "model.safetensors", "level": "suspicious"}]}),
        ),
        ..Repo::simple(
            "acme/flagged-7b",
            vec![
                File::git("LICENSE", "MIT License\n\nCopyright (c) acme\n"),
                File::lfs("model.safetensors", vec![weights; 128]),
            ],
            serde_json::json!({"license": "mit"}),
        )
    };
    hub.add_repo(repo(1));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[policy]\nallow = [\"mit\"]\n\n[models.m]\nsource = \"hf:acme/flagged-7b\"\nrevision = \"main\"\n",
    )
    .unwrap();
    let cmd = |args: &[&str]| {
        let mut c = project_command(dir.path(), &hub.url());
        c.env("GIT_CONFIG_GLOBAL", "/dev/null").args(args);
        run(&mut c)
    };
    assert_eq!(cmd(&["update"]).code, 0);
    let r = cmd(&["--format", "json", "check", "--offline"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("modellock review m --accept scan-flagged --reason TICKET"),
        "{}",
        r.stdout
    );
    let r = cmd(&[
        "review",
        "m",
        "--accept",
        "scan-flagged",
        "--reason",
        "SEC-7 checked by hand",
        "--reviewer",
        "sec@example.com",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(cmd(&["check", "--offline"]).code, 0);
    // another version of the flagged file is not what was accepted
    hub.add_repo(repo(2));
    assert_eq!(cmd(&["update"]).code, 0);
    let r = cmd(&["--format", "json", "check", "--offline"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.codes().contains(&"policy::scan-flagged".to_owned()));
}

#[test]
fn fetch_reads_the_pickles_it_downloads() {
    use crate::support::hub::{File, FixtureHub, Repo};
    let hub = FixtureHub::start();
    hub.add_repo(Repo::simple(
        "acme/legacy-7b",
        vec![
            File::git("LICENSE", "MIT License\n\nCopyright (c) acme\n"),
            File::lfs("pytorch_model.bin", malicious_pickle()),
        ],
        serde_json::json!({"license": "mit"}),
    ));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[policy]\nallow = [\"mit\"]\nformats = [\"pickle\"]\n\n[models.m]\nsource = \"hf:acme/legacy-7b\"\nrevision = \"main\"\n",
    )
    .unwrap();
    let cmd = |args: &[&str]| {
        let mut c = project_command(dir.path(), &hub.url());
        c.args(args);
        run(&mut c)
    };
    assert_eq!(cmd(&["update"]).code, 0);
    let r = cmd(&["--format", "json", "fetch"]);
    assert_no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.codes().contains(&"verify::unsafe-pickle".to_owned()),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("posix.system (dangerous)"),
        "{}",
        r.stdout
    );
}

#[test]
fn what_the_scan_says_of_each_file_is_locked() {
    use crate::support::hub::{File, FixtureHub, Repo};
    let hub = FixtureHub::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[policy]\nallow = [\"mit\"]\nformats = [\"pickle\", \"safetensors\"]\n\n[models.m]\nsource = \"hf:acme/per-file\"\nrevision = \"main\"\n",
    )
    .unwrap();
    let repo = |file_security: Vec<(String, serde_json::Value)>| Repo {
        file_security,
        ..Repo::simple(
            "acme/per-file",
            vec![
                File::git("LICENSE", "MIT License\n\nCopyright (c) acme\n"),
                File::lfs("model.safetensors", vec![1u8; 64]),
                File::lfs("pytorch_model.bin", vec![2u8; 64]),
            ],
            serde_json::json!({"license": "mit"}),
        )
    };
    let check = |hub: &FixtureHub| {
        let mut c = project_command(dir.path(), &hub.url());
        c.args(["update"]);
        assert_eq!(run(&mut c).code, 0);
        let mut c = project_command(dir.path(), &hub.url());
        c.args(["--format", "json", "check", "--offline"]);
        let r = run(&mut c);
        let d: Vec<(String, String)> = r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] != "manifest::floating-revision")
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (r.code, d)
    };
    // the repo's status says nothing; the file's says its pickle imports
    // are dangerous
    hub.add_repo(repo(vec![(
        "pytorch_model.bin".into(),
        serde_json::json!({"status": "unsafe", "avScan": {"virusFound": false}, "pickleImportScan": {"highestSafetyLevel": "dangerous", "imports": [{"module": "os", "name": "system", "safety": "dangerous"}]}}),
    )]));
    let (code, d) = check(&hub);
    assert_eq!(code, 1, "{d:?}");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].0, "policy::scan-flagged");
    assert!(
        d[0].1.ends_with("pytorch_model.bin (dangerous-imports)"),
        "{d:?}"
    );
    // a file the Hub has not scanned yet
    hub.add_repo(repo(vec![(
        "model.safetensors".into(),
        serde_json::Value::Null,
    )]));
    let (code, d) = check(&hub);
    assert_eq!(code, 0, "{d:?}");
    assert_eq!(
        d.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["policy::not-scanned"]
    );
}
