//! modellock: `Cargo.lock` + `cargo-deny` for open-weight ML models.
//!
//! A `models.toml` manifest names the models a product uses and the license
//! terms it accepts; `models.lock` pins each model's revision, the sha256 of
//! every file and a digest of its license terms; `modellock check` fails when
//! the terms changed and nobody reviewed the change.

pub mod audit;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod date;
pub mod diag;
pub mod env;
pub mod fetch;
pub mod fsutil;
pub mod hashing;
pub mod license;
pub mod lock;
pub mod manifest;
pub mod net;
pub mod output;
pub mod policy;
pub mod project;
pub mod report;
pub mod resolve;
pub mod source;
pub mod verify;
