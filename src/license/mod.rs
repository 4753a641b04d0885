//! License terms: identifiers, the license digest of DESIGN.md, the store of
//! license texts beside the manifest, and how two versions of terms differ.

pub mod compare;
pub mod corpus;
mod diags;
pub mod digest;
pub mod documents;
pub mod gathered;
pub mod gguf;
pub mod html;
pub mod identify;
pub mod ids;
pub mod kb;
pub mod obligations;
pub mod scope;
pub mod store;
pub mod terms;
pub mod textdiff;

pub use diags::{FingerprintsInvalid, StoreGaps, StoreWriteFailed};
pub use digest::{file_digest, is_license_file, model_digest, normalise, CardLicense};
pub use store::Store;
pub use terms::{LicenseFile, Terms};
