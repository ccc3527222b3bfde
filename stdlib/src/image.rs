//! Container image references, resolved as container runtimes resolve them (the
//! `docker/distribution` reference grammar and Docker's normalisation).
//!
//! `REGISTRY/REPOSITORY[:TAG][@DIGEST]`:
//!
//! - the first path component is the registry when it contains `.` or `:`, is `localhost`,
//!   or contains an uppercase letter (as in `distribution/reference`); otherwise the
//!   registry is `docker.io` and the whole path is the repository. `index.docker.io` is
//!   normalised to `docker.io`. A registry is a host name, an IPv4 address or a bracketed
//!   IPv6 address, with an optional `:PORT`;
//! - on `docker.io`, a one-component repository gets the `library/` prefix (`nginx` is
//!   `docker.io/library/nginx`);
//! - repository components are lowercase `[a-z0-9]+` joined by `.`, `_`, `__` or a run of
//!   `-`; components are separated by `/`; the full name (`registry/repository`) has at
//!   most 255 characters;
//! - a tag is `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`;
//! - a digest is `ALGORITHM:HEX`, for the algorithms runtimes verify: `sha256` (64 lowercase
//!   hexadecimal characters), `sha384` (96) and `sha512` (128);
//! - with neither tag nor digest, the tag is `latest`: [`ImageRef::tag`] gives the tag as
//!   written, [`ImageRef::effective_tag`] the one a runtime pulls.
//!
//! A bare 64-character hexadecimal string is refused (it is an image id, not a reference),
//! as are empty references, white space, non-ASCII characters and uppercase repositories.

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

use crate::error::{Error, quote};

/// The registry of unqualified references.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// The legacy name of Docker Hub's registry, normalised to [`DEFAULT_REGISTRY`].
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";
/// The namespace of Docker Hub's official images.
const OFFICIAL_PREFIX: &str = "library/";
/// The tag pulled when a reference has neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";
/// The longest name (`registry/repository`).
const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// The longest tag.
const TAG_LENGTH_MAX: usize = 128;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parses and normalises a reference; see the module documentation for the rules.
    pub fn parse(input: &str) -> Result<ImageRef, Error> {
        parse(input).map_err(|reason| Error::invalid("image reference", input, reason))
    }

    /// The registry, normalised: `docker.io`, `gcr.io`, `localhost:5000`, `[::1]:5000`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository, normalised: `library/nginx`, `team/app`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag as written, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The tag a runtime uses: the tag as written, else `latest` when there is no digest
    /// either, else none (a digest alone pins the image).
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some(DEFAULT_TAG),
            (None, Some(_)) => None,
        }
    }

    /// The digest (`sha256:…`), if any.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// `registry/repository`: `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The name as Docker shows it: without `docker.io/`, and without `library/` for
    /// official images: `nginx`, `team/app`, `gcr.io/x/y`. Unlike Docker, `docker.io/` is
    /// kept when its first path component would read as a registry (`docker.io/a.b/c`, not
    /// `a.b/c`), so that the familiar name always parses back to the same image.
    pub fn familiar_name(&self) -> String {
        if self.registry != DEFAULT_REGISTRY {
            return self.name();
        }
        let short = match self.repository.strip_prefix(OFFICIAL_PREFIX) {
            Some(rest) if !rest.contains('/') => rest,
            _ => &self.repository,
        };
        if split_registry(short).0.is_some() {
            self.name()
        } else {
            short.to_owned()
        }
    }

    /// The full normalised reference, with the effective tag:
    /// `docker.io/library/nginx:latest`, `gcr.io/x/y@sha256:…`. Parsing it gives back the
    /// same normalised reference.
    pub fn to_normalized_string(&self) -> String {
        self.with_name(self.name())
    }

    /// The short form Docker shows, with the effective tag: `nginx:latest`,
    /// `team/app:1.0`, `gcr.io/x/y@sha256:…`. Parsing it gives back the same normalised
    /// reference.
    pub fn familiar(&self) -> String {
        self.with_name(self.familiar_name())
    }

    fn with_name(&self, mut out: String) -> String {
        if let Some(tag) = self.effective_tag() {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

impl fmt::Display for ImageRef {
    /// The normalised form, as [`ImageRef::to_normalized_string`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_normalized_string())
    }
}

impl FromStr for ImageRef {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        ImageRef::parse(s)
    }
}

fn parse(input: &str) -> Result<ImageRef, String> {
    if input.is_empty() {
        return Err("empty".to_owned());
    }
    if input.chars().any(char::is_whitespace) {
        return Err("contains white space".to_owned());
    }
    if let Some(c) = input
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control())
    {
        return Err(format!(
            "invalid character {}",
            quote(c.encode_utf8(&mut [0; 4]))
        ));
    }
    if input.len() == 64 && input.bytes().all(is_lower_hex) {
        return Err("a 64-character hexadecimal string is an image id, not a reference".to_owned());
    }

    let (name_and_tag, digest) = match input.split_once('@') {
        Some((name_and_tag, digest)) => (name_and_tag, Some(digest)),
        None => (input, None),
    };
    if let Some(digest) = digest {
        validate_digest(digest)?;
    }
    // The tag follows the last `:` that comes after the last `/` (a `:` before a `/` is
    // a registry's port).
    let (name, tag) = match name_and_tag.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        validate_tag(tag)?;
    }
    if name.is_empty() {
        return Err("missing repository name".to_owned());
    }

    let (registry, path) = split_registry(name);
    if let Some(registry) = registry {
        validate_registry(registry)?;
    }
    let registry = match registry {
        None | Some(LEGACY_DEFAULT_REGISTRY) => DEFAULT_REGISTRY,
        Some(registry) => registry,
    };
    if path.is_empty() {
        return Err("missing repository name after the registry".to_owned());
    }
    validate_path(path)?;
    let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
        format!("{OFFICIAL_PREFIX}{path}")
    } else {
        path.to_owned()
    };
    let name_len = registry.len() + 1 + repository.len();
    if name_len > NAME_TOTAL_LENGTH_MAX {
        return Err(format!(
            "name is {name_len} characters long, the limit is {NAME_TOTAL_LENGTH_MAX}"
        ));
    }
    Ok(ImageRef {
        registry: registry.to_owned(),
        repository,
        tag: tag.map(str::to_owned),
        digest: digest.map(str::to_owned),
    })
}

/// Splits `name` into its registry, if the first component is one, and the path.
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn validate_digest(digest: &str) -> Result<(), String> {
    if digest.is_empty() {
        return Err("empty digest after `@`".to_owned());
    }
    if digest.contains('@') {
        return Err("more than one `@`".to_owned());
    }
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "digest {} must be ALGORITHM:HEX, like sha256:…",
            quote(digest)
        ));
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(format!(
                "unsupported digest algorithm {}: expected sha256, sha384 or sha512",
                quote(algorithm)
            ));
        }
    };
    if hex.len() != length || !hex.bytes().all(is_lower_hex) {
        return Err(format!(
            "a {algorithm} digest must be {length} lowercase hexadecimal characters, not {}",
            quote(hex)
        ));
    }
    Ok(())
}

fn validate_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err("empty tag after `:`".to_owned());
    }
    if tag.len() > TAG_LENGTH_MAX {
        return Err(format!(
            "tag is {} characters long, the limit is {TAG_LENGTH_MAX}",
            tag.len()
        ));
    }
    if tag.starts_with(['.', '-']) {
        return Err(format!(
            "tag {} must start with a letter, a digit or `_`",
            quote(tag)
        ));
    }
    if let Some(c) = tag
        .chars()
        .find(|&c| !(is_word_char(c) || c == '.' || c == '-'))
    {
        return Err(format!(
            "invalid character {} in tag {}",
            quote(c.encode_utf8(&mut [0; 4])),
            quote(tag)
        ));
    }
    Ok(())
}

fn is_word_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(is_word)
}

fn validate_registry(registry: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("invalid registry {}: {why}", quote(registry)));
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((address, after)) = rest.split_once(']') else {
            return bad("missing `]`");
        };
        let is_ipv6 = !address.is_empty()
            && address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
            && address.parse::<Ipv6Addr>().is_ok();
        if !is_ipv6 {
            return bad("not an IPv6 address between brackets");
        }
        match after.strip_prefix(':') {
            Some(port) => (None, Some(port)),
            None if after.is_empty() => (None, None),
            None => return bad("unexpected characters after `]`"),
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(registry), None),
        }
    };
    if let Some(host) = host {
        if host.is_empty() {
            return bad("empty host");
        }
        for label in host.split('.') {
            let bytes = label.as_bytes();
            let ends_ok = bytes.first().is_some_and(u8::is_ascii_alphanumeric)
                && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
            if !ends_ok
                || !bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            {
                return bad(
                    "host name parts are letters, digits and `-`, not starting or ending with `-`",
                );
            }
        }
    }
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad("the port must be a number");
    }
    Ok(())
}

fn validate_path(path: &str) -> Result<(), String> {
    for component in path.split('/') {
        validate_component(component)?;
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn validate_component(component: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err("empty repository path component (`//` or a trailing `/`)".to_owned());
    }
    if component.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "repository name must be lowercase, not {}",
            quote(component)
        ));
    }
    if let Some(c) = component
        .chars()
        .find(|&c| !(u8::try_from(c).is_ok_and(is_lower_alnum) || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "invalid character {} in repository name {}",
            quote(c.encode_utf8(&mut [0; 4])),
            quote(component)
        ));
    }
    let bytes = component.as_bytes();
    let ends_ok = bytes.first().copied().is_some_and(is_lower_alnum)
        && bytes.last().copied().is_some_and(is_lower_alnum);
    let separators_ok = component
        .split(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        .all(|sep| matches!(sep, "" | "." | "_" | "__") || sep.bytes().all(|b| b == b'-'));
    if !ends_ok || !separators_ok {
        return Err(format!(
            "repository name component {} must be lowercase letters and digits, separated by `.`, `_`, `__` or dashes",
            quote(component)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_image() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.repository(), "library/nginx");
        assert_eq!(r.tag(), None);
        assert_eq!(r.effective_tag(), Some("latest"));
        assert_eq!(r.to_normalized_string(), "docker.io/library/nginx:latest");
        assert_eq!(r.familiar(), "nginx:latest");
    }
}
