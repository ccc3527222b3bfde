//! The pol virtual machine side: everything a policy pack needs at run time, and nothing of
//! the compiler. Today: the document model and loader (`document`) and the instruction set with
//! its verifier (`bytecode`). The pack reader and the interpreter follow.
//!
//! This crate does no I/O: callers hand it bytes and get back values.

pub mod bytecode;
pub mod document;
