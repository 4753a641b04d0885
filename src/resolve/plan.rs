//! What revision each entry is locked at: resolved now, pinned
//! (`update --precise`, or a release proved again by `update --locked`), or
//! the locked release kept because it still satisfies the requirement.

use super::Resolver;
use crate::license::Store;
use crate::lock::{Lock, LockedModel};
use crate::manifest::ModelEntry;
use crate::source::{hf, Failure, Pin, Source};

/// How one entry is locked.
pub enum Plan {
    /// Resolve what the entry asks for now.
    Fresh,
    /// Lock this revision.
    Pinned(Pin),
    /// Keep the locked release: it still satisfies the `version`
    /// requirement (no request is made).
    Keep(Box<LockedModel>),
}

/// What `update` was asked to do, as far as planning goes.
pub enum Mode<'a> {
    /// `--precise REV` for the one model named (an `hf:` model).
    Precise(&'a str),
    /// Every model (`update` without names): releases that still satisfy
    /// their requirement are kept; with `locked`, proved again.
    All { locked: bool },
    /// Only the models named: each resolved now.
    Named,
}

impl Resolver {
    /// The plan of one entry, given the lock as it was.
    pub fn plan(
        &self,
        entry: &ModelEntry,
        old: Option<&Lock>,
        mode: &Mode<'_>,
    ) -> Result<Plan, Failure> {
        let precise = |rev: &str| -> Result<Plan, Failure> {
            let Source::Hf(repo) = &entry.source.value else {
                return Ok(Plan::Fresh);
            };
            let none = |_: &str| true;
            let req = super::request(entry, None, &none);
            hf::versions::precise(&self.cx, &req, repo.as_str(), rev).map(Plan::Pinned)
        };
        match mode {
            Mode::Precise(rev) => precise(rev),
            Mode::Named => Ok(Plan::Fresh),
            Mode::All { locked } => match still_satisfied(entry, old, &self.cx.texts.store) {
                // --locked proves the kept release: its tag resolved again,
                // every fact re-derived at that commit
                Some(kept) if *locked => match &kept.tag {
                    Some(tag) => precise(tag),
                    None => Ok(Plan::Fresh),
                },
                Some(kept) => Ok(Plan::Keep(Box::new(kept))),
                None => Ok(Plan::Fresh),
            },
        }
    }
}

/// The locked entry of a `version` requirement that still satisfies it,
/// with the same source and files, and whose terms the store has: kept as
/// it is (with the requirement as now written).
fn still_satisfied(entry: &ModelEntry, old: Option<&Lock>, store: &Store) -> Option<LockedModel> {
    let req = &entry.version.as_ref()?.value;
    let locked = old?.model(&entry.name)?;
    let version = hf::versions::parse_tag(locked.tag.as_deref()?)?;
    let same = locked.source == entry.source_raw
        && locked.include == entry.file_patterns()
        && req.matches(&version)
        && store.terms(&locked.license_digest).found().is_some();
    same.then(|| LockedModel {
        requested: entry.requested(),
        span: None,
        ..locked.clone()
    })
}
