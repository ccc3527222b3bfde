//! Durations with the semantics of Go's `time.ParseDuration` and `Duration.String`, the
//! format Kubernetes uses for durations (`30s`, `1h30m`, `500ms`).
//!
//! # Syntax
//!
//! An optional sign, then one or more `NUMBER UNIT` pairs (`2h45m`, `-1.5h`, `1h-2m` is not
//! allowed: only one sign, in front). A number is decimal digits with an optional fraction
//! (`1.5`, `.5`, `5.`). Units: `ns`, `us` (or `µs` with U+00B5 or `μs` with U+03BC), `ms`,
//! `s`, `m`, `h`; there is no day unit. `0` alone (or `+0`, `-0`) needs no unit. White space
//! is not allowed anywhere.
//!
//! Fractions are truncated toward zero to whole nanoseconds (`1.9ns` is `1ns`) and applied
//! exactly, where Go multiplies in floating point: the two agree except, in rare cases, in
//! the last nanosecond. As in Go, fraction digits after the 19th are ignored.
//!
//! The range is that of an `i64` of nanoseconds, about ±292 years: from
//! `-2562047h47m16.854775808s` to `2562047h47m16.854775807s`; beyond is an error.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A signed duration in nanoseconds. `Display` writes Go's format (`1h30m0s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(i64);

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
/// |i64::MIN|: the largest magnitude (of a negative duration).
const MAX_MAGNITUDE: u64 = 1 << 63;
/// Fraction digits that count.
const MAX_FRACTION_DIGITS: usize = 19;

impl Duration {
    pub const ZERO: Duration = Duration(0);

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration(nanos)
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Parses a Go duration string; see the module documentation.
    pub fn parse(input: &str) -> Result<Duration, Error> {
        parse(input).map_err(|reason| Error::invalid("duration", input, reason))
    }

    /// The duration in seconds, as a float (`1.5` for `1500ms`).
    pub fn as_secs_f64(self) -> f64 {
        let seconds = self.0 / 1_000_000_000;
        let nanos = self.0 % 1_000_000_000;
        // Both fit in an f64's integer range well enough: |seconds| < 2^34.
        seconds as f64 + nanos as f64 / 1e9
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Duration) -> Option<Duration> {
        self.0.checked_add(other.0).map(Duration)
    }

    /// `self - other`, or `None` on overflow.
    pub fn checked_sub(self, other: Duration) -> Option<Duration> {
        self.0.checked_sub(other.0).map(Duration)
    }

    /// Whether the duration is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl FromStr for Duration {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Duration::parse(s)
    }
}

fn out_of_range() -> String {
    "out of range (the limit is about ±2562047h, 292 years)".to_owned()
}

fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at_checked(end).unwrap_or((s, ""))
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

fn parse(input: &str) -> Result<Duration, String> {
    if input.is_empty() {
        return Err("empty".to_owned());
    }
    let (negative, mut s) = match input.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, input.strip_prefix('+').unwrap_or(input)),
    };
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err("no number after the sign".to_owned());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            let found: String = s.chars().take(1).collect();
            return Err(if found.chars().all(char::is_whitespace) {
                "contains white space".to_owned()
            } else if found == "-" || found == "+" {
                "a sign is only allowed at the start".to_owned()
            } else {
                format!("expected a number, found {}", crate::error::quote(&found))
            });
        }
        let (integer, rest) = split_digits(s);
        let (fraction, rest) = match rest.strip_prefix('.') {
            Some(after_point) => split_digits(after_point),
            None => ("", rest),
        };
        if integer.is_empty() && fraction.is_empty() {
            return Err("expected digits around the decimal point".to_owned());
        }
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let (unit, rest) = rest.split_at_checked(unit_len).unwrap_or((rest, ""));
        s = rest;
        if unit.is_empty() {
            return Err("missing unit (one of ns, us, ms, s, m, h)".to_owned());
        }
        let Some(per_unit) = unit_nanos(unit) else {
            return Err(if unit.chars().any(char::is_whitespace) {
                "contains white space".to_owned()
            } else if unit.contains(['-', '+']) {
                format!(
                    "unknown unit {}: a sign is only allowed at the start",
                    crate::error::quote(unit)
                )
            } else {
                format!(
                    "unknown unit {}: expected one of ns, us, µs, ms, s, m, h",
                    crate::error::quote(unit)
                )
            });
        };
        let whole: u64 = if integer.is_empty() {
            0
        } else {
            integer.parse().map_err(|_| out_of_range())?
        };
        let mut value = whole.checked_mul(per_unit).ok_or_else(out_of_range)?;
        if !fraction.is_empty() {
            value = value
                .checked_add(fraction_nanos(fraction, per_unit))
                .ok_or_else(out_of_range)?;
        }
        total = total.checked_add(value).ok_or_else(out_of_range)?;
        if total > MAX_MAGNITUDE {
            return Err(out_of_range());
        }
    }
    let nanos = if negative {
        0i64.checked_sub_unsigned(total)
    } else {
        i64::try_from(total).ok()
    };
    nanos.map(Duration).ok_or_else(out_of_range)
}

/// `0.FRACTION · per_unit`, truncated to whole nanoseconds.
fn fraction_nanos(fraction: &str, per_unit: u64) -> u64 {
    let digits = fraction.get(..MAX_FRACTION_DIGITS).unwrap_or(fraction);
    let mut numerator: u128 = 0;
    let mut denominator: u128 = 1;
    for b in digits.bytes() {
        // At most 19 digits: both stay below 10^19.
        numerator = numerator * 10 + u128::from(b.wrapping_sub(b'0'));
        denominator *= 10;
    }
    // numerator < denominator, so the result is below per_unit ≤ 1h.
    u64::try_from(numerator * u128::from(per_unit) / denominator).unwrap_or(0)
}

impl fmt::Display for Duration {
    /// Go's `Duration.String`: `0s`, `1ns`, `1.5µs`, `300ms`, `2.5s`, `1m0.5s`, `1h30m0s`,
    /// `-1h0m0s`. Below one second the largest of `ns`, `µs`, `ms` that is at most the
    /// duration, with a fraction; otherwise hours and minutes when non-zero (minutes always
    /// after hours) and seconds with a fraction. Fractions have no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        if magnitude == 0 {
            return f.write_str("0s");
        }
        if self.0 < 0 {
            f.write_str("-")?;
        }
        if magnitude < SECOND {
            let (per, unit) = if magnitude < MICROSECOND {
                (NANOSECOND, "ns")
            } else if magnitude < MILLISECOND {
                (MICROSECOND, "\u{b5}s")
            } else {
                (MILLISECOND, "ms")
            };
            return write!(
                f,
                "{}{}{unit}",
                magnitude / per,
                fraction_string(magnitude % per, per)
            );
        }
        let seconds = magnitude / SECOND;
        let fraction = fraction_string(magnitude % SECOND, SECOND);
        let minutes = seconds / 60;
        let hours = minutes / 60;
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if minutes > 0 {
            write!(f, "{}m", minutes % 60)?;
        }
        write!(f, "{}{fraction}s", seconds % 60)
    }
}

/// `.DIGITS` for `rest / per` (per a power of ten), without trailing zeros; empty for 0.
fn fraction_string(rest: u64, per: u64) -> String {
    if rest == 0 {
        return String::new();
    }
    let width = per.ilog10() as usize;
    let digits = format!("{rest:0width$}");
    format!(".{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_examples() {
        let d = Duration::parse("1h30m").unwrap();
        assert_eq!(d.to_string(), "1h30m0s");
        assert_eq!(
            Duration::from_nanos(i64::MIN).to_string(),
            "-2562047h47m16.854775808s"
        );
        assert_eq!(
            Duration::parse("-2562047h47m16.854775808s")
                .unwrap()
                .as_nanos(),
            i64::MIN
        );
        assert!(Duration::parse("2562047h47m16.854775808s").is_err());
    }
}
