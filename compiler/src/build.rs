//! Compiling a set of `.pol` sources into one pack: parse, type-check, check controls
//! against the frameworks, lower. Shared by the CLI (which prints the diagnostics) and by the
//! CLI's build script (which prebuilds the bundled library, so start-up does not compile it).

use pol_vm::pack::Pack;

use crate::codegen::PackBuilder;
use crate::frameworks::Frameworks;
use crate::schema::Schemas;
use crate::{Diagnostic, parse, typeck};

/// What compiling a set of sources gave.
#[derive(Debug, Default)]
pub struct Build {
    /// The pack: `None` when a file has errors or the pack did not verify.
    pub pack: Option<Pack>,
    /// The diagnostics of each file that has any, in input order.
    pub diagnostics: Vec<(String, Vec<Diagnostic>)>,
    pub files: usize,
    pub policies: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Why the pack did not verify (a compiler bug), if it did not.
    pub invalid: Option<String>,
}

/// Compiles every source whose name ends in `.pol` (others are skipped) into one pack.
pub fn build<'s>(
    sources: impl IntoIterator<Item = (&'s str, &'s str)>,
    compiler_version: &str,
    schemas: &Schemas,
    frameworks: &Frameworks,
) -> Build {
    let mut outcome = Build::default();
    let mut builder = PackBuilder::new(compiler_version, schemas);
    for (name, text) in sources
        .into_iter()
        .filter(|(name, _)| name.ends_with(".pol"))
    {
        let parsed = parse(text);
        let mut diagnostics: Vec<Diagnostic> = parsed.diagnostics.clone();
        if !parsed.has_errors() {
            let checked = typeck::check(text, &parsed.file, schemas);
            let errors = checked.has_errors();
            diagnostics.extend(checked.diagnostics.iter().cloned());
            diagnostics.extend(frameworks.check(&parsed.file));
            diagnostics.sort_by_key(|diagnostic| diagnostic.primary.span.start);
            if !errors {
                builder.add_file(name, &parsed.file, &checked);
            }
        }
        outcome.files += 1;
        outcome.policies += parsed.file.policies.len();
        outcome.errors += diagnostics.iter().filter(|d| d.is_error()).count();
        outcome.warnings += diagnostics.iter().filter(|d| !d.is_error()).count();
        if !diagnostics.is_empty() {
            outcome.diagnostics.push((name.to_string(), diagnostics));
        }
    }
    if outcome.errors == 0 {
        match builder.finish() {
            Ok(pack) => outcome.pack = Some(pack),
            Err(error) => outcome.invalid = Some(error.to_string()),
        }
    }
    outcome
}
