//! `pol build`: compile policies — parse, check structure, type-check against the schemas —
//! and report every problem. (Writing a policy pack with `-o` comes with the bytecode.)

use std::path::PathBuf;

use crate::Outcome;
use crate::compile::{self, SchemaArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories (searched for `*.pol`).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    schema: SchemaArgs,
}

pub fn run(args: &Args) -> Outcome {
    let Some(schemas) = compile::schemas(&args.schema) else {
        return Outcome::Errors;
    };
    let compiled = compile::policies(&args.paths, &schemas);
    compiled.outcome()
}
