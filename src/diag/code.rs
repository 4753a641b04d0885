//! The stable diagnostic codes. They are public API: a code is never renamed,
//! and the README lists every one (a test checks that).

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! codes {
    (@level) => { "error" };
    (@level $level:literal) => { $level };
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, fatal = $fatal:literal $(, level = $level:literal)?, $desc:literal; )*) => {
        /// A diagnostic code such as `license::unreviewed`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as users see it, e.g. `lock::stale`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// One sentence saying what the code means.
            pub const fn description(self) -> &'static str {
                match self { $(Code::$variant => $desc,)* }
            }

            /// The severity this code's diagnostics have (`error` unless
            /// the table says `warning`), for SARIF rules.
            pub const fn default_level(self) -> &'static str {
                match self { $(Code::$variant => codes!(@level $($level)?),)* }
            }

            /// True when an error with this code means the command could not
            /// run (exit status 2) rather than a problem it found (exit 1).
            pub const fn is_fatal(self) -> bool {
                match self { $(Code::$variant => $fatal,)* }
            }
        }
    };
}

codes! {
    UsageInvalid = "usage::invalid", fatal = true,
        "The command line asks for something that cannot be done (e.g. `update --precise` with several models).";
    ManifestNotFound = "manifest::not-found", fatal = true,
        "There is no models.toml at the manifest path.";
    ManifestIo = "manifest::io", fatal = true,
        "models.toml could not be read or written.";
    ManifestParse = "manifest::parse", fatal = true,
        "models.toml is not valid TOML.";
    ManifestUnknownKey = "manifest::unknown-key", fatal = true,
        "models.toml has a key modellock does not know (often a typo).";
    ManifestEdit = "manifest::edit", fatal = true,
        "`add`, `review` or `audit --fix` cannot make its edit in models.toml (a table written in a form the edit cannot extend); nothing was written.";
    ManifestInvalidType = "manifest::invalid-type", fatal = true,
        "A value in models.toml has the wrong type.";
    ManifestMissingKey = "manifest::missing-key", fatal = true,
        "A required key is missing from models.toml.";
    ManifestInvalidSource = "manifest::invalid-source", fatal = true,
        "A model's `source` is not a valid hf:, ollama: or path: source.";
    ManifestInvalidName = "manifest::invalid-name", fatal = true,
        "A model name is not usable as a name (letters, digits, `-`, `_`, `.`).";
    ManifestDuplicateName = "manifest::duplicate-name", fatal = true,
        "Two model names differ only in letter case, or `add` was given a name already in use.";
    ManifestInvalidRevision = "manifest::invalid-revision", fatal = true,
        "A `revision` is not a valid branch, tag or commit for its source.";
    ManifestInvalidVersion = "manifest::invalid-version", fatal = true,
        "A `version` is not a valid semver requirement, or is combined with `revision`.";
    ManifestInvalidGlob = "manifest::invalid-glob", fatal = true,
        "A `files` pattern is not a valid glob.";
    ManifestInvalidDigest = "manifest::invalid-digest", fatal = true,
        "A `license-digest` is not `sha256:` followed by 64 lowercase hex digits.";
    ManifestInvalidDate = "manifest::invalid-date", fatal = true,
        "A review `date` or `expires` is not a calendar date (YYYY-MM-DD).";
    ManifestInvalidValue = "manifest::invalid-value", fatal = true,
        "A value in models.toml is out of range or empty.";
    ManifestUnknownBase = "manifest::unknown-base", fatal = true,
        "A model's `base` names no entry of models.toml, or the bases form a cycle.";
    ManifestExists = "manifest::exists", fatal = true,
        "`init` would overwrite an existing models.toml.";
    ManifestFloatingRevision = "manifest::floating-revision", fatal = false, level = "warning",
        "A model follows a branch, so `update` can move it; pin a tag or commit.";
    PolicyUnknownLicense = "policy::unknown-license", fatal = false, level = "warning",
        "A license id in `[policy]` is not a known id but close to one (likely a typo).";
    PolicyAllowAndDeny = "policy::allow-and-deny", fatal = false, level = "warning",
        "A license id is both allowed and denied; deny wins.";
    PolicyDenied = "policy::denied", fatal = false,
        "A locked model's license is in `[policy] deny`.";
    PolicyBanned = "policy::banned", fatal = false,
        "A model's source matches a `[policy] ban` pattern.";
    PolicySourceNotAllowed = "policy::source-not-allowed", fatal = false,
        "`[policy] allow-orgs` is set, and a model's source comes from an organisation it does not list.";
    PolicyFormat = "policy::format", fatal = false,
        "A locked file's weight format is not one policy accepts (`[policy] formats`; by default every format but pickle, which runs code when loaded).";
    PolicyRemoteCode = "policy::remote-code", fatal = false, level = "warning",
        "A model ships code (`*.py`, native libraries) or its configs' `auto_map` name classes that `trust_remote_code=True` would run; an error under `remote-code = \"deny\"`.";
    PolicyScanFlagged = "policy::scan-flagged", fatal = false,
        "The Hub's security scan flags a locked file (`unsafe`, `suspicious`, a virus, dangerous pickle imports).";
    PolicyNotScanned = "policy::not-scanned", fatal = false, level = "warning",
        "The Hub had not finished scanning the model's files when it was locked (`scansDone = false`): not scanned is not clean.";
    PolicyUseConflict = "policy::use-conflict", fatal = false,
        "How the product uses a model (`[use]`: commercial, monthly active users, regions) breaks a condition of a license the model or one of its bases is under.";
    LicenseUnreviewed = "license::unreviewed", fatal = false,
        "A locked model's license is not allowed by policy and its terms have no review.";
    LicenseChanged = "license::changed", fatal = false,
        "A model's license terms differ from the terms last reviewed.";
    LicenseDocumentChanged = "license::document-changed", fatal = false,
        "A document a model's terms incorporate by reference (an acceptable use policy, the card's `license_link` page, the gated access prompt) differs from the one reviewed, while the license itself did not change.";
    LicenseDocumentUnavailable = "license::document-unavailable", fatal = false, level = "warning",
        "A document a model's terms incorporate could not be read (offline, an HTTP error, not text): its terms are not locked.";
    LicenseReviewExpired = "license::review-expired", fatal = false,
        "The only review of a model's locked license terms has expired.";
    LicenseExpectedMismatch = "license::expected-mismatch", fatal = false,
        "The license a model's entry expects is not the license that was locked.";
    LicenseCardMismatch = "license::card-mismatch", fatal = false,
        "The model card's `license` and the license its LICENSE file really is disagree.";
    LineageRestrictedParent = "lineage::restricted-parent", fatal = false,
        "A model's base (at any depth) carries a license that policy does not allow and nobody reviewed, or denies.";
    LicenseTextMissing = "license::text-missing", fatal = false,
        "The license store (.modellock/) lacks the text of a locked license file or terms.";
    LicenseTextMismatch = "license::text-mismatch", fatal = false,
        "A file in the license store (.modellock/) does not match the digest it is named by.";
    LicenseFingerprints = "license::fingerprints", fatal = true,
        "The file MODELLOCK_FINGERPRINTS names cannot be read or is not a fingerprints file.";
    LicenseStoreIo = "license::store-io", fatal = true,
        "The license store (.modellock/) could not be read or written.";
    DiffTermsUnavailable = "diff::terms-unavailable", fatal = true,
        "`diff` cannot find the terms it was asked to compare (not locked, not in the store, not fetchable).";
    ManifestUnknownModel = "manifest::unknown-model", fatal = true,
        "A command names a model that models.toml does not have.";
    ProjectLocked = "project::locked", fatal = true,
        "Another modellock held the project's lock for the whole wait (MODELLOCK_LOCK_TIMEOUT); nothing was written.";
    SourceIdentityChanged = "source::identity-changed", fatal = true,
        "A Hub repo of the locked name now has another immutable id: it was deleted and created again, possibly by someone else (namespace reuse).";
    SourceNotFound = "source::not-found", fatal = true,
        "The repository, registry model or directory does not exist, or is private.";
    SourceRevisionNotFound = "source::revision-not-found", fatal = true,
        "The source has no such branch, tag, commit or manifest digest.";
    SourceNoMatchingVersion = "source::no-matching-version", fatal = true,
        "No tag of the repository satisfies the `version` requirement.";
    SourcePreciseOutside = "source::precise-outside", fatal = true,
        "`update --precise` names a revision outside what models.toml asks for (its `version` requirement, or the revision it pins).";
    SourceGated = "source::gated", fatal = true,
        "The repository is gated: accept its license on the Hub and set HF_TOKEN.";
    SourceUnauthorized = "source::unauthorized", fatal = true,
        "The token was refused, or the registry needs credentials modellock does not have.";
    SourceFileTooLarge = "source::file-too-large", fatal = true,
        "A file that must be downloaded to be hashed is larger than the limit.";
    SourceIntegrity = "source::integrity", fatal = true,
        "Downloaded bytes do not match the id the source gives them.";
    SourceUnexpectedResponse = "source::unexpected-response", fatal = true,
        "The server answered something that is not the API modellock expects.";
    SourceIo = "source::io", fatal = true,
        "A file of a path: source could not be read.";
    SourceNoFiles = "source::no-files", fatal = true,
        "The `files` globs select none of the model's files, so nothing would be locked.";
    SourceTokenUnreadable = "source::token-unreadable", fatal = false, level = "warning",
        "The Hub token file is there but cannot be read; modellock goes on without a token.";
    SourceOffline = "source::offline", fatal = true,
        "`update` needs the network, but HF_HUB_OFFLINE is set.";
    NetworkConnect = "network::connect", fatal = true,
        "The host could not be reached (DNS, refused or reset connection).";
    NetworkTimeout = "network::timeout", fatal = true,
        "A request timed out, after retries.";
    NetworkTls = "network::tls", fatal = true,
        "The TLS handshake or certificate check failed.";
    NetworkIo = "network::io", fatal = true,
        "The connection broke mid-response, after retries.";
    NetworkServer = "network::server-error", fatal = true,
        "The server answered 5xx or 429 (rate limit), after retries.";
    VerifyStatementMismatch = "verify::statement-mismatch", fatal = false,
        "`verify --statement`: the in-toto statement names a file the lock does not have, another sha256 than the lock's, or leaves a locked file out.";
    VerifyStatementInvalid = "verify::statement-invalid", fatal = true,
        "`verify --statement`: the file is not an in-toto v1 Statement (JSON with `_type` and `subject` of names and sha256 digests).";
    VerifyUnsafePickle = "verify::unsafe-pickle", fatal = false,
        "A pickle-based weights file on disk (PyTorch .bin/.pt, .ckpt, .pkl) imports globals a weights file does not need (os.system, builtins.exec, …): unpickling it would run them.";
    VerifyHashMismatch = "verify::hash-mismatch", fatal = false,
        "A file's sha256 is not the locked one.";
    VerifyMissingFile = "verify::missing-file", fatal = false,
        "A locked file is not on disk (or only partly downloaded).";
    VerifySizeMismatch = "verify::size-mismatch", fatal = false,
        "A file's size is not the locked one.";
    VerifyWrongRevision = "verify::wrong-revision", fatal = false,
        "The cache or store has the model, but not at the locked revision.";
    VerifySymlinkEscape = "verify::symlink-escape", fatal = false,
        "A file, or a link on its way, leads out of its root (the cache folder, the store, the directory); it is reported, not followed.";
    VerifyIo = "verify::io", fatal = true,
        "A file could not be read.";
    FetchHashMismatch = "fetch::hash-mismatch", fatal = false,
        "`fetch` received other bytes than the locked ones (sha256 or size); nothing was put in their place.";
    FetchIo = "fetch::io", fatal = true,
        "`fetch` could not write the cache, the store or the directory (permissions, a full disk, a link out of it).";
    FetchNotFetched = "fetch::not-fetched", fatal = false,
        "`path` was asked for a model whose locked files are not on this machine; run `modellock fetch`.";
    ReviewNotNeeded = "review::not-needed", fatal = true,
        "`review` was asked to record a review that policy makes meaningless (license allowed or denied).";
    ReviewAlreadyReviewed = "review::already-reviewed", fatal = true,
        "`review` was asked to record a review of terms that already have one.";
    ReviewAmbiguous = "review::ambiguous", fatal = true,
        "`review --accept restricted-parent` needs `--ancestor`: the model has several restricted parents.";
    ReviewStaleLock = "review::stale-lock", fatal = true,
        "`review` needs the model locked as models.toml asks; run `modellock update` first.";
    ReviewNoReviewer = "review::no-reviewer", fatal = true,
        "`review` needs `--reviewer`, or a git user.email to fall back to.";
    AuditUnlocked = "audit::unlocked", fatal = false,
        "`audit` found a model the code or machine uses that models.lock does not lock.";
    AuditUnpinned = "audit::unpinned", fatal = false, level = "warning",
        "`audit` found a locked model used at a floating revision (a branch, no revision, no Ollama tag).";
    AuditRevisionMismatch = "audit::revision-mismatch", fatal = false,
        "`audit` found code or a cache that pins another revision of a model than models.lock.";
    AuditUnreadable = "audit::unreadable", fatal = false, level = "warning",
        "`audit` could not read some files or directories; what they hold was not searched.";
    AuditIo = "audit::io", fatal = true,
        "A path given to `audit`, the Hugging Face cache or the Ollama store cannot be read.";
    LockMissing = "lock::missing", fatal = false,
        "There is no models.lock beside models.toml.";
    LockStale = "lock::stale", fatal = false,
        "models.lock does not match models.toml (a model added, removed or changed).";
    LockParse = "lock::parse", fatal = true,
        "models.lock is not valid TOML or not a valid lock.";
    LockVersion = "lock::version", fatal = true,
        "models.lock has a format version this modellock does not understand.";
    LockIo = "lock::io", fatal = true,
        "models.lock could not be read or written.";
    LockTermsMismatch = "lock::terms-mismatch", fatal = false,
        "A model's locked license files or license are not the terms its license-digest names (the lock was edited).";
    LockOutdated = "lock::outdated", fatal = false,
        "`update --locked`: the sources say something else than models.lock; it would change.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            let (area, name) = s.split_once("::").expect("area::name");
            assert!(!area.is_empty() && !name.is_empty());
            assert!(name.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'));
        }
    }
}
