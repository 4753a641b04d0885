//! The gate tells the truth: lineage judged by the `base` entry or the
//! ancestor's locked terms (never by repo id), license files of the code
//! apart from the weights', acceptances that clear exactly what they name,
//! tampered locks caught (`check`, `update --locked`), warnings that never
//! change an exit status, `update` ending with the gate's verdict, and
//! models.toml found from a subdirectory. Against the fixture Hub; the
//! fixture texts stand for known licenses through a fingerprints file.

use crate::common;
use crate::support;

use common::*;
use modellock::license::identify::{Fingerprints, Known};
use serde_json::{json, Value};
use support::hub::{sha_of, Commit, File, FixtureHub, Repo};

fn text(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/licenses").join(name)).unwrap()
}

fn llama3() -> Vec<u8> {
    text("example-3.LICENSE.txt")
}
fn llama31() -> Vec<u8> {
    text("example-3.1.LICENSE.txt")
}
fn mit() -> Vec<u8> {
    text("example-permissive.LICENSE.txt")
}

struct Project {
    dir: tempfile::TempDir,
    hub: FixtureHub,
}

impl Project {
    fn new(manifest: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.toml"), manifest).unwrap();
        let fp = Fingerprints {
            texts: vec![
                Known::of("llama3", "example-3.LICENSE.txt", &llama3()),
                Known::of("llama3.1", "example-3.1.LICENSE.txt", &llama31()),
                Known::of("mit", "example-permissive.LICENSE.txt", &mit()),
            ],
        };
        std::fs::write(dir.path().join("fingerprints.toml"), fp.to_toml()).unwrap();
        Project {
            dir,
            hub: FixtureHub::start(),
        }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Run {
        run_checked(
            project_command(self.dir.path(), &self.hub.url())
                .env("MODELLOCK_FINGERPRINTS", self.path("fingerprints.toml"))
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .args(args),
        )
    }

    fn check(&self) -> (i32, Vec<Value>) {
        let r = self.run(&["--format", "json", "check"]);
        let diags = r.json()["diagnostics"].as_array().unwrap().clone();
        (r.code, diags)
    }

    fn manifest(&self) -> String {
        std::fs::read_to_string(self.path("models.toml")).unwrap()
    }

    fn lock_text(&self) -> String {
        std::fs::read_to_string(self.path("models.lock")).unwrap()
    }

    fn lock(&self) -> toml_edit::DocumentMut {
        self.lock_text().parse().unwrap()
    }

    fn locked(&self, name: &str) -> toml_edit::Table {
        let doc = self.lock();
        let found = doc["model"]
            .as_array_of_tables()
            .unwrap()
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .unwrap()
            .clone();
        found
    }
}

fn codes_of(diags: &[Value], model: &str) -> Vec<String> {
    let mut c: Vec<String> = diags
        .iter()
        .filter(|d| d["severity"] == "error" && d["model"] == model)
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c
}

fn find<'a>(diags: &'a [Value], code: &str, model: &str) -> &'a Value {
    diags
        .iter()
        .find(|d| d["code"] == code && d["model"] == model)
        .unwrap_or_else(|| panic!("no {code} for {model} in {diags:#?}"))
}

/// The last line of a finding's help: the one command that accepts it.
fn accept_command(d: &Value) -> Vec<String> {
    let help = d["help"].as_str().unwrap();
    let last = help.lines().last().unwrap().trim();
    assert!(last.starts_with("modellock review "), "{help}");
    last.split_whitespace().skip(1).map(str::to_owned).collect()
}

/// `org/Base`: tag `v1` under the Example 3 terms (`llama3`), `main` under
/// the Example 3.1 terms (`llama3.1`).
fn base_repo() -> Repo {
    let v1 = Commit::new(
        "base v1",
        vec![
            File::git("LICENSE", llama3()),
            File::lfs("model.safetensors", vec![1u8; 256]),
        ],
        json!({"license": "llama3"}),
    );
    let v2 = Commit::new(
        "base v2",
        vec![
            File::git("LICENSE", llama31()),
            File::lfs("model.safetensors", vec![2u8; 256]),
        ],
        json!({"license": "llama3.1"}),
    );
    Repo {
        id: "org/Base".into(),
        commits: vec![v1, v2],
        branches: vec![("main".into(), 1)],
        tags: vec![("v1".into(), 0)],
        ..Default::default()
    }
}

/// `q/Quant`: an MIT-labelled quantization of `org/Base`, its own LICENSE
/// the MIT text (so its own terms are allowed).
fn quant_repo(seed: &str) -> Repo {
    let files = vec![
        File::git("LICENSE", mit()),
        File::lfs("quant.Q4_K_M.gguf", seed.as_bytes().to_vec()),
    ];
    Repo {
        id: "q/Quant".into(),
        commits: vec![Commit::new(
            seed,
            files,
            json!({"license": "mit", "base_model": "org/Base"}),
        )],
        branches: vec![("main".into(), 0)],
        ..Default::default()
    }
}

const POLICY: &str = "[policy]\nallow = [\"mit\"]\n\n";

#[test]
fn a_review_of_other_terms_of_the_same_repo_does_not_cover_an_ancestor() {
    // legal reviewed org/Base at v1 (Example 3 terms); the quantization
    // derives from its main (Example 3.1 terms): not reviewed
    let p = Project::new(&format!(
        "{POLICY}[models.base-v1]\nsource = \"hf:org/Base\"\nrevision = \"v1\"\n\n[models.quant]\nsource = \"hf:q/Quant\"\n"
    ));
    p.hub.add_repo(base_repo());
    p.hub.add_repo(quant_repo("quant 1"));
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = p.run(&["review", "base-v1", "--reviewer", "legal@example.com"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // the ancestor is locked with its terms at the revision it was read at
    let quant = p.locked("quant");
    let lineage = quant["lineage"].as_array_of_tables().unwrap();
    let a = lineage.get(0).unwrap();
    assert_eq!(a["model"].as_str(), Some("org/Base"));
    assert_eq!(a["revision"].as_str(), Some(sha_of("base v2").as_str()));
    let ancestor_digest = a["license-digest"].as_str().unwrap().to_owned();
    // card:license llama3.1 + the Example 3.1 LICENSE (known answer, from
    // Python's hashlib)
    assert_eq!(ancestor_digest, CHAT_DIGEST);
    let base_v1_digest = p.locked("base-v1")["license-digest"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(ancestor_digest, base_v1_digest);
    // the ancestor's terms are in the store (independent check: the terms
    // list's own sha256 names it)
    let terms = std::fs::read(p.path(&format!(
        ".modellock/terms/sha256-{}.tsv",
        ancestor_digest.trim_start_matches("sha256:")
    )))
    .unwrap();
    assert!(String::from_utf8(terms)
        .unwrap()
        .starts_with("card:license\tllama3.1\nfile:LICENSE\t"));

    let (code, diags) = p.check();
    assert_eq!(code, 1, "{diags:#?}");
    assert_eq!(codes_of(&diags, "quant"), ["lineage::restricted-parent"]);
    let d = find(&diags, "lineage::restricted-parent", "quant");
    let help = d["help"].as_str().unwrap();
    // the entry exists: never suggest adding it again
    assert!(!help.contains("modellock add"), "{help}");
    assert!(
        help.contains("entry `base-v1` locks org/Base too"),
        "{help}"
    );

    // the help's last line accepts it; with a reviewer it turns green
    let mut cmd = accept_command(d);
    assert_eq!(
        cmd,
        [
            "review",
            "quant",
            "--accept",
            "restricted-parent",
            "--ancestor",
            "org/Base",
            "--reason",
            "TICKET"
        ]
    );
    cmd.extend(["--reviewer".into(), "legal@example.com".into()]);
    let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let r = p.run(&args);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let manifest = p.manifest();
    assert!(
        manifest.contains(&format!(
            "[[models.quant.accept]]\nfinding = \"restricted-parent\"\nancestor = \"org/Base\"\nlicense-digest = \"{ancestor_digest}\"\nreviewer = \"legal@example.com\"\ndate = {TODAY}\nreason = \"TICKET\"\n"
        )),
        "{manifest}"
    );
    let (code, diags) = p.check();
    assert_eq!(code, 0, "{diags:#?}");

    // the ancestor's terms change (a new quantization of a new base
    // release): the acceptance no longer holds, and says so
    let mut base = base_repo();
    base.commits.push(Commit::new(
        "base v3",
        vec![File::git(
            "LICENSE",
            text("example-3.1-one-word.LICENSE.txt"),
        )],
        json!({"license": "llama3.1"}),
    ));
    base.branches = vec![("main".into(), 2)];
    p.hub.add_repo(base);
    p.hub.add_repo(quant_repo("quant 2"));
    assert_eq!(p.run(&["update", "quant"]).code, 0);
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    let d = find(&diags, "lineage::restricted-parent", "quant");
    let help = d["help"].as_str().unwrap();
    assert!(
        help.starts_with(&format!(
            "the acceptance on record ({TODAY}) does not hold: it was for terms {}",
            &ancestor_digest[7..19]
        )),
        "{help}"
    );
}

#[test]
fn the_base_entry_decides_not_another_entry_of_the_same_repo() {
    // `other` locks org/Base at v1 and nobody reviewed it; `base` locks its
    // main and is reviewed; the quantization names `base`
    let p = Project::new(&format!(
        "{POLICY}[models.other]\nsource = \"hf:org/Base\"\nrevision = \"v1\"\n\n[models.base]\nsource = \"hf:org/Base\"\n\n[models.quant]\nsource = \"hf:q/Quant\"\nbase = \"base\"\n"
    ));
    p.hub.add_repo(base_repo());
    p.hub.add_repo(quant_repo("quant 1"));
    assert_eq!(p.run(&["update"]).code, 0);
    let r = p.run(&["review", "base", "--reviewer", "legal@example.com"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    assert_eq!(codes_of(&diags, "other"), ["license::unreviewed"]);
    assert_eq!(
        codes_of(&diags, "quant"),
        Vec::<String>::new(),
        "{diags:#?}"
    );

    // without `base =`, the review of exactly the ancestor's terms covers it
    let manifest = p.manifest().replace("base = \"base\"\n", "");
    std::fs::write(p.path("models.toml"), manifest).unwrap();
    let (_, diags) = p.check();
    assert_eq!(
        codes_of(&diags, "quant"),
        Vec::<String>::new(),
        "{diags:#?}"
    );
}

#[test]
fn license_files_of_the_code_are_not_the_weights_license() {
    let p = Project::new(&format!(
        "{POLICY}[models.ds]\nsource = \"hf:d/DeepModel\"\n\n[models.glm]\nsource = \"hf:g/GLM\"\n\n[models.audio]\nsource = \"hf:a/Audio\"\n"
    ));
    // DeepSeek's layout: code under MIT, weights under a model license
    p.hub.add_repo(Repo::simple(
        "d/DeepModel",
        vec![
            File::git("LICENSE-CODE", mit()),
            File::git("LICENSE-MODEL", llama3()),
        ],
        json!({"license": "llama3"}),
    ));
    // ChatGLM's: LICENSE for the code, MODEL_LICENSE for the weights
    p.hub.add_repo(Repo::simple(
        "g/GLM",
        vec![
            File::git("LICENSE", mit()),
            File::git("MODEL_LICENSE", llama3()),
        ],
        json!({"license": "llama3"}),
    ));
    // audiocraft's: LICENSE (code) and LICENSE_weights, card mislabelled
    p.hub.add_repo(Repo::simple(
        "a/Audio",
        vec![
            File::git("LICENSE", mit()),
            File::git("LICENSE_weights", llama3()),
        ],
        json!({"license": "mit"}),
    ));
    assert_eq!(p.run(&["update"]).code, 0);
    // MODEL_LICENSE is a license file: digested and locked
    let glm = p.locked("glm");
    let paths: Vec<&str> = glm["license-file"]
        .as_array_of_tables()
        .unwrap()
        .iter()
        .map(|t| t["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["LICENSE", "MODEL_LICENSE"]);

    let (_, diags) = p.check();
    assert!(!codes_of(&diags, "ds").contains(&"license::card-mismatch".into()));
    assert!(!codes_of(&diags, "glm").contains(&"license::card-mismatch".into()));
    // the weights' text contradicts the card: still caught
    let d = find(&diags, "license::card-mismatch", "audio");
    assert_eq!(
        d["message"],
        "model `audio`'s card declares `mit`, but `LICENSE_weights` is the `llama3` text"
    );
    assert_eq!(p.locked("audio")["license"].as_str(), Some("llama3"));

    // `licenses` shows both files and what each governs
    let r = p.run(&["--format", "json", "licenses", "ds"]);
    let files = &r.json()["models"][0]["files"];
    assert_eq!(files[0]["path"], "LICENSE-CODE");
    assert_eq!(files[0]["governs"], "code");
    assert_eq!(files[1]["path"], "LICENSE-MODEL");
    assert_eq!(files[1]["governs"], "weights");
    let r = p.run(&["licenses", "ds"]);
    assert!(
        r.stdout
            .contains("LICENSE-CODE: mit (the official text); governs the code, not the weights"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_acceptance_clears_a_card_mismatch_for_exact_terms_only() {
    let p = Project::new(
        "[policy]\nallow = [\"mit\", \"llama3\", \"llama3.1\"]\n\n[models.quant]\nsource = \"hf:q/Gguf\"\n",
    );
    let repo = |license: Vec<u8>, seed: &str| {
        Repo::simple(
            "q/Gguf",
            vec![
                File::git("LICENSE", license),
                File::lfs("m.gguf", seed.as_bytes().to_vec()),
            ],
            json!({"license": "mit"}),
        )
    };
    p.hub.add_repo(repo(llama3(), "one"));
    assert_eq!(p.run(&["update"]).code, 0);
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    let d = find(&diags, "license::card-mismatch", "quant");
    // setting `license` says what you expect; it does not clear the finding
    let manifest = p.manifest().replace(
        "source = \"hf:q/Gguf\"\n",
        "source = \"hf:q/Gguf\"\nlicense = \"llama3\"\n",
    );
    std::fs::write(p.path("models.toml"), &manifest).unwrap();
    let (code, _) = p.check();
    assert_eq!(code, 1);

    let mut cmd = accept_command(d);
    assert_eq!(
        cmd,
        [
            "review",
            "quant",
            "--accept",
            "card-mismatch",
            "--reason",
            "TICKET"
        ]
    );
    cmd.extend(["--reviewer".into(), "legal@example.com".into()]);
    let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let r = p.run(&args);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let (code, diags) = p.check();
    assert_eq!(code, 0, "{diags:#?}");
    // a second acceptance of a finding that is gone is refused
    let before = p.manifest();
    let r = p.run(&args);
    assert_eq!(r.code, 2);
    assert!(r.stdout.starts_with("review::not-needed"), "{}", r.stdout);
    assert_eq!(p.manifest(), before);

    // new terms upstream: the acceptance is void, and says why
    p.hub.add_repo(repo(llama31(), "two"));
    let manifest = p.manifest().replace("license = \"llama3\"\n", "");
    std::fs::write(p.path("models.toml"), &manifest).unwrap();
    assert_eq!(p.run(&["update"]).code, 0);
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    let d = find(&diags, "license::card-mismatch", "quant");
    assert!(
        d["help"].as_str().unwrap().starts_with(&format!(
            "the acceptance on record ({TODAY}) does not hold: it was for terms "
        )),
        "{d:#?}"
    );
    assert!(d["labels"].as_array().unwrap().iter().any(|l| l["text"]
        .as_str()
        .unwrap()
        .starts_with("accepted by legal@example.com on")));
}

#[test]
fn a_hand_edited_lock_is_caught() {
    let p = Project::new(&format!(
        "{POLICY}[models.v1]\nsource = \"hf:org/Base\"\nrevision = \"v1\"\n\n[models.v2]\nsource = \"hf:org/Base\"\n"
    ));
    p.hub.add_repo(base_repo());
    assert_eq!(p.run(&["update"]).code, 0);
    for m in ["v1", "v2"] {
        assert_eq!(
            p.run(&["review", m, "--reviewer", "legal@example.com"])
                .code,
            0
        );
    }
    let (code, _) = p.check();
    assert_eq!(code, 0);
    let r = p.run(&["update", "--locked"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("models.lock is what the sources say"));
    let honest = p.lock_text();

    // copy v1's terms (license, digest, license file) into v2's entry
    let v1 = p.locked("v1");
    let v2 = p.locked("v2");
    let field = |t: &toml_edit::Table, k: &str| t[k].as_str().unwrap().to_owned();
    let v1_file = v1["license-file"]
        .as_array_of_tables()
        .unwrap()
        .get(0)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let v2_file = v2["license-file"]
        .as_array_of_tables()
        .unwrap()
        .get(0)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let tampered = honest
        .replace(&field(&v2, "license-digest"), &field(&v1, "license-digest"))
        .replace(&v2_file, &v1_file)
        .replace("license = \"llama3.1\"", "license = \"llama3\"");
    std::fs::write(p.path("models.lock"), &tampered).unwrap();
    // the terms now agree with each other: check cannot tell; the online gate can
    let r = p.run(&["--format", "json", "update", "--locked"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["summary"]["exit-status"], 1);
    let d = &r.json()["diagnostics"][0];
    assert_eq!(d["code"], "lock::outdated");
    assert!(d["message"].as_str().unwrap().contains("`v2`"));
    let help = d["help"].as_str().unwrap();
    assert!(help.contains("\n-license = \"llama3\"\n"), "{help}");
    assert!(help.contains("\n+license = \"llama3.1\"\n"), "{help}");
    assert!(help.contains("run `modellock update v2`"), "{help}");
    assert_eq!(p.lock_text(), tampered, "--locked writes nothing");

    // only the digest copied: the intact store blames the lock
    let tampered = honest.replace(&field(&v2, "license-digest"), &field(&v1, "license-digest"));
    std::fs::write(p.path("models.lock"), &tampered).unwrap();
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    let d = find(&diags, "lock::terms-mismatch", "v2");
    let help = d["help"].as_str().unwrap();
    assert!(
        help.contains(&format!(
            "the lock gives `LICENSE` the digest {v2_file}, the terms {v1_file}"
        )),
        "{help}"
    );
    assert!(!diags.iter().any(|d| d["code"] == "license::text-mismatch"));

    // only the license id edited
    let tampered = honest.replacen("license = \"llama3.1\"", "license = \"mit\"", 1);
    std::fs::write(p.path("models.lock"), &tampered).unwrap();
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    let d = find(&diags, "lock::terms-mismatch", "v2");
    assert_eq!(
        d["message"],
        "the lock of model `v2` says its license is `mit`, but the terms its license-digest names declare `llama3.1`"
    );
}

#[test]
fn update_ends_with_the_gates_verdict() {
    let p = Project::new(&format!(
        "{POLICY}[models.v1]\nsource = \"hf:org/Base\"\nrevision = \"v1\"\n"
    ));
    p.hub.add_repo(base_repo());
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "update succeeded: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("license::unreviewed"), "{}", r.stdout);
    assert_eq!(
        r.stdout.lines().last(),
        Some("check: 1 error, 0 warnings in 1 model on the new lock; `modellock check` fails")
    );
    let r = p.run(&["--format", "json", "update"]);
    let doc = r.json();
    assert_eq!(doc["summary"]["exit-status"], 0);
    assert_eq!(doc["gate"]["exit-status"], 1);
    assert_eq!(doc["gate"]["diagnostics"][0]["code"], "license::unreviewed");
    p.run(&["review", "v1", "--reviewer", "legal@example.com"]);
    let r = p.run(&["update"]);
    assert_eq!(
        r.stdout.lines().last(),
        Some("check: 0 errors, 0 warnings in 1 model on the new lock; `modellock check` passes")
    );
}

/// A local model under MIT and a policy with a warning (`mit` both allowed
/// and denied, in another spelling).
fn warned_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("m/LICENSE"), mit()).unwrap();
    std::fs::write(dir.path().join("m/w.bin"), b"weights").unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[policy]\nallow = [\"apache-2.0\"]\ndeny = [\"Apache-2.0\"]\n\n[models.m]\nsource = \"path:m\"\nlicense = \"mit\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn warnings_never_change_an_exit_status() {
    let dir = warned_project();
    let run = |args: &[&str]| {
        run_checked(
            project_command(dir.path(), "http://127.0.0.1:9")
                .arg("--format")
                .arg("json")
                .args(args),
        )
    };
    let r = run(&["update"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let doc = r.json();
    assert_eq!(doc["summary"]["exit-status"], 0);
    assert!(doc["summary"]["warnings"].as_u64().unwrap() >= 1, "{doc:#}");
    assert!(dir.path().join("models.lock").exists());
    for args in [&["verify"][..], &["outdated"], &["check"]] {
        let r = run(args);
        let doc = r.json();
        assert_eq!(
            doc["summary"]["exit-status"].as_i64(),
            Some(i64::from(r.code)),
            "{args:?}: {doc:#}"
        );
        assert!(r.code != 2, "{args:?}: {doc:#}");
    }
}

#[test]
fn models_toml_is_found_from_a_subdirectory() {
    let dir = warned_project();
    let deep = dir.path().join("src/deeper");
    std::fs::create_dir_all(&deep).unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("modellock").unwrap();
    isolate(&mut cmd, dir.path(), "http://127.0.0.1:9");
    let r = run_checked(
        cmd.current_dir(&deep)
            .args(["--color", "never", "--today", TODAY, "-v", "update"]),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("Manifest ../../models.toml"),
        "{}",
        r.stderr
    );
    assert!(dir.path().join("models.lock").exists());
    let mut cmd = assert_cmd::Command::cargo_bin("modellock").unwrap();
    isolate(&mut cmd, dir.path(), "http://127.0.0.1:9");
    let r = run_checked(cmd.current_dir(&deep).args(["--format", "json", "check"]));
    assert_eq!(r.json()["summary"]["models"], 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 1, "`m` under mit needs a review");
    // no manifest anywhere up the tree: says where it looked
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("modellock").unwrap();
    let r = run_checked(
        cmd.current_dir(empty.path())
            .args(["--format", "json", "check"]),
    );
    assert_eq!(r.code, 2);
    let d = &r.json()["diagnostics"][0];
    assert_eq!(d["code"], "manifest::not-found");
    assert!(d["help"]
        .as_str()
        .unwrap()
        .contains("this directory and its parents"));
}

#[test]
fn network_errors_name_the_host_and_the_setting_that_chose_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[models.a]\nsource = \"hf:org/x\"\nrevision = \"main\"\n\n[models.b]\nsource = \"ollama:nohost.invalid/ns/m:1\"\n",
    )
    .unwrap();
    // `.invalid` never resolves (RFC 6761)
    let r = run_checked(
        project_command(dir.path(), "http://nonexistent.invalid")
            .args(["--format", "json", "update"]),
    );
    assert_eq!(r.code, 2);
    let doc = r.json();
    let diags = doc["diagnostics"].as_array().unwrap();
    let a = find(diags, "network::connect", "a");
    assert!(a["message"]
        .as_str()
        .unwrap()
        .contains("cannot connect to nonexistent.invalid: the host name does not resolve"));
    assert!(a["help"]
        .as_str()
        .unwrap()
        .ends_with("HF_ENDPOINT is http://nonexistent.invalid"));
    let b = find(diags, "network::connect", "b");
    let help = b["help"].as_str().unwrap();
    assert!(!help.contains("HF_ENDPOINT"), "{help}");
    assert!(help.contains("`nohost.invalid`"), "{help}");
    assert!(!dir.path().join("models.lock").exists());

    // HF_HUB_OFFLINE holds for every command that would ask the Hub
    let r = run_checked(
        project_command(dir.path(), "http://nonexistent.invalid")
            .env("HF_HUB_OFFLINE", "1")
            .args(["--format", "json", "diff", "a", "--to", "v2"]),
    );
    assert_eq!(r.code, 2);
    assert_eq!(r.codes(), ["source::offline"]);
}

#[test]
fn verify_reports_missing_files_once_per_model_and_counts_what_it_verified() {
    let dir = warned_project();
    for i in 0..3 {
        std::fs::write(dir.path().join(format!("m/extra{i}.bin")), [i]).unwrap();
    }
    let run =
        |args: &[&str]| run_checked(project_command(dir.path(), "http://127.0.0.1:9").args(args));
    assert_eq!(run(&["update"]).code, 0);
    for i in 0..3 {
        std::fs::remove_file(dir.path().join(format!("m/extra{i}.bin"))).unwrap();
    }
    let r = run(&["--format", "json", "verify"]);
    assert_eq!(r.code, 1);
    let doc = r.json();
    let missing: Vec<&Value> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "verify::missing-file")
        .collect();
    assert_eq!(missing.len(), 1, "{doc:#}");
    assert_eq!(missing[0]["message"], "3 files of `m` are missing");
    let help = missing[0]["help"].as_str().unwrap();
    for i in 0..3 {
        assert!(help.contains(&format!("extra{i}.bin")), "{help}");
    }
    let r = run(&["verify"]);
    assert!(r.stdout.contains("Verified 2 of 5 files"), "{}", r.stdout);
    assert!(r.stdout.contains("of 1 model in"), "{}", r.stdout);
    assert!(r.stdout.contains("; 3 not as locked"), "{}", r.stdout);
}

#[test]
fn a_path_model_of_the_project_directory_never_locks_the_project_files() {
    // the caches of the test's environment live beside the project
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("project");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("LICENSE"), mit()).unwrap();
    std::fs::write(dir.join("weights.safetensors"), b"w").unwrap();
    std::fs::write(
        dir.join("models.toml"),
        "[policy]\nallow = [\"mit\"]\n\n[models.here]\nsource = \"path:.\"\nlicense = \"mit\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut cmd = modellock();
        isolate(&mut cmd, top.path(), "http://127.0.0.1:9");
        run_checked(
            cmd.arg("--manifest-path")
                .arg(dir.join("models.toml"))
                .args(args),
        )
    };
    assert_eq!(run(&["update"]).code, 0);
    let lock = std::fs::read_to_string(dir.join("models.lock")).unwrap();
    let paths: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("path = "))
        .collect();
    assert_eq!(
        paths,
        ["\"LICENSE\"", "\"LICENSE\"", "\"weights.safetensors\""],
        "{lock}"
    );
    // a second update (the lock and store now exist) changes nothing
    let r = run(&["update"]);
    assert!(
        r.stdout.contains("Unchanged 1 model is up to date"),
        "{}",
        r.stdout
    );
    assert_eq!(run(&["check"]).code, 0);
}

#[test]
fn add_takes_a_hub_url() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("models.toml"), "# models\n").unwrap();
    let run =
        |args: &[&str]| run_checked(project_command(dir.path(), "http://127.0.0.1:9").args(args));
    let r = run(&["add", "hf:https://huggingface.co/org/Some-Model/tree/v1.0"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&["add", "https://hf.co/org/Other", "--name", "other"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let manifest = std::fs::read_to_string(dir.path().join("models.toml")).unwrap();
    assert!(
        manifest
            .contains("[models.some-model]\nsource = \"hf:org/Some-Model\"\nrevision = \"v1.0\"\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains("[models.other]\nsource = \"hf:org/Other\"\n"),
        "{manifest}"
    );
}

#[test]
fn diff_of_an_allowed_model_does_not_ask_for_a_review() {
    let p = Project::new(
        "[policy]\nallow = [\"llama3\", \"llama3.1\"]\n\n[models.v1]\nsource = \"hf:org/Base\"\nrevision = \"v1\"\n",
    );
    p.hub.add_repo(base_repo());
    assert_eq!(p.run(&["update"]).code, 0);
    let r = p.run(&["diff", "v1"]);
    assert_eq!(r.code, 1, "no review: every term is new");
    assert!(!r.stdout.contains("modellock review"), "{}", r.stdout);
    // where a review is needed, it is offered, and review takes it
    std::fs::write(
        p.path("models.toml"),
        p.manifest()
            .replace("allow = [\"llama3\", \"llama3.1\"]", "allow = []"),
    )
    .unwrap();
    let r = p.run(&["diff", "v1"]);
    assert!(
        r.stdout
            .contains("modellock review v1 --reviewer legal@example.com --note TICKET"),
        "{}",
        r.stdout
    );
    assert_eq!(
        p.run(&[
            "review",
            "v1",
            "--reviewer",
            "legal@example.com",
            "--note",
            "TICKET"
        ])
        .code,
        0
    );
}

/// The README's walkthrough: a quantization labelled `mit` whose LICENSE is
/// the Example 3 text; `check` is red, the help's last line accepts it, and
/// `update --locked` proves the lock in CI.
#[test]
fn acknowledging_a_card_mismatch_walkthrough() {
    let p = Project::new(
        "[policy]\nallow = [\"mit\", \"llama3\"]\n\n[models.quant]\nsource = \"hf:someone/Example-3-8B-GGUF\"\nrevision = \"v1\"\n",
    );
    let mut repo = Repo::simple(
        "someone/Example-3-8B-GGUF",
        vec![
            File::git("LICENSE", llama3()),
            File::lfs("example-3-8b.Q4_K_M.gguf", vec![7u8; 512]),
        ],
        json!({"license": "mit"}),
    );
    repo.tags = vec![("v1".into(), 0)];
    p.hub.add_repo(repo);
    let update = p.run(&["update"]);
    assert_eq!(update.code, 0);
    let check = p.run(&["check"]);
    assert_eq!(check.code, 1);
    let accept = p.run(&[
        "review",
        "quant",
        "--accept",
        "card-mismatch",
        "--reason",
        "LEGAL-88",
        "--reviewer",
        "legal@example.com",
    ]);
    assert_eq!(accept.code, 0, "{}{}", accept.stdout, accept.stderr);
    let green = p.run(&["check"]);
    assert_eq!(green.code, 0);
    let locked = p.run(&["update", "--locked"]);
    assert_eq!(locked.code, 0);
    let record = p.manifest();
    let record = &record[record.find("[[models.quant.accept]]").unwrap()..];
    let dir = p.dir.path().to_str().unwrap().to_owned();
    let all = format!(
        "$ modellock update\n{}$ modellock check\n{}\n$ modellock review quant --accept card-mismatch --reason LEGAL-88 --reviewer legal@example.com\n{}\n$ tail -7 models.toml\n{}\n$ modellock check\n{}\n$ modellock update --locked\n{}",
        update.stdout, check.stdout, accept.stderr, record, green.stdout, locked.stdout
    )
    .replace(&dir, "[DIR]");
    insta::assert_snapshot!(all);
}

#[test]
fn every_command_that_names_a_model_suggests_the_close_name() {
    let dir = warned_project();
    let run = |args: &[&str]| {
        run_checked(
            project_command(dir.path(), "http://127.0.0.1:9")
                .args(["--format", "json"])
                .args(args),
        )
    };
    assert_eq!(run(&["update"]).code, 0);
    for args in [
        &["update", "n"][..],
        &["verify", "n"],
        &["diff", "n"],
        &["review", "n", "--reviewer", "x"],
        &["licenses", "n"],
        &["outdated", "n"],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        let doc = r.json();
        let d = find(
            doc["diagnostics"].as_array().unwrap(),
            "manifest::unknown-model",
            "n",
        );
        assert_eq!(d["help"], "did you mean `m`?", "{args:?}");
    }
    // no close name: the names there are
    let r = run(&["verify", "something-else"]);
    let doc = r.json();
    let d = find(
        doc["diagnostics"].as_array().unwrap(),
        "manifest::unknown-model",
        "something-else",
    );
    assert_eq!(d["help"], "the models of models.lock: m");
}

#[test]
fn verify_never_calls_an_unreadable_file_missing() {
    let dir = warned_project();
    let run =
        |args: &[&str]| run_checked(project_command(dir.path(), "http://127.0.0.1:9").args(args));
    assert_eq!(run(&["update"]).code, 0);
    // a symlink loop where the file was: there, but unreadable
    let file = dir.path().join("m/w.bin");
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink("w.bin", &file).unwrap();
    let r = run(&["--format", "json", "verify"]);
    let doc = r.json();
    let codes: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"verify::missing-file"), "{doc:#}");
    let d = find(doc["diagnostics"].as_array().unwrap(), "verify::io", "m");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read `w.bin` of `m`"),
        "{d:#}"
    );
    assert_eq!(r.code, 2);
}

#[test]
fn an_unreadable_token_file_is_a_warning_not_a_silent_no_token() {
    let dir = warned_project();
    // a directory where the token file should be: there, but not readable
    std::fs::create_dir_all(dir.path().join("hf-home/token")).unwrap();
    for cmd in ["update", "outdated"] {
        let r = run_checked(
            project_command(dir.path(), "http://127.0.0.1:9").args(["--format", "json", cmd]),
        );
        assert_eq!(r.code, 0, "{cmd}: {}", r.stdout);
        let doc = r.json();
        let d = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "source::token-unreadable")
            .unwrap_or_else(|| panic!("{cmd}: {doc:#}"));
        assert_eq!(d["severity"], "warning");
        assert!(
            d["message"].as_str().unwrap().contains("hf-home/token"),
            "{d}"
        );
    }
}

#[test]
fn an_unreadable_store_entry_is_named_as_such() {
    let dir = warned_project();
    let run =
        |args: &[&str]| run_checked(project_command(dir.path(), "http://127.0.0.1:9").args(args));
    assert_eq!(run(&["update"]).code, 0);
    let terms = dir.path().join(".modellock/terms");
    let entry = std::fs::read_dir(&terms)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&entry).unwrap();
    std::fs::create_dir(&entry).unwrap(); // there, but not a readable file
    let r = run(&["--format", "json", "check"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let doc = r.json();
    let d = find(
        doc["diagnostics"].as_array().unwrap(),
        "license::store-io",
        "m",
    );
    assert_eq!(
        d["message"],
        "the license store's copy of the terms list of model `m` cannot be read"
    );
    assert!(!doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "license::text-mismatch"));
}

#[test]
fn credentials_in_hf_endpoint_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[models.a]\nsource = \"hf:org/x\"\nrevision = \"main\"\n",
    )
    .unwrap();
    for format in ["human", "json"] {
        let r = run_checked(
            project_command(dir.path(), "http://user:s3cr3t@127.0.0.1:9")
                .args(["--format", format, "update"]),
        );
        assert_eq!(r.code, 2);
        assert!(!r.stdout.contains("s3cr3t"), "{}", r.stdout);
        assert!(!r.stderr.contains("s3cr3t"), "{}", r.stderr);
        assert!(r.stdout.contains("127.0.0.1:9"), "{}", r.stdout);
    }
}

#[test]
fn a_gated_base_without_access_is_locked_without_terms_and_can_be_accepted() {
    let p = Project::new(&format!(
        "{POLICY}[models.quant]\nsource = \"hf:q/Quant\"\n"
    ));
    let mut base = base_repo();
    base.gated = true; // metadata and tree public, files need access
    p.hub.add_repo(base);
    p.hub.add_repo(quant_repo("quant 1"));
    let r = p.run(&["update"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let quant = p.locked("quant");
    let a = quant["lineage"]
        .as_array_of_tables()
        .unwrap()
        .get(0)
        .unwrap()
        .clone();
    assert_eq!(a["license"].as_str(), Some("llama3.1"));
    assert_eq!(a["revision"].as_str(), Some(sha_of("base v2").as_str()));
    assert!(a.get("license-digest").is_none(), "{a}");
    // no token was sent anywhere but the Hub, and none exists here
    let (code, diags) = p.check();
    assert_eq!(code, 1);
    let d = find(&diags, "lineage::restricted-parent", "quant");
    let help = d["help"].as_str().unwrap();
    assert!(
        help.contains("a gated base needs HF_TOKEN with access"),
        "{help}"
    );
    // accepted for the model's own terms, which the lock has
    let mut cmd = accept_command(d);
    cmd.extend(["--reviewer".into(), "legal@example.com".into()]);
    let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
    assert_eq!(p.run(&args).code, 0);
    let quant_digest = quant["license-digest"].as_str().unwrap().to_owned();
    assert!(p
        .manifest()
        .contains(&format!("license-digest = \"{quant_digest}\"")));
    let (code, diags) = p.check();
    assert_eq!(code, 0, "{diags:#?}");
}
