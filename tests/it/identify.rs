//! Identification of license files by fingerprint: exact (the normalised
//! digest of a known text), near (a re-wrapped or edited copy, by the
//! similarity of word-shingle sketches) and unknown, on the fixture texts.

use modellock::license::identify::{Fingerprints, Known, THRESHOLD};
use std::path::Path;

fn text(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/licenses")
            .join(name),
    )
    .unwrap()
}

/// Fingerprints of the fixture texts, as the generator makes them.
fn fixture_fingerprints() -> Fingerprints {
    let fp = Fingerprints {
        texts: vec![
            Known::of(
                "example3",
                "example-3.LICENSE.txt",
                &text("example-3.LICENSE.txt"),
            ),
            Known::of(
                "example3.1",
                "example-3.1.LICENSE.txt",
                &text("example-3.1.LICENSE.txt"),
            ),
            Known::of(
                "permissive",
                "example-permissive.LICENSE.txt",
                &text("example-permissive.LICENSE.txt"),
            ),
            Known::of(
                "example3-aup",
                "example-3.USE_POLICY.md",
                &text("example-3.USE_POLICY.md"),
            ),
        ],
    };
    // what the generator writes reads back the same
    let again = Fingerprints::parse(&fp.to_toml()).unwrap();
    assert_eq!(again.texts.len(), 4);
    again
}

#[test]
fn exact_rewrapped_edited_and_other_texts() {
    let fp = fixture_fingerprints();
    let exact = fp.identify(&text("example-3.1.LICENSE.txt"));
    assert_eq!((exact.id.as_str(), exact.confidence), ("example3.1", 1.0));
    // re-wrapped with CRLF: the same normalised text, so exact
    let wrapped = fp.identify(&text("example-3.1-rewrapped.LICENSE.txt"));
    assert_eq!(
        (wrapped.id.as_str(), wrapped.confidence),
        ("example3.1", 1.0)
    );
    // one word changed: near, and nearer to 3.1 than to 3
    let edited = fp.identify(&text("example-3.1-one-word.LICENSE.txt"));
    assert_eq!(edited.id, "example3.1");
    assert!(
        edited.confidence >= THRESHOLD && edited.confidence < 1.0,
        "{edited:?}"
    );
    // a short policy with a long clause added is a different document:
    // never an exact match
    let policy = fp.identify(&text("example-3.2.USE_POLICY.md"));
    assert!(policy.confidence < 1.0, "{policy:?}");
    // a different license entirely
    let other = fp.identify(b"GNU GENERAL PUBLIC LICENSE Version 3, 29 June 2007. Everyone is permitted to copy and distribute verbatim copies of this license document, but changing it is not allowed.");
    assert_eq!(other.id, "unknown");
    assert!(other.confidence < THRESHOLD);
}

#[test]
fn builtin_fingerprints_know_the_common_model_licenses() {
    let fp = Fingerprints::builtin();
    for id in [
        "apache-2.0",
        "mit",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "tongyi-qianwen",
        "tongyi-qianwen-research",
    ] {
        assert!(fp.texts.iter().any(|t| t.id == id), "{id}");
    }
    for t in &fp.texts {
        assert!(
            modellock::license::kb::Kb::builtin().get(&t.id).is_some(),
            "{} is in kb.toml",
            t.id
        );
        // a short text (a use policy) has fewer shingles than a sketch
        assert!(
            (1..=modellock::license::identify::SKETCH).contains(&t.sketch.len()),
            "{}",
            t.label
        );
    }
    // the fixture texts imitate them but are none of them
    assert_eq!(
        fp.identify(&text("example-permissive.LICENSE.txt")).id,
        "unknown"
    );
    assert_eq!(fp.identify(&text("example-3.LICENSE.txt")).id, "unknown");
}

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/licenses/known")
}

/// The committed fingerprints are exactly what the generator writes from
/// the committed corpus, and every text carries its origin.
#[test]
fn builtin_fingerprints_regenerate_from_the_corpus() {
    let (generated, left_out) = modellock::license::corpus::generate(&corpus_dir()).unwrap();
    assert_eq!(left_out, Vec::<String>::new());
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/license/fingerprints.toml"),
    )
    .unwrap();
    assert!(
        generated.to_toml() == committed,
        "src/license/fingerprints.toml is not what `cargo run --example fingerprints -- fixtures/licenses/known` writes: run it and commit the result"
    );
    for t in &Fingerprints::builtin().texts {
        let o = t
            .origin
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no origin", t.label));
        assert_eq!(o.commit.len(), 40, "{}: a full commit id", t.label);
        assert_eq!(o.sha256.len(), 64, "{}", t.label);
    }
}

/// The source table of a corpus directory and its files, asserting that
/// every file has exactly one row.
fn one_row_a_file(dir: &Path) -> (Vec<modellock::license::corpus::Source>, Vec<String>) {
    use std::collections::BTreeSet;
    let sources = modellock::license::corpus::sources(dir).unwrap();
    let rows: BTreeSet<&str> = sources.iter().map(|s| s.file.as_str()).collect();
    let files: Vec<String> = modellock::license::corpus::texts(dir)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(rows, files.iter().map(String::as_str).collect());
    (sources, files)
}

/// Every corpus file is the text its source table names: its sha256 is the
/// one recorded when the corpus was built (by git, not by modellock), and
/// every file has a row.
#[test]
fn corpus_files_are_their_recorded_sources() {
    let dir = corpus_dir();
    let (sources, files) = one_row_a_file(&dir);
    // a known answer, computed with Python's hashlib when the corpus was
    // copied: the canonical apache.org Apache-2.0 text
    let apache = sources.iter().find(|s| s.file == "apache-2.0.txt").unwrap();
    assert_eq!(
        apache.sha256,
        "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
    );
    // generate() refuses a file whose bytes are not the recorded ones
    let tmp = tempfile::tempdir().unwrap();
    for f in &files {
        std::fs::copy(dir.join(f), tmp.path().join(f)).unwrap();
    }
    std::fs::copy(dir.join("SOURCES.toml"), tmp.path().join("SOURCES.toml")).unwrap();
    std::fs::write(tmp.path().join("mit.txt"), "MIT License, edited\n").unwrap();
    let err = modellock::license::corpus::generate(tmp.path())
        .err()
        .unwrap();
    assert!(err.contains("`mit.txt` has sha256"), "{err}");
}

/// The generator's `--check`: every corpus text is identified as the
/// license its name says, exactly.
#[test]
fn every_corpus_text_is_identified_as_its_license() {
    let results =
        modellock::license::corpus::check(Fingerprints::builtin(), &corpus_dir()).unwrap();
    assert_eq!(results.len(), 59);
    for (name, expected, got) in results {
        assert_eq!(got.id, expected, "{name}");
        assert_eq!(got.confidence, 1.0, "{name}");
    }
}

fn heldout_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/licenses/heldout")
}

/// Real texts no fingerprint was made from — other copies of the known
/// licenses as model repos carry them (re-flowed, Markdown, other copyright
/// lines, added headers), and licenses modellock does not know (`unknown.*`:
/// LLaMA 1's, SDXL 0.9's and Stability's research licenses, NVIDIA's, an MIT
/// text with an added restriction) — are each identified as their license,
/// and none of the unknown ones as another.
#[test]
fn held_out_real_texts_are_identified_and_unknown_ones_are_not_named() {
    let results =
        modellock::license::corpus::check(Fingerprints::builtin(), &heldout_dir()).unwrap();
    assert!(results.len() >= 55, "{}", results.len());
    let mut wrong = Vec::new();
    for (name, expected, got) in &results {
        if got.id != *expected {
            wrong.push(format!(
                "{name}: {} ({:.2}), expected {expected}",
                got.id, got.confidence
            ));
        }
        if expected == "unknown" {
            // what a reviewer is shown: the nearest known text and how
            // near, when it is near at all
            let near = got.confidence >= modellock::license::identify::NEAR;
            assert_eq!(got.nearest.is_some(), near, "{name}");
        } else {
            assert!(got.confidence < 1.0 || got.matched.is_some(), "{name}");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // the unknown ones include near copies of a known template: they are
    // near, and still not named
    let sdxl = results
        .iter()
        .find(|(n, _, _)| n.starts_with("unknown.stability-sdxl0.9"))
        .unwrap();
    assert!(sdxl.2.confidence >= 0.85, "{:?}", sdxl.2);
    assert_eq!(
        sdxl.2.nearest.as_ref().map(|n| n.0.as_str()),
        Some("deepfloyd-if-license")
    );
}

/// The held-out files are the bytes their source table records (sha256 as
/// git gave them when the corpus was copied), one row a file.
#[test]
fn held_out_files_are_their_recorded_sources() {
    use sha2::{Digest, Sha256};
    let dir = heldout_dir();
    let (sources, _) = one_row_a_file(&dir);
    for s in &sources {
        let bytes = std::fs::read(dir.join(&s.file)).unwrap();
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, s.sha256, "{}", s.file);
        assert_eq!(s.commit.len(), 40, "{}", s.file);
    }
}

/// What a license's texts always name (kb.toml `names`) is in every real
/// text of it, known and held out: the names tell templates apart, so a
/// name that a real copy lacks would turn it unknown.
#[test]
fn every_real_text_names_what_its_license_names() {
    let kb = modellock::license::kb::Kb::builtin();
    for dir in [corpus_dir(), heldout_dir()] {
        for (name, path) in modellock::license::corpus::texts(&dir).unwrap() {
            let Some(id) = modellock::license::corpus::id_of(kb, &name) else {
                continue;
            };
            let Some(entry) = kb.get(&id) else { continue };
            let text = String::from_utf8_lossy(&std::fs::read(path).unwrap())
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            for n in &entry.names {
                assert!(
                    n.split('|').any(|a| text.contains(a)),
                    "{name} does not name `{n}`"
                );
            }
        }
    }
}

/// An unknown license near a known one is locked with that nearest text and
/// its score, and `licenses` shows it: "unknown, 0.99 like
/// deepfloyd-if-license" for SDXL 0.9's research license, which shares
/// DeepFloyd's template but not its names.
#[test]
fn an_unknown_text_is_locked_and_shown_with_its_nearest_known_text() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("models/sdxl");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::copy(
        heldout_dir().join("unknown.stability-sdxl0.9-research.txt"),
        model.join("LICENSE"),
    )
    .unwrap();
    std::fs::write(model.join("weights.bin"), b"weights").unwrap();
    std::fs::write(
        dir.path().join("models.toml"),
        "[models.sdxl]\nsource = \"path:models/sdxl\"\nlicense = \"other\"\n",
    )
    .unwrap();
    let manifest = dir.path().join("models.toml");
    let mut cmd = crate::common::modellock();
    crate::common::isolate(&mut cmd, dir.path(), "http://127.0.0.1:9");
    cmd.arg("--manifest-path").arg(&manifest).arg("update");
    let r = crate::common::run_checked(&mut cmd);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lock: toml_edit::DocumentMut = std::fs::read_to_string(dir.path().join("models.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let lf = &lock["model"][0]["license-file"][0];
    assert_eq!(lf["id"].as_str(), Some("unknown"));
    assert_eq!(lf["nearest"].as_str(), Some("deepfloyd-if-license"));
    assert!(lf["confidence"].as_float().unwrap() >= 0.85, "{lf}");
    let mut cmd = crate::common::modellock();
    crate::common::isolate(&mut cmd, dir.path(), "http://127.0.0.1:9");
    cmd.arg("--manifest-path").arg(&manifest).arg("licenses");
    let r = crate::common::run_checked(&mut cmd);
    assert!(
        r.stdout
            .contains("LICENSE: not a text modellock knows (unknown, 0.9")
            && r.stdout.contains("like deepfloyd-if-license"),
        "{}",
        r.stdout
    );
}

/// Every held-out real text under the card of another license is a card
/// mismatch, and under its own card (or, for a near copy, any card of its
/// license) it is not: the most common mislabel, `apache-2.0` over a
/// restricted text, is caught on every family.
#[test]
fn held_out_texts_under_wrong_cards_are_mismatches_and_under_their_own_are_not() {
    use modellock::license::identify::disagrees;
    let results =
        modellock::license::corpus::check(Fingerprints::builtin(), &heldout_dir()).unwrap();
    let mut checked = 0;
    for (name, expected, got) in &results {
        if expected == "unknown" {
            continue;
        }
        let c = (got.confidence * 100.0).round() as u8;
        assert!(
            !disagrees(expected, &got.id, c),
            "{name} under its own card"
        );
        let wrong = if expected == "apache-2.0" {
            "mit"
        } else {
            "apache-2.0"
        };
        assert!(disagrees(wrong, &got.id, c), "{name} under `{wrong}`");
        checked += 1;
    }
    assert!(checked >= 40, "{checked}");
}

/// Real code-plus-weights layouts under the license of their weights are no
/// card mismatch: DeepSeek's `LICENSE-CODE` (MIT) beside `LICENSE-MODEL`,
/// and audiocraft's `LICENSE` (MIT) beside `LICENSE_weights` (CC BY-NC);
/// the same layouts under `mit` are (their weights are not MIT).
#[test]
fn code_plus_weights_layouts_of_real_repos() {
    let held = |n: &str| std::fs::read(heldout_dir().join(n)).unwrap();
    // (the license of the weights, the files: name and bytes)
    type Layout<'a> = (&'a str, Vec<(&'a str, Vec<u8>)>);
    let layouts: [Layout; 2] = [
        (
            "deepseek",
            vec![
                ("LICENSE-CODE", held("mit.DeepSeek-Coder.LICENSE-CODE.txt")),
                (
                    "LICENSE-MODEL",
                    held("deepseek.DeepSeek-Coder.LICENSE-MODEL.txt"),
                ),
            ],
        ),
        (
            "cc-by-nc-4.0",
            vec![
                ("LICENSE", held("mit.roboflow-trocr.txt")),
                (
                    "LICENSE_weights",
                    held("cc-by-nc-4.0.audiocraft.LICENSE_weights.txt"),
                ),
            ],
        ),
    ];
    for (declared, files) in layouts {
        for (card, mismatch) in [(declared, false), ("mit", true)] {
            let dir = tempfile::tempdir().unwrap();
            let model = dir.path().join("models/m");
            std::fs::create_dir_all(&model).unwrap();
            for (name, bytes) in &files {
                std::fs::write(model.join(name), bytes).unwrap();
            }
            std::fs::write(model.join("weights.safetensors"), b"weights").unwrap();
            std::fs::write(
                dir.path().join("models.toml"),
                format!("[policy]\nallow = [\"{card}\"]\n\n[models.m]\nsource = \"path:models/m\"\nlicense = \"{card}\"\n"),
            )
            .unwrap();
            let manifest = dir.path().join("models.toml");
            let run = |args: &[&str]| {
                let mut cmd = crate::common::modellock();
                crate::common::isolate(&mut cmd, dir.path(), "http://127.0.0.1:9");
                cmd.arg("--manifest-path").arg(&manifest).args(args);
                crate::common::run_checked(&mut cmd)
            };
            let r = run(&["update"]);
            assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
            let r = run(&["--format", "json", "check"]);
            let flagged = r.codes().contains(&"license::card-mismatch".to_owned())
                || r.codes().contains(&"license::expected-mismatch".to_owned());
            assert_eq!(
                flagged, mismatch,
                "{declared} layout under `{card}`: {}",
                r.stdout
            );
        }
    }
}
