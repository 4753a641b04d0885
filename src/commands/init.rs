//! `modellock init`: write a commented models.toml skeleton.

use super::Context;
use crate::diag::{Code, Diag, Files};

const TEMPLATE: &str = include_str!("init_template.toml");

#[derive(Debug, clap::Args)]
pub struct InitArgs {}

pub fn run(ctx: &Context, _args: &InitArgs) -> u8 {
    let _lock = match ctx.lock_project() {
        Ok(l) => l,
        Err(status) => return status,
    };
    let path = &ctx.manifest_path;
    let files = Files::new();
    if path.exists() {
        let d = Diag::error(
            Code::ManifestExists,
            format!("`{}` already exists", path.display()),
        )
        .with_help(
            "init never overwrites a manifest; edit it, or add models with `modellock add SOURCE`",
        );
        return ctx.fail(&[d], &files);
    }
    let result = crate::fsutil::create_new(path, TEMPLATE.as_bytes());
    if let Err(e) = result {
        let code = if e.kind() == std::io::ErrorKind::AlreadyExists {
            Code::ManifestExists
        } else {
            Code::ManifestIo
        };
        let d = Diag::error(code, format!("cannot write `{}`: {e}", path.display()))
            .with_help("check that the directory exists and is writable");
        return ctx.fail(&[d], &files);
    }
    ctx.out.status(
        "Created",
        &format!(
            "{} (next: `modellock add SOURCE`, then `modellock update`)",
            path.display()
        ),
    );
    let report = crate::report::records::Created {
        created: path.display().to_string(),
    };
    ctx.out
        .done(&files, Some(0), crate::output::fields(&report));
    0
}
