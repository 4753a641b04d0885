//! Property tests: any input to the manifest and lock parsers yields
//! diagnostics or a value, never a panic.

use modellock::diag::Files;
use modellock::{lock, manifest};
use proptest::prelude::*;
use std::path::Path;

const MANIFEST: &str = include_str!("../fixtures/check/reviewed/models.toml");
const LOCK: &str = include_str!("../fixtures/check/reviewed/models.lock");

fn load_manifest(text: String) {
    let mut files = Files::new();
    let (m, diags) = manifest::load_str(Path::new("models.toml"), text, &mut files);
    // every label lies inside the file and renders
    for d in &diags {
        for l in &d.labels {
            let _ = files.location(l.file, l.span.start);
        }
        let _ = modellock::diag::render::human(
            d,
            &files,
            modellock::diag::render::HumanStyle {
                color: false,
                width: 80,
            },
        );
    }
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
    for d in &diags {
        let _ = modellock::diag::render::human(
            d,
            &files,
            modellock::diag::render::HumanStyle {
                color: false,
                width: 80,
            },
        );
    }
    if let Some(l) = l {
        // what parses, renders, and the rendering parses to the same lock
        let again = lock::render(&l);
        let id2 = files.add("again", again.as_str());
        let (l2, d2) = lock::parse(&again, id2);
        assert!(d2.is_empty(), "{d2:?}");
        let strip = |mut l: lock::Lock| {
            l.models.iter_mut().for_each(|m| m.span = None);
            l
        };
        assert_eq!(strip(l2.unwrap()), strip(l));
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
