//! A page of the Hub's tree listing: parsing never panics, and every file
//! it accepts obeys the rules the lock parser applies.
#![no_main]
use libfuzzer_sys::fuzz_target;
use modellock::source::{hf::api::parse_tree_page, rules};

fuzz_target!(|data: &[u8]| {
    let Ok(page) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(files) = parse_tree_page(&page) {
        for f in files {
            assert!(rules::path_problem(&f.path).is_none(), "{}", f.path);
            assert!(rules::is_git_oid(&f.oid));
            assert!(f.lfs_sha256.as_deref().is_none_or(rules::is_sha256));
        }
    }
});
