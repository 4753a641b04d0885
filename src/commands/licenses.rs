//! `modellock licenses [MODEL]...`: every model's license, its files and
//! lineage, the obligations each carries and those of the pipeline as a
//! whole — for people, as JSON, as a CycloneDX BOM or an SPDX 3.0 AI BOM.
//! Offline.

use super::Context;
use crate::output::{print_stdout, Format};
use crate::report::licenses::{build, cyclonedx, human, spdx};

#[derive(Debug, clap::Args)]
pub struct LicensesArgs {
    /// Only these models (default: every model in models.toml); the
    /// pipeline section then covers just them.
    #[arg(value_name = "MODEL")]
    pub models: Vec<String>,
}

pub fn run(ctx: &Context, args: &LicensesArgs) -> u8 {
    let (project, lock, lock_file) = match ctx.load_locked() {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (manifest, files) = (&project.manifest, &project.files);
    let selected = match super::select(manifest, &args.models) {
        Ok(e) => e,
        Err(unknown) => return ctx.fail(&unknown, files),
    };
    let report = build(
        manifest,
        &lock,
        lock_file,
        &project.store,
        &selected,
        ctx.today,
    );
    let text = match ctx.out.format {
        Format::Json => {
            serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into()) + "\n"
        }
        Format::Cyclonedx => {
            let bom = cyclonedx::bom(&report, manifest, &lock);
            serde_json::to_string_pretty(&bom).unwrap_or_else(|_| "{}".into()) + "\n"
        }
        Format::Spdx => {
            let lock_text = project.files.text(lock_file);
            let doc = spdx::document(&report, manifest, &lock, lock_text, &spdx::created_now());
            serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into()) + "\n"
        }
        _ => human::render(&report, manifest, ctx.out.width),
    };
    print_stdout(&text);
    0
}
