//! `--format sarif`: one SARIF 2.1.0 log on stdout, for GitHub code
//! scanning and other SARIF viewers. Every diagnostic code is a rule; each
//! diagnostic a result located in models.toml or models.lock.

use super::github::relative_path;
use super::{Code, Diag, Files, Label, Severity};
use serde_json::{json, Value};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "note",
    }
}

fn location(files: &Files, l: &Label) -> Value {
    let (line, col) = files.location(l.file, l.span.start);
    let (end_line, end_col) = files.location(l.file, l.span.end.max(l.span.start));
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": relative_path(files.name(l.file)), "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col,
                "snippet": {"text": files.snippet(l.file, &l.span)},
            },
        },
        "message": {"text": l.text},
    })
}

fn result(d: &Diag, files: &Files) -> Value {
    let index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\n\n");
        text.push_str(help);
    }
    let mut r = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": index,
        "level": level(d.severity),
        "message": {"text": text},
    });
    if let Some(first) = d.labels.first() {
        r["locations"] = json!([location(files, first)]);
    }
    if d.labels.len() > 1 {
        let related: Vec<Value> = d
            .labels
            .iter()
            .skip(1)
            .enumerate()
            .map(|(i, l)| {
                let mut v = location(files, l);
                v["id"] = json!(i);
                v
            })
            .collect();
        r["relatedLocations"] = Value::Array(related);
    }
    if let Some(m) = &d.model {
        r["properties"] = json!({"model": m});
    }
    r
}

/// The SARIF log of a run that ended with `exit_status`.
pub fn render(diags: &[Diag], files: &Files, exit_status: u8) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": {"text": c.description()},
                "defaultConfiguration": {"level": c.default_level()},
            })
        })
        .collect();
    let root = std::env::current_dir()
        .ok()
        .map(|d| {
            let mut s = d.to_string_lossy().replace('\\', "/");
            if !s.ends_with('/') {
                s.push('/');
            }
            if s.starts_with('/') {
                format!("file://{s}")
            } else {
                format!("file:///{s}")
            }
        })
        .unwrap_or_else(|| "file:///".to_owned());
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "modellock",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": exit_status != 2, "exitCode": exit_status}],
            "results": diags.iter().map(|d| result(d, files)).collect::<Vec<_>>(),
        }],
    })
}
