//! Kubernetes resource quantities (`100m`, `1.5Gi`, `2e3`), with the semantics of
//! `k8s.io/apimachinery/pkg/api/resource`.
//!
//! A [`Quantity`] holds an exact value: a count of nano-units (10⁻⁹) in an `i128`, so `1Gi`
//! is exactly `1073741824`, `1000m` equals `1`, `0.5` equals `500m` and `1.5Gi` is exact. The
//! range is about ±1.7·10²⁹ units (±`170141183460469231731E`); a value outside it is an error,
//! where Kubernetes would cap binary-suffixed values at 2⁶³−1.
//!
//! # Syntax
//!
//! `[+-] DIGITS [. DIGITS] [SUFFIX]`, with at least one digit on one side of the point (`5.`
//! and `.5` are accepted, as Kubernetes does; a lone `-`, `+` or `.`, which Kubernetes reads
//! as zero, is refused), and at most one suffix:
//!
//! - binary: `Ki Mi Gi Ti Pi Ei` (powers of 1024);
//! - decimal: `n u m` `k M G T P E` (powers of 1000; `E` alone is exa, `K` is not a suffix);
//! - decimal exponent: `e` or `E` followed by a signed integer, `2e3`, `5E-1` (the exponent
//!   must fit in 32 bits).
//!
//! White space around the quantity is ignored, as the Kubernetes API server ignores it when
//! it reads a quantity from JSON; white space inside is an error.
//!
//! # Rounding
//!
//! A value finer than one nano-unit is rounded up in magnitude (away from zero) to the next
//! whole nano-unit, as Kubernetes does ("if you want some resources, you should get some"):
//! `0.1n` is `1n`, `-0.1n` is `-1n`, `1e-100` is `1n`. Exact zero stays zero.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// Nano-units in one unit.
const NANO: i128 = 1_000_000_000;
/// The same, unsigned.
const NANO_U: u128 = 1_000_000_000;
/// `u128::MAX` has 39 decimal digits: any decimal number with more does not fit.
const MAX_U128_DIGITS: usize = 39;

/// An exact Kubernetes resource quantity. Ordered and compared by value: `1Gi == 1024Mi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity {
    nanos: i128,
}

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity { nanos: 0 };

    /// The quantity of `nanos` nano-units: `from_nanos(1_500_000_000)` is `1.5`.
    pub const fn from_nanos(nanos: i128) -> Self {
        Quantity { nanos }
    }

    /// The exact value, in nano-units.
    pub const fn nanos(self) -> i128 {
        self.nanos
    }

    /// A whole number of units, as a manifest may give a quantity as a YAML integer.
    pub fn from_i64(value: i64) -> Self {
        // |i64| · 10⁹ < 2⁹⁴: it always fits.
        Quantity {
            nanos: i128::from(value) * NANO,
        }
    }

    /// A quantity given as a floating-point number. The number is read as its shortest
    /// decimal representation (the one Rust prints), so `0.1` is exactly `100m`, not the
    /// binary approximation of 0.1; then the usual rounding to nano-units applies.
    ///
    /// Errors on NaN, infinities and values out of range.
    pub fn from_f64(value: f64) -> Result<Self, Error> {
        if value.is_nan() {
            return Err(Error::new("invalid quantity: not a number (NaN)"));
        }
        if value.is_infinite() {
            return Err(Error::new("invalid quantity: infinite"));
        }
        // An integer the float holds exactly (most factors: `2.0`, `10.0`): no round trip
        // through text.
        if value.fract() == 0.0 && value.abs() < 9.0e15 {
            #[expect(clippy::cast_possible_truncation, reason = "integral and below 2^53")]
            return Ok(Quantity::from_i64(value as i64));
        }
        Quantity::parse(&format!("{value:e}"))
    }

    /// Parses a quantity string; see the module documentation for the syntax and rounding.
    pub fn parse(input: &str) -> Result<Self, Error> {
        parse(input).map_err(|reason| Error::invalid("quantity", input, reason))
    }

    /// `self + other`, or `None` when the sum is out of range.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.nanos
            .checked_add(other.nanos)
            .map(Quantity::from_nanos)
    }

    /// `self - other`, or `None` when the difference is out of range.
    pub fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        self.nanos
            .checked_sub(other.nanos)
            .map(Quantity::from_nanos)
    }

    /// `self · factor`, or `None` when the product is out of range.
    pub fn checked_mul_int(self, factor: i64) -> Option<Quantity> {
        self.nanos
            .checked_mul(i128::from(factor))
            .map(Quantity::from_nanos)
    }

    /// `self / other` as a float (`500m` / `2` is `0.25`), or `None` when `other` is zero.
    pub fn ratio(self, other: Quantity) -> Option<f64> {
        if other.nanos == 0 {
            return None;
        }
        Some(i128_to_f64(self.nanos) / i128_to_f64(other.nanos))
    }

    /// The value as a float (nearest representable; large values lose precision).
    pub fn as_f64(self) -> f64 {
        let units = self.nanos / NANO;
        let rest = self.nanos % NANO;
        i128_to_f64(units) + i128_to_f64(rest) / 1e9
    }

    /// Whole units, rounded up in magnitude as Kubernetes' `Quantity.Value()` does (`1500m`
    /// is `2`, `-1500m` is `-2`); `None` when that does not fit in an `i64`.
    pub fn value(self) -> Option<i64> {
        scaled_round_away(self.nanos, NANO)
    }

    /// Whole milli-units, rounded up in magnitude as Kubernetes' `Quantity.MilliValue()` does
    /// (`1.5` is `1500`, `1n` is `1`); `None` when that does not fit in an `i64`.
    pub fn milli_value(self) -> Option<i64> {
        scaled_round_away(self.nanos, 1_000_000)
    }

    /// Whether the value is zero.
    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// Whether the value is below zero.
    pub const fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// The exact value as a plain decimal number without suffix: `1.5Gi` is `"1610612736"`,
    /// `250m` is `"0.25"`, `-1n` is `"-0.000000001"`.
    pub fn to_decimal_string(self) -> String {
        let magnitude = self.nanos.unsigned_abs();
        let units = magnitude / NANO_U;
        let rest = magnitude % NANO_U;
        let sign = if self.nanos < 0 { "-" } else { "" };
        if rest == 0 {
            format!("{sign}{units}")
        } else {
            let fraction = format!("{rest:09}");
            format!("{sign}{units}.{}", fraction.trim_end_matches('0'))
        }
    }

    /// The canonical string of the value, which parses back to the same value. The rule:
    ///
    /// - zero is `0`;
    /// - a whole number of units is written as an integer with the largest binary suffix
    ///   that divides it exactly (`1024Mi` → `1Gi`, `1536Mi` stays `1536Mi`) or with the
    ///   largest decimal suffix that divides it exactly (`1000` → `1k`, `1500` → `1500`),
    ///   whichever is shorter, the decimal one on a tie (`1Gi` rather than `1073741824`,
    ///   `2Ki` rather than `2048`, `128k` rather than `125Ki`);
    /// - any other value is an integer with the largest of `m`, `u`, `n` that divides it
    ///   exactly (`0.5` → `500m`, `1.5` → `1500m`, `1.000001` → `1000001u`);
    /// - a negative value is `-` and the canonical string of its magnitude.
    ///
    /// `Display` prints the same string.
    pub fn to_canonical_string(self) -> String {
        let mut out = String::with_capacity(16);
        if self.nanos < 0 {
            out.push('-');
        }
        canonical_magnitude(self.nanos.unsigned_abs(), &mut out);
        out
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

impl FromStr for Quantity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Quantity::parse(s)
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "documented: large values lose precision as floats"
)]
fn i128_to_f64(value: i128) -> f64 {
    value as f64
}

/// `nanos / per`, rounded away from zero, as an `i64`.
fn scaled_round_away(nanos: i128, per: i128) -> Option<i64> {
    let quotient = nanos.checked_div(per)?;
    let remainder = nanos.checked_rem(per)?;
    let rounded = match remainder.cmp(&0) {
        Ordering::Greater => quotient.checked_add(1)?,
        Ordering::Less => quotient.checked_sub(1)?,
        Ordering::Equal => quotient,
    };
    i64::try_from(rounded).ok()
}

const BINARY_SUFFIXES: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const DECIMAL_SUFFIXES: [&str; 6] = ["k", "M", "G", "T", "P", "E"];

/// The canonical string of a magnitude in nano-units, appended to `out`; see
/// `to_canonical_string`. Written digit by digit: quantity arithmetic formats its result on
/// every operation.
fn canonical_magnitude(nanos: u128, out: &mut String) {
    if nanos == 0 {
        out.push('0');
        return;
    }
    if !nanos.is_multiple_of(NANO_U) {
        for (per, suffix) in [(1_000_000u128, "m"), (1_000, "u")] {
            if nanos.is_multiple_of(per) {
                push_digits(nanos / per, out);
                out.push_str(suffix);
                return;
            }
        }
        push_digits(nanos, out);
        out.push('n');
        return;
    }
    let units = nanos / NANO_U;
    let (decimal, decimal_suffix) = with_largest_suffix(units, 1000, &DECIMAL_SUFFIXES);
    let (binary, binary_suffix) = with_largest_suffix(units, 1024, &BINARY_SUFFIXES);
    let (value, suffix) = if digit_count(binary) + binary_suffix.len()
        < digit_count(decimal) + decimal_suffix.len()
    {
        (binary, binary_suffix)
    } else {
        (decimal, decimal_suffix)
    };
    push_digits(value, out);
    out.push_str(suffix);
}

/// `units` as an integer with the largest suffix of `suffixes` (powers 1, 2, … of `base`)
/// that divides it exactly, or without suffix when none does.
fn with_largest_suffix(units: u128, base: u128, suffixes: &[&'static str]) -> (u128, &'static str) {
    let mut value = units;
    let mut chosen = "";
    for suffix in suffixes {
        if !value.is_multiple_of(base) {
            break;
        }
        value /= base;
        chosen = suffix;
    }
    (value, chosen)
}

/// The number of decimal digits of `value`.
fn digit_count(mut value: u128) -> usize {
    let mut count = 1;
    while value >= 10 {
        value /= 10;
        count += 1;
    }
    count
}

/// Appends the decimal digits of `value`.
fn push_digits(mut value: u128, out: &mut String) {
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    loop {
        at -= 1;
        // A remainder below 10: the cast cannot truncate.
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|digit| char::from(*digit)));
}

/// Parses a quantity; on error, the reason (the caller adds the input).
fn parse(input: &str) -> Result<Quantity, String> {
    match plain(input.as_bytes()) {
        Some(quantity) => Ok(quantity),
        None => general(input),
    }
}

/// [`parse`] for every form: signs, decimal points, exponents, white space around.
fn general(input: &str) -> Result<Quantity, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("empty".to_owned());
    }
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (integer, rest) = split_digits(rest);
    let (fraction, suffix) = match rest.strip_prefix('.') {
        Some(after_point) => split_digits(after_point),
        None => ("", rest),
    };
    if suffix.starts_with('.') {
        return Err("more than one decimal point".to_owned());
    }
    if integer.is_empty() && fraction.is_empty() {
        return Err(if s == "-" || s == "+" || s == "." {
            "no digits".to_owned()
        } else if suffix.starts_with(['-', '+']) {
            "more than one sign".to_owned()
        } else if suffix.starts_with(|c: char| c.is_whitespace()) {
            "white space inside the quantity".to_owned()
        } else {
            "expected a number, then an optional suffix".to_owned()
        });
    }
    let scale = parse_suffix(suffix)?;
    let magnitude = magnitude_nanos(integer, fraction, scale)?;
    let nanos = if negative {
        0i128.checked_sub_unsigned(magnitude)
    } else {
        i128::try_from(magnitude).ok()
    };
    nanos.map(Quantity::from_nanos).ok_or_else(out_of_range)
}

fn out_of_range() -> String {
    "out of range (the limit is about 1.7e29)".to_owned()
}

/// Splits off the leading ASCII digits.
fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at_checked(end).unwrap_or((s, ""))
}

/// A suffix's scale: value = number · 10^`pow10` · 2^`pow2`.
#[derive(Debug, Clone, Copy)]
struct Scale {
    pow10: i64,
    pow2: u32,
}

fn parse_suffix(suffix: &str) -> Result<Scale, String> {
    let decimal = |pow10| Ok(Scale { pow10, pow2: 0 });
    let binary = |pow2| Ok(Scale { pow10: 0, pow2 });
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            if let Some(exponent) = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
            {
                return parse_exponent(exponent).map(decimal)?;
            }
            Err(unknown_suffix(suffix))
        }
    }
}

/// The exponent after `e`/`E`: a signed integer that fits in 32 bits, as in Kubernetes.
fn parse_exponent(exponent: &str) -> Result<i64, String> {
    let digits = exponent
        .strip_prefix('-')
        .or_else(|| exponent.strip_prefix('+'))
        .unwrap_or(exponent);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid exponent `{exponent}`: expected an integer after `e`"
        ));
    }
    let value: i32 = exponent
        .parse()
        .map_err(|_| format!("exponent `{exponent}` out of range"))?;
    Ok(i64::from(value))
}

fn unknown_suffix(suffix: &str) -> String {
    let shown = crate::error::quote(suffix);
    if suffix.starts_with(|c: char| c.is_whitespace()) {
        return "white space inside the quantity".to_owned();
    }
    let hint = match suffix {
        "K" | "KB" | "kB" | "kb" | "Kb" => " (did you mean `k` or `Ki`?)",
        "ki" | "KiB" => " (did you mean `Ki`?)",
        "mi" | "MB" | "Mb" | "MiB" => " (did you mean `M` or `Mi`?)",
        "g" | "gi" | "GB" | "Gb" | "GiB" => " (did you mean `G` or `Gi`?)",
        "t" | "ti" | "TB" | "Tb" | "TiB" => " (did you mean `T` or `Ti`?)",
        "µ" | "μ" => " (did you mean `u`?)",
        _ => "",
    };
    format!(
        "unknown suffix {shown}{hint}: expected one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent like e3"
    )
}

/// `INTEGER · 10^pow10 · 2^pow2` in nano-units, for a whole number of at most 18 digits, when
/// it is below 10^37 (`None` otherwise: [`magnitude_nanos`] then works it out digit by digit).
fn whole_nanos(integer: &str, scale: Scale) -> Option<u128> {
    // A few digits (the caller passes at most 18): `u64` arithmetic, cheaper than `u128`.
    scaled_nanos(digits_u64(integer.as_bytes())?, scale)
}

/// What manifests hold (`500m`, `4`, `16Gi`): at most 18 digits, no sign, point or white
/// space, then nothing or a common suffix, read byte by byte. `None` for anything else,
/// which [`parse`] reads the general way (to the same value).
fn plain(bytes: &[u8]) -> Option<Quantity> {
    let digits = bytes
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (number, suffix) = bytes.split_at_checked(digits)?;
    let (pow10, pow2) = match suffix {
        b"" => (0, 0),
        b"m" => (-3, 0),
        b"k" => (3, 0),
        b"M" => (6, 0),
        b"G" => (9, 0),
        b"Ki" => (0, 10),
        b"Mi" => (0, 20),
        b"Gi" => (0, 30),
        b"Ti" => (0, 40),
        _ => return None,
    };
    let nanos = scaled_nanos(digits_u64(number)?, Scale { pow10, pow2 })?;
    i128::try_from(nanos).ok().map(Quantity::from_nanos)
}

/// The number written by ASCII `digits` (at most 19 of them fit).
fn digits_u64(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |value, byte| {
        if !byte.is_ascii_digit() {
            return None;
        }
        value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))
    })
}

/// `number · 10^pow10 · 2^pow2` in nano-units, when below 10^37.
fn scaled_nanos(number: u64, scale: Scale) -> Option<u128> {
    const LIMIT: u128 = 10u128.pow(37);
    let exponent = usize::try_from(scale.pow10.checked_add(9)?).ok()?;
    let value = u128::from(number)
        .checked_mul(*POWERS_OF_TEN.get(exponent)?)?
        .checked_mul(1u128.checked_shl(scale.pow2)?)?;
    (value < LIMIT).then_some(value)
}

/// 10^0 to 10^38, every power of ten a `u128` holds: looked up, not computed per quantity.
const POWERS_OF_TEN: [u128; 39] = {
    let mut powers = [1u128; 39];
    let mut at = 1;
    while at < powers.len() {
        powers[at] = powers[at - 1] * 10;
        at += 1;
    }
    powers
};

/// The magnitude in nano-units of `INTEGER.FRACTION · 10^pow10 · 2^pow2`, rounded up to a
/// whole nano-unit when finer.
fn magnitude_nanos(integer: &str, fraction: &str, scale: Scale) -> Result<u128, String> {
    // What manifests hold (`500m`, `4`, `16Gi`): a whole number of a few digits, computed
    // directly; anything else, or a value this large, takes the exact digit-by-digit way.
    if fraction.is_empty()
        && integer.len() <= 18
        && let Some(value) = whole_nanos(integer, scale)
    {
        return Ok(value);
    }
    // All significant digits, as numbers 0..=9, without leading zeros.
    let mut digits: Vec<u8> = integer
        .bytes()
        .chain(fraction.bytes())
        .map(|b| b.wrapping_sub(b'0'))
        .skip_while(|&d| d == 0)
        .collect();
    if digits.is_empty() {
        return Ok(0);
    }
    // value = DIGITS · 10^exponent · 2^pow2, where exponent counts the nano scale (9), the
    // suffix, and the digits after the point.
    let fraction_len = i64::try_from(fraction.len()).map_err(|_| out_of_range())?;
    let exponent = scale
        .pow10
        .checked_add(9)
        .and_then(|e| e.checked_sub(fraction_len))
        .ok_or_else(out_of_range)?;
    if scale.pow2 > 0 {
        digits = times_power_of_two(&digits, scale.pow2);
    }
    let len = i64::try_from(digits.len()).map_err(|_| out_of_range())?;
    if exponent >= 0 {
        // The first digit is not zero, so the value has `len + exponent` digits.
        let total = len.checked_add(exponent).ok_or_else(out_of_range)?;
        if total > MAX_U128_DIGITS as i64 {
            return Err(out_of_range());
        }
        let mut value = digits_value(&digits).ok_or_else(out_of_range)?;
        for _ in 0..exponent {
            value = value.checked_mul(10).ok_or_else(out_of_range)?;
        }
        Ok(value)
    } else {
        // Drop the last `-exponent` digits; any non-zero dropped digit rounds up.
        let dropped = exponent.unsigned_abs();
        let kept = match usize::try_from(dropped) {
            Ok(dropped) if dropped < digits.len() => digits.len() - dropped,
            // Everything is below one nano-unit, and the first digit is not zero.
            _ => return Ok(1),
        };
        let (whole, rest) = digits.split_at_checked(kept).unwrap_or((&digits, &[]));
        if whole.len() > MAX_U128_DIGITS {
            return Err(out_of_range());
        }
        let value = digits_value(whole).ok_or_else(out_of_range)?;
        if rest.iter().any(|&d| d != 0) {
            value.checked_add(1).ok_or_else(out_of_range)
        } else {
            Ok(value)
        }
    }
}

/// The decimal digits (most significant first) times 2^`pow2` (`pow2` ≤ 60).
fn times_power_of_two(digits: &[u8], pow2: u32) -> Vec<u8> {
    let factor = 1u128.checked_shl(pow2).unwrap_or(0);
    let mut reversed = Vec::with_capacity(digits.len() + 20);
    let mut carry = 0u128;
    for &d in digits.iter().rev() {
        // d · 2⁶⁰ + carry < 10 · 2⁶⁰ + 2⁶⁰: no overflow.
        let v = u128::from(d) * factor + carry;
        reversed.push(digit(v % 10));
        carry = v / 10;
    }
    while carry > 0 {
        reversed.push(digit(carry % 10));
        carry /= 10;
    }
    reversed.reverse();
    reversed
}

fn digit(v: u128) -> u8 {
    u8::try_from(v).unwrap_or(0)
}

/// The value of decimal digits, or `None` on overflow.
fn digits_value(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn exact_values() {
        assert_eq!(q("1Gi").nanos(), 1_073_741_824 * NANO);
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("0.5"), q("500m"));
        assert_eq!(q("1.5Gi").nanos(), 1_610_612_736 * NANO);
        assert_eq!(q("0.1n").nanos(), 1);
        assert_eq!(q("-0.1n").nanos(), -1);
        assert_eq!(q("0.0000000001Ki").nanos(), 103);
    }

    #[test]
    fn the_plain_form_reads_as_the_general_way_does() {
        for text in [
            "0",
            "7",
            "500m",
            "0500m",
            "16Gi",
            "1Ki",
            "3Ti",
            "10k",
            "2M",
            "4G",
            "999999999999999999",
            "999999999999999999Ti",
            "1000000000000000000",
            "1e3",
            "1.5",
            "-1",
            " 1",
            "1 ",
            "1mi",
            "m",
        ] {
            if let Some(fast) = plain(text.as_bytes()) {
                assert_eq!(Ok(fast), general(text), "{text}");
            }
            assert_eq!(Quantity::parse(text).ok(), general(text).ok(), "{text}");
        }
        assert!(plain(b"1.5").is_none() && plain(b"-1").is_none() && plain(b" 1").is_none());
        assert!(
            plain(b"1000000000000000000").is_none(),
            "19 digits take the general way"
        );
    }

    proptest::proptest! {
        #[test]
        fn plain_agrees_with_general(
            digits in "[0-9]{1,18}",
            suffix in proptest::sample::select(vec!["", "m", "k", "M", "G", "Ki", "Mi", "Gi", "Ti"]),
        ) {
            let text = format!("{digits}{suffix}");
            let fast = plain(text.as_bytes());
            // Up to 15 digits nothing overflows; longer ones may take the general way.
            proptest::prop_assert!(fast.is_some() || digits.len() > 15, "{}", text);
            if let Some(fast) = fast {
                proptest::prop_assert_eq!(Ok(fast), general(&text), "{}", text);
            }
        }
    }

    #[test]
    fn extremes() {
        let min = Quantity::from_nanos(i128::MIN);
        assert_eq!(q(&min.to_canonical_string()), min);
        let max = Quantity::from_nanos(i128::MAX);
        assert_eq!(q(&max.to_canonical_string()), max);
        assert!(Quantity::parse("170141183460469231731687303715884105728n").is_err());
    }
}
