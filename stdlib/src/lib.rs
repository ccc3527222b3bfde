//! The pol standard library: the pure domain logic that pol's builtins call.
//!
//! Each module implements one Kubernetes (or Go) notion with its exact semantics, returns
//! errors as values ([`Error`]) and never panics, whatever the input:
//!
//! - [`quantity`]: resource quantities (`500m`, `1.5Gi`), exact;
//! - [`image`]: container image references (`nginx` is `docker.io/library/nginx:latest`);
//! - [`selector`]: label selectors, structured and in kubectl's string form;
//! - [`net`]: IP addresses and CIDR blocks, v4 and v6;
//! - [`version`]: semantic versions and Kubernetes API version ordering;
//! - [`duration`]: Go durations (`1h30m`);
//! - [`time`]: RFC 3339 timestamps.
//!
//! [`host`] binds the builtins of a pack to these functions: it implements the VM's `Host`.

pub mod duration;
pub mod error;
pub mod host;
pub mod image;
pub mod net;
pub mod pattern;
pub mod quantity;
pub mod registry;
pub mod selector;
pub mod time;
pub mod version;

pub use error::Error;
