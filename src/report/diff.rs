//! The report of `diff`: the two sides, what changed in substance, and
//! each changed file's text diff.

use crate::license::compare::TermsDiff;
use crate::resolve::sides::Resolved;

/// The human text: the sides, the summary, the text diffs, and (when
/// `review` is the next step) the command that records approval.
pub fn human(
    name: &str,
    from: &Resolved,
    to: &Resolved,
    diff: &TermsDiff,
    context: usize,
    color: bool,
    review_hint: bool,
) -> String {
    let mut out = format!(
        "License terms of `{name}`\n  from {}: {}\n    to {}: {}\n",
        from.label, from.about, to.label, to.about
    );
    let summary = diff.summary();
    if summary.is_empty() {
        out.push_str("\nNo difference: the terms are the same.\n");
    } else {
        out.push_str(if diff.differs() {
            "\nWhat changed:\n"
        } else {
            "\nNo difference in the terms:\n"
        });
        for line in &summary {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for f in diff.files.iter().chain(&diff.documents) {
        if let Some(d) = &f.diff {
            out.push('\n');
            out.push_str(&d.unified(
                &format!("{} ({})", f.path, from.label),
                &format!("{} ({})", f.path, to.label),
                context,
                color,
            ));
        }
    }
    if review_hint {
        out.push_str(&format!(
            "\nOnce legal has approved the locked terms, record it:\n  modellock review {name} --reviewer legal@example.com --note TICKET\n"
        ));
    }
    out
}

/// The JSON fields: the model, both sides, whether they differ, and the
/// comparison.
pub fn fields(
    name: &str,
    from: &Resolved,
    to: &Resolved,
    diff: &TermsDiff,
    context: usize,
) -> serde_json::Map<String, serde_json::Value> {
    let mut extra = serde_json::Map::new();
    extra.insert("model".into(), name.into());
    extra.insert("from".into(), from.json.clone());
    extra.insert("to".into(), to.json.clone());
    extra.insert("differs".into(), diff.differs().into());
    if let serde_json::Value::Object(m) = diff.json(context) {
        extra.extend(m);
    }
    extra
}
