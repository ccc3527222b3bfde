//! `pol`: policy as code for Kubernetes. This binary is the only part of pol that touches
//! files, the terminal and the process exit code; the crates it calls do no I/O.

mod commands;
mod compile;
mod config;
mod files;
mod library;
mod parallel;
mod report;

use std::process::ExitCode;

/// See `Cargo.toml`: documents are many small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Policy as code for Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "pol", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Formats `.pol` files in the canonical layout.
    ///
    /// Exit codes: 0 nothing to change (or everything written), 1 with `--check` when a file
    /// would change, 2 when a file cannot be read or does not parse (it is left untouched).
    Fmt(commands::fmt::Args),
    /// Compiles policies: parses, checks their structure and type-checks them against the
    /// Kubernetes schemas, reporting every problem.
    ///
    /// Exit codes: 0 no errors (warnings are printed), 2 errors.
    Build(commands::build::Args),
    /// Shows the type and documentation of a kind or field, like `kubectl explain`.
    ///
    /// Examples: `pol explain Deployment`, `pol explain Pod.spec.containers.securityContext`.
    Explain(commands::explain::Args),
    /// Lists the policy library, or shows one policy (`pol policies show ID`).
    ///
    /// Uses the bundled library unless `--policies` names other files.
    Policies(commands::policies::Args),
    /// Checks Kubernetes manifests against the policies and reports the findings.
    ///
    /// Uses the bundled library unless `--policies` or `--pack` says otherwise. Exit codes:
    /// 0 no finding at or above `--fail-on`, 1 findings, 2 usage, input or compile errors.
    Check(commands::check::Args),
    /// Prints a compiled pack (`pol build -o`) readably: metadata, dispatch table, code.
    Disasm(commands::disasm::Args),
    /// Runs each policy's cases (`NAME.test.yaml` beside `NAME.pol`, expected findings
    /// marked `# expect: ID`). Exit codes: 0 all pass, 1 a case fails, 2 compile errors.
    Test(commands::test::Args),
}

/// What every command returns; the process exit code of the contract 0 / 1 / 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Nothing found, nothing to change.
    Clean = 0,
    /// Findings at or above the threshold, or files that would change.
    Findings = 1,
    /// Usage, input or compile errors.
    Errors = 2,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Fmt(args) => commands::fmt::run(&args),
        Command::Build(args) => commands::build::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Policies(args) => commands::policies::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Disasm(args) => commands::disasm::run(&args),
        Command::Test(args) => commands::test::run(&args),
    };
    ExitCode::from(outcome as u8)
}
