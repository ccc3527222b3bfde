//! What the compiler's optimisations are checked with: one pack with an optimisation, one
//! without, the same manifests, and every outcome compared (resource, policy, findings with
//! their site, message and JSON pointer, or the error).

use std::path::Path;

use pol_compiler::codegen::PackBuilder;
use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::{parse, typeck};
use pol_stdlib::host::StdHost;
use pol_vm::bytecode::{Op, decode};
use pol_vm::document::{Document, Limits, load};
use pol_vm::eval::{Evaluator, resolve};
use pol_vm::pack::Pack;

#[path = "../../benches/support/files.rs"]
pub mod tree;

pub fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// How the compiler may optimise: each off, the pack does the plain thing.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub index_queries: bool,
    pub lazy_lets: bool,
}

impl Options {
    pub const ALL: Options = Options {
        index_queries: true,
        lazy_lets: true,
    };
}

/// `sources` compiled into one pack with these optimisations.
pub fn compile(sources: &[(String, String)], options: Options) -> Pack {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let mut builder = PackBuilder::new("test", &schemas);
    builder.index_queries = options.index_queries;
    builder.lazy_lets = options.lazy_lets;
    for (name, text) in sources {
        let parsed = parse(text);
        assert!(!parsed.has_errors(), "`{name}` does not parse");
        let checked = typeck::check(text, &parsed.file, &schemas);
        assert!(!checked.has_errors(), "`{name}` does not type-check");
        builder.add_file(name, &parsed.file, &checked);
    }
    builder.finish().unwrap()
}

/// How many instructions of the pack's functions match `wanted`.
pub fn count(pack: &Pack, wanted: fn(&Op) -> bool) -> usize {
    pack.functions
        .iter()
        .map(|function| {
            decode(&function.bytes)
                .unwrap()
                .iter()
                .filter(|(_, op)| wanted(op))
                .count()
        })
        .sum()
}

/// The library's sources.
pub fn library() -> Vec<(String, String)> {
    tree::ending_with(&repository().join("policies"), ".pol")
        .iter()
        .map(|path| {
            (
                path.display().to_string(),
                std::fs::read_to_string(path).unwrap(),
            )
        })
        .collect()
}

/// Everything `pack` makes of `documents` taken as one evaluation set, one line per outcome:
/// resource, policy, and its findings (site, message, JSON pointer) or its error.
pub fn outcomes(pack: &Pack, documents: &mut [Document]) -> Vec<String> {
    let host = StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()).unwrap();
    let evaluator = Evaluator::new(pack, &host);
    for document in documents.iter_mut() {
        evaluator.intern(&mut document.root);
    }
    let inventory = evaluator.inventory(documents.iter().map(|document| &document.root));
    let mut lines = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        let Ok(results) = evaluator.evaluate_in(&document.root, &inventory, &|_| true) else {
            continue;
        };
        for outcome in results {
            let policy = &pack.policies[outcome.policy as usize].id;
            match outcome.result {
                Ok(findings) => {
                    for finding in findings {
                        let site = &pack.sites[usize::from(finding.site)];
                        let place = resolve(
                            &document.root,
                            finding.place.node,
                            finding.place.missing,
                            &site.place,
                        );
                        lines.push(format!(
                            "{index} {policy} {} {:?} {}",
                            finding.site, finding.message, place.pointer
                        ));
                    }
                }
                Err(error) => lines.push(format!("{index} {policy} error {}", error.message)),
            }
        }
    }
    lines
}

/// Both packs over the same YAML, which must find the same; the documents are loaded once
/// per pack (interning writes the pack's symbols into them). Returns how many outcomes.
pub fn agree(optimised: &Pack, plain: &Pack, yaml: &str, what: &str) -> usize {
    let mut first = load(yaml.as_bytes(), &Limits::default()).documents;
    let mut second = load(yaml.as_bytes(), &Limits::default()).documents;
    let with_index = outcomes(optimised, &mut first);
    let without = outcomes(plain, &mut second);
    if with_index != without {
        let missing: Vec<&String> = without
            .iter()
            .filter(|line| !with_index.contains(line))
            .collect();
        let extra: Vec<&String> = with_index
            .iter()
            .filter(|line| !without.contains(line))
            .collect();
        panic!(
            "{what}: the optimised pack disagrees with the plain one\n  missing: {:#?}\n  extra: {:#?}",
            &missing[..missing.len().min(10)],
            &extra[..extra.len().min(10)]
        );
    }
    with_index.len()
}
