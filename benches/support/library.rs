//! The bundled library (`policies/`), compiled as `pol` builds it, for the benchmarks that
//! evaluate it.

#[path = "files.rs"]
mod tree;

use std::path::Path;

use pol_compiler::build::build;
use pol_compiler::frameworks::Frameworks;
use pol_compiler::schema::Schemas;
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
