//! `audit` measured on real codebases: the corpus under
//! `fixtures/audit/corpus/` holds files of ten public repositories (LLM
//! servers, llama.cpp, Ollama clients and server, a LangChain integration
//! package, PEFT, a Helm chart, a Kubernetes operator, a compose RAG stack,
//! notebooks), copied verbatim at the commits `LABELS.toml` records, with
//! every model each file names labelled by hand. This test runs `audit` on
//! the corpus as a user would and computes recall (labelled (file, model)
//! pairs found) and precision (findings that are labelled models).

use crate::common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A model as labels and findings are compared: Hub ids without letter
/// case; Ollama names without the default registry, namespace and tag.
fn norm(model: &str) -> String {
    if let Some(id) = model.strip_prefix("hf:") {
        return format!("hf:{}", id.to_ascii_lowercase());
    }
    let name = model.strip_prefix("ollama:").unwrap_or(model);
    let name = name.split('@').next().unwrap_or(name);
    let name = name
        .trim_start_matches("https://")
        .trim_start_matches("registry.ollama.ai/")
        .trim_start_matches("library/");
    let name = name.strip_suffix(":latest").unwrap_or(name);
    format!("ollama:{}", name.to_ascii_lowercase())
}

struct Labels {
    /// The files labelled.
    paths: BTreeSet<String>,
    /// (file, model) pairs a reader finds.
    models: BTreeSet<(String, String)>,
    /// (file, string) pairs that look like models and are not.
    not_models: BTreeSet<(String, String)>,
    files: usize,
}

fn labels(corpus: &str) -> Labels {
    let path = root()
        .join("fixtures/audit/corpus")
        .join(corpus)
        .join("LABELS.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: toml_edit::DocumentMut = text.parse().unwrap();
    let mut models = BTreeSet::new();
    let mut not_models = BTreeSet::new();
    let mut files = 0;
    let mut paths = BTreeSet::new();
    let tables = doc["file"].as_array_of_tables().expect("[[file]] tables");
    for t in tables.iter() {
        files += 1;
        let file = t["path"].as_str().unwrap().to_owned();
        paths.insert(file.clone());
        let list = |key: &str| -> Vec<String> {
            t.get(key)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        for m in list("models") {
            models.insert((file.clone(), norm(&m)));
        }
        for m in list("not-models") {
            not_models.insert((file.clone(), m.to_ascii_lowercase()));
        }
    }
    Labels {
        paths,
        models,
        not_models,
        files,
    }
}

/// What `audit` reports by default (without `-v`), as (file, model).
fn findings(corpus: &str) -> BTreeSet<(String, String)> {
    let dir = root().join("fixtures/audit/corpus").join(corpus);
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = modellock();
    cmd.current_dir(&dir)
        .arg("--manifest-path")
        .arg(empty.path().join("models.toml"))
        .args(["--format", "json", "audit", "."]);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                norm(f["source"].as_str().unwrap()),
            )
        })
        .collect()
}

struct Score {
    labelled: usize,
    found: usize,
    reported: usize,
    wrong: Vec<(String, String)>,
    missed: Vec<(String, String)>,
    not_models: Vec<(String, String)>,
}

fn score(corpus: &str) -> Score {
    let l = labels(corpus);
    // the labelled files (not the corpus's own README and labels)
    let f: BTreeSet<_> = findings(corpus)
        .into_iter()
        .filter(|(file, _)| l.paths.contains(file))
        .collect();
    let hit: BTreeSet<_> = f.intersection(&l.models).cloned().collect();
    let wrong: Vec<_> = f.difference(&l.models).cloned().collect();
    let not_models = wrong
        .iter()
        .filter(|(file, m)| {
            let bare = m.split_once(':').map(|(_, x)| x).unwrap_or(m);
            l.not_models.contains(&(file.clone(), bare.to_owned()))
        })
        .cloned()
        .collect();
    let _ = l.files;
    Score {
        labelled: l.models.len(),
        found: hit.len(),
        reported: f.len(),
        missed: l.models.difference(&f).cloned().collect(),
        wrong,
        not_models,
    }
}

#[test]
fn recall_and_precision_on_real_codebases() {
    let mut total = (0, 0, 0, 0);
    let mut report = String::new();
    for corpus in ["a", "b"] {
        let s = score(corpus);
        total.0 += s.labelled;
        total.1 += s.found;
        total.2 += s.reported;
        total.3 += s.wrong.len();
        report.push_str(&format!(
            "corpus {corpus}: recall {}/{} = {:.3}, precision {}/{} = {:.3}, labelled not-models reported: {}\n",
            s.found,
            s.labelled,
            s.found as f64 / s.labelled as f64,
            s.reported - s.wrong.len(),
            s.reported,
            (s.reported - s.wrong.len()) as f64 / s.reported.max(1) as f64,
            s.not_models.len()
        ));
        let by_file = |pairs: &[(String, String)]| {
            let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (f, x) in pairs {
                m.entry(f).or_default().push(x);
            }
            m.iter()
                .map(|(f, xs)| format!("    {f}: {}\n", xs.join(", ")))
                .collect::<String>()
        };
        report.push_str(&format!("  missed:\n{}", by_file(&s.missed)));
        report.push_str(&format!("  not labelled:\n{}", by_file(&s.wrong)));
    }
    let recall = total.1 as f64 / total.0 as f64;
    let precision = (total.2 - total.3) as f64 / total.2 as f64;
    println!("{report}\nrecall {recall:.3}, precision {precision:.3}");
    assert!(recall >= 0.90, "recall {recall:.3} < 0.90\n{report}");
    assert!(
        precision >= 0.95,
        "precision {precision:.3} < 0.95\n{report}"
    );
}

#[test]
fn fix_adds_only_models_a_reader_labelled() {
    for corpus in ["a", "b"] {
        let l = labels(corpus);
        let labelled: BTreeSet<&str> = l.models.iter().map(|(_, m)| m.as_str()).collect();
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &root().join("fixtures/audit/corpus").join(corpus),
            dir.path(),
        );
        // the labels and notes are ours, not the repositories'
        std::fs::remove_file(dir.path().join("LABELS.toml")).unwrap();
        std::fs::remove_file(dir.path().join("README.md")).unwrap();
        std::fs::write(
            dir.path().join("models.toml"),
            "[policy]\nallow = [\"mit\"]\n",
        )
        .unwrap();
        let mut cmd = modellock();
        cmd.current_dir(dir.path())
            .arg("--manifest-path")
            .arg(dir.path().join("models.toml"))
            .args(["audit", "--fix", "."]);
        let r = run(&mut cmd);
        assert_no_panic(&r);
        let manifest = std::fs::read_to_string(dir.path().join("models.toml")).unwrap();
        let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
        let models = doc["models"].as_table().expect("--fix added models");
        let mut junk = Vec::new();
        for (_, entry) in models.iter() {
            let source = entry["source"].as_str().unwrap();
            if !labelled.contains(norm(source).as_str()) {
                junk.push(source.to_owned());
            }
        }
        println!("corpus {corpus}: --fix added {} entries", models.len());
        assert!(
            junk.is_empty(),
            "corpus {corpus}: --fix added what no reader labelled: {junk:?}"
        );
        // and what it wrote is a manifest `update` accepts
        let r = run_on(dir.path().join("models.toml"), &["check", "--offline"]);
        assert!(!r.stdout.contains("manifest::"), "{}", r.stdout);
    }
}
