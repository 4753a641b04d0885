//! Generates `src/license/fingerprints.toml` from a corpus of license
//! texts (see `modellock::license::corpus`), and checks that every text of
//! a directory is identified as its license.
//!
//! ```sh
//! cargo run --example fingerprints -- fixtures/licenses/known [--out src/license/fingerprints.toml]
//! cargo run --example fingerprints -- --check DIR
//! ```
//!
//! A file's license id is the longest dot-separated prefix of its name that
//! is an id of the knowledge base, reading `_` as `.` (`llama3_1.LICENSE.txt`
//! is `llama3.1`); files that name no known id are listed and left out. The
//! label is the file name; the provenance comes from the directory's
//! `SOURCES.toml`. tests/it/identify.rs checks that the committed file is
//! exactly what this writes from fixtures/licenses/known.

use modellock::license::corpus;
use modellock::license::identify::Fingerprints;
use std::path::PathBuf;
use std::process::ExitCode;

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
    if check {
        let results = match corpus::check(Fingerprints::builtin(), &dir) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let mut wrong = 0;
        for (name, expected, got) in &results {
            let ok = got.id == *expected;
            wrong += usize::from(!ok);
            let why = if ok {
                String::new()
            } else {
                format!(", expected {expected}")
            };
            let mark = if ok { "ok  " } else { "FAIL" };
            println!("{mark} {name}: {} ({:.2}){why}", got.id, got.confidence);
        }
        return ExitCode::from(u8::from(wrong > 0));
    }
    let (fp, left_out) = match corpus::generate(&dir) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    for name in left_out {
        eprintln!("{name}: names no known license id; left out");
    }
    if let Err(e) = std::fs::write(&out, fp.to_toml()) {
        eprintln!("cannot write {}: {e}", out.display());
        return ExitCode::from(2);
    }
    eprintln!("wrote {} fingerprints to {}", fp.texts.len(), out.display());
    ExitCode::SUCCESS
}
