//! Whether a lock entry still matches its manifest entry.

use crate::lock::LockedModel;
use crate::manifest::ModelEntry;

/// How a lock entry differs from its manifest entry: one line per
/// difference, empty when the entry is current.
pub fn differences(entry: &ModelEntry, locked: &LockedModel) -> Vec<String> {
    let mut out = Vec::new();
    if entry.source_raw != locked.source {
        out.push(format!(
            "source: locked `{}`, manifest `{}`",
            locked.source, entry.source_raw
        ));
    }
    let requested = entry.requested();
    if requested != locked.requested {
        let show = |r: &Option<String>| {
            r.as_deref()
                .map_or("(none)".to_owned(), |s| format!("`{s}`"))
        };
        out.push(format!(
            "requested revision: locked {}, manifest {}",
            show(&locked.requested),
            show(&requested)
        ));
    }
    let patterns = entry.file_patterns();
    if patterns != locked.include {
        let show = |p: &[String]| {
            if p.is_empty() {
                "every file".to_owned()
            } else {
                p.iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        out.push(format!(
            "files: locked {}, manifest {}",
            show(&locked.include),
            show(&patterns)
        ));
    }
    out
}
