//! The pol compiler: `.pol` text in, a checked syntax tree and diagnostics out, and the
//! canonical formatter. Later stages (schemas, type checking, lowering to bytecode) build on
//! the tree this crate produces.
//!
//! The compiler does no I/O: callers hand it source text and get back values.

pub mod ast;
pub mod build;
pub mod codegen;
pub mod diagnostics;
pub mod format;
pub mod frameworks;
pub mod schema;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod typeck;
pub mod types;

pub use diagnostics::Diagnostic;
pub use span::Span;
pub use syntax::{Parsed, parse};
