//! What a source gives for one model at one revision: the [`Snapshot`]
//! every adapter returns, and the [`Request`] it is asked with.

use crate::license::Terms;
use semver::VersionReq;

/// What to snapshot: the revision the manifest entry asks for (or the pin
/// that replaces it) and which files it selects.
pub struct Request<'a> {
    /// The `revision` written in the manifest: a branch, tag or commit of a
    /// Hub repo; a tag or `sha256:` manifest digest of an Ollama model.
    pub revision: Option<&'a str>,
    /// The `version` requirement (a Hub repo's release tags).
    pub version: Option<&'a VersionReq>,
    /// A revision to take instead of resolving the two above.
    pub pin: Option<&'a Pin>,
    /// Whether a file (by its path in the snapshot) is selected; license
    /// files are read whether or not they are.
    pub wants: &'a (dyn Fn(&str) -> bool + Sync),
}

/// A revision to lock instead of resolving the entry's: `update --precise`,
/// or a version lock that still satisfies its requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The version tag, for an entry with a `version` requirement.
    pub tag: Option<String>,
    pub commit: String,
}

/// A model as its source has it at one revision.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The commit, manifest digest or directory digest.
    pub revision: String,
    /// The release tag a version requirement resolved to.
    pub tag: Option<String>,
    /// The selected files.
    pub files: Vec<File>,
    /// The license terms (card keys and every license file's digest); their
    /// texts are kept in the context's gathered texts.
    pub terms: Terms,
    /// What the model card says; `None` for sources without one (Ollama
    /// manifests, local directories), whose license the manifest declares.
    pub card: Option<CardFacts>,
    /// What the header of the model's GGUF file says of its license.
    pub gguf: Option<super::gguf::GgufFacts>,
}

/// What a Hub model card says beside its license keys.
#[derive(Clone, Debug, Default)]
pub struct CardFacts {
    /// The license as the card declares it (`license_name` of `other`).
    pub license: Option<String>,
    pub base_models: Vec<String>,
    /// Every ancestor up the `base_model` graph, nearest first.
    pub lineage: Vec<Ancestor>,
    /// What the model does (the Hub's `pipeline_tag`).
    pub pipeline_tag: Option<String>,
    /// The datasets the card names (Hub dataset ids).
    pub datasets: Vec<String>,
    /// Whether the model takes or gives more than one modality.
    pub multimodal: Option<bool>,
    /// The text a gated repo asks people to accept (`extra_gated_prompt`).
    pub gated_prompt: Option<String>,
    /// The Hub's immutable id of the repo (`_id`) and its owner.
    pub object_id: Option<String>,
    pub author: Option<String>,
    /// The Hub's security scan of the repo.
    pub scan: Option<super::hf::api::Scan>,
}

/// A file of a model, as the lock records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub size: u64,
    /// Hex sha256 of the content.
    pub sha256: String,
    /// For a config: the classes its `auto_map` names, which
    /// `trust_remote_code=True` imports and runs.
    pub remote_code: Vec<String>,
}

impl File {
    /// What kind of file it is (by its name).
    pub fn class(&self) -> super::format::Class {
        super::format::Class::of_path(&self.path)
    }
}

/// An ancestor of a model: a base model of its card, or of a base's card,
/// up the Hub's `base_model` graph. The metadata cache keeps lineages in
/// this shape (serde).
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Ancestor {
    /// The Hub repo id.
    pub model: String,
    /// `adapter`, `merge`, `quantized` or `finetune`.
    pub relation: String,
    /// Its card's license; `None` when it cannot be read (a missing repo).
    pub license: Option<String>,
    /// The repo it is a base of, for ancestors beyond the direct bases.
    pub base_of: Option<String>,
    /// The commit its terms were read at (the head of its default branch
    /// when the model was locked); `None` when the repo cannot be read.
    pub revision: Option<String>,
    /// The license digest of its terms at `revision` (card keys and
    /// license files, as for a model); `None` when its license files cannot
    /// be read (a gated base without access, a lock written before
    /// ancestors' terms were locked).
    pub license_digest: Option<String>,
}

/// The license terms of a source at some revision, without its weights:
/// what `diff --to REV` and `outdated` compare.
#[derive(Clone, Debug)]
pub struct FetchedTerms {
    /// The commit or manifest digest the revision resolved to.
    pub revision: String,
    /// The license as the source declares it (`None` for sources without a
    /// model card).
    pub license: Option<String>,
    pub terms: Terms,
    /// Each license file's bytes as served, by path.
    pub texts: std::collections::BTreeMap<String, Vec<u8>>,
}
