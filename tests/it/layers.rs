//! The modules of `src/` depend on each other one way only: each may use
//! the modules before it in [`ORDER`], never one after it, so that no
//! import cycle can come back. The layers, bottom up: foundations (diag,
//! dates, files, hashing, environment, output), network and cache, license
//! knowledge, source adapters, the two file formats, the domain (resolve,
//! verify, policy, audit), the project loader and reports, the commands and
//! the command line. README.md's "Architecture" section draws the same
//! picture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every top-level module of the library, in the only order dependencies
/// may point: a module uses modules listed before it.
const ORDER: &[&str] = &[
    "diag", "date", "fsutil", "hashing", "env", "output", // foundations
    "net", "cache",   // network and metadata cache
    "license", // license knowledge, digests, the text store
    "source",  // adapters: hf, ollama, path
    "manifest", "lock", // the two files
    "resolve", "verify", "fetch", "policy", "audit", // the domain
    "project", "report", // loading a project, typed reports
    "commands", "cli", // the command line
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source text names through `crate::`: paths
/// (`crate::lock::Lock`) and use groups (`use crate::{diag::Code, lock}`).
fn crate_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // the first name of each item at depth 1 of the group
            let (mut depth, mut start) = (1usize, true);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => {
                        let name: String = group[j..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        out.push(name);
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
        .collect();
    let mut sorted_order: Vec<&str> = ORDER.to_vec();
    sorted_order.sort();
    let mut sorted_declared = declared.clone();
    sorted_declared.sort();
    assert_eq!(
        sorted_declared, sorted_order,
        "every module of lib.rs has its place in ORDER (and no other is listed)"
    );
    let rank: BTreeMap<&str, usize> = ORDER.iter().enumerate().map(|(i, m)| (*m, i)).collect();

    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let Some(&own) = rank.get(top.as_str()) else {
            continue; // lib.rs, main.rs
        };
        let text = std::fs::read_to_string(file).unwrap();
        for used in crate_refs(&text) {
            if let Some(&other) = rank.get(used.as_str()) {
                if other > own {
                    wrong.push(format!("{} uses crate::{used}", rel.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies that point up the layers (move the code, or the type it needs, down):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn main_is_thin() {
    let main = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs");
    let text = std::fs::read_to_string(main).unwrap();
    assert!(text.lines().count() <= 5, "{text}");
    assert_eq!(crate_refs(&text), Vec::<String>::new());
}

#[test]
fn references_are_found() {
    let refs = crate_refs(
        "use crate::{diag::{Code, Diag}, lock};\nfn f() { crate::source::hf::x(); }\nuse crate::net::Http;",
    );
    assert_eq!(refs, ["diag", "lock", "source", "net"]);
}
