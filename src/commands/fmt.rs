//! `pol fmt`: rewrite `.pol` files in the canonical layout, or check that they are.

use std::io::{Read, Write};
use std::path::PathBuf;

use pol_compiler::format::format_source;

use crate::files::{self, Input};
use crate::{Outcome, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not write; list the files that would change and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    /// Files or directories (searched for `*.pol`); `-` reads standard input and writes the
    /// result to standard output.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

pub fn run(args: &Args) -> Outcome {
    let (inputs, walk_errors) = files::collect(&args.paths, &["pol"]);
    let mut outcome = Outcome::Clean;
    for failure in &walk_errors {
        report::error(&format!(
            "cannot read `{}`: {}",
            failure.path.display(),
            failure.error
        ));
        outcome = Outcome::Errors;
    }
    let mut stdout = std::io::stdout().lock();
    for input in &inputs {
        let name = input.display_name();
        let source = match read(input) {
            Ok(source) => source,
            Err(message) => {
                report::error(&format!("cannot read `{name}`: {message}"));
                outcome = Outcome::Errors;
                continue;
            }
        };
        let formatted = match format_source(&source) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                report::diagnostics(&name, &source, &diagnostics);
                outcome = Outcome::Errors;
                continue;
            }
        };
        match input {
            Input::Stdin => {
                if args.check {
                    if formatted != source {
                        let _ = writeln!(stdout, "{name}");
                        outcome = outcome.max(Outcome::Findings);
                    }
                } else {
                    let _ = stdout.write_all(formatted.as_bytes());
                }
            }
            Input::File(path) => {
                if formatted == source {
                    continue;
                }
                if args.check {
                    let _ = writeln!(stdout, "{name}");
                    outcome = outcome.max(Outcome::Findings);
                } else if let Err(error) = std::fs::write(path, formatted) {
                    report::error(&format!("cannot write `{name}`: {error}"));
                    outcome = Outcome::Errors;
                } else {
                    let _ = writeln!(stdout, "formatted {name}");
                }
            }
        }
    }
    if args.check && outcome == Outcome::Findings {
        report::error("some files are not formatted; run `pol fmt` to format them");
    }
    outcome
}

pub fn read(input: &Input) -> Result<String, String> {
    let bytes = match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|error| error.to_string())?;
            bytes
        }
        Input::File(path) => std::fs::read(path).map_err(|error| error.to_string())?,
    };
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        )
    })
}
