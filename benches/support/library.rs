//! The bundled library (`policies/`), compiled as `pol` builds it, and what the benchmarks that
//! evaluate it share: the policies on by default, the evaluation set, one evaluation pass.

#[path = "files.rs"]
mod tree;

use std::path::Path;

use pol_compiler::build::build;
use pol_compiler::frameworks::Frameworks;
use pol_compiler::schema::Schemas;
use pol_vm::document::{Document, Limits, load};
use pol_vm::eval::{Evaluator, Inventory};
use pol_vm::pack::Pack;

/// The bundled library, compiled.
pub fn library() -> Pack {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schemas = Schemas::builtin("1.36").unwrap();
    let files = tree::ending_with(&root.join("policies"), ".pol");
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            (path.display().to_string(), text)
        })
        .collect();
    let frameworks_dir = root.join("policies/frameworks");
    let framework_files: Vec<(String, String)> = std::fs::read_dir(&frameworks_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.display().to_string(), text)
        })
        .collect();
    let (frameworks, errors) = Frameworks::from_files(
        framework_files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    );
    assert!(errors.is_empty(), "{:?}", errors.first());
    let built = build(
        sources
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
        "bench",
        &schemas,
        &frameworks,
    );
    assert_eq!(built.errors, 0, "{:?}", built.diagnostics.first());
    built.pack.unwrap()
}

/// What runs by default: the policies of `pack` that do not ship off.
pub fn enabled(pack: &Pack) -> impl Fn(u32) -> bool + '_ {
    |policy| {
        pack.policies
            .get(policy as usize)
            .is_some_and(|meta| meta.enabled)
    }
}

/// The documents of `yaml`, which must load without error, interned for `evaluator`.
pub fn documents(evaluator: &Evaluator<'_>, yaml: &str) -> Vec<Document> {
    let mut loaded = load(yaml.as_bytes(), &Limits::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    for document in &mut loaded.documents {
        evaluator.intern(&mut document.root);
    }
    loaded.documents
}

/// Every enabled policy over every document of the evaluation set, once; the number of
/// findings (an evaluation error counts none). Not inlined, so that callgrind can count it
/// alone (`benches/instructions.sh`).
#[inline(never)]
pub fn evaluate_all(
    evaluator: &Evaluator<'_>,
    documents: &[Document],
    inventory: &Inventory<'_>,
    enabled: &dyn Fn(u32) -> bool,
) -> usize {
    let mut findings = 0;
    for document in documents {
        if let Ok(outcomes) = evaluator.evaluate_in(&document.root, inventory, enabled) {
            for outcome in outcomes {
                findings += outcome.result.map_or(0, |found| found.len());
            }
        }
    }
    findings
}
