//! The audit recognisers: never panic, every hit lies inside the text on
//! character boundaries, and the caps hold.
#![no_main]
use libfuzzer_sys::fuzz_target;
use modellock::audit::recognise::{scan_counted, FileKind, MAX_PER_FILE};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [
        FileKind::Python,
        FileKind::Script,
        FileKind::Yaml,
        FileKind::Modelfile,
        FileKind::Json,
    ] {
        let (hits, _) = scan_counted(text, kind);
        assert!(hits.len() <= MAX_PER_FILE);
        for h in hits {
            assert!(h.start <= h.end && h.end <= text.len());
            assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
        }
    }
    if let Some(hits) = modellock::audit::notebook::scan(text) {
        for h in hits {
            assert!(h.start <= h.end && h.end <= text.len());
        }
    }
});
