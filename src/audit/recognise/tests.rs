//! Unit tests of the recognisers.

use super::*;

fn refs(text: &str, kind: FileKind) -> Vec<(String, &'static str, Confidence)> {
    scan(text, kind)
        .into_iter()
        .map(|h| {
            let r = match &h.reference {
                ModelRef::Hf { repo, revision } => match revision {
                    Some(rev) => format!("hf:{repo}@{rev}"),
                    None => format!("hf:{repo}"),
                },
                ModelRef::Ollama { name } => format!("ollama:{name}"),
            };
            assert!(text[h.start..h.end].len() > 1);
            (r, h.via, h.confidence)
        })
        .collect()
}

use Confidence::{High, Low};

#[test]
fn python_calls() {
    let t = r#"
tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B-Instruct", revision="0e9e39f249a16976918f6564b8830bc894c89659")
model = PeftModel.from_pretrained(base, "acme/adapter")
p = pipeline("text-generation", model="Qwen/Qwen2.5-7B-Instruct")
path = hf_hub_download(repo_id="TheBloke/Llama-2-7B-GGUF", filename="x.gguf")
ds = snapshot_download("org/data", repo_type="dataset")
emb = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")
x = AutoModel.from_pretrained("meta-llama/" + "Llama-3.2-1B")
y = AutoModel.from_pretrained("./local/dir")
z = AutoModel.from_pretrained(name)
# old = AutoModel.from_pretrained("org/commented-out")
g = AutoModel.from_pretrained("gpt2")
h = AutoModel.from_pretrained("my-local-dir")
open("data/train/x.csv")
"#;
    assert_eq!(
        refs(t, FileKind::Python),
        [
            (
                "hf:meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659"
                    .into(),
                "from_pretrained",
                High
            ),
            ("hf:acme/adapter".into(), "from_pretrained", High),
            ("hf:Qwen/Qwen2.5-7B-Instruct".into(), "pipeline", High),
            (
                "hf:TheBloke/Llama-2-7B-GGUF".into(),
                "hf_hub_download",
                High
            ),
            (
                "hf:sentence-transformers/all-MiniLM-L6-v2".into(),
                "sentence-transformers",
                High
            ),
            ("hf:meta-llama/Llama-3.2-1B".into(), "from_pretrained", High),
            // a legacy id of the Hub for sure; another one-part name may
            // be a local directory
            ("hf:gpt2".into(), "from_pretrained", High),
            ("hf:my-local-dir".into(), "from_pretrained", Low),
        ]
    );
}

#[test]
fn configs_flags_and_urls() {
    let yaml = "model_id: mistralai/Mistral-7B-Instruct-v0.3\nrevision: \"v0.3\"\ndata_dir: data/train\nmodel_path: models/llama\nargs:\n  - --model\n  - Qwen/Qwen2.5-0.5B\n";
    assert_eq!(
        refs(yaml, FileKind::Yaml),
        [
            (
                "hf:mistralai/Mistral-7B-Instruct-v0.3@v0.3".into(),
                "config-value",
                High
            ),
            ("hf:Qwen/Qwen2.5-0.5B".into(), "cli-flag", High),
        ]
    );
    let sh = "vllm serve meta-llama/Llama-3.1-8B-Instruct --revision v1.0\nllama-server -hf ggml-org/gemma-3-1b-it-GGUF:Q4_K_M\nhf download org/x --repo-type dataset\ncurl -L https://huggingface.co/TheBloke/Mistral-GGUF/resolve/main/m.gguf\necho https://huggingface.co/datasets/org/d https://huggingface.co/docs/hub\n";
    assert_eq!(
        refs(sh, FileKind::Shell),
        [
            (
                "hf:meta-llama/Llama-3.1-8B-Instruct@v1.0".into(),
                "vllm-serve",
                High
            ),
            ("hf:ggml-org/gemma-3-1b-it-GGUF".into(), "cli-flag", High),
            ("hf:TheBloke/Mistral-GGUF@main".into(), "hf-url", High),
        ]
    );
    let rs = "const RERANK_MODEL: &str = \"BAAI/bge-small-en-v1.5\";\n";
    assert_eq!(
        refs(rs, FileKind::Rust),
        [("hf:BAAI/bge-small-en-v1.5".into(), "config-value", High)]
    );
    let go = "\tmodelID := \"acme/m\"\n\tvar embedModel string = \"acme/e\"\n";
    assert_eq!(
        refs(go, FileKind::Go),
        [
            ("hf:acme/m".into(), "config-value", High),
            ("hf:acme/e".into(), "config-value", High)
        ]
    );
    let env = "MODEL_NAME=BAAI/bge-small-en-v1.5\nOPENAI_MODEL=gpt-4o\n";
    assert_eq!(
        refs(env, FileKind::Env),
        [("hf:BAAI/bge-small-en-v1.5".into(), "config-value", High)]
    );
}

#[test]
fn ollama() {
    let docker = "FROM ollama/ollama:0.5\nRUN ollama serve & sleep 2 && ollama pull llama3.1:8b\n";
    assert_eq!(
        refs(docker, FileKind::Docker),
        [("ollama:llama3.1:8b".into(), "ollama-cli", High)]
    );
    let py = "import ollama\nr = ollama.chat(model='qwen2.5:7b', messages=[])\nbody = {\"model\": \"llama3.2:3b\", \"prompt\": p}\nother = {\"model\": \"gpt-4o\"}\n";
    assert_eq!(
        refs(py, FileKind::Python),
        [
            ("ollama:qwen2.5:7b".into(), "ollama-api", High),
            ("ollama:llama3.2:3b".into(), "config-value", High),
            ("ollama:gpt-4o".into(), "config-value", Low),
        ]
    );
    let js = "const r = await ollama.chat({ model: 'mistral', messages })\n";
    assert_eq!(
        refs(js, FileKind::Script),
        [("ollama:mistral".into(), "ollama-api", High)]
    );
    let mf = "FROM llama3.2:1b\nPARAMETER temperature 0.2\n";
    assert_eq!(
        refs(mf, FileKind::Modelfile),
        [("ollama:llama3.2:1b".into(), "modelfile-from", High)]
    );
    assert!(refs("FROM ./model.gguf\n", FileKind::Modelfile).is_empty());
}

#[test]
fn literals_and_comments() {
    assert_eq!(literal_concat(r#""a/" + "b""#), Some(("a/b".into(), 1, 9)));
    assert_eq!(literal_concat(r#""a" x"#), None);
    assert!(in_comment("x = 1  # see org/x", 10, FileKind::Python));
    assert!(!in_comment("x = \"#not\" org/x", 12, FileKind::Python));
    assert!(!in_comment("url = a#b org/x", 10, FileKind::Python));
    assert!(in_comment("// org/x", 3, FileKind::Script));
}

#[test]
fn documentation_is_marked_and_placeholders_are_not_models() {
    let py = "def load():\n    \"\"\"Load a model.\n\n    >>> AutoModel.from_pretrained(\"acme/documented\")\n    \"\"\"\n    # AutoModel.from_pretrained(\"acme/commented\")\n    return AutoModel.from_pretrained(\"username/my-model\")\n";
    let hits = scan(py, FileKind::Python);
    let shown: Vec<(String, bool)> = hits
        .iter()
        .map(|h| (format!("{:?}", h.reference), h.documented))
        .collect();
    assert_eq!(hits.len(), 2, "{shown:?}");
    assert!(
        hits.iter().all(|h| h.documented && h.confidence == High),
        "{shown:?}"
    );
    let ts = "/**\n * e.g. model: 'acme/in-a-block-comment'\n */\nconst model = 'acme/real'\nconst other = 'your-org/your-model'\n";
    let hits = scan(ts, FileKind::Script);
    let docs: Vec<bool> = hits.iter().map(|h| h.documented).collect();
    assert_eq!(docs, [true, false]);
    assert_eq!(
        refs(ts, FileKind::Script),
        [
            ("hf:acme/in-a-block-comment".into(), "config-value", High),
            ("hf:acme/real".into(), "config-value", High),
        ]
    );
}

#[test]
fn hub_uris_and_pages() {
    let t = "a = 'hf://models/acme/m@refs/pr/3/x.json'\nb = 'https://huggingface.co/gpt2/discussions/1'\nc = 'https://hf.co/cli/install.ps1'\nd = 'https://huggingface.co/acme/m/resolve/refs%2Fpr%2F1/f'\n";
    assert_eq!(
        refs(t, FileKind::Python),
        [
            ("hf:acme/m@refs/pr/3".into(), "hf-url", High),
            ("hf:acme/m@refs/pr/1".into(), "hf-url", High),
        ]
    );
}

#[test]
fn known_publishers_anywhere_and_what_is_not_a_model() {
    let py = r#"
launcher("google/gemma-2-9b-it")
CASES = [("meta-llama/Llama-3.2-1B", 4), ("Qwen/Qwen2.5-0.5B", 2)]
ds = load_dataset("HuggingFaceH4/ultrachat_200k")
docs = "see [google/protobuf](https://github.com/google/protobuf)"
url = "https://huggingface.co/models?search=Qwen/Qwen"
placeholder = "your-org/your-model"
"#;
    let found: Vec<String> = refs(py, FileKind::Python)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        found,
        [
            "hf:google/gemma-2-9b-it",
            "hf:meta-llama/Llama-3.2-1B",
            "hf:Qwen/Qwen2.5-0.5B"
        ]
    );
    let yaml = "image:\n  repository: nvidia/cuda\n  tag: 12.1\nmodel:\n  repository: meta-llama/Llama-3.1-8B\nmetadata:\n  annotations:\n    example.com/model: x\n";
    let found: Vec<String> = refs(yaml, FileKind::Yaml)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(found, ["hf:meta-llama/Llama-3.1-8B"]);
    assert!(refs("FROM nvidia/cuda:12.1-base\n", FileKind::Docker).is_empty());
}

#[test]
fn defaults_are_followed() {
    let py = r#"
MODEL = os.getenv("MODEL", "acme/chat-7b")
parser.add_argument("--model-name", type=str, default="acme/base-7b")
parser.add_argument("--temperature", type=float, default=0.7)
"#;
    let found: Vec<(String, &str)> = refs(py, FileKind::Python)
        .into_iter()
        .map(|r| (r.0, r.1))
        .collect();
    assert_eq!(
        found,
        [
            ("hf:acme/chat-7b".to_owned(), "env-default"),
            ("hf:acme/base-7b".to_owned(), "option-default"),
        ]
    );
    let sh = "docker run ollama/ollama\nexport LLM=${LLM-llama2}\n";
    let found: Vec<String> = refs(sh, FileKind::Shell).into_iter().map(|r| r.0).collect();
    assert_eq!(found, ["ollama:llama2"]);
    let rs =
        "#[arg(long, default_value = \"acme/embedder-v1\")]\n    pub embedding_model: String,\n";
    let found: Vec<String> = refs(rs, FileKind::Rust).into_iter().map(|r| r.0).collect();
    assert_eq!(found, ["hf:acme/embedder-v1"]);
}

#[test]
fn ollama_positional_calls_and_pages() {
    let py = "from ollama import chat, pull\npull('gemma3')\nchat('llama3.1:8b', messages=[])\nollama.create(model='mario', from_='llama3.2')\n";
    let found: Vec<String> = refs(py, FileKind::Python)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        found,
        ["ollama:gemma3", "ollama:llama3.1:8b", "ollama:llama3.2"]
    );
    let md = "Try [qwen3](https://ollama.com/library/qwen3) or `llama-run ollama://smollm:135m`.\n";
    let found: Vec<String> = refs(md, FileKind::Markdown)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(found, ["ollama:qwen3", "ollama:smollm:135m"]);
    // a quoted library name with a model's tag, anywhere
    let go = "var m = integrationModel{Name: \"gemma2:2b\"}\n";
    let found: Vec<String> = refs(go, FileKind::Go).into_iter().map(|r| r.0).collect();
    assert_eq!(found, ["ollama:gemma2:2b"]);
}

#[test]
fn rust_and_go_hub_apis() {
    let rs = "let repo = api.repo(Repo::with_revision(\"acme/encoder\".to_string(), RepoType::Model, \"v2\".to_string()));\nlet ds = Repo::with_revision(\"acme/data\".into(), RepoType::Dataset, \"main\".into());\n";
    let found: Vec<String> = refs(rs, FileKind::Rust).into_iter().map(|r| r.0).collect();
    assert_eq!(found, ["hf:acme/encoder@v2"]);
    let go = "u := url.URL{Scheme: \"hf\", Host: \"acme\", Path: \"/coder-1b\"}\n";
    let found: Vec<String> = refs(go, FileKind::Go).into_iter().map(|r| r.0).collect();
    assert_eq!(found, ["hf:acme/coder-1b"]);
}
