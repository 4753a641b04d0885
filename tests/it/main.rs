//! The integration tests: one binary, a module per area, so that the
//! dependency tree is linked once (`cargo test --test it MODULE::` runs one
//! area). `common` runs the built binary on fixtures; `support` is the
//! fixture Hub and Ollama registry (see `support/README.md`).

mod common;
mod support;

mod action;
mod attest;
mod audit;
mod audit_corpus;
mod card;
mod check;
mod ci_formats;
mod completions;
mod documents;
mod drift;
mod edit;
mod example;
mod fetch;
mod fuzz;
mod gate;
mod gguf;
mod hostile;
mod hub_fixture;
mod identify;
mod kb;
mod layers;
mod licenses;
mod lineage;
mod ollama;
mod output_schemas;
mod precommit;
mod readme;
mod release;
mod review;
mod schema;
mod spdx;
mod supply;
mod update;
mod usage;
mod verify;
mod versions;
mod writers;
