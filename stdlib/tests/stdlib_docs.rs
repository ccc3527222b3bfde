//! `docs/stdlib.md` is generated from the registry; this test fails when it is stale.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;

#[test]
fn the_builtin_reference_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/stdlib.md");
    let generated = pol_stdlib::registry::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/stdlib.md is stale: run `UPDATE_DOCS=1 cargo test -p pol-stdlib --test stdlib_docs`"
    );
}
