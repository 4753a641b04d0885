//! models.toml: the parser and validation never panic, every label lies
//! inside the file, and what parses renders as a report.
#![no_main]
use libfuzzer_sys::fuzz_target;
use modellock::diag::Files;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut files = Files::new();
    let (_, diags) =
        modellock::manifest::load_str(Path::new("models.toml"), text.to_owned(), &mut files);
    for d in &diags {
        for l in &d.labels {
            let t = files.text(l.file);
            assert!(l.span.start <= l.span.end && l.span.end <= t.len());
        }
    }
});
