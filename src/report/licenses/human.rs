//! The licenses report for people: one block per model, then what the
//! product must do as a whole, in the words of the licenses and with the
//! clause each duty comes from.

use super::{ModelReport, PipelineObligation, Report};
use crate::diag::Severity;
use crate::hashing::short_id;
use crate::license::obligations::{group_digits, Kind};
use crate::manifest::Manifest;
use std::fmt::Write as _;

/// Headings of the pipeline's duties, by obligation kind.
fn heading(kind: Kind) -> &'static str {
    match kind {
        Kind::Attribution => "Display these attributions",
        Kind::Notice => "Ship these notices with every copy",
        Kind::Redistribution => "When you distribute a model or give access to it",
        Kind::Naming => "Name derived models",
        Kind::UsePolicy => "Follow these use policies (incorporated into the licenses)",
        Kind::FlowDown => "Pass the use restrictions on to your users",
        Kind::Outputs => "Outputs",
        Kind::Derivatives => "What counts as a derivative",
        Kind::NoCommercialUse => "No commercial use",
        Kind::UserThreshold => "User thresholds",
        Kind::RegionExclusion => "Regions",
        Kind::RemoteRestriction => "The licensor may restrict use",
        Kind::UnknownTerms => "Read these terms yourself",
    }
}

struct Wrap {
    width: usize,
}

impl Wrap {
    /// Wraps `text` after `first` (the bullet or label), continuing lines
    /// under the text.
    fn item(&self, out: &mut String, first: &str, text: &str) {
        let indent = " ".repeat(unicode_width::UnicodeWidthStr::width(first));
        // never break inside a word: URLs, ids and clause numbers stay whole
        let opts = textwrap::Options::new(self.width)
            .initial_indent(first)
            .subsequent_indent(&indent)
            .break_words(false)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        for line in textwrap::wrap(text, opts) {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

pub fn render(report: &Report, manifest: &Manifest, width: usize) -> String {
    let w = Wrap { width };
    let mut out = String::new();
    let n = report.models.len();
    let _ = writeln!(
        out,
        "License report for {} ({} model{})\n",
        manifest.path.display(),
        n,
        if n == 1 { "" } else { "s" }
    );
    for m in &report.models {
        model(&mut out, &w, m);
    }
    pipeline(&mut out, &w, report, manifest);
    out
}

fn model(out: &mut String, w: &Wrap, m: &ModelReport) {
    let at = match (&m.revision, m.status) {
        (Some(r), "locked") => format!(" at {}", short_id(r)),
        (Some(r), _) => format!(
            " at {} (the lock is stale: run `modellock update`)",
            short_id(r)
        ),
        (None, _) => " (not locked: run `modellock update`)".to_owned(),
    };
    let _ = writeln!(out, "{} — {}{at}", m.name, m.source);
    let license = match (&m.license, &m.license_name) {
        (Some(l), Some(name)) => format!("{l} ({name}; {})", m.category),
        (Some(l), None) => format!("{l} ({})", m.category),
        (None, _) => "none declared".to_owned(),
    };
    w.item(out, "  License:       ", &license);
    for (i, f) in m.files.iter().enumerate() {
        let label = if i == 0 {
            "  License files: "
        } else {
            "                 "
        };
        let what = match (f.confidence, &f.nearest) {
            (Some(c), Some(near)) if f.id == "unknown" => format!(
                "{}: not a text modellock knows (unknown, {c:.2} like {near}{})",
                f.path,
                f.nearest_text
                    .as_deref()
                    .map_or(String::new(), |t| format!(": {t}"))
            ),
            (Some(c), _) if c >= 1.0 => format!("{}: {} (the official text)", f.path, f.id),
            (Some(c), _) => format!("{}: {} ({:.0}% alike)", f.path, f.id, c * 100.0),
            (None, _) => format!("{}: not a text modellock knows", f.path),
        };
        let what = match f.governs {
            "weights" => what,
            "code" => format!("{what}; governs the code, not the weights"),
            _ => format!("{what}; attached to the license"),
        };
        w.item(out, label, &what);
    }
    if let Some(sc) = &m.supply {
        let classes: Vec<String> = sc.classes.iter().map(|(c, n)| format!("{n} {c}")).collect();
        let mut what = classes.join(", ");
        if !sc.remote_code.is_empty() {
            what.push_str(&format!(
                "; maps remote code ({})",
                sc.remote_code.join(", ")
            ));
        }
        match sc.scan {
            Some("flagged") => {
                let issues: Vec<String> = sc
                    .scan_issues
                    .iter()
                    .map(|(p, l)| format!("{p} {l}"))
                    .collect();
                what.push_str(&format!("; the Hub's scan FLAGS {}", issues.join(", ")));
            }
            Some("not-scanned") => what.push_str("; not scanned by the Hub"),
            Some(_) => what.push_str("; scanned by the Hub: clean"),
            None => {}
        }
        if let Some(a) = &sc.author {
            what.push_str(&format!("; owner {a}"));
        }
        w.item(out, "  Files:         ", &what);
    }
    for (i, d) in m.documents.iter().enumerate() {
        let label = if i == 0 {
            "  Incorporates:  "
        } else {
            "                 "
        };
        let at = d.url.as_deref().unwrap_or("in the model card");
        let what = match (&d.digest, &d.unavailable) {
            (Some(g), _) => format!("{} ({at}), locked as {}", d.title, short_id(g)),
            (None, why) => format!(
                "{} ({at}): NOT READ ({}), read it yourself",
                d.title,
                why.as_deref().unwrap_or("unavailable")
            ),
        };
        w.item(out, label, &what);
    }
    for (i, a) in m.lineage.iter().enumerate() {
        let label = if i == 0 {
            "  Derives from:  "
        } else {
            "                 "
        };
        let license = a.license.as_deref().unwrap_or("license unknown");
        let name = match &a.entry {
            Some(e) => format!("{} (entry `{e}`)", a.model),
            None => a.model.clone(),
        };
        w.item(
            out,
            label,
            &format!("{name} — {}, under {license}", a.relation),
        );
    }
    if m.obligations.is_empty() {
        w.item(
            out,
            "  Obligations:   ",
            "none beyond the license's own text",
        );
    } else {
        let _ = writeln!(out, "  Obligations:");
        for o in &m.obligations {
            let o_ = &o.obligation;
            let mut text = match o_.kind {
                Kind::Attribution | Kind::Notice => format!("\"{}\"", o_.text),
                _ => o_.text.clone(),
            };
            if let Some(p) = &o_.placement {
                let _ = write!(text, " — {p}");
            }
            let via = o
                .via
                .as_ref()
                .map(|v| format!(", through {v}"))
                .unwrap_or_default();
            let _ = write!(text, " [{}{via}]", o_.source);
            w.item(out, &format!("    - {}: ", o_.kind.as_str()), &text);
        }
    }
    out.push('\n');
}

fn pipeline(out: &mut String, w: &Wrap, report: &Report, manifest: &Manifest) {
    let p = &report.pipeline;
    let names: Vec<String> = report.models.iter().map(|m| m.name.clone()).collect();
    let _ = writeln!(out, "What the product must do (all of {}):", list(&names));
    let mut kind = None;
    let duties: Vec<&PipelineObligation> = p
        .obligations
        .iter()
        .filter(|o| o.kind != Kind::UserThreshold)
        .collect();
    if duties.is_empty() {
        let _ = writeln!(out, "  nothing beyond the licenses' own texts");
    }
    for o in duties {
        if Some(o.kind) != kind {
            kind = Some(o.kind);
            let _ = writeln!(out, "\n  {}:", heading(o.kind));
        }
        let mut text = match o.kind {
            Kind::Attribution | Kind::Notice => format!("\"{}\"", o.text),
            _ => o.text.clone(),
        };
        if let Some(place) = &o.placement {
            let _ = write!(text, " — {place}");
        }
        w.item(out, "    - ", &text);
        w.item(
            out,
            "      ",
            &format!("Models: {}. Clause: {}.", list(&o.models), o.source),
        );
    }
    let _ = writeln!(out, "\nThresholds (strictest first):");
    if p.thresholds.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for t in &p.thresholds {
        let status = match (t.declared, t.exceeded) {
            (Some(d), Some(true)) if t.agreement => format!(
                " [use] declares {}: above it, under your separate agreement ([use] agreements).",
                group_digits(d)
            ),
            (Some(d), Some(true)) => format!(" [use] declares {}: EXCEEDED.", group_digits(d)),
            (Some(d), _) => format!(" [use] declares {}: within.", group_digits(d)),
            _ => " [use] declares no user count.".to_owned(),
        };
        let text = format!(
            "{} monthly active users under {} (for {}), measured {}; above it: {} [{}].{status}",
            group_digits(t.limit),
            t.license,
            list(&t.models),
            t.measured,
            t.consequence,
            t.source
        );
        w.item(out, "  - ", &text);
    }
    let u = &manifest.usage;
    let declared_use =
        u.commercial.is_some() || u.monthly_active_users.is_some() || !u.regions.is_empty();
    let _ = writeln!(out, "\nConflicts:");
    if p.conflicts.is_empty() {
        let what = if declared_use {
            "none with the declared [use]"
        } else {
            "none found; declare [use] (commercial, monthly-active-users, regions) in models.toml to check the product's use"
        };
        w.item(out, "  ", what);
    }
    for c in &p.conflicts {
        let sev = match c.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Advice => "advice",
        };
        w.item(out, &format!("  - {sev} {}: ", c.code), &c.message);
    }
}
