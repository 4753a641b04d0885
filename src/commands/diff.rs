//! `modellock diff MODEL [--from REF] [--to REF]`: how a model's license
//! terms differ between two versions — by default, from the terms last
//! reviewed to the terms locked. Offline from the store when it can be;
//! a revision of the source is fetched (license files only).

use super::Context;
use crate::diag::Diag;
use crate::env::Env;
use crate::license::compare;
use crate::output::Format;
use crate::policy::{self, Standing};
use crate::project::LockNeed;
use crate::resolve::sides::Sources;
use crate::resolve::{stale, Resolver};

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The model whose terms to compare.
    pub model: String,
    /// The old terms: `reviewed` (the newest review's), `locked`, a license
    /// digest (`sha256:…`, or its first 8+ hex digits), or a revision of the
    /// source (branch, tag or commit; an Ollama tag or manifest digest),
    /// which is fetched.
    #[arg(long, value_name = "REF", default_value = "reviewed")]
    pub from: String,
    /// The new terms, as for `--from`.
    #[arg(long, value_name = "REF", default_value = "locked")]
    pub to: String,
    /// Sentences of context around each change.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub context: usize,
}

pub fn run(ctx: &Context, args: &DiffArgs) -> u8 {
    let project = match ctx.load(LockNeed::Optional) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let (manifest, files) = (&project.manifest, &project.files);
    let name = &args.model;
    let Some(entry) = manifest.model(name) else {
        return ctx.fail(&[super::unknown_model(manifest, name)], files);
    };
    let locked = project.lock().and_then(|l| l.model(name));
    let resolver = Resolver::new(Env::from_process(), &manifest.path);
    let sources = Sources {
        manifest,
        entry,
        locked,
        store: &project.store,
        resolver: &resolver,
        status: &|what| ctx.out.status("Fetching", what),
    };
    let (from, to) = match (sources.resolve(&args.from), sources.resolve(&args.to)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let d: Vec<Diag> = [a.err(), b.err()].into_iter().flatten().collect();
            return ctx.fail(&d, files);
        }
    };
    resolver.texts().save_to_cache();
    let diff = compare::compare(&from.side, &to.side);
    let status = u8::from(diff.differs());
    if matches!(ctx.out.format, Format::Json | Format::Sarif) {
        let extra = crate::report::diff::fields(name, &from, &to, &diff, args.context);
        ctx.out
            .report_with_status(&[], files, None, extra, &[], status);
        return status;
    }
    // the command that records approval, only where `review` takes it:
    // current locked terms that policy neither allows nor denies
    let needs_review = locked.is_some_and(|l| {
        stale::differences(entry, l).is_empty()
            && policy::standing(manifest, entry, l, ctx.today) == Standing::Unreviewed
    });
    let hint = diff.differs() && args.to == "locked" && needs_review && !ctx.out.quiet;
    let text =
        crate::report::diff::human(name, &from, &to, &diff, args.context, ctx.out.color, hint);
    crate::output::print_stdout(&text);
    status
}
