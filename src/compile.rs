//! Compiling policy files: shared by the commands that need checked policies.

use std::path::PathBuf;
use std::sync::Arc;

use pol_compiler::build::build;
use pol_compiler::frameworks::Frameworks;
use pol_compiler::schema::{DEFAULT_VERSION, Schemas, VERSIONS, load_crds};
use pol_vm::pack::Pack;

use crate::files;
use crate::library::LibraryFile;
use crate::{Outcome, report};

/// The options that choose the schemas policies are checked against.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {
    /// The Kubernetes version whose schemas type the policies.
    #[arg(long = "k8s-version", default_value = DEFAULT_VERSION, value_parser = clap::builder::PossibleValuesParser::new(VERSIONS))]
    pub k8s_version: String,
    /// CustomResourceDefinition manifests (files or directories of `.yaml`, `.yml`, `.json`)
    /// whose kinds policies may match. Repeatable.
    #[arg(long = "crd", value_name = "FILE|DIR")]
    pub crds: Vec<PathBuf>,
}

/// The schemas to check against: the built-in kinds of the chosen version plus the CRDs.
/// Problems are reported; `None` when there were any.
pub fn schemas(args: &SchemaArgs) -> Option<Arc<Schemas>> {
    let builtin = match Schemas::builtin(&args.k8s_version) {
        Ok(schemas) => schemas,
        Err(error) => {
            report::error(&error.to_string());
            return None;
        }
    };
    if args.crds.is_empty() {
        return Some(builtin);
    }
    let mut schemas = (*builtin).clone();
    let (inputs, walk_errors) = files::collect(&args.crds, &["yaml", "yml", "json"]);
    let mut ok = walk_errors.is_empty();
    for failure in &walk_errors {
        report::error(&format!(
            "cannot read `{}`: {}",
            failure.path.display(),
            failure.error
        ));
    }
    for input in &inputs {
        let name = input.display_name();
        let bytes = match input {
            files::Input::File(path) => std::fs::read(path),
            files::Input::Stdin => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
            }
        };
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(error) => {
                report::error(&format!("cannot read `{name}`: {error}"));
                ok = false;
                continue;
            }
        };
        let loaded = pol_vm::document::load(&bytes, &pol_vm::document::Limits::default());
        for error in &loaded.errors {
            report::error(&format!("{name}:{error}"));
            ok = false;
        }
        let load = load_crds(&mut schemas, &loaded.documents);
        for error in &load.errors {
            report::error(&format!(
                "{name}:{}:{}: {}",
                error.position.line, error.position.column, error.message
            ));
            ok = false;
        }
        if load.kinds == 0 && load.errors.is_empty() && loaded.errors.is_empty() {
            report::error(&format!("no CustomResourceDefinition in `{name}`"));
            ok = false;
        }
    }
    ok.then(|| Arc::new(schemas))
}

/// The result of compiling a set of files.
#[derive(Debug, Default)]
pub struct Compiled {
    pub files: usize,
    pub policies: usize,
    pub errors: usize,
    pub warnings: usize,
    /// The pack, when there were no errors.
    pub pack: Option<Pack>,
    /// The text of each policy file, by name (to show positions in policies).
    pub sources: std::collections::BTreeMap<String, String>,
}

impl Compiled {
    pub fn outcome(&self) -> Outcome {
        if self.errors > 0 {
            Outcome::Errors
        } else {
            Outcome::Clean
        }
    }
}

/// The options that choose the compliance frameworks controls are checked against.
#[derive(Debug, Clone, clap::Args)]
pub struct FrameworkArgs {
    /// Framework definitions (YAML, as in `policies/frameworks/`) in addition to the bundled
    /// ones, for a team's own controls. Repeatable.
    #[arg(long = "frameworks", value_name = "FILE|DIR")]
    pub frameworks: Vec<PathBuf>,
}

/// The bundled frameworks plus those named by `args`; problems are reported, `None` when
/// there were any.
pub fn frameworks(args: &FrameworkArgs) -> Option<Frameworks> {
    let mut files: Vec<(String, String)> = crate::library::bundled_files()
        .into_iter()
        .filter(|file| file.name.starts_with("frameworks/") && file.name.ends_with(".yaml"))
        .map(|file| (file.name, file.text))
        .collect();
    let mut ok = true;
    if !args.frameworks.is_empty() {
        let (extra, errors) = crate::library::files_at(&args.frameworks);
        for error in &errors {
            report::error(error);
            ok = false;
        }
        files.extend(
            extra
                .into_iter()
                .filter(|file| file.name.ends_with(".yaml"))
                .map(|file| (file.name, file.text)),
        );
    }
    let (frameworks, errors) = Frameworks::from_files(
        files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    );
    for error in &errors {
        report::error(&error.to_string());
        ok = false;
    }
    ok.then_some(frameworks)
}

/// Parses and type-checks every `.pol` file under `paths`, and checks its controls against
/// `frameworks`, printing diagnostics.
pub fn policies(paths: &[PathBuf], schemas: &Schemas, frameworks: &Frameworks) -> Compiled {
    let (inputs, walk_errors) = files::collect(paths, &["pol"]);
    let mut sources = Vec::new();
    let mut errors = 0;
    for failure in &walk_errors {
        report::error(&format!(
            "cannot read `{}`: {}",
            failure.path.display(),
            failure.error
        ));
        errors += 1;
    }
    for input in &inputs {
        let name = input.display_name();
        match crate::commands::fmt::read(input) {
            Ok(text) => sources.push(LibraryFile { name, text }),
            Err(message) => {
                report::error(&format!("cannot read `{name}`: {message}"));
                errors += 1;
            }
        }
    }
    if inputs.is_empty() && walk_errors.is_empty() {
        report::error("no `.pol` files found");
        errors += 1;
    }
    let mut compiled = compile_sources(&sources, schemas, frameworks, false);
    compiled.errors += errors;
    compiled
}

/// Compiles `.pol` sources into one pack, printing diagnostics and a summary; the pack is
/// `None` when there were errors.
pub fn compile_sources(
    sources: &[LibraryFile],
    schemas: &Schemas,
    frameworks: &Frameworks,
    quiet: bool,
) -> Compiled {
    let built = build(
        sources
            .iter()
            .map(|source| (source.name.as_str(), source.text.as_str())),
        env!("CARGO_PKG_VERSION"),
        schemas,
        frameworks,
    );
    let mut compiled = Compiled {
        files: built.files,
        policies: built.policies,
        errors: built.errors,
        warnings: built.warnings,
        pack: built.pack,
        sources: pol_sources(sources),
    };
    for (name, diagnostics) in &built.diagnostics {
        let text = compiled.sources.get(name).map_or("", String::as_str);
        report::diagnostics(name, text, diagnostics);
    }
    let summary = format!(
        "{} polic{} in {} file{}: {} error{}, {} warning{}",
        compiled.policies,
        if compiled.policies == 1 { "y" } else { "ies" },
        compiled.files,
        if compiled.files == 1 { "" } else { "s" },
        compiled.errors,
        if compiled.errors == 1 { "" } else { "s" },
        compiled.warnings,
        if compiled.warnings == 1 { "" } else { "s" },
    );
    if !quiet || compiled.errors > 0 {
        report::note(&summary);
    }
    if let Some(error) = built.invalid {
        report::error(&format!(
            "internal error: the compiled pack does not verify: {error}"
        ));
        compiled.errors += 1;
    }
    compiled
}

/// The text of every `.pol` source, by name: what evaluation errors quote.
pub fn pol_sources(sources: &[LibraryFile]) -> std::collections::BTreeMap<String, String> {
    sources
        .iter()
        .filter(|source| source.name.ends_with(".pol"))
        .map(|source| (source.name.clone(), source.text.clone()))
        .collect()
}
