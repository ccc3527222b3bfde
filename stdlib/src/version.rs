//! Semantic versions (SemVer 2.0.0) and the ordering of Kubernetes API versions.
//!
//! # Semantic versions
//!
//! `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`, with an optional leading `v` (`v1.2.3`), as
//! image tags and Helm charts often write them. Numbers have no leading zeros and fit in 64
//! bits; pre-release identifiers are non-empty `[0-9A-Za-z-]`, numeric ones without leading
//! zeros; build identifiers are non-empty `[0-9A-Za-z-]`. Nothing else is accepted: no
//! `1.2`, no white space.
//!
//! Versions compare by SemVer precedence: numerically by major, minor and patch; a
//! pre-release is lower than its release (`1.0.0-rc.1 < 1.0.0`); pre-release identifiers
//! compare left to right, numeric ones numerically, alphanumeric ones in ASCII order,
//! numeric lower than alphanumeric, and a shorter list lower when all before are equal
//! (`1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 <
//! 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0`). Build metadata is ignored, by `==` as well:
//! `1.0.0+a == 1.0.0+b`.
//!
//! This is a small implementation of its own rather than the `semver` crate: that crate
//! refuses the leading `v` and orders build metadata (so its `==` is not precedence
//! equality), and its messages are not pol's.
//!
//! # Kubernetes API versions
//!
//! [`compare_kube_versions`] orders API versions as Kubernetes'
//! `CompareKubeAwareVersionStrings` does.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::Error;

/// A semantic version. `Eq`, `Ord` and `Hash` follow SemVer precedence (build metadata
/// ignored).
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<String>,
    build: Vec<String>,
}

impl Version {
    /// The release `major.minor.patch`.
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: Vec::new(),
            build: Vec::new(),
        }
    }

    /// Parses a version, with an optional leading `v`; see the module documentation.
    pub fn parse(input: &str) -> Result<Version, Error> {
        parse(input).map_err(|reason| Error::invalid("version", input, reason))
    }

    pub fn major(&self) -> u64 {
        self.major
    }

    pub fn minor(&self) -> u64 {
        self.minor
    }

    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The pre-release identifiers (`["rc", "1"]` for `1.0.0-rc.1`), empty for a release.
    pub fn pre_release(&self) -> &[String] {
        &self.pre
    }

    /// The build metadata identifiers (`["build", "5"]` for `1.0.0+build.5`).
    pub fn build(&self) -> &[String] {
        &self.build
    }

    /// Whether this is a pre-release (`1.0.0-rc.1`).
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_pre(&self.pre, &other.pre))
    }
}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Identifiers have no leading zeros, so equal precedence means equal strings.
        (self.major, self.minor, self.patch, &self.pre).hash(state);
    }
}

impl fmt::Display for Version {
    /// The canonical form, without the leading `v`: `1.2.3-rc.1+build.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build.join("."))?;
        }
        Ok(())
    }
}

impl FromStr for Version {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Version::parse(s)
    }
}

fn is_numeric(identifier: &str) -> bool {
    identifier.bytes().all(|b| b.is_ascii_digit())
}

fn compare_pre(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        // A release is higher than its pre-releases.
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    for (x, y) in a.iter().zip(b) {
        let order = match (is_numeric(x), is_numeric(y)) {
            // No leading zeros: a longer number is larger.
            (true, true) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.as_bytes().cmp(y.as_bytes()),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

fn parse(input: &str) -> Result<Version, String> {
    if input.is_empty() {
        return Err("empty".to_owned());
    }
    if input.chars().any(char::is_whitespace) {
        return Err("contains white space".to_owned());
    }
    let s = input.strip_prefix('v').unwrap_or(input);
    let (rest, build) = match s.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (s, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let mut numbers = core.split('.');
    let (Some(major), Some(minor), Some(patch), None) = (
        numbers.next(),
        numbers.next(),
        numbers.next(),
        numbers.next(),
    ) else {
        return Err("expected MAJOR.MINOR.PATCH, like 1.2.3".to_owned());
    };
    let pre = match pre {
        Some(pre) => identifiers(pre, "pre-release", true)?,
        None => Vec::new(),
    };
    let build = match build {
        Some(build) => identifiers(build, "build metadata", false)?,
        None => Vec::new(),
    };
    Ok(Version {
        major: number(major, "major")?,
        minor: number(minor, "minor")?,
        patch: number(patch, "patch")?,
        pre,
        build,
    })
}

fn number(digits: &str, what: &str) -> Result<u64, String> {
    if digits.is_empty() {
        return Err(format!("empty {what} version"));
    }
    if !is_numeric(digits) {
        return Err(format!(
            "{what} version {} is not a number",
            crate::error::quote(digits)
        ));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(format!(
            "{what} version {} has a leading zero",
            crate::error::quote(digits)
        ));
    }
    digits
        .parse()
        .map_err(|_| format!("{what} version is too large (the limit is {})", u64::MAX))
}

/// Dot-separated identifiers; numeric pre-release identifiers must not have leading zeros.
fn identifiers(text: &str, what: &str, pre_release: bool) -> Result<Vec<String>, String> {
    text.split('.')
        .map(|identifier| {
            if identifier.is_empty() {
                return Err(format!("empty {what} identifier"));
            }
            if !identifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(format!(
                    "{what} identifier {} may only have letters, digits and `-`",
                    crate::error::quote(identifier)
                ));
            }
            if pre_release
                && identifier.len() > 1
                && identifier.starts_with('0')
                && is_numeric(identifier)
            {
                return Err(format!(
                    "numeric {what} identifier {} has a leading zero",
                    crate::error::quote(identifier)
                ));
            }
            Ok(identifier.to_owned())
        })
        .collect()
}

/// How stable a Kubernetes API version is. `Alpha < Beta < Ga`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KubeStability {
    Alpha,
    Beta,
    Ga,
}

/// A Kubernetes-like API version: `v1` (major 1, GA), `v2beta3` (major 2, beta, minor 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KubeVersion {
    pub major: u64,
    pub stability: KubeStability,
    /// The number after `alpha` or `beta`; 0 for GA versions.
    pub minor: u64,
}

/// Parses `v<MAJOR>` or `v<MAJOR>(alpha|beta)<MINOR>` (ASCII digits; leading zeros allowed;
/// numbers that do not fit in an `i64` make the string not Kubernetes-like, as in
/// Kubernetes); `None` for anything else.
pub fn parse_kube_version(input: &str) -> Option<KubeVersion> {
    let rest = input.strip_prefix('v')?;
    let major_len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (major, rest) = rest.split_at_checked(major_len)?;
    let major = kube_number(major)?;
    if rest.is_empty() {
        return Some(KubeVersion {
            major,
            stability: KubeStability::Ga,
            minor: 0,
        });
    }
    let (stability, minor) = if let Some(minor) = rest.strip_prefix("alpha") {
        (KubeStability::Alpha, minor)
    } else if let Some(minor) = rest.strip_prefix("beta") {
        (KubeStability::Beta, minor)
    } else {
        return None;
    };
    Some(KubeVersion {
        major,
        stability,
        minor: kube_number(minor)?,
    })
}

/// A non-empty run of ASCII digits that fits in an `i64` (Go's `strconv.Atoi`).
fn kube_number(digits: &str) -> Option<u64> {
    if digits.is_empty() || !is_numeric(digits) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    u64::try_from(value).ok()
}

/// Orders API version strings by priority, as Kubernetes' `CompareKubeAwareVersionStrings`:
/// `Greater` when `a` has the higher priority.
///
/// Kubernetes-like versions (see [`parse_kube_version`]) come first: GA above beta above
/// alpha, then by major, then by minor, so `v2 > v1 > v11beta2 > v10beta3 > v3beta1 >
/// v12alpha1 > v11alpha2`. Other strings have a lower priority than all of those, and among
/// themselves the lexicographically smaller one has the higher priority, so that sorting by
/// descending priority ([`sort_kube_versions`]) lists them after the Kubernetes-like ones, in
/// lexicographic order. Identical strings are `Equal`; so are different spellings of the same
/// version (`v1`, `v01`), as in Kubernetes.
pub fn compare_kube_versions(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    match (parse_kube_version(a), parse_kube_version(b)) {
        (None, None) => b.cmp(a),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x
            .stability
            .cmp(&y.stability)
            .then(x.major.cmp(&y.major))
            .then(x.minor.cmp(&y.minor)),
    }
}

/// Sorts version strings highest priority first: `v2, v1, v1beta2, v1beta1, v1alpha1, bar,
/// foo`. A stable sort.
pub fn sort_kube_versions<S: AsRef<str>>(versions: &mut [S]) {
    versions.sort_by(|a, b| compare_kube_versions(b.as_ref(), a.as_ref()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_order() {
        let mut v = vec![
            "foo",
            "v1alpha1",
            "v1",
            "bar",
            "v1beta1",
            "v2",
            "v1beta2",
            "v12alpha1",
        ];
        sort_kube_versions(&mut v);
        assert_eq!(
            v,
            [
                "v2",
                "v1",
                "v1beta2",
                "v1beta1",
                "v12alpha1",
                "v1alpha1",
                "bar",
                "foo"
            ]
        );
    }
}
