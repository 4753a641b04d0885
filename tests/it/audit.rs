//! `modellock audit` on the fixture tree `fixtures/audit/tree` (one
//! reference of every kind, and the tricky ones: a repo id in a comment, a
//! string concatenation, `data/train` paths, a notebook cell and output, a
//! dataset, a .gitignored file), a fake Hugging Face cache and Ollama store.

use crate::common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn project() -> tempfile::TempDir {
    let (dir, _) = copy_fixture("audit");
    dir
}

fn audit(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = modellock();
    isolate(&mut cmd, dir, "http://127.0.0.1:9");
    cmd.current_dir(dir).arg("audit").args(args);
    let r = run(&mut cmd);
    assert_no_panic(&r);
    r
}

/// (place, reference, status, triage) of every finding.
fn findings(doc: &Value) -> Vec<(String, String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let place = match (f["line"].as_u64(), f["column"].as_u64()) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", f["file"].as_str().unwrap()),
                _ => f["file"].as_str().unwrap().to_owned(),
            };
            (
                place,
                f["reference"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
                f["triage"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(
    place: &str,
    reference: &str,
    status: &str,
    triage: &str,
) -> (String, String, String, String) {
    (place.into(), reference.into(), status.into(), triage.into())
}

const CHAT: &str = "hf:meta-llama/Llama-3.1-8B-Instruct";
const EMBED: &str = "hf:sentence-transformers/all-MiniLM-L6-v2";

#[test]
fn finds_every_kind_of_reference_exactly() {
    let dir = project();
    let r = audit(dir.path(), &["--format", "json", "tree"]);
    assert_eq!(
        r.code, 1,
        "unlocked and mismatched references: {}",
        r.stderr
    );
    let doc = r.json();
    let embed_v1 = format!("{EMBED}@v1.0");
    let chat_v1 = format!("{CHAT}@v1.0");
    assert_eq!(
        findings(&doc),
        [
            row("tree/.env:1:13", EMBED, "unpinned", "watch"),
            row("tree/Modelfile:1:6", "ollama:llama3.1:8b", "locked", "safe"),
            // documentation: listed apart, not a use
            row("tree/README.md:1:19", CHAT, "unpinned", "watch"),
            row(
                "tree/app/chat.py:6:46",
                "hf:mistralai/Mistral-7B-v0.1",
                "unlocked",
                "migrate"
            ),
            row("tree/app/chat.py:8:6", &chat_v1, "locked", "safe"),
            row("tree/app/chat.py:10:47", CHAT, "unpinned", "watch"),
            row(
                "tree/app/chat.py:11:47",
                "hf:Qwen/Qwen2.5-7B-Instruct",
                "unlocked",
                "migrate"
            ),
            // "meta-llama/" + name is dynamic; "meta-llama/" "Llama-3.2-1B" is not
            row(
                "tree/app/chat.py:15:47",
                "hf:meta-llama/Llama-3.2-1B",
                "unlocked",
                "migrate"
            ),
            row("tree/app/embed.py:4:33", &embed_v1, "locked", "safe"),
            row(
                "tree/app/embed.py:6:14",
                "hf:TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
                "unlocked",
                "migrate"
            ),
            row("tree/cmd/serve/main.go:6:14", EMBED, "unpinned", "watch"),
            row("tree/config/app.toml:2:10", &embed_v1, "locked", "safe"),
            row("tree/config/settings.json:2:42", &chat_v1, "locked", "safe"),
            row(
                "tree/deploy/Dockerfile:2:43",
                "ollama:llama3.1:8b",
                "locked",
                "safe"
            ),
            row(
                "tree/deploy/Dockerfile:3:71",
                "hf:BAAI/bge-reranker-v2-m3",
                "unlocked",
                "migrate"
            ),
            row(
                "tree/deploy/docker-compose.yml:4:25",
                &embed_v1,
                "locked",
                "safe"
            ),
            row(
                "tree/deploy/vllm.yaml:13:15",
                &format!("{CHAT}@v2.0"),
                "revision-mismatch",
                "migrate"
            ),
            row("tree/infra/main.tf:6:22", CHAT, "unpinned", "watch"),
            // the markdown cell (documentation) and the code cell, not the
            // output
            row(
                "tree/notebooks/explore.ipynb:9:25",
                "hf:google/gemma-2-2b-it",
                "unlocked",
                "migrate"
            ),
            row(
                "tree/notebooks/explore.ipynb:30:12",
                "hf:google/gemma-2-2b-it",
                "unlocked",
                "migrate"
            ),
            row(
                "tree/scripts/serve.sh:3:18",
                "hf:ggml-org/gemma-3-1b-it-GGUF",
                "unlocked",
                "migrate"
            ),
            row(
                "tree/scripts/serve.sh:4:12",
                "hf:Qwen/Qwen2.5-7B-Instruct",
                "unlocked",
                "migrate"
            ),
            row(
                "tree/scripts/serve.sh:5:12",
                "ollama:mistral",
                "unlocked",
                "migrate"
            ),
            row(
                "tree/src/main.rs:2:29",
                "hf:BAAI/bge-small-en-v1.5",
                "unlocked",
                "migrate"
            ),
            row(
                "tree/web/client.ts:4:41",
                "ollama:llama3.1:8b",
                "locked",
                "safe"
            ),
            row(
                "tree/web/client.ts:11:36",
                "ollama:qwen2.5:7b",
                "unlocked",
                "migrate"
            ),
        ]
    );
    assert_eq!(
        doc["triage"],
        serde_json::json!({"safe": 8, "watch": 5, "migrate": 13})
    );
    // what each finding is for a reader
    let kind_of = |line_prefix: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                format!("{}:{}", f["file"].as_str().unwrap(), f["line"]).starts_with(line_prefix)
            })
            .map(|f| f["kind"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(kind_of("tree/README.md:1"), "docs");
    assert_eq!(kind_of("tree/app/chat.py:6"), "docs");
    assert_eq!(kind_of("tree/app/chat.py:8"), "use");
    assert_eq!(kind_of("tree/deploy/Dockerfile:3"), "deploy");
    assert_eq!(kind_of("tree/deploy/docker-compose.yml:4"), "deploy");
    assert_eq!(kind_of("tree/config/app.toml:2"), "config");
    assert_eq!(kind_of("tree/notebooks/explore.ipynb:9"), "docs");
    let codes: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.iter().filter(|c| *c == "audit::unlocked").count(), 10);
    assert_eq!(codes.iter().filter(|c| *c == "audit::unpinned").count(), 4);
    assert_eq!(
        codes
            .iter()
            .filter(|c| *c == "audit::revision-mismatch")
            .count(),
        1
    );
    // each diagnostic points at the reference
    let mismatch = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "audit::revision-mismatch")
        .unwrap();
    assert_eq!(mismatch["labels"][0]["line"], 13);
    assert_eq!(
        mismatch["labels"][0]["snippet"],
        "meta-llama/Llama-3.1-8B-Instruct"
    );
    assert_eq!(mismatch["model"], "chat");
}

#[test]
fn guesses_only_with_verbose() {
    let dir = project();
    let quiet = audit(dir.path(), &["--format", "json", "tree"]).json();
    assert!(findings(&quiet)
        .iter()
        .all(|f| !f.1.contains("my-finetune")));
    let r = audit(dir.path(), &["-v", "--format", "json", "tree"]);
    let doc = r.json();
    let guess = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["confidence"] == "low")
        .expect("a one-part name that may be a local directory");
    assert_eq!(guess["reference"], "hf:my-finetune");
    assert_eq!(guess["line"], 19);
    // never: data/train, a dataset, a docs URL, an output, gpt-4o, the
    // .gitignored file
    let all = r.stdout;
    for absent in [
        "data/train",
        "acme/",
        "docs/transformers",
        "in-an-output",
        "gpt-4o",
        "ignored-by-gitignore",
    ] {
        assert!(
            !all.contains(&format!("\"reference\": \"hf:{absent}")),
            "{absent}"
        );
        assert!(
            !all.contains(&format!("\"reference\": \"ollama:{absent}")),
            "{absent}"
        );
    }
}

#[test]
fn the_cache_and_the_store_of_a_serving_host() {
    let dir = project();
    // caches only: the tree is not searched
    let r = audit(
        dir.path(),
        &["--format", "json", "--hf-cache", "hf-cache", "--ollama"],
    );
    assert_eq!(r.code, 1);
    let doc = r.json();
    let c = "0e9e39f249a16976918f6564b8830bc894c89659";
    let old = "5206a32e0bd3067aef1ce90f5528ade7d866253f";
    let q = "bb46c15ee4bb56c5b63245ef50fd7637234d6f75";
    let store = dir
        .path()
        .join("ollama/manifests/registry.ollama.ai/library");
    assert_eq!(
        findings(&doc),
        [
            row(&format!("hf-cache/models--Qwen--Qwen2.5-7B-Instruct/snapshots/{q}"), &format!("hf:Qwen/Qwen2.5-7B-Instruct@{q}"), "unlocked", "migrate"),
            row(&format!("hf-cache/models--meta-llama--Llama-3.1-8B-Instruct/snapshots/{c}"), &format!("{CHAT}@{c}"), "locked", "safe"),
            row(&format!("hf-cache/models--meta-llama--Llama-3.1-8B-Instruct/snapshots/{old}"), &format!("{CHAT}@{old}"), "revision-mismatch", "migrate"),
            row(
                &store.join("llama3.1/8b").display().to_string(),
                "ollama:llama3.1:8b@sha256:a80330f199b5abeb4736bc189b763ab0dadb7b05d7e790edd7c483f8daeb62b2",
                "locked",
                "safe"
            ),
            row(
                &store.join("mistral/latest").display().to_string(),
                "ollama:mistral@sha256:6ece6defe7067e1c5455a7720c1189ad30f7f8efe78587bd7c06e64a80fe7770",
                "unlocked",
                "migrate"
            ),
        ]
    );
    let r = audit(dir.path(), &["--hf-cache", "no-such-dir"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("audit::io"), "{}", r.stdout);
}

#[test]
fn human_report() {
    let dir = project();
    let r = audit(dir.path(), &["tree"]);
    assert_eq!(r.code, 1);
    // the summary table and the triage line, without timings
    let start = r.stdout.find("Triage ").unwrap();
    let table: String = r.stdout[start..]
        .lines()
        .filter(|l| !l.starts_with("searched "))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(table);
    let mismatch = r.stdout.find("audit::revision-mismatch").unwrap();
    insta::assert_snapshot!(
        "mismatch",
        r.stdout[mismatch..]
            .lines()
            .take(16)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn fix_adds_the_unlocked_models() {
    let dir = project();
    let r = audit(dir.path(), &["--fix", "tree", "--hf-cache", "hf-cache"]);
    assert_eq!(r.code, 1, "still unlocked until update: {}", r.stderr);
    let manifest = std::fs::read_to_string(dir.path().join("models.toml")).unwrap();
    insta::assert_snapshot!(manifest);
    // again: nothing more to add; each is now in models.toml, not yet locked
    let r = audit(dir.path(), &["--format", "json", "--fix", "tree"]);
    assert_eq!(r.json()["fixed"], serde_json::json!([]));
    let qwen = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["reference"] == "hf:Qwen/Qwen2.5-7B-Instruct")
        .unwrap()
        .clone();
    assert_eq!(qwen["entry"], "qwen2.5-7b-instruct");
    assert!(qwen["why"]
        .as_str()
        .unwrap()
        .contains("run `modellock update qwen2.5-7b-instruct`"));
    // check sees them as not locked
    let mut cmd = modellock();
    isolate(&mut cmd, dir.path(), "http://127.0.0.1:9");
    let r = run(cmd
        .current_dir(dir.path())
        .args(["--format", "json", "check"]));
    assert!(
        r.codes().contains(&"lock::stale".to_owned()),
        "{}",
        r.stdout
    );
}

#[test]
fn large_files_are_skipped_and_missing_paths_refused() {
    let dir = project();
    let big = format!(
        "model_id = \"org/in-a-big-file\"\n{}",
        "x = 1\n".repeat(200_000)
    );
    std::fs::write(dir.path().join("tree/big.py"), big).unwrap();
    let r = audit(dir.path(), &["--format", "json", "tree"]);
    let doc = r.json();
    assert_eq!(doc["walk"]["skipped-large"], 1);
    assert!(!r.stdout.contains("in-a-big-file"));
    let r = audit(dir.path(), &["no/such/path"]);
    assert_eq!(r.code, 2);
    // without models.toml every reference is unlocked, and --fix says why it cannot
    std::fs::remove_file(dir.path().join("models.toml")).unwrap();
    let r = audit(dir.path(), &["--format", "json", "tree"]);
    assert_eq!(r.code, 1);
    assert!(findings(&r.json()).iter().all(|f| f.2 == "unlocked"));
    let r = audit(dir.path(), &["--fix", "tree"]);
    assert_eq!(r.code, 2);
}

/// A fake Ollama server: `/api/tags` lists `models` (name, digest),
/// `/api/show` gives each a license. Returns the server and its URL.
fn ollama_server(
    models: &'static [(&'static str, &'static str)],
) -> (crate::support::http::Server, String) {
    use crate::support::http::{Handler, HttpRequest, Resp, Server};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handler: Handler = std::sync::Arc::new(move |_, req: &HttpRequest| {
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/api/tags") => {
                let list: Vec<Value> = models
                    .iter()
                    .map(|(name, digest)| {
                        serde_json::json!({"name": name, "model": name, "size": 1, "digest": digest,
                            "details": {"format": "gguf", "family": "llama"}})
                    })
                    .collect();
                Resp::json(200, &serde_json::json!({ "models": list }))
            }
            ("POST", "/api/show") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let name = body["model"].as_str().unwrap_or("");
                Resp::json(
                    200,
                    &serde_json::json!({"license": format!("LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nfor {name}")}),
                )
            }
            _ => Resp::json(404, &serde_json::json!({"error": "not found"})),
        }
    });
    (Server::start(vec![("ollama", listener)], handler), url)
}

#[test]
fn what_a_serving_host_serves_is_held_against_the_lock() {
    let dir = project();
    let (_server, url) = ollama_server(&[
        (
            "llama3.1:8b",
            "a80330f199b5abeb4736bc189b763ab0dadb7b05d7e790edd7c483f8daeb62b2",
        ),
        (
            "mistral:latest",
            "6ece6defe7067e1c5455a7720c1189ad30f7f8efe78587bd7c06e64a80fe7770",
        ),
        ("../evil", "not-a-digest"),
    ]);
    let r = audit(dir.path(), &["--format", "json", "--ollama-host", &url]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let doc = r.json();
    let rows = findings(&doc);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[0],
        row(
            &format!("{url} (llama3.1:8b)"),
            "ollama:llama3.1:8b@sha256:a80330f199b5abeb4736bc189b763ab0dadb7b05d7e790edd7c483f8daeb62b2",
            "locked",
            "safe"
        )
    );
    assert_eq!(
        rows[1].1,
        "ollama:mistral@sha256:6ece6defe7067e1c5455a7720c1189ad30f7f8efe78587bd7c06e64a80fe7770"
    );
    assert_eq!(rows[1].2, "unlocked");
    let first = &doc["findings"][0];
    assert_eq!(first["kind"], "deploy");
    assert!(
        first["detail"]
            .as_str()
            .unwrap()
            .starts_with("serves the license \"LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\""),
        "{first}"
    );
    // a host that is not there: audit could not run
    let r = audit(dir.path(), &["--ollama-host", "http://127.0.0.1:9"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("audit::io"), "{}", r.stdout);
}

#[test]
fn pods_of_a_cluster_are_read_for_the_models_they_run() {
    let dir = project();
    let pods = r#"apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    annotations:
      example.com/model: tracked
    name: vllm-0
    namespace: serving
  spec:
    containers:
    - args:
      - --model
      - meta-llama/Llama-3.1-8B-Instruct
      - --revision
      - v1.0
      env:
      - name: EMBEDDING_MODEL
        value: BAAI/bge-small-en-v1.5
      image: vllm/vllm-openai:v0.6.0
      name: vllm
- apiVersion: v1
  kind: Pod
  metadata:
    name: ollama-0
    namespace: chat
  spec:
    containers:
    - env:
      - name: OLLAMA_HOST
        value: 0.0.0.0
      - name: OLLAMA_MODEL
        value: qwen2.5:7b
      image: ollama/ollama:0.3.0
      name: ollama
kind: List
"#;
    std::fs::write(dir.path().join("pods.yaml"), pods).unwrap();
    let r = audit(dir.path(), &["--format", "json", "--k8s", "pods.yaml"]);
    let doc = r.json();
    let refs: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["reference"].as_str().unwrap().to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        refs,
        [
            (
                "hf:meta-llama/Llama-3.1-8B-Instruct@v1.0".to_owned(),
                "deploy".to_owned()
            ),
            ("hf:BAAI/bge-small-en-v1.5".to_owned(), "deploy".to_owned()),
            ("ollama:qwen2.5:7b".to_owned(), "deploy".to_owned()),
        ],
        "{}",
        r.stdout
    );
    // from standard input too
    let mut cmd = modellock();
    isolate(&mut cmd, dir.path(), "http://127.0.0.1:9");
    cmd.current_dir(dir.path())
        .args(["--format", "json", "audit", "--k8s", "-"])
        .write_stdin(pods);
    let r = run(&mut cmd);
    assert_eq!(
        r.json()["findings"].as_array().unwrap().len(),
        3,
        "{}",
        r.stdout
    );
}
