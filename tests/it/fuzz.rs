//! Property tests: any input to the manifest and lock parsers yields
//! diagnostics or a value, never a panic.

use modellock::diag::Files;
use modellock::{lock, manifest};
use proptest::prelude::*;
use std::path::Path;

const MANIFEST: &str = include_str!("../../fixtures/check/reviewed/models.toml");
const LOCK: &str = include_str!("../../fixtures/check/reviewed/models.lock");

/// Every label of every diagnostic lies inside its file, on char
/// boundaries, and every diagnostic renders.
fn check_labels(diags: &[modellock::diag::Diag], files: &Files) {
    for d in diags {
        for l in &d.labels {
            let text = files.text(l.file);
            assert!(
                l.span.start <= l.span.end && l.span.end <= text.len(),
                "{:?} outside a file of {} bytes: {d:?}",
                l.span,
                text.len()
            );
            assert!(
                text.get(l.span.clone()).is_some(),
                "{:?} is not on char boundaries: {d:?}",
                l.span
            );
        }
        let _ = modellock::diag::render::human(
            d,
            files,
            modellock::diag::render::HumanStyle {
                color: false,
                width: 80,
            },
        );
    }
}

fn load_manifest(text: String) {
    let mut files = Files::new();
    let (m, diags) = manifest::load_str(Path::new("models.toml"), text, &mut files);
    // every label lies inside the file, on char boundaries, and renders
    check_labels(&diags, &files);
    if let Some(m) = m {
        for e in &m.models {
            let _ = e.requested();
        }
    }
}

fn load_lock(text: &str) {
    let mut files = Files::new();
    let id = files.add("models.lock", text);
    let (l, diags) = lock::parse(text, id);
    check_labels(&diags, &files);
    if let Some(l) = l {
        // what parses, renders, and the rendering parses to the same lock
        let again = lock::render(&l);
        let id2 = files.add("again", again.as_str());
        let (l2, d2) = lock::parse(&again, id2);
        assert!(d2.is_empty(), "{d2:?}");
        assert_eq!(l2.unwrap().without_spans(), l.without_spans());
    }
}

/// A valid file with random edits: characters inserted, removed or replaced.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..8);
    edits.prop_map(move |edits| {
        let mut chars: Vec<char> = base.chars().collect();
        for (at, op, c) in edits {
            if chars.is_empty() {
                chars.push(c);
                continue;
            }
            let i = at.index(chars.len());
            match op {
                0 => chars.insert(i, c),
                1 => {
                    chars.remove(i);
                }
                _ => chars[i] = c,
            }
        }
        chars.into_iter().collect()
    })
}

/// Lines of a valid file shuffled, duplicated or dropped.
fn reordered(base: &'static str) -> impl Strategy<Value = String> {
    let lines: Vec<&'static str> = base.lines().collect();
    let n = lines.len();
    prop::collection::vec(0..n, 0..n * 2).prop_map(move |idx| {
        idx.into_iter()
            .map(|i| lines[i])
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Short TOML-ish text from a TOML-heavy alphabet.
fn tomlish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "[",
            "]",
            "[[",
            "]]",
            "=",
            "\"",
            "'",
            "\n",
            " ",
            ".",
            ",",
            "{",
            "}",
            "models",
            "policy",
            "use",
            "source",
            "revision",
            "review",
            "files",
            "license-digest",
            "date",
            "reviewer",
            "hf:a/b",
            "ollama:x",
            "path:d",
            "2026-05-01",
            "1",
            "-1",
            "true",
            "sha256:",
            "version",
            "model",
            "file",
            "size",
            "sha256",
            "name",
            "\u{e9}",
            "\u{feff}",
        ]),
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn manifest_mutations(text in mutated(MANIFEST)) { load_manifest(text); }

    #[test]
    fn manifest_reorderings(text in reordered(MANIFEST)) { load_manifest(text); }

    #[test]
    fn manifest_tomlish(text in tomlish()) { load_manifest(text); }

    #[test]
    fn manifest_any_string(text in ".*") { load_manifest(text); }

    #[test]
    fn lock_mutations(text in mutated(LOCK)) { load_lock(&text); }

    #[test]
    fn lock_reorderings(text in reordered(LOCK)) { load_lock(&text); }

    #[test]
    fn lock_tomlish(text in tomlish()) { load_lock(&text); }
}

// audit: every recogniser and the notebook scanner on source-like text
// with multi-byte characters; every hit's span lies on char boundaries

use modellock::audit::recognise::{self, FileKind};

const KINDS: [FileKind; 13] = [
    FileKind::Python,
    FileKind::Notebook,
    FileKind::Script,
    FileKind::Rust,
    FileKind::Go,
    FileKind::Yaml,
    FileKind::Json,
    FileKind::Toml,
    FileKind::Env,
    FileKind::Docker,
    FileKind::Modelfile,
    FileKind::Terraform,
    FileKind::Shell,
];

fn check_hits(text: &str, hits: &[recognise::Hit]) {
    for h in hits {
        assert!(h.start <= h.end && h.end <= text.len(), "{h:?}");
        assert!(
            text.get(h.start..h.end).is_some(),
            "hit {h:?} is not on char boundaries"
        );
    }
}

fn scan_everything(text: &str) {
    for kind in KINDS {
        check_hits(text, &recognise::scan(text, kind));
    }
    // as the code cell of a notebook
    let nb = serde_json::json!({"cells": [{"cell_type": "code", "source": [text]}]}).to_string();
    check_hits(&nb, &modellock::audit::notebook::scan(&nb).unwrap());
}

/// Source-like text: calls left open, quotes, escapes, and long runs of
/// multi-byte characters (the scan limits fall inside them).
fn sourceish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("from_pretrained(\"".to_owned()),
            Just("AutoModel.from_pretrained(".to_owned()),
            Just("ollama run ".to_owned()),
            Just("ollama.chat(model='".to_owned()),
            Just("revision=\"".to_owned()),
            Just("model: ".to_owned()),
            Just("--model ".to_owned()),
            Just("hf://".to_owned()),
            Just("https://huggingface.co/".to_owned()),
            Just("meta-llama/Llama-3.1-8B".to_owned()),
            Just("llama3.2:3b".to_owned()),
            Just("FROM ".to_owned()),
            Just("\"\"\"".to_owned()),
            Just("/*".to_owned()),
            Just("#".to_owned()),
            Just("\\".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("`".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just(",".to_owned()),
            Just("\n".to_owned()),
            Just(" ".to_owned()),
            (1usize..1500).prop_map(|n| "é".repeat(n)),
            (1usize..1500).prop_map(|n| "日本語".repeat(n)),
            (1usize..800).prop_map(|n| "🦙".repeat(n)),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn audit_recognisers_on_any_text(text in sourceish()) { scan_everything(&text); }

    #[test]
    fn audit_recognisers_on_any_string(text in "\\PC{0,300}") { scan_everything(&text); }
}

#[test]
fn an_unclosed_call_before_4_kib_of_multibyte_text() {
    // a call's scan limit used to fall inside a character and be sliced
    for call in [
        "model = AutoModel.from_pretrained(\"meta-llama/Llama-3.1-8B\", ",
        "import ollama\nollama.chat(stream=True, ",
    ] {
        for pad in 0..4 {
            let text = format!(
                "{call}{}{}",
                "x".repeat(pad),
                "日本語のテキスト".repeat(600)
            );
            scan_everything(&text);
        }
    }
}

/// Every input of the committed fuzzing corpus (`fuzz/corpus/`), replayed
/// on the stable toolchain with the checks of the cargo-fuzz targets.
#[test]
fn the_fuzzing_corpus_replays_cleanly() {
    use modellock::audit::recognise::{scan_counted, FileKind, MAX_PER_FILE};
    use modellock::source::{hf::api::parse_tree_page, rules};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let inputs = |target: &str| -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = std::fs::read_dir(root.join(target))
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        out.sort();
        out
    };
    let mut replayed = 0;
    for data in inputs("manifest") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let mut files = Files::new();
        let (_, diags) = modellock::manifest::load_str(
            std::path::Path::new("models.toml"),
            text.to_owned(),
            &mut files,
        );
        check_labels(&diags, &files);
        replayed += 1;
    }
    for data in inputs("lock") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let mut files = Files::new();
        let id = files.add("models.lock", text);
        let (lock, diags) = modellock::lock::parse(text, id);
        check_labels(&diags, &files);
        if let (Some(lock), false) = (lock, modellock::diag::has_errors(&diags)) {
            let again = modellock::lock::render(&lock);
            let id2 = files.add("again", again.as_str());
            let (back, d2) = modellock::lock::parse(&again, id2);
            assert!(!modellock::diag::has_errors(&d2), "{again}");
            assert_eq!(back.map(|l| l.without_spans()), Some(lock.without_spans()));
        }
        replayed += 1;
    }
    for data in inputs("terms") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        if let Some(t) = modellock::license::Terms::parse(text) {
            assert_eq!(modellock::license::Terms::parse(&t.lines()), Some(t));
        }
        replayed += 1;
    }
    for data in inputs("hub_listing") {
        let Ok(page) = serde_json::from_slice::<serde_json::Value>(&data) else {
            continue;
        };
        if let Ok(files) = parse_tree_page(&page) {
            for f in files {
                assert!(rules::path_problem(&f.path).is_none(), "{}", f.path);
                assert!(rules::is_git_oid(&f.oid));
                assert!(f.lfs_sha256.as_deref().is_none_or(rules::is_sha256));
            }
        }
        replayed += 1;
    }
    for data in inputs("audit") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        for kind in [
            FileKind::Python,
            FileKind::Script,
            FileKind::Yaml,
            FileKind::Modelfile,
            FileKind::Json,
        ] {
            let (hits, _) = scan_counted(text, kind);
            assert!(hits.len() <= MAX_PER_FILE);
            for h in hits {
                assert!(h.start <= h.end && h.end <= text.len());
                assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
            }
        }
        replayed += 1;
    }
    assert!(replayed > 1000, "the corpus is there ({replayed} inputs)");
}
