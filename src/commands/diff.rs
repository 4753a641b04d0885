//! `modellock diff MODEL [--from REF] [--to REF]`: how a model's license
//! terms differ between two versions — by default, from the terms last
//! reviewed to the terms locked. Offline from the store when it can be;
//! a revision of the source is fetched (license files only).

use super::Context;
use crate::diag::{Code, Diag};
use crate::env::Env;
use crate::license::compare::{self, Side};
use crate::license::store::Lookup;
use crate::license::{Store, Terms};
use crate::lock::LockedModel;
use crate::manifest::{Manifest, ModelEntry};
use crate::hashing::short_id;
use crate::output::Format;
use crate::project::LockNeed;
use crate::resolve::Resolver;
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The model whose terms to compare.
    pub model: String,
    /// The old terms: `reviewed` (the newest review's), `locked`, a license
    /// digest (`sha256:…`, or its first 8+ hex digits), or a revision of the
    /// source (branch, tag or commit; an Ollama tag or manifest digest),
    /// which is fetched.
    #[arg(long, value_name = "REF", default_value = "reviewed")]
    pub from: String,
    /// The new terms, as for `--from`.
    #[arg(long, value_name = "REF", default_value = "locked")]
    pub to: String,
    /// Sentences of context around each change.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub context: usize,
}

/// One resolved side: its terms and texts, and how to name it.
struct Resolved {
    side: Side,
    /// `reviewed`, `locked`, `v2.0`, …
    label: String,
    /// One line for people: whose review, which digest, which revision.
    about: String,
    json: Value,
}

/// Everything a side is resolved from.
struct Sources<'a> {
    ctx: &'a Context,
    manifest: &'a Manifest,
    entry: &'a ModelEntry,
    locked: Option<&'a LockedModel>,
    store: Store,
    resolver: Resolver,
}

fn unavailable(entry: &ModelEntry, message: String, help: String) -> Diag {
    Diag::error(Code::DiffTermsUnavailable, message)
        .with_model(entry.name.clone())
        .with_help(help)
}

impl Sources<'_> {
    fn text(&self, digest: &str) -> Option<Vec<u8>> {
        self.store
            .text(digest)
            .found()
            .or_else(|| self.resolver.texts().text(digest))
    }

    fn side(&self, terms: Terms) -> Side {
        Side::new(terms, &|d| self.text(d))
    }

    fn resolve(&self, reference: &str) -> Result<Resolved, Diag> {
        match reference {
            "reviewed" => self.reviewed(),
            "locked" => self.locked(),
            // a license digest in the store; else (an Ollama manifest
            // digest, a short commit) a revision of the source
            r if is_digest_ref(r) => self.digest(r).or_else(|e| {
                let ollama = matches!(self.entry.source.value, crate::source::Source::Ollama(_));
                if (ollama && r.starts_with("sha256:")) || !r.starts_with("sha256:") {
                    self.fetched(r, r, None)
                } else {
                    Err(e)
                }
            }),
            r => self.fetched(r, r, None),
        }
    }

    fn reviewed(&self) -> Result<Resolved, Diag> {
        let Some(review) = self.entry.newest_review() else {
            return Ok(Resolved {
                side: Side::default(),
                label: "no review".to_owned(),
                about: "no review on record: every term is new".to_owned(),
                json: json!({"ref": "reviewed", "digest": null}),
            });
        };
        let digest = &review.license_digest.value;
        let who = format!(
            "reviewed by {} on {}",
            review.reviewer.value, review.date.value
        );
        let mut json = json!({
            "ref": "reviewed", "digest": digest, "reviewer": review.reviewer.value,
            "date": review.date.value.to_string(),
            "license": review.license.as_ref().map(|l| &l.value),
            "revision": review.revision.as_ref().map(|r| &r.value),
        });
        let at = review
            .revision
            .as_ref()
            .map(|r| format!(", at {}", short_id(&r.value)))
            .unwrap_or_default();
        if let Lookup::Found(terms) = self.store.terms(digest) {
            return Ok(Resolved {
                side: self.side(terms),
                label: "reviewed".to_owned(),
                about: format!("{who}: {}{at}", short_id(digest)),
                json,
            });
        }
        // reviewed before the store kept texts: fetch the reviewed revision
        let Some(rev) = &review.revision else {
            return Err(unavailable(
                self.entry,
                format!("the reviewed terms of `{}` ({digest}) are not in the license store, and the review names no revision to fetch them from", self.entry.name),
                format!("compare with a revision of the source instead: `modellock diff {} --from REVISION`", self.entry.name),
            ));
        };
        let fetched = self.fetched(&rev.value, "reviewed", Some(digest))?;
        json["fetched"] = true.into();
        Ok(Resolved {
            about: format!("{who}: {}{at} (fetched)", short_id(digest)),
            json,
            ..fetched
        })
    }

    fn locked(&self) -> Result<Resolved, Diag> {
        let Some(locked) = self.locked else {
            return Err(unavailable(
                self.entry,
                format!("`{}` is not in models.lock", self.entry.name),
                format!(
                    "run `modellock update {}` first, or compare with a revision: `--to REVISION`",
                    self.entry.name
                ),
            ));
        };
        let digest = &locked.license_digest;
        let license = locked.license.as_deref().unwrap_or("no declared license");
        let about = format!(
            "{} ({license}, at {})",
            short_id(digest),
            short_id(&locked.revision)
        );
        let json = json!({"ref": "locked", "digest": digest, "license": locked.license, "revision": locked.revision});
        if let Lookup::Found(terms) = self.store.terms(digest) {
            return Ok(Resolved {
                side: self.side(terms),
                label: "locked".to_owned(),
                about,
                json,
            });
        }
        if matches!(self.entry.source.value, crate::source::Source::Path(_)) {
            return Err(unavailable(
                self.entry,
                format!(
                    "the locked terms of `{}` are not in the license store",
                    self.entry.name
                ),
                format!("run `modellock update {}` to store them", self.entry.name),
            ));
        }
        let fetched = self.fetched(&locked.revision, "locked", Some(digest))?;
        Ok(Resolved {
            about: format!("{about} (fetched)"),
            json,
            ..fetched
        })
    }

    fn digest(&self, reference: &str) -> Result<Resolved, Diag> {
        let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
        let mut found: Vec<String> = Vec::new();
        if hex.len() == 64 {
            found.push(format!("sha256:{hex}"));
        } else if let Ok(dir) = std::fs::read_dir(self.store.root().join("terms")) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(h) = name
                    .strip_prefix("sha256-")
                    .and_then(|n| n.strip_suffix(".tsv"))
                {
                    if h.starts_with(hex) {
                        found.push(format!("sha256:{h}"));
                    }
                }
            }
        }
        let digest = match found.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(unavailable(
                    self.entry,
                    format!("the license store has no terms with digest {reference}"),
                    "give a digest that `update` locked (see models.lock and the review records), `reviewed`, `locked`, or a revision of the source".to_owned(),
                ))
            }
            many => {
                return Err(unavailable(
                    self.entry,
                    format!("{reference} names {} sets of terms in the store", many.len()),
                    "give more hex digits".to_owned(),
                ))
            }
        };
        match self.store.terms(&digest) {
            Lookup::Found(terms) => Ok(Resolved {
                side: self.side(terms),
                label: short_id(&digest).to_owned(),
                about: digest.clone(),
                json: json!({"ref": reference, "digest": digest}),
            }),
            _ => Err(unavailable(
                self.entry,
                format!("the license store has no valid terms with digest {digest}"),
                "restore `.modellock/` from version control, or compare with a revision of the source".to_owned(),
            )),
        }
    }

    /// Fetches the terms at a revision of the source; with `expect`, they
    /// must have that digest.
    fn fetched(&self, revision: &str, label: &str, expect: Option<&str>) -> Result<Resolved, Diag> {
        let name = &self.entry.name;
        self.ctx.out.status(
            "Fetching",
            &format!("the license terms of `{name}` at {revision}"),
        );
        let f = self.resolver.terms_at(self.entry, revision).map_err(|f| {
            let span = self.entry.source.span.clone();
            Diag::error(
                f.code,
                format!(
                    "cannot fetch the terms of `{name}` at {revision}: {}",
                    f.message
                ),
            )
            .with_model(name.clone())
            .with_label(self.manifest.file, span, "from this source")
            .with_help(f.help)
        })?;
        let digest = f.terms.digest();
        if let Some(expected) = expect.filter(|e| **e != digest) {
            return Err(unavailable(
                self.entry,
                format!("the source's terms of `{name}` at {revision} are {digest}, not {expected}: the revision's files changed since"),
                "restore `.modellock/` from version control to see the exact terms".to_owned(),
            ));
        }
        let texts = f.texts.clone();
        Ok(Resolved {
            side: Side {
                terms: f.terms,
                texts,
            },
            label: label.to_owned(),
            about: format!(
                "{} ({}, at {})",
                short_id(&digest),
                f.license.as_deref().unwrap_or("no declared license"),
                short_id(&f.revision)
            ),
            json: json!({"ref": revision, "digest": digest, "license": f.license, "revision": f.revision}),
        })
    }
}

/// `sha256:…`, or 8 to 64 lower-case hex digits (a 40-hex commit is a
/// revision).
fn is_digest_ref(r: &str) -> bool {
    let hex = r.strip_prefix("sha256:").unwrap_or(r);
    (8..=64).contains(&hex.len())
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && (r.starts_with("sha256:") || hex.len() != 40)
}

pub fn run(ctx: &Context, args: &DiffArgs) -> u8 {
    let project = match ctx.load(LockNeed::Optional) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let (manifest, files, lock) = (&project.manifest, &project.files, project.lock());
    let name = &args.model;
    let Some(entry) = manifest.model(name) else {
        return ctx.fail(&[super::unknown_model(manifest, name)], files);
    };
    let sources = Sources {
        ctx,
        manifest,
        entry,
        locked: lock.and_then(|l| l.model(name)),
        store: Store::beside(&manifest.path),
        resolver: Resolver::new(Env::from_process(), &manifest.path),
    };
    let (from, to) = match (sources.resolve(&args.from), sources.resolve(&args.to)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let d: Vec<Diag> = [a.err(), b.err()].into_iter().flatten().collect();
            return ctx.fail(&d, files);
        }
    };
    sources.resolver.texts().save_to_cache();
    let diff = compare::compare(&from.side, &to.side);
    let differs = diff.differs();
    let status = u8::from(differs);

    if matches!(ctx.out.format, Format::Json | Format::Sarif) {
        let mut extra = serde_json::Map::new();
        extra.insert("model".into(), name.clone().into());
        extra.insert("from".into(), from.json.clone());
        extra.insert("to".into(), to.json.clone());
        extra.insert("differs".into(), differs.into());
        if let Value::Object(m) = diff.json(args.context) {
            extra.extend(m);
        }
        ctx.out
            .report_with_status(&[], files, None, extra, &[], status);
        return status;
    }

    let mut out = format!(
        "License terms of `{name}`\n  from {}: {}\n    to {}: {}\n",
        from.label, from.about, to.label, to.about
    );
    let summary = diff.summary();
    if summary.is_empty() {
        out.push_str("\nNo difference: the terms are the same.\n");
    } else {
        out.push_str(if differs {
            "\nWhat changed:\n"
        } else {
            "\nNo difference in the terms:\n"
        });
        for line in &summary {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for f in &diff.files {
        if let Some(d) = &f.diff {
            out.push('\n');
            out.push_str(&d.unified(
                &format!("{} ({})", f.path, from.label),
                &format!("{} ({})", f.path, to.label),
                args.context,
                ctx.out.color,
            ));
        }
    }
    // the command that records approval, only where `review` takes it:
    // current locked terms that policy neither allows nor denies
    let needs_review = sources.locked.is_some_and(|l| {
        crate::resolve::stale::differences(entry, l).is_empty()
            && crate::policy::evaluate(manifest, entry, l, manifest.file, ctx.today, None).0
                == crate::policy::Standing::Unreviewed
    });
    if differs && args.to == "locked" && needs_review && !ctx.out.quiet {
        out.push_str(&format!(
            "\nOnce legal has approved the locked terms, record it:\n  modellock review {name} --reviewer legal@example.com --note TICKET\n"
        ));
    }
    crate::output::print_stdout(&out);
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert!(is_digest_ref(&format!("sha256:{}", "a".repeat(64))));
        assert!(is_digest_ref("d30e4c25"));
        assert!(is_digest_ref("sha256:d30e4c25"));
        assert!(!is_digest_ref("v1.2.0"));
        assert!(!is_digest_ref("main"));
        // a 40-hex commit is a revision, not a digest prefix
        assert!(!is_digest_ref(&"0e".repeat(20)));
    }
}
