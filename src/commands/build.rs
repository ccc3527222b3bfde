//! `pol build`: compile policies — parse, check structure, type-check against the schemas,
//! resolve controls against the frameworks — and report every problem; with `-o`, write the
//! policy pack.

use std::path::PathBuf;

use crate::Outcome;
use crate::compile::{self, FrameworkArgs, SchemaArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories (searched for `*.pol`).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    schema: SchemaArgs,
    #[command(flatten)]
    frameworks: FrameworkArgs,
    /// Write the compiled pack to this file (`pol check --pack FILE` runs it).
    #[arg(long, short = 'o', value_name = "FILE.polpack")]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> Outcome {
    let Some(schemas) = compile::schemas(&args.schema) else {
        return Outcome::Errors;
    };
    let Some(frameworks) = compile::frameworks(&args.frameworks) else {
        return Outcome::Errors;
    };
    let compiled = compile::policies(&args.paths, &schemas, &frameworks);
    if let (Some(path), Some(pack)) = (&args.output, &compiled.pack) {
        let bytes = pack.write();
        if let Err(error) = std::fs::write(path, &bytes) {
            crate::report::error(&format!("cannot write `{}`: {error}", path.display()));
            return Outcome::Errors;
        }
        crate::report::note(&format!(
            "wrote `{}` ({} bytes, {} policies)",
            path.display(),
            bytes.len(),
            pack.policies.len()
        ));
    }
    compiled.outcome()
}
