//! Kubernetes label selectors (`metav1.LabelSelector`), in their structured form and in the
//! string form kubectl takes (`app=web,tier!=db,env in (a,b),!legacy,release`).
//!
//! # Matching
//!
//! Every `matchLabels` entry and every requirement must hold (they are ANDed):
//!
//! - `In`: the key is present and its value is one of the values;
//! - `NotIn`: the key is absent, or its value is none of the values;
//! - `Exists` / `DoesNotExist`: the key is present / absent.
//!
//! An empty selector (no labels, no requirements) matches everything. A *null* selector (a
//! missing `selector:` field) is not a `LabelSelector` at all: what it means (nothing, in most
//! Kubernetes APIs; everything, in a few) is the caller's decision.
//!
//! [`LabelSelector::matches`] does not validate: an `In` with no values matches nothing, a
//! `NotIn` with none matches everything, and values given to `Exists`/`DoesNotExist` are
//! ignored. Call [`LabelSelector::validate`] first to refuse what the API server refuses.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, quote};

/// The longest label name (the part after the optional prefix) and label value.
const LABEL_MAX: usize = 63;
/// The longest DNS subdomain (a label key's prefix).
const DNS_SUBDOMAIN_MAX: usize = 253;

/// A label selector: `matchLabels` and `matchExpressions`, ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<Requirement>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

/// The operator of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Operator {
    /// The operator as a manifest spells it: `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub fn parse(input: &str) -> Result<Operator, Error> {
        match input {
            "In" => Ok(Operator::In),
            "NotIn" => Ok(Operator::NotIn),
            "Exists" => Ok(Operator::Exists),
            "DoesNotExist" => Ok(Operator::DoesNotExist),
            _ => Err(Error::invalid(
                "label selector operator",
                input,
                "expected In, NotIn, Exists or DoesNotExist",
            )),
        }
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Requirement {
    /// Whether `labels` satisfy this requirement (see the module documentation).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }

    /// Checks the key, the values, and that `In`/`NotIn` have values and
    /// `Exists`/`DoesNotExist` have none.
    pub fn validate(&self) -> Result<(), Error> {
        validate_label_key(&self.key)?;
        match self.operator {
            Operator::In | Operator::NotIn if self.values.is_empty() => Err(Error::new(format!(
                "invalid label selector requirement on {}: operator {} needs at least one value",
                quote(&self.key),
                self.operator
            ))),
            Operator::Exists | Operator::DoesNotExist if !self.values.is_empty() => {
                Err(Error::new(format!(
                    "invalid label selector requirement on {}: operator {} takes no values",
                    quote(&self.key),
                    self.operator
                )))
            }
            _ => self
                .values
                .iter()
                .try_for_each(|value| validate_label_value(value)),
        }
    }
}

impl LabelSelector {
    /// The empty selector, which matches everything.
    pub fn new() -> Self {
        LabelSelector::default()
    }

    /// Parses kubectl's string form; same as [`parse_selector_string`].
    pub fn parse(input: &str) -> Result<LabelSelector, Error> {
        parse_selector_string(input)
    }

    /// Whether the selector has neither labels nor requirements (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy every label and requirement (see the module documentation).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// Checks the selector as the API server does: label keys and values, and the values of
    /// each requirement (see [`Requirement::validate`]). The first problem is the error.
    pub fn validate(&self) -> Result<(), Error> {
        for (key, value) in &self.match_labels {
            validate_label_key(key)?;
            validate_label_value(value)?;
        }
        self.match_expressions
            .iter()
            .try_for_each(Requirement::validate)
    }
}

impl fmt::Display for LabelSelector {
    /// kubectl's string form: `app=web,tier in (a,b),env notin (x),release,!legacy`; the
    /// labels first, then the requirements in order. A valid selector's string parses back
    /// to an equivalent selector.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            if first {
                first = false;
                Ok(())
            } else {
                f.write_str(",")
            }
        };
        for (key, value) in &self.match_labels {
            sep(f)?;
            write!(f, "{key}={value}")?;
        }
        for r in &self.match_expressions {
            sep(f)?;
            match r.operator {
                Operator::In => write!(f, "{} in ({})", r.key, r.values.join(","))?,
                Operator::NotIn => write!(f, "{} notin ({})", r.key, r.values.join(","))?,
                Operator::Exists => write!(f, "{}", r.key)?,
                Operator::DoesNotExist => write!(f, "!{}", r.key)?,
            }
        }
        Ok(())
    }
}

impl FromStr for LabelSelector {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        parse_selector_string(s)
    }
}

/// Checks a label key: `[PREFIX/]NAME`, where the prefix is a DNS subdomain (lowercase, at
/// most 253 characters) and the name has at most 63 characters
/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
pub fn validate_label_key(key: &str) -> Result<(), Error> {
    check_label_key(key).map_err(|reason| Error::invalid("label key", key, reason))
}

/// Checks a label value: empty, or at most 63 characters
/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
pub fn validate_label_value(value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Ok(());
    }
    check_name(value).map_err(|reason| Error::invalid("label value", value, reason))
}

fn check_label_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("empty".to_owned());
    }
    let name = match key.split_once('/') {
        None => key,
        Some((_, name)) if name.contains('/') => {
            return Err("more than one `/`".to_owned());
        }
        Some((prefix, name)) => {
            check_dns_subdomain(prefix).map_err(|reason| format!("prefix: {reason}"))?;
            name
        }
    };
    if name.is_empty() {
        return Err("empty name after the prefix".to_owned());
    }
    check_name(name)
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63 characters.
fn check_name(name: &str) -> Result<(), String> {
    let count = name.chars().count();
    if count > LABEL_MAX {
        return Err(format!("{count} characters long, the limit is {LABEL_MAX}"));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "invalid character {}: only letters, digits, `-`, `_` and `.` are allowed",
            quote(c.encode_utf8(&mut [0; 4]))
        ));
    }
    let bytes = name.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        || !bytes.last().is_some_and(u8::is_ascii_alphanumeric)
    {
        return Err("must start and end with a letter or a digit".to_owned());
    }
    Ok(())
}

/// A lowercase DNS subdomain (RFC 1123): dot-separated labels of `[a-z0-9-]`, each starting
/// and ending with a letter or digit, at most 253 characters in all.
fn check_dns_subdomain(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("empty".to_owned());
    }
    if prefix.len() > DNS_SUBDOMAIN_MAX {
        return Err(format!(
            "{} characters long, the limit is {DNS_SUBDOMAIN_MAX}",
            prefix.len()
        ));
    }
    for label in prefix.split('.') {
        let bytes = label.as_bytes();
        let lower_alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        if !bytes.first().is_some_and(lower_alnum)
            || !bytes.last().is_some_and(lower_alnum)
            || !bytes.iter().all(|b| lower_alnum(b) || *b == b'-')
        {
            return Err(format!(
                "{} is not a lowercase DNS subdomain (like `example.com`)",
                quote(prefix)
            ));
        }
    }
    Ok(())
}

/// A token of the string form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A key, a value, or the words `in` and `notin` (keywords only where an operator is due).
    Word(&'a str),
    Bang,
    Equals,
    DoubleEquals,
    NotEquals,
    Greater,
    Less,
    Open,
    Close,
    Comma,
}

impl Token<'_> {
    fn describe(self) -> String {
        match self {
            Token::Word(w) => quote(w),
            Token::Bang => "`!`".to_owned(),
            Token::Equals => "`=`".to_owned(),
            Token::DoubleEquals => "`==`".to_owned(),
            Token::NotEquals => "`!=`".to_owned(),
            Token::Greater => "`>`".to_owned(),
            Token::Less => "`<`".to_owned(),
            Token::Open => "`(`".to_owned(),
            Token::Close => "`)`".to_owned(),
            Token::Comma => "`,`".to_owned(),
        }
    }
}

fn describe(token: Option<Token<'_>>) -> String {
    token.map_or_else(|| "the end".to_owned(), Token::describe)
}

/// White space between tokens, as Kubernetes' lexer skips it.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

fn lex(input: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start_matches(is_space);
        let mut chars = rest.chars();
        let Some(c) = chars.next() else {
            return tokens;
        };
        let next_is_eq = chars.next() == Some('=');
        let (token, len) = match c {
            '=' if next_is_eq => (Token::DoubleEquals, 2),
            '=' => (Token::Equals, 1),
            '!' if next_is_eq => (Token::NotEquals, 2),
            '!' => (Token::Bang, 1),
            '>' => (Token::Greater, 1),
            '<' => (Token::Less, 1),
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            ',' => (Token::Comma, 1),
            _ => {
                let end = rest
                    .find(|c: char| is_space(c) || is_special(c))
                    .unwrap_or(rest.len());
                let (word, _) = rest.split_at_checked(end).unwrap_or((rest, ""));
                (Token::Word(word), end)
            }
        };
        tokens.push(token);
        rest = rest.get(len..).unwrap_or("");
    }
}

/// Parses kubectl's string form of a selector (`app=web,tier!=db,env in (a,b),!legacy,
/// release`), with Kubernetes' grammar (`k8s.io/apimachinery/pkg/labels.Parse`):
///
/// - `key=value` and `key==value` (the value may be empty: `key=`) become a `matchLabels`
///   entry, or an `In` requirement when the key already has one;
/// - `key!=value` becomes `NotIn` with one value;
/// - `key in (v1,v2)`, `key notin (v1,v2)` (sets: duplicates dropped, values sorted; `()` is
///   the set of the empty value);
/// - `key` is `Exists`, `!key` is `DoesNotExist`;
/// - requirements are separated by `,`; white space between tokens is ignored; the empty
///   string is the empty selector (which matches everything).
///
/// `>` and `<`, which Kubernetes accepts for node selectors, are refused: a label selector's
/// operators cannot express them. Keys and values are validated.
pub fn parse_selector_string(input: &str) -> Result<LabelSelector, Error> {
    let tokens = lex(input);
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
    };
    let selector = parser
        .selector()
        .map_err(|reason| Error::invalid("label selector", input, reason))?;
    selector.validate().map_err(|e| {
        Error::new(format!(
            "invalid label selector {}: {}",
            quote(input),
            e.message()
        ))
    })?;
    Ok(selector)
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let token = self.peek();
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    fn selector(&mut self) -> Result<LabelSelector, String> {
        let mut selector = LabelSelector::new();
        if self.peek().is_none() {
            return Ok(selector);
        }
        loop {
            self.requirement(&mut selector)?;
            match self.next() {
                None => return Ok(selector),
                Some(Token::Comma) => match self.peek() {
                    Some(Token::Word(_) | Token::Bang) => {}
                    other => {
                        return Err(format!(
                            "expected a label key after `,`, found {}",
                            describe(other)
                        ));
                    }
                },
                Some(other) => {
                    return Err(format!(
                        "expected `,` or the end, found {}",
                        other.describe()
                    ));
                }
            }
        }
    }

    /// One requirement, added to `selector`.
    fn requirement(&mut self, selector: &mut LabelSelector) -> Result<(), String> {
        let negated = self.peek() == Some(Token::Bang);
        if negated {
            self.pos += 1;
        }
        let key = match self.next() {
            Some(Token::Word(key)) => key.to_owned(),
            other => return Err(format!("expected a label key, found {}", describe(other))),
        };
        if matches!(self.peek(), None | Some(Token::Comma)) {
            let operator = if negated {
                Operator::DoesNotExist
            } else {
                Operator::Exists
            };
            selector.match_expressions.push(Requirement {
                key,
                operator,
                values: Vec::new(),
            });
            return Ok(());
        }
        if negated {
            return Err(format!(
                "expected `,` or the end after `!{key}`, found {}",
                describe(self.peek())
            ));
        }
        let (operator, values) = match self.next() {
            Some(Token::Equals | Token::DoubleEquals) => {
                let value = self.exact_value()?;
                if let Entry::Vacant(entry) = selector.match_labels.entry(key.clone()) {
                    entry.insert(value);
                    return Ok(());
                }
                (Operator::In, vec![value])
            }
            Some(Token::NotEquals) => (Operator::NotIn, vec![self.exact_value()?]),
            Some(Token::Word("in")) => (Operator::In, self.value_set()?),
            Some(Token::Word("notin")) => (Operator::NotIn, self.value_set()?),
            Some(op @ (Token::Greater | Token::Less)) => {
                return Err(format!(
                    "operator {} is not supported by label selectors",
                    op.describe()
                ));
            }
            other => {
                return Err(format!(
                    "expected an operator (`=`, `==`, `!=`, `in`, `notin`) after {}, found {}",
                    quote(&key),
                    describe(other)
                ));
            }
        };
        selector.match_expressions.push(Requirement {
            key,
            operator,
            values,
        });
        Ok(())
    }

    /// The value after `=`, `==` or `!=`: a word, or nothing (the empty value).
    fn exact_value(&mut self) -> Result<String, String> {
        match self.peek() {
            None | Some(Token::Comma) => Ok(String::new()),
            Some(Token::Word(value)) => {
                self.pos += 1;
                Ok(value.to_owned())
            }
            Some(other) => Err(format!("expected a value, found {}", other.describe())),
        }
    }

    /// `(v1, v2, …)`, with Kubernetes' handling of empty items: `()`, `(,a)`, `(a,)` and
    /// `(a,,b)` include the empty value.
    fn value_set(&mut self) -> Result<Vec<String>, String> {
        match self.next() {
            Some(Token::Open) => {}
            other => return Err(format!("expected `(`, found {}", describe(other))),
        }
        let mut values = Vec::new();
        let mut expect_value = true;
        loop {
            match self.next() {
                Some(Token::Close) => {
                    if expect_value {
                        values.push(String::new());
                    }
                    break;
                }
                Some(Token::Comma) => {
                    if expect_value {
                        values.push(String::new());
                    }
                    expect_value = true;
                }
                Some(Token::Word(value)) if expect_value => {
                    values.push(value.to_owned());
                    expect_value = false;
                }
                other => {
                    return Err(format!(
                        "expected a value, `,` or `)`, found {}",
                        describe(other)
                    ));
                }
            }
        }
        values.sort();
        values.dedup();
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_form() {
        let s = parse_selector_string("app=web,tier!=db,env in (a,b),!legacy,release").unwrap();
        assert_eq!(s.match_labels.get("app").map(String::as_str), Some("web"));
        assert_eq!(s.match_expressions.len(), 4);
        assert_eq!(
            s.to_string(),
            "app=web,tier notin (db),env in (a,b),!legacy,release"
        );
    }
}
