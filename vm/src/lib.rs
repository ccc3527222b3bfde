//! The pol virtual machine side: everything a policy pack needs at run time, and nothing of
//! the compiler. Today: the document model and loader (`document`) the instruction set with its
//! verifier (`bytecode`), and the interpreter (`interp`). The pack reader and lowering follow.
//!
//! This crate does no I/O: callers hand it bytes and get back values.

pub mod bytecode;
pub mod document;
pub mod interp;
