//! Malformed inputs and what pol says about them. Each `errors/*.pol` file is one case; its
//! snapshot holds the source and the rendered diagnostics. Adding a case needs no Rust: drop a
//! file in `errors/` and run `cargo insta test --accept` (or `INSTA_UPDATE=always cargo test`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use pol_compiler::diagnostics::{Source, render_plain};
use pol_compiler::parse;

#[test]
fn malformed_inputs() {
    insta::glob!("errors/*.pol", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let parsed = parse(&source);
        assert!(
            !parsed.diagnostics.is_empty(),
            "{} is an error case but parses cleanly",
            path.display()
        );
        let name = path.file_name().unwrap().to_string_lossy();
        let rendered = render_plain(
            Source {
                name: &name,
                text: &source,
            },
            &parsed.diagnostics,
        );
        insta::with_settings!({ description => source.clone(), omit_expression => true }, {
            insta::assert_snapshot!(rendered);
        });
    });
}
