//! Generates `src/license/fingerprints.toml` from a directory of license
//! texts, and checks that every text in a directory is identified as its
//! license.
//!
//! ```sh
//! cargo run --example fingerprints -- DIR [--out src/license/fingerprints.toml]
//! cargo run --example fingerprints -- --check DIR
//! ```
//!
//! A file's license id is the longest dot-separated prefix of its name that
//! is an id of the knowledge base, reading `_` as `.` (`llama3_1.LICENSE.txt`
//! is `llama3.1`, `apache-2.0.qwen-variant.txt` is `apache-2.0`); files that
//! name no known id are listed and left out. The label is the file name.

use modellock::license::identify::{Fingerprints, Known};
use modellock::license::kb::Kb;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The license id a file name stands for.
fn id_of(kb: &Kb, file_name: &str) -> Option<String> {
    let parts: Vec<&str> = file_name.split('.').collect();
    (1..=parts.len()).rev().find_map(|n| {
        let candidate = parts[..n].join(".");
        [candidate.clone(), candidate.replace('_', ".")]
            .into_iter()
            .find_map(|c| kb.get(&c).map(|e| e.id.clone()))
    })
}

fn texts(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_file()
            && !name.starts_with('.')
            && !matches!(name.as_str(), "README.md" | "SOURCES.md")
        {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("src/license/fingerprints.toml"));
    let Some(dir) = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--out"))
        .map(|(_, a)| PathBuf::from(a))
    else {
        eprintln!("usage: fingerprints DIR [--out FILE] | fingerprints --check DIR");
        return ExitCode::from(2);
    };
    let kb = Kb::builtin();
    let files = match texts(&dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot read {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    if check {
        let fp = Fingerprints::builtin();
        let mut wrong = 0;
        for (name, path) in &files {
            let Some(expected) = id_of(kb, name) else {
                println!("{name}: names no known license (skipped)");
                continue;
            };
            let bytes = std::fs::read(path).unwrap_or_default();
            let got = fp.identify(&bytes);
            let ok = got.id == expected;
            wrong += usize::from(!ok);
            println!(
                "{} {name}: {} ({:.2}){}",
                if ok { "ok  " } else { "FAIL" },
                got.id,
                got.confidence,
                if ok {
                    String::new()
                } else {
                    format!(", expected {expected}")
                }
            );
        }
        return ExitCode::from(u8::from(wrong > 0));
    }
    let mut fp = Fingerprints::default();
    for (name, path) in &files {
        match id_of(kb, name) {
            Some(id) => match std::fs::read(path) {
                Ok(bytes) => fp.texts.push(Known::of(&id, name, &bytes)),
                Err(e) => eprintln!("{name}: {e}"),
            },
            None => eprintln!("{name}: names no known license id; left out"),
        }
    }
    if let Err(e) = std::fs::write(&out, fp.to_toml()) {
        eprintln!("cannot write {}: {e}", out.display());
        return ExitCode::from(2);
    }
    eprintln!("wrote {} fingerprints to {}", fp.texts.len(), out.display());
    ExitCode::SUCCESS
}
