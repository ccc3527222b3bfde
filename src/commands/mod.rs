pub mod build;
pub mod check;
pub mod disasm;
pub mod explain;
pub mod fmt;
pub mod policies;
pub mod test;
