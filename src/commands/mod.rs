pub mod build;
pub mod explain;
pub mod fmt;
pub mod policies;
