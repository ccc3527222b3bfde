//! `pol build`: compile policies — parse, check structure, type-check against the schemas,
//! resolve controls against the frameworks — and report every problem. (Writing a policy pack with `-o` comes with the bytecode.)

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
}

pub fn run(args: &Args) -> Outcome {
    let Some(schemas) = compile::schemas(&args.schema) else {
        return Outcome::Errors;
    };
    let Some(frameworks) = compile::frameworks(&args.frameworks) else {
        return Outcome::Errors;
    };
    let compiled = compile::policies(&args.paths, &schemas, &frameworks);
    compiled.outcome()
}
