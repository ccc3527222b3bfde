//! Writing diagnostics to the terminal, and reports of findings (`findings`).

pub mod findings;

use std::io::{IsTerminal, Write};

use pol_compiler::Diagnostic;
use pol_compiler::diagnostics::{self, Source};

/// Whether stderr gets colour: a terminal, and `NO_COLOR` unset.
fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints diagnostics about `source` to stderr.
pub fn diagnostics(name: &str, text: &str, found: &[Diagnostic]) {
    let source = Source { name, text };
    let rendered = if color() {
        diagnostics::render(source, found)
    } else {
        diagnostics::render_plain(source, found)
    };
    let _ = std::io::stderr().write_all(rendered.as_bytes());
}

/// Prints a one-line error that is not about a place in a source (a file that cannot be read).
pub fn error(message: &str) {
    let _ = writeln!(std::io::stderr(), "error: {message}");
}

/// Prints a one-line summary to stderr.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}
