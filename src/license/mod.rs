//! License terms: identifiers and the license digest of DESIGN.md.

pub mod digest;
pub mod ids;

pub use digest::{file_digest, is_license_file, model_digest, normalise, CardLicense};
