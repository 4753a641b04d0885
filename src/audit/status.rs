//! Each reference held against models.toml and models.lock: its status
//! (`locked`, `unlocked`, `unpinned`, `revision-mismatch`) and its triage
//! (`safe`, `watch`, `migrate`), as license guidance for teams sorts them.

use super::ModelRef;
use crate::date::Date;
use crate::diag::FileId;
use crate::hashing::short_id;
use crate::lock::{Lock, LockedModel};
use crate::manifest::{Manifest, ModelEntry};
use crate::policy::{self, Standing};
use crate::resolve::stale;
use crate::source::{hf, Source};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The same model, at the locked revision where the code pins one.
    Locked,
    /// The code asks for a floating revision (a branch, no revision, an
    /// Ollama name without a tag) of a locked model.
    Unpinned,
    /// The code pins another revision than the lock.
    RevisionMismatch,
    /// Not in models.toml (or in it but not locked).
    Unlocked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Locked => "locked",
            Status::Unpinned => "unpinned",
            Status::RevisionMismatch => "revision-mismatch",
            Status::Unlocked => "unlocked",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Triage {
    /// Locked, reviewed (or allowed), pinned.
    Safe,
    /// Locked but floating, or its reviewed terms are older than the
    /// review age.
    Watch,
    /// Unlocked, pinned elsewhere, or under a denied or unreviewed license.
    Migrate,
}

impl Triage {
    pub fn as_str(self) -> &'static str {
        match self {
            Triage::Safe => "safe",
            Triage::Watch => "watch",
            Triage::Migrate => "migrate",
        }
    }
}

/// What the manifest and lock say of a reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub triage: Triage,
    /// The entry that locks the model, if one does.
    pub entry: Option<String>,
    /// One sentence: why.
    pub why: String,
}

/// The manifest and lock a reference is judged against.
pub struct Judge<'a> {
    pub manifest: Option<&'a Manifest>,
    pub lock: Option<&'a Lock>,
    pub lock_file: Option<FileId>,
    pub today: Date,
    /// Reviews older than this many days are `watch`.
    pub review_age: u32,
}

fn locked_at(l: &LockedModel) -> String {
    match &l.tag {
        Some(t) => format!("{t} ({})", short_id(&l.revision)),
        None => short_id(&l.revision).to_owned(),
    }
}

/// Seven or more hex digits: a (short) commit id.
fn is_hex_prefix(rev: &str) -> bool {
    rev.len() >= 7 && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `rev` names the locked revision: the commit (or 7+ hex digits
/// of it), the tag, or the requested tag.
fn same_revision(rev: &str, l: &LockedModel) -> bool {
    let hex = rev.len() >= 7 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    if hex
        && l.revision
            .to_ascii_lowercase()
            .starts_with(&rev.to_ascii_lowercase())
    {
        return true;
    }
    l.tag.as_deref() == Some(rev) || l.requested.as_deref() == Some(rev) && hf::is_pinned(rev)
}

impl Judge<'_> {
    /// The entries of the manifest for the same model, each with its lock
    /// entry when that is current.
    fn entries(&self, r: &ModelRef) -> Vec<(&ModelEntry, Option<&LockedModel>)> {
        let Some(m) = self.manifest else {
            return Vec::new();
        };
        let wanted = Source::parse(&r.source()).ok();
        m.models
            .iter()
            .filter(|e| {
                wanted
                    .as_ref()
                    .is_some_and(|w| e.source.value.same_model(w))
            })
            .map(|e| {
                let locked = self
                    .lock
                    .and_then(|l| l.model(&e.name))
                    .filter(|l| stale::differences(e, l).is_empty());
                (e, locked)
            })
            .collect()
    }

    /// Where the entry's license stands, and whether its review is old.
    fn standing(&self, e: &ModelEntry, l: &LockedModel) -> (Standing, bool) {
        let Some(m) = self.manifest else {
            return (Standing::Unreviewed, false);
        };
        let standing = policy::standing(m, e, l, self.today);
        let old = standing == Standing::Reviewed
            && e.reviews
                .iter()
                .filter(|r| r.license_digest.value == l.license_digest)
                .map(|r| r.date.value)
                .max()
                .is_some_and(|d| {
                    self.today.unix_days() - d.unix_days() > i64::from(self.review_age)
                });
        (standing, old)
    }

    pub fn judge(&self, r: &ModelRef) -> Verdict {
        let mut v = self.judge_lock(r);
        // what policy says of where the model comes from, whatever the lock
        if let (Some(m), Ok(source)) = (self.manifest, Source::parse(&r.source())) {
            let policy = &m.policy;
            let refused = crate::policy::sources::banned(policy, &source, &r.source())
                .map(|p| format!("`policy.ban` bans it (`{}`)", p.value))
                .or_else(|| {
                    crate::policy::sources::org_not_allowed(policy, &source)
                        .map(|org| format!("`policy.allow-orgs` does not list `{org}`"))
                });
            if let Some(why) = refused {
                v.triage = Triage::Migrate;
                v.why = format!("{}; {why}", v.why);
            }
        }
        v
    }

    fn judge_lock(&self, r: &ModelRef) -> Verdict {
        let entries = self.entries(r);
        let unlocked = |why: String| Verdict {
            status: Status::Unlocked,
            triage: Triage::Migrate,
            entry: None,
            why,
        };
        if entries.is_empty() {
            return unlocked("models.toml does not have it".into());
        }
        let locked: Vec<(&ModelEntry, &LockedModel)> = entries
            .iter()
            .filter_map(|(e, l)| Some((*e, (*l)?)))
            .collect();
        if locked.is_empty() {
            let e = entries[0].0;
            let mut v = unlocked(format!(
                "models.toml has it as `{}`, but models.lock does not lock it: run `modellock update {}`",
                e.name, e.name
            ));
            v.entry = Some(e.name.clone());
            return v;
        }
        let (status, which, why) = match r {
            ModelRef::Hf { revision, .. } => match revision.as_deref() {
                None => (
                    Status::Unpinned,
                    locked[0],
                    format!(
                        "no revision is given, so it gets whatever `main` is now, not the locked {}",
                        locked_at(locked[0].1)
                    ),
                ),
                Some(rev) if !(hf::is_pinned(rev) || is_hex_prefix(rev)) => (
                    Status::Unpinned,
                    locked[0],
                    format!(
                        "`{rev}` is a branch, which moves; the lock has {}",
                        locked_at(locked[0].1)
                    ),
                ),
                Some(rev) => match locked.iter().find(|(_, l)| same_revision(rev, l)) {
                    Some(hit) => (Status::Locked, *hit, format!("locked at {}", locked_at(hit.1))),
                    None => (
                        Status::RevisionMismatch,
                        locked[0],
                        format!(
                            "models.lock has {}",
                            locked
                                .iter()
                                .map(|(e, l)| format!("`{}` at {}", e.name, locked_at(l)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                },
            },
            ModelRef::Ollama { name } => {
                let digest = name.split_once('@').map(|(_, d)| d);
                let bare = name.split('@').next().unwrap_or(name);
                let last = bare.rsplit('/').next().unwrap_or(bare);
                let explicit_tag = last.split_once(':').map(|(_, t)| t);
                let tag = explicit_tag.unwrap_or(crate::source::ollama::DEFAULT_TAG);
                let same_tag: Vec<&(&ModelEntry, &LockedModel)> = locked
                    .iter()
                    .filter(|(e, _)| match &e.source.value {
                        Source::Ollama(n) => n.tag.eq_ignore_ascii_case(tag),
                        _ => false,
                    })
                    .collect();
                match (digest, same_tag.first()) {
                    (Some(d), _) => match locked.iter().find(|(_, l)| l.revision == d) {
                        Some(hit) => (Status::Locked, *hit, format!("locked at {}", short_id(d))),
                        None => (
                            Status::RevisionMismatch,
                            **same_tag.first().unwrap_or(&&locked[0]),
                            format!(
                                "models.lock has {}",
                                locked
                                    .iter()
                                    .map(|(e, l)| format!("`{}` at {}", e.name, short_id(&l.revision)))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ),
                    },
                    (None, Some(hit)) if explicit_tag.is_some() => {
                        (Status::Locked, **hit, format!("locked at {}", short_id(&hit.1.revision)))
                    }
                    (None, Some(hit)) => (
                        Status::Unpinned,
                        **hit,
                        "no tag is given, so it follows `latest`".to_owned(),
                    ),
                    (None, None) => (
                        Status::RevisionMismatch,
                        locked[0],
                        format!(
                            "tag `{tag}` is not locked; models.toml locks {}",
                            locked
                                .iter()
                                .map(|(e, _)| format!("`{}` ({})", e.name, e.source_raw))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                }
            }
        };
        let (entry, l) = which;
        let (standing, old_review) = self.standing(entry, l);
        let license_problem = matches!(standing, Standing::Denied | Standing::Unreviewed);
        let triage = match status {
            Status::Unlocked | Status::RevisionMismatch => Triage::Migrate,
            _ if license_problem => Triage::Migrate,
            Status::Unpinned => Triage::Watch,
            Status::Locked if old_review => Triage::Watch,
            Status::Locked => Triage::Safe,
        };
        let why = match (license_problem, standing) {
            (true, Standing::Denied) => format!("{why}; its license is denied by policy"),
            (true, _) => format!("{why}; its license terms are not reviewed"),
            _ if old_review && status == Status::Locked => {
                format!(
                    "{why}; its terms were reviewed more than {} days ago",
                    self.review_age
                )
            }
            _ => why,
        };
        Verdict {
            status,
            triage,
            entry: Some(entry.name.clone()),
            why,
        }
    }
}
