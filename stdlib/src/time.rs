//! Instants: RFC 3339 timestamps (`2026-01-02T03:04:05Z`, `2026-01-02T04:04:05.5+01:00`), the
//! format of Kubernetes' `metav1.Time` fields.
//!
//! # Syntax
//!
//! `YYYY-MM-DDTHH:MM:SS[.FRACTION](Z|±HH:MM)`: every field has exactly its number of digits;
//! the month, the day (leap years included), the hour (0–23), the minute and the second (0–59)
//! must be in range; `T` and `Z` may be lowercase, as RFC 3339 allows. A leap second (`:60`)
//! is refused, as Go (and so Kubernetes) refuses it. The fraction has one digit or more;
//! digits after the ninth are ignored (truncated), as in Go. The offset's hours are 0–23 and
//! its minutes 0–59. White space is not allowed anywhere.
//!
//! The range is that of four-digit years in UTC: from `0000-01-01T00:00:00Z` to
//! `9999-12-31T23:59:59.999999999Z`. A timestamp whose offset takes it outside, and a sum
//! or difference that leaves it, is an error.
//!
//! # Display
//!
//! UTC with `Z`, and a fraction only when it is not zero, without trailing zeros:
//! `2026-01-02T03:04:05Z`, `2026-01-02T03:04:05.5Z`. Parsing it gives back the same instant.

use std::fmt;
use std::str::FromStr;

use crate::duration::Duration;
use crate::error::Error;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// `0000-01-01T00:00:00Z`, in seconds since the Unix epoch.
const MIN_SECONDS: i64 = -62_167_219_200;
/// `9999-12-31T23:59:59Z`, in seconds since the Unix epoch.
const MAX_SECONDS: i64 = 253_402_300_799;

/// An instant, in UTC, with nanosecond precision. Ordered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    /// Seconds since the Unix epoch, in `MIN_SECONDS..=MAX_SECONDS`.
    seconds: i64,
    /// Nanoseconds after `seconds`, below 10⁹.
    nanos: u32,
}

impl Time {
    /// `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: Time = Time {
        seconds: 0,
        nanos: 0,
    };
    /// The earliest instant: `0000-01-01T00:00:00Z`.
    pub const MIN: Time = Time {
        seconds: MIN_SECONDS,
        nanos: 0,
    };
    /// The latest instant: `9999-12-31T23:59:59.999999999Z`.
    pub const MAX: Time = Time {
        seconds: MAX_SECONDS,
        nanos: 999_999_999,
    };

    /// The instant `seconds` and `nanos` after the Unix epoch; `None` when `nanos` is not
    /// below 10⁹ or the instant is out of range.
    pub fn from_unix(seconds: i64, nanos: u32) -> Option<Time> {
        let in_range = (MIN_SECONDS..=MAX_SECONDS).contains(&seconds);
        (in_range && i128::from(nanos) < NANOS_PER_SECOND).then_some(Time { seconds, nanos })
    }

    /// Whole seconds since the Unix epoch (negative before it).
    pub const fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// Nanoseconds after [`Time::unix_seconds`], below 10⁹.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// Parses an RFC 3339 timestamp; see the module documentation.
    pub fn parse(input: &str) -> Result<Time, Error> {
        parse(input).map_err(|reason| Error::invalid("time", input, reason))
    }

    /// `self + duration`, or `None` out of range.
    pub fn checked_add(self, duration: Duration) -> Option<Time> {
        Time::from_total(self.total().checked_add(i128::from(duration.as_nanos()))?)
    }

    /// `self - duration`, or `None` out of range.
    pub fn checked_sub(self, duration: Duration) -> Option<Time> {
        Time::from_total(self.total().checked_sub(i128::from(duration.as_nanos()))?)
    }

    /// `self - earlier` as a duration (negative when `earlier` is later), or `None` when it
    /// does not fit in a duration (about ±292 years).
    pub fn since(self, earlier: Time) -> Option<Duration> {
        let nanos = self.total().checked_sub(earlier.total())?;
        i64::try_from(nanos).ok().map(Duration::from_nanos)
    }

    /// Nanoseconds since the Unix epoch.
    fn total(self) -> i128 {
        i128::from(self.seconds) * NANOS_PER_SECOND + i128::from(self.nanos)
    }

    fn from_total(total: i128) -> Option<Time> {
        let seconds = i64::try_from(total.div_euclid(NANOS_PER_SECOND)).ok()?;
        let nanos = u32::try_from(total.rem_euclid(NANOS_PER_SECOND)).ok()?;
        Time::from_unix(seconds, nanos)
    }
}

impl FromStr for Time {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Time::parse(s)
    }
}

impl fmt::Display for Time {
    /// RFC 3339 in UTC: `2026-01-02T03:04:05Z`, `2026-01-02T03:04:05.25Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        if self.nanos > 0 {
            let fraction = format!("{:09}", self.nanos);
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

/// Whether `year` (proleptic Gregorian) has a 29 February.
fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date (proleptic Gregorian), after Howard Hinnant's
/// `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day since 1970-01-01, after Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Reads a timestamp left to right.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// Exactly `count` ASCII digits, as a number.
    fn digits(&mut self, count: usize, what: &str) -> Result<u32, String> {
        let end = self.at + count;
        let digits = self
            .bytes
            .get(self.at..end)
            .filter(|digits| digits.iter().all(u8::is_ascii_digit))
            .ok_or_else(|| format!("expected {count} digits for the {what}"))?;
        self.at = end;
        Ok(digits
            .iter()
            .fold(0, |value, digit| value * 10 + u32::from(digit - b'0')))
    }

    /// The next byte, if it is one of `expected`.
    fn one_of(&mut self, expected: &[u8]) -> Option<u8> {
        let byte = self.bytes.get(self.at).filter(|b| expected.contains(b))?;
        self.at += 1;
        Some(*byte)
    }

    fn expect(&mut self, expected: &[u8], what: &str) -> Result<u8, String> {
        self.one_of(expected)
            .ok_or_else(|| format!("expected {what} at byte {}", self.at))
    }

    /// Nanoseconds of a fraction's digits (after the point), digits past the ninth ignored.
    fn fraction(&mut self) -> Result<u32, String> {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        let digits = self.bytes.get(start..self.at).unwrap_or_default();
        if digits.is_empty() {
            return Err("expected digits after the decimal point".to_owned());
        }
        Ok((0..9).fold(0, |nanos, position| {
            let digit = digits.get(position).map_or(0, |digit| digit - b'0');
            nanos * 10 + u32::from(digit)
        }))
    }
}

/// Checks that `value` is in `range`, or says which field is out of range.
fn in_range(value: u32, range: std::ops::RangeInclusive<u32>, what: &str) -> Result<u32, String> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(format!("{what} {value} out of range"))
    }
}

fn parse(input: &str) -> Result<Time, String> {
    if input.is_empty() {
        return Err("empty".to_owned());
    }
    let mut cursor = Cursor {
        bytes: input.as_bytes(),
        at: 0,
    };
    let year = i64::from(cursor.digits(4, "year")?);
    cursor.expect(b"-", "`-` after the year")?;
    let month = in_range(cursor.digits(2, "month")?, 1..=12, "month")?;
    cursor.expect(b"-", "`-` after the month")?;
    let day = cursor.digits(2, "day")?;
    if !(1..=days_in_month(year, month)).contains(&day) {
        return Err(format!("day {day} out of range for {year:04}-{month:02}"));
    }
    if cursor.at == cursor.bytes.len() {
        return Err("missing the time of day (`T` then `HH:MM:SS`)".to_owned());
    }
    cursor.expect(b"Tt", "`T` between the date and the time")?;
    let hour = in_range(cursor.digits(2, "hour")?, 0..=23, "hour")?;
    cursor.expect(b":", "`:` after the hour")?;
    let minute = in_range(cursor.digits(2, "minute")?, 0..=59, "minute")?;
    cursor.expect(b":", "`:` after the minute")?;
    let second = cursor.digits(2, "second")?;
    if second == 60 {
        return Err("second 60 out of range (leap seconds are not supported)".to_owned());
    }
    let second = in_range(second, 0..=59, "second")?;
    let nanos = match cursor.one_of(b".") {
        Some(_) => cursor.fraction()?,
        None => 0,
    };
    if cursor.at == cursor.bytes.len() {
        return Err("missing the time zone (`Z` or an offset like `+01:00`)".to_owned());
    }
    let offset = match cursor.expect(b"Zz+-", "`Z` or an offset like `+01:00`")? {
        b'Z' | b'z' => 0,
        sign => {
            let hours = in_range(cursor.digits(2, "offset hours")?, 0..=23, "offset hour")?;
            cursor.expect(b":", "`:` in the offset")?;
            let minutes = in_range(cursor.digits(2, "offset minutes")?, 0..=59, "offset minute")?;
            let offset = i64::from(hours * 3600 + minutes * 60);
            if sign == b'-' { -offset } else { offset }
        }
    };
    if cursor.at != cursor.bytes.len() {
        return Err(format!(
            "unexpected text after the time zone, at byte {}",
            cursor.at
        ));
    }
    let seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset;
    Time::from_unix(seconds, nanos)
        .ok_or_else(|| "out of range (years 0000 to 9999 in UTC)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Time {
        Time::parse(s).unwrap()
    }

    #[test]
    fn bounds_are_the_four_digit_years() {
        assert_eq!(t("0000-01-01T00:00:00Z"), Time::MIN);
        assert_eq!(t("9999-12-31T23:59:59.999999999Z"), Time::MAX);
        assert_eq!(Time::MIN.to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(Time::MAX.to_string(), "9999-12-31T23:59:59.999999999Z");
        assert_eq!(t("1970-01-01T00:00:00Z"), Time::UNIX_EPOCH);
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (MIN_SECONDS / SECONDS_PER_DAY)..=(MAX_SECONDS / SECONDS_PER_DAY) {
            let (year, month, day) = civil_from_days(days);
            let (month, day) = (u32::try_from(month).unwrap(), u32::try_from(day).unwrap());
            assert!(day <= days_in_month(year, month));
            assert_eq!(days_from_civil(year, month, day), days);
        }
    }
}
