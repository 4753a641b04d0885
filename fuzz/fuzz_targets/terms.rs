//! A terms list of the store: parsing never panics, and what parses has
//! lines that parse back to the same terms.
#![no_main]
use libfuzzer_sys::fuzz_target;
use modellock::license::Terms;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(t) = Terms::parse(text) {
        assert_eq!(Terms::parse(&t.lines()), Some(t));
    }
});
