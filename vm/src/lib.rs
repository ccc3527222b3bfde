//! The pol virtual machine side: everything a policy pack needs at run time, and nothing of
//! the compiler: the document model and loader (`document`), the instruction set with its
//! verifier (`bytecode`), the interpreter (`interp`) and the pack format (`pack`).
//!
//! This crate does no I/O: callers hand it bytes and get back values.

pub mod bytecode;
pub mod document;
pub mod eval;
pub mod interp;
pub mod pack;
