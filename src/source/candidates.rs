//! Revisions newer than the locked one, as each source sees them: what
//! `outdated` compares the locked terms with.

use super::{hf, ollama, Context, Failure, Request, Source};
use crate::hashing::short_id;

/// A revision newer than the locked one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Newer {
    /// `v2.0.0`, `main@1a2b3c4d5e6f`, `latest@sha256:…`.
    pub label: String,
    /// The release tag (or Ollama tag) it is, if any.
    pub tag: Option<String>,
    /// The commit or manifest digest.
    pub revision: String,
}

/// What is newer than a locked revision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Candidates {
    /// The newest revision the entry's requirement allows (`update` takes
    /// it).
    pub compatible: Option<Newer>,
    /// The newest revision of all, when it is outside the requirement.
    pub latest: Option<Newer>,
    /// Why there is nothing to compare (a local directory).
    pub note: Option<&'static str>,
}

impl Source {
    /// What is newer than `locked` (its revision and tag) for an entry
    /// that asks for `req`.
    pub fn candidates(
        &self,
        cx: &Context,
        req: &Request<'_>,
        locked_revision: &str,
        locked_tag: Option<&str>,
    ) -> Result<Candidates, Failure> {
        match self {
            Source::Path(_) => Ok(Candidates {
                note: Some("a local directory: nothing upstream"),
                ..Default::default()
            }),
            Source::Hf(repo) => {
                hf::versions::candidates(cx, repo.as_str(), req, locked_revision, locked_tag)
            }
            Source::Ollama(n) => {
                // the tag now; a pinned digest is compared with its tag's head
                let head = ollama::registry::head(cx, n)?;
                let mut out = Candidates::default();
                if head != locked_revision {
                    let newer = Newer {
                        label: format!("{}@{}", n.tag, short_id(&head)),
                        tag: Some(n.tag.clone()),
                        revision: head,
                    };
                    if req.revision.is_some() || n.digest.is_some() {
                        out.latest = Some(newer);
                    } else {
                        out.compatible = Some(newer);
                    }
                }
                Ok(out)
            }
        }
    }
}
