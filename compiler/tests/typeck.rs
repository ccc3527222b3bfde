//! Type errors and warnings: each `types/*.pol` case is checked against the Kubernetes 1.36
//! schemas; its snapshot holds the source and the rendered diagnostics. Adding a case needs no
//! Rust: drop a file in `types/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use pol_compiler::diagnostics::{Source, render_plain};
use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::{parse, typeck};

#[test]
fn type_errors_and_warnings() {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    insta::glob!("types/*.pol", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let parsed = parse(&source);
        assert!(
            !parsed.has_errors(),
            "{}: type cases must parse: {:#?}",
            path.display(),
            parsed.diagnostics
        );
        let checked = typeck::check(&source, &parsed.file, &schemas);
        assert!(
            !checked.diagnostics.is_empty(),
            "{} is a type-error case but checks cleanly",
            path.display()
        );
        let name = path.file_name().unwrap().to_string_lossy();
        let rendered = render_plain(
            Source {
                name: &name,
                text: &source,
            },
            &checked.diagnostics,
        );
        insta::with_settings!({ description => source.clone(), omit_expression => true }, {
            insta::assert_snapshot!(rendered);
        });
    });
}

/// The examples and every policy of the library type-check cleanly.
#[test]
fn repository_policies_check_cleanly() {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let mut checked_files = 0;
    for path in common::pol_files(&["examples", "policies"]) {
        let source = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&source);
        let checked = typeck::check(&source, &parsed.file, &schemas);
        let name = path.display().to_string();
        let all: Vec<_> = parsed
            .diagnostics
            .iter()
            .chain(&checked.diagnostics)
            .cloned()
            .collect();
        assert!(
            all.is_empty(),
            "{}",
            render_plain(
                Source {
                    name: &name,
                    text: &source
                },
                &all
            )
        );
        checked_files += 1;
    }
    assert!(checked_files > 0);
}

/// Every builtin's documented example is a condition that parses and type-checks.
#[test]
fn builtin_examples_type_check() {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    for builtin in pol_stdlib::registry::BUILTINS {
        let source = format!(
            "policy example {{\n  title \"Example\"\n  severity low\n  match ConfigMap\n  deny {}\n    message \"m\"\n}}\n",
            builtin.example
        );
        let parsed = parse(&source);
        let checked = typeck::check(&source, &parsed.file, &schemas);
        let all: Vec<_> = parsed
            .diagnostics
            .iter()
            .chain(&checked.diagnostics)
            .cloned()
            .collect();
        assert!(
            all.is_empty(),
            "example of `{}` ({}): {}",
            builtin.name,
            builtin.signature,
            render_plain(
                Source {
                    name: builtin.name,
                    text: &source
                },
                &all
            )
        );
    }
}
