//! `modellock add SOURCE`: add a model entry to models.toml, keeping every
//! comment and the layout of the file.

use super::{write_manifest, Context};
use crate::diag::{Code, Diag};
use crate::manifest::{self, edit};
use crate::project::{LockNeed, Project};
use crate::source::Source;

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// `hf:ORG/NAME`, `ollama:[HOST/][NS/]NAME[:TAG]` or `path:DIR`.
    pub source: String,
    /// The entry's name (default: derived from the source).
    #[arg(long)]
    pub name: Option<String>,
    /// Branch, tag or commit to lock (hf:), or manifest digest (ollama:).
    #[arg(long)]
    pub revision: Option<String>,
    /// Lock only files matching this glob (repeatable).
    #[arg(long = "files", value_name = "GLOB")]
    pub files: Vec<String>,
    /// Follow the repo's release tags within this semver requirement (hf:),
    /// e.g. `^3.1`.
    #[arg(long, value_name = "REQ", conflicts_with = "revision")]
    pub version: Option<String>,
    /// The license you expect the model to be under (a mismatch fails `check`).
    #[arg(long, value_name = "ID")]
    pub license: Option<String>,
    /// The entry this model derives from (lineage).
    #[arg(long, value_name = "NAME")]
    pub base: Option<String>,
    /// Lock it right away (`modellock update NAME`), as `cargo add` and
    /// `uv add` do.
    #[arg(long)]
    pub lock: bool,
}

pub fn run(ctx: &Context, args: &AddArgs) -> u8 {
    let lock = match ctx.lock_project() {
        Ok(l) => l,
        Err(status) => return status,
    };
    let Project {
        manifest, files, ..
    } = match ctx.load(LockNeed::None) {
        Ok(p) => p,
        Err(status) => return status,
    };

    let (source, url_revision) = match Source::parse_user(&args.source) {
        Ok(s) => s,
        Err(e) => {
            let d = Diag::error(
                Code::ManifestInvalidSource,
                format!("invalid source `{}`: {}", args.source, e.reason),
            )
            .with_help(e.help);
            return ctx.fail(&[d], &files);
        }
    };
    // a Hub URL is written as the source it names, its `/tree/REV` as the revision
    let raw = if Source::parse(&args.source).is_ok() {
        args.source.clone()
    } else {
        source.to_string()
    };
    let revision = args.revision.clone().or(url_revision);
    let name = args.name.clone().unwrap_or_else(|| source.suggested_name());
    let entry = edit::NewEntry {
        name: &name,
        source: &raw,
        revision: revision.as_deref(),
        files: &args.files,
        version: args.version.as_deref(),
        license: args.license.as_deref(),
        base: args.base.as_deref(),
    };
    let how = if args.name.is_some() {
        "choose another `--name`".to_owned()
    } else {
        format!(
            "pass `--name NAME` to add `{}` under another name",
            args.source
        )
    };
    let problems = manifest::validate::new_entry(&manifest, &entry, &source, &how);
    if !problems.is_empty() {
        return ctx.fail(&problems, &files);
    }

    let edited = edit::add_model(files.text(manifest.file), &entry);
    if let Err(status) = write_manifest(ctx, &manifest, &files, edited, "add a model") {
        return status;
    }
    if args.lock {
        ctx.out.status(
            "Added",
            &format!("`{name}` ({raw}) to {}", manifest.path.display()),
        );
        // the project's lock is the update's to take now
        drop(lock);
        let update = super::update::UpdateArgs {
            models: vec![name.clone()],
            dry_run: false,
            locked: false,
            jobs: 8,
            precise: None,
        };
        return super::update::run(ctx, &update);
    }
    ctx.out.status(
        "Added",
        &format!(
            "`{name}` ({raw}) to {}; run `modellock update {name}` to lock it",
            manifest.path.display()
        ),
    );

    let report = crate::report::records::Added {
        added: crate::report::records::Entry {
            name: &name,
            source: &raw,
            revision: revision.as_deref(),
            files: &args.files,
        },
    };
    let extra = crate::output::fields(&report);
    ctx.out.done(&files, Some(manifest.models.len() + 1), extra);
    0
}
