//! models.lock: the parser never panics, labels lie inside the file, and a
//! lock that parses renders to text that parses to the same lock.
#![no_main]
use libfuzzer_sys::fuzz_target;
use modellock::diag::Files;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut files = Files::new();
    let id = files.add("models.lock", text);
    let (lock, diags) = modellock::lock::parse(text, id);
    for d in &diags {
        for l in &d.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= text.len());
        }
    }
    if let (Some(lock), false) = (lock, modellock::diag::has_errors(&diags)) {
        let again = modellock::lock::render(&lock);
        let id2 = files.add("again", again.as_str());
        let (back, d2) = modellock::lock::parse(&again, id2);
        assert!(
            !modellock::diag::has_errors(&d2),
            "a parsed lock renders to a valid one"
        );
        assert_eq!(back.map(|l| l.without_spans()), Some(lock.without_spans()));
    }
});
