//! The command line: parsed by clap into plain values, then resolved once
//! into a [`Context`] (paths, output settings) that the commands use.

use crate::commands::{self, Context};
use crate::date::Date;
use crate::output::{ColorChoice, Format, Output};
use clap::{FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Lock open-weight ML models: pin every revision, file hash and license
/// digest, and fail CI when license terms change without a review.
#[derive(Debug, Parser)]
#[command(name = "modellock", version, about, max_term_width = 100)]
pub struct Cli {
    /// Path to models.toml (the lock is models.lock beside it). Default:
    /// the nearest models.toml in this directory or a parent.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub manifest_path: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human, help_heading = GLOBAL)]
    pub format: Format,
    /// When to use colour (NO_COLOR is honoured by `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, help_heading = GLOBAL)]
    pub color: ColorChoice,
    /// Print only errors.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,
    /// The date to treat as today (YYYY-MM-DD), for reproducible output.
    #[arg(long, global = true, hide = true, value_parser = parse_date)]
    pub today: Option<Date>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented models.toml skeleton (never overwrites).
    Init(commands::init::InitArgs),
    /// Add a model entry to models.toml, keeping its comments and layout.
    Add(commands::add::AddArgs),
    /// Remove model entries from models.toml, keeping its comments and layout.
    Remove(commands::remove::RemoveArgs),
    /// Resolve sources and write models.lock; print what changed.
    Update(commands::update::UpdateArgs),
    /// The CI / pre-commit gate: lock matches manifest, policy, reviews.
    Check(commands::check::CheckArgs),
    /// Show how a model's license terms changed (default: last reviewed → locked).
    Diff(commands::diff::DiffArgs),
    /// Record approval of a model's locked license terms in models.toml.
    Review(commands::review::ReviewArgs),
    /// What can move: the newest compatible and latest revisions, and
    /// whether their license terms differ (nothing is written).
    Outdated(commands::outdated::OutdatedArgs),
    /// What the product is bound by: each model's licenses, lineage and
    /// obligations, and the pipeline's as a whole.
    Licenses(commands::licenses::LicensesArgs),
    /// Find every model the code and the machine use, and what the lock says of each.
    Audit(commands::audit::AuditArgs),
    /// Hash the files on disk (HF cache, Ollama store, --dir or path) against the lock.
    Verify(commands::verify::VerifyArgs),
    /// Download exactly the locked files (HF cache, Ollama store or --dir),
    /// each verified as it arrives.
    Fetch(commands::fetch::FetchArgs),
    /// Where a locked model is for the programs that serve it (its snapshot
    /// directory, Ollama name or directory).
    Path(commands::path::PathArgs),
    /// Write an in-toto statement of the lock (every locked file a subject)
    /// for a signer such as `cosign attest-blob`.
    Attest(commands::attest::AttestArgs),
    /// Print the shell completions of modellock (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print modellock's man page (roff), e.g. `modellock man > modellock.1`.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Parses the command line, runs the command, and returns its exit status.
pub fn run() -> ExitCode {
    install_panic_hook();
    // Ctrl-C during a write: remove the temporary files, then exit as a
    // shell expects (128 + SIGINT); the files being replaced are untouched
    let _ = ctrlc::set_handler(|| {
        crate::fsutil::remove_live_temps();
        std::process::exit(130);
    });
    let cli = match command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            // help and --version exit 0; usage errors exit 2
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // `--format` before the command name is parsed by the top level, which
    // takes every format: the command's own list decides
    let name = match &cli.command {
        Command::Licenses(_) => "licenses",
        Command::Path(_) => "path",
        _ => "",
    };
    if !formats_of(name).contains(&cli.format) {
        let names: Vec<String> = formats_of(name)
            .iter()
            .filter_map(clap::ValueEnum::to_possible_value)
            .map(|v| v.get_name().to_owned())
            .collect();
        eprintln!(
            "error: invalid value '{}' for '--format <FORMAT>' of this command\n  [possible values: {}]\n\nFor more information, try '--help'.",
            clap::ValueEnum::to_possible_value(&cli.format)
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default(),
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    // what the command line itself is: no project needed
    match &cli.command {
        Command::Completions(a) => {
            let mut cmd = command();
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut cmd, "modellock", &mut out);
            crate::output::print_stdout(&String::from_utf8_lossy(&out));
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            let mut out = Vec::new();
            return match clap_mangen::Man::new(command()).render(&mut out) {
                Ok(()) => {
                    crate::output::print_stdout(&String::from_utf8_lossy(&out));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot render the man page: {e}");
                    ExitCode::from(2)
                }
            };
        }
        _ => {}
    }
    let manifest_path = match &cli.manifest_path {
        Some(p) => p.clone(),
        // init writes a new file here
        None if matches!(cli.command, Command::Init(_)) => PathBuf::from(MANIFEST),
        None => find_manifest().unwrap_or_else(|| PathBuf::from(MANIFEST)),
    };
    if cli.verbose && !cli.quiet {
        eprintln!("{:>12} {}", "Manifest", manifest_path.display());
    }
    let ctx = Context {
        manifest_path,
        today: cli.today.unwrap_or_else(Date::today),
        out: Output::new(cli.format, cli.color, cli.quiet, cli.verbose),
    };
    let status = match &cli.command {
        Command::Init(a) => commands::init::run(&ctx, a),
        Command::Add(a) => commands::add::run(&ctx, a),
        Command::Remove(a) => commands::remove::run(&ctx, a),
        Command::Attest(a) => commands::attest::run(&ctx, a),
        Command::Update(a) => commands::update::run(&ctx, a),
        Command::Check(a) => commands::check::run(&ctx, a),
        Command::Verify(a) => commands::verify::run(&ctx, a),
        Command::Fetch(a) => commands::fetch::run(&ctx, a),
        Command::Path(a) => commands::path::run(&ctx, a),
        Command::Review(a) => commands::review::run(&ctx, a),
        Command::Diff(a) => commands::diff::run(&ctx, a),
        Command::Licenses(a) => commands::licenses::run(&ctx, a),
        Command::Outdated(a) => commands::outdated::run(&ctx, a),
        Command::Audit(a) => commands::audit::run(&ctx, a),
        // answered above, before a project is looked for
        Command::Completions(_) | Command::Man => 0,
    };
    ExitCode::from(status)
}

const MANIFEST: &str = crate::manifest::FILE_NAME;

/// The heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// The formats a command can print: `licenses` prints reports and BOMs,
/// every other command diagnostics.
fn formats_of(command: &str) -> &'static [Format] {
    match command {
        "licenses" => &[Format::Human, Format::Json, Format::Cyclonedx, Format::Spdx],
        "path" => &[Format::Human, Format::Json],
        _ => &[
            Format::Human,
            Format::Json,
            Format::Github,
            Format::Sarif,
            Format::Gitlab,
        ],
    }
}

/// The command line, with each command's `--format` offering only the
/// formats that command prints.
pub fn command() -> clap::Command {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    use clap::{CommandFactory, ValueEnum};
    let mut cmd = Cli::command();
    let Some(format) = cmd
        .get_arguments()
        .find(|a| a.get_id() == "format")
        .cloned()
    else {
        return cmd;
    };
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        let values: Vec<clap::builder::PossibleValue> = formats_of(&name)
            .iter()
            .filter_map(ValueEnum::to_possible_value)
            .collect();
        let own = format.clone().value_parser(
            PossibleValuesParser::new(values)
                .map(|s| Format::from_str(&s, true).unwrap_or(Format::Human)),
        );
        // a subcommand's own `--format` stands in for the global one there
        cmd = cmd.mut_subcommand(&name, |sc| sc.arg(own));
    }
    cmd
}

/// The nearest models.toml in the current directory or a parent, as cargo
/// finds Cargo.toml: a relative path (`models.toml`, `../models.toml`).
fn find_manifest() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let mut rel = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir.join(MANIFEST).is_file() {
            return Some(rel.join(MANIFEST));
        }
        rel.push("..");
    }
    None
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// A panic is a bug: say so in one line, without a backtrace, and exit 2
/// ("could not run").
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "error: modellock hit an internal error{location}: {payload}\n\
             This is a bug in modellock; please report it with the command you ran. No file was changed."
        );
        std::process::exit(2);
    }));
}
