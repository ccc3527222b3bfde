//! The one error type of this crate.
//!
//! Every fallible function here returns `Result<_, Error>`; nothing panics on any input. A
//! message is lowercase, one line, without a final period, and shows user input between
//! backticks: "invalid quantity `1.2.3`: more than one decimal point".

use std::fmt;

/// An error from one of the domain functions of the standard library: a readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// "invalid WHAT `INPUT`: REASON"
    pub(crate) fn invalid(what: &str, input: &str, reason: impl fmt::Display) -> Self {
        Error::new(format!("invalid {what} {}: {reason}", quote(input)))
    }

    /// The message, as shown by `Display`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The longest piece of user input shown in a message, in characters.
const MAX_SHOWN: usize = 80;

/// User input between backticks, kept to one line: control characters (newlines, tabs, …) are
/// escaped, and input longer than `MAX_SHOWN` characters is cut with `…`.
pub(crate) fn quote(input: &str) -> String {
    let mut out = String::with_capacity(input.len().min(MAX_SHOWN) + 2);
    out.push('`');
    for (i, c) in input.chars().enumerate() {
        if i == MAX_SHOWN {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_cuts() {
        assert_eq!(quote("a\nb"), "`a\\nb`");
        assert_eq!(quote(""), "``");
        let long = "x".repeat(200);
        let q = quote(&long);
        assert!(q.ends_with("…`"));
        assert_eq!(q.chars().count(), MAX_SHOWN + 3);
    }

    #[test]
    fn invalid_formats_message() {
        let e = Error::invalid("quantity", "1.2.3", "more than one decimal point");
        assert_eq!(
            e.to_string(),
            "invalid quantity `1.2.3`: more than one decimal point"
        );
    }
}
