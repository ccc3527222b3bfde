//! IP addresses and CIDR blocks, IPv4 and IPv6, on top of `std::net`.
//!
//! # Syntax
//!
//! Addresses use the standard textual forms (`10.0.0.1`, `2001:db8::1`, `::ffff:10.0.0.1`).
//! IPv4 octets with leading zeros (`010.0.0.1`, read as octal by some tools and as decimal
//! by others) are refused, as are IPv6 zones (`fe80::1%eth0`) and surrounding white space.
//!
//! A CIDR is `ADDRESS/PREFIX`, the prefix a decimal number without leading zeros, at most 32
//! for IPv4 and 128 for IPv6. The address may have host bits set (`10.0.0.1/8`, as in a
//! node's or an interface's address): [`Cidr::parse`] accepts it and keeps it as written,
//! [`Cidr::network`] and [`Cidr::normalized`] clear the host bits, and [`Cidr::is_canonical`]
//! tells whether none were set (Kubernetes requires that in most CIDR fields). Containment
//! and overlap always use the network.
//!
//! # IPv4-mapped IPv6 addresses
//!
//! As in Go's `net` package, which Kubernetes uses: an IPv4-mapped IPv6 address
//! (`::ffff:10.0.0.1`) is the IPv4 address it maps (`10.0.0.1`) for containment and overlap,
//! and an IPv6 block whose network is IPv4-mapped (so its prefix is at least 96:
//! `::ffff:10.0.0.0/104`) is the IPv4 block it maps (`10.0.0.0/8`). Any other IPv6 block
//! (`::/0` included) contains no IPv4 address, mapped or not. [`parse_ip`] and
//! [`Cidr::addr`] still give the address as written.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::Error;

/// Parses an IPv4 or IPv6 address, as written (a mapped address stays IPv6).
pub fn parse_ip(input: &str) -> Result<IpAddr, Error> {
    input
        .parse::<IpAddr>()
        .map_err(|_| Error::invalid("IP address", input, ip_error_reason(input)))
}

/// Why `input` is not an address.
fn ip_error_reason(input: &str) -> &'static str {
    if input.is_empty() {
        "empty"
    } else if input.contains('/') {
        "a CIDR block, not an address"
    } else if input.chars().any(char::is_whitespace) {
        "contains white space"
    } else if input.contains('%') {
        "IPv6 zones are not supported"
    } else if input.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && input
            .split('.')
            .any(|octet| octet.len() > 1 && octet.starts_with('0'))
    {
        "IPv4 octets must not have leading zeros"
    } else {
        "not an IPv4 or IPv6 address"
    }
}

/// A CIDR block: an address and a prefix length. See the module documentation.
///
/// Equality is structural: `10.0.0.1/8` and `10.0.0.0/8` are different values of the same
/// network; compare [`Cidr::normalized`] values to compare networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// An address family, after IPv4-mapped IPv6 addresses are taken as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

/// A block as a range of integers: the network's bits and the prefix, in its family.
#[derive(Debug, Clone, Copy)]
struct Block {
    family: Family,
    network: u128,
    prefix: u8,
}

impl Family {
    fn width(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

/// The mask of the `prefix` leading bits of a `width`-bit number.
fn mask(width: u8, prefix: u8) -> u128 {
    let all = match width {
        32 => u128::from(u32::MAX),
        _ => u128::MAX,
    };
    let host_bits = u32::from(width.saturating_sub(prefix));
    all.checked_shr(host_bits)
        .and_then(|m| m.checked_shl(host_bits))
        .unwrap_or(0)
}

/// An address as (family, bits), mapped IPv6 addresses as IPv4.
fn effective_ip(ip: IpAddr) -> (Family, u128) {
    match ip {
        IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (Family::V4, u128::from(u32::from(v4))),
            None => (Family::V6, u128::from(v6)),
        },
    }
}

impl Cidr {
    /// A block from an address and a prefix length (at most 32 for IPv4, 128 for IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Cidr, Error> {
        let width = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > width {
            return Err(Error::new(format!(
                "invalid CIDR `{addr}/{prefix}`: the prefix length is at most {width} for IPv{}",
                if addr.is_ipv4() { 4 } else { 6 }
            )));
        }
        Ok(Cidr { addr, prefix })
    }

    /// Parses `ADDRESS/PREFIX`; the address may have host bits set.
    pub fn parse(input: &str) -> Result<Cidr, Error> {
        let bad = |reason: &str| Error::invalid("CIDR", input, reason);
        if input.is_empty() {
            return Err(bad("empty"));
        }
        if input.chars().any(char::is_whitespace) {
            return Err(bad("contains white space"));
        }
        let Some((address, prefix)) = input.split_once('/') else {
            return Err(bad("missing `/` and prefix length, as in `10.0.0.0/8`"));
        };
        let addr: IpAddr = address
            .parse()
            .map_err(|_| bad(&format!("address: {}", ip_error_reason(address))))?;
        if prefix.is_empty() {
            return Err(bad("empty prefix length"));
        }
        if !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the prefix length must be a decimal number"));
        }
        if prefix.len() > 1 && prefix.starts_with('0') {
            return Err(bad("the prefix length must not have leading zeros"));
        }
        let width = if addr.is_ipv4() { 32 } else { 128 };
        match prefix.parse::<u8>() {
            Ok(prefix) if prefix <= width => Ok(Cidr { addr, prefix }),
            _ => Err(bad(&format!(
                "the prefix length is at most {width} for IPv{}",
                if addr.is_ipv4() { 4 } else { 6 }
            ))),
        }
    }

    /// The block of exactly one address: `/32` or `/128`.
    pub fn from_ip(addr: IpAddr) -> Cidr {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        Cidr { addr, prefix }
    }

    /// The address as written (host bits may be set).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether the address is an IPv4 address (a mapped IPv6 address is not).
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether the address is an IPv6 address (mapped ones included).
    pub fn is_ipv6(&self) -> bool {
        self.addr.is_ipv6()
    }

    /// The network address: the address with the host bits cleared.
    pub fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(v4) => {
                let bits = u128::from(u32::from(v4)) & mask(32, self.prefix);
                IpAddr::V4(Ipv4Addr::from(u32::try_from(bits).unwrap_or(0)))
            }
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask(128, self.prefix))),
        }
    }

    /// The last address of the block (the broadcast address, for IPv4).
    pub fn last(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(v4) => {
                let bits =
                    u128::from(u32::from(v4)) | (!mask(32, self.prefix) & u128::from(u32::MAX));
                IpAddr::V4(Ipv4Addr::from(u32::try_from(bits).unwrap_or(u32::MAX)))
            }
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) | !mask(128, self.prefix))),
        }
    }

    /// The same block with host bits cleared: `10.0.0.1/8` → `10.0.0.0/8`.
    pub fn normalized(&self) -> Cidr {
        Cidr {
            addr: self.network(),
            prefix: self.prefix,
        }
    }

    /// Whether no host bits are set (`10.0.0.0/8` yes, `10.0.0.1/8` no).
    pub fn is_canonical(&self) -> bool {
        self.addr == self.network()
    }

    /// The block as an integer range in its effective family.
    fn block(&self) -> Block {
        match self.network() {
            IpAddr::V4(v4) => Block {
                family: Family::V4,
                network: u128::from(u32::from(v4)),
                prefix: self.prefix,
            },
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                // A mapped network has its 96 leading bits fixed, so prefix ≥ 96.
                Some(v4) => Block {
                    family: Family::V4,
                    network: u128::from(u32::from(v4)),
                    prefix: self.prefix.saturating_sub(96),
                },
                None => Block {
                    family: Family::V6,
                    network: u128::from(v6),
                    prefix: self.prefix,
                },
            },
        }
    }

    /// Whether `ip` is in the block (IPv4-mapped addresses as their IPv4 address).
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        let block = self.block();
        let (family, bits) = effective_ip(ip);
        family == block.family && bits & mask(family.width(), block.prefix) == block.network
    }

    /// Whether every address of `other` is in this block.
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        let outer = self.block();
        let inner = other.block();
        outer.family == inner.family
            && outer.prefix <= inner.prefix
            && inner.network & mask(outer.family.width(), outer.prefix) == outer.network
    }

    /// Whether the blocks share an address (for prefixes, when one contains the other).
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains_cidr(other) || other.contains_cidr(self)
    }
}

impl fmt::Display for Cidr {
    /// `ADDRESS/PREFIX`, with the address as written (in its standard textual form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Cidr::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask(32, 0), 0);
        assert_eq!(mask(32, 32), u128::from(u32::MAX));
        assert_eq!(mask(32, 8), 0xff00_0000);
        assert_eq!(mask(128, 0), 0);
        assert_eq!(mask(128, 128), u128::MAX);
    }

    #[test]
    fn mapped() {
        let c = Cidr::parse("::ffff:10.0.0.0/104").unwrap();
        assert!(c.contains_ip(parse_ip("10.1.2.3").unwrap()));
        assert!(c.overlaps(&Cidr::parse("10.0.0.0/8").unwrap()));
        let all6 = Cidr::parse("::/0").unwrap();
        assert!(!all6.contains_ip(parse_ip("::ffff:10.0.0.1").unwrap()));
    }
}
