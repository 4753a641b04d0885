//! The reports of the commands that write one thing: `init` (the file it
//! created), `add` (the entry it added), and `check`'s per-model verdicts.

use crate::policy::gate::ModelVerdict;
use serde::Serialize;

/// `init`: `{"created": PATH}`.
#[derive(Serialize)]
pub struct Created {
    pub created: String,
}

/// `add`: `{"added": {name, source, revision, files}}`.
#[derive(Serialize)]
pub struct Added<'a> {
    pub added: Entry<'a>,
}

#[derive(Serialize)]
pub struct Entry<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub revision: Option<&'a str>,
    pub files: &'a [String],
}

/// `check`: every model's verdict.
#[derive(Serialize)]
pub struct Checked<'a> {
    pub models: &'a [ModelVerdict],
}
