//! Patterns: regular expressions (the `regex` crate: linear time, no catastrophic
//! backtracking) and globs.
//!
//! Glob syntax: `*` matches any run of characters (`/` included), `?` one character, `[abc]`,
//! `[a-z]` and `[!a-z]` (or `[^a-z]`) one character of (or not of) a set, `\` makes the next
//! character literal. A glob matches the whole text. Matching takes at most
//! `O(text × pattern)` steps, whatever the input.

use crate::Error;

/// The largest compiled regex accepted, so that a hostile pattern cannot take the memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Compiles a regular expression, or says why it is not one.
pub fn regex(pattern: &str) -> Result<regex::Regex, Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| {
            let reason = match &error {
                // The syntax error's last line says what is wrong; the lines above draw it.
                regex::Error::Syntax(text) => text
                    .lines()
                    .rev()
                    .find_map(|line| line.strip_prefix("error: "))
                    .unwrap_or(text.as_str())
                    .to_string(),
                regex::Error::CompiledTooBig(limit) => {
                    format!("the compiled pattern is larger than {limit} bytes")
                }
                other => other.to_string(),
            };
            Error::invalid("regex", pattern, reason)
        })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyChar,
    AnyRun,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    pub fn parse(pattern: &str) -> Result<Glob, Error> {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    // `**` is the same as `*`.
                    if tokens.last() != Some(&Token::AnyRun) {
                        tokens.push(Token::AnyRun);
                    }
                }
                '?' => tokens.push(Token::AnyChar),
                '\\' => match chars.next() {
                    Some(escaped) => tokens.push(Token::Literal(escaped)),
                    None => return Err(Error::invalid("glob", pattern, "it ends with `\\`")),
                },
                '[' => {
                    let negated = matches!(chars.peek(), Some('!' | '^'));
                    if negated {
                        chars.next();
                    }
                    let mut ranges = Vec::new();
                    let mut first = true;
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        if c == ']' && !first {
                            closed = true;
                            break;
                        }
                        first = false;
                        let start = if c == '\\' {
                            chars.next().ok_or_else(|| {
                                Error::invalid("glob", pattern, "it ends with `\\`")
                            })?
                        } else {
                            c
                        };
                        let mut lookahead = chars.clone();
                        if lookahead.next() == Some('-')
                            && let Some(end) = lookahead.next()
                            && end != ']'
                        {
                            chars.next();
                            chars.next();
                            if end < start {
                                return Err(Error::invalid(
                                    "glob",
                                    pattern,
                                    format!("the range `{start}-{end}` is backwards"),
                                ));
                            }
                            ranges.push((start, end));
                        } else {
                            ranges.push((start, start));
                        }
                    }
                    if !closed {
                        return Err(Error::invalid("glob", pattern, "a `[` is never closed"));
                    }
                    tokens.push(Token::Class { negated, ranges });
                }
                other => tokens.push(Token::Literal(other)),
            }
        }
        Ok(Glob { tokens })
    }

    /// Whether the glob matches all of `text`.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let (mut t, mut p) = (0usize, 0usize);
        // Where to resume after the last `*`: (pattern index after it, text index it took).
        let mut resume: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    resume = Some((p + 1, t));
                    p += 1;
                    continue;
                }
                Some(token) if single(token, text[t]) => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
            match resume {
                Some((after_star, taken)) => {
                    p = after_star;
                    t = taken + 1;
                    resume = Some((after_star, taken + 1));
                }
                None => return false,
            }
        }
        self.tokens[p.min(self.tokens.len())..]
            .iter()
            .all(|token| *token == Token::AnyRun)
    }
}

fn single(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(literal) => *literal == c,
        Token::AnyChar => true,
        Token::Class { negated, ranges } => {
            ranges
                .iter()
                .any(|(start, end)| (*start..=*end).contains(&c))
                != *negated
        }
        Token::AnyRun => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str, text: &str) -> bool {
        Glob::parse(pattern).unwrap().matches(text)
    }

    #[test]
    fn globs_match_whole_texts() {
        assert!(glob("*:latest", "nginx:latest"));
        assert!(glob("*:latest", "registry.example.com/a/b:latest"));
        assert!(!glob("*:latest", "nginx:latest-1"));
        assert!(glob("web-?", "web-1"));
        assert!(!glob("web-?", "web-12"));
        assert!(glob("[a-c]x[!0-9]", "bxz"));
        assert!(!glob("[a-c]x[!0-9]", "bx5"));
        assert!(glob("a\\*b", "a*b"));
        assert!(!glob("a\\*b", "aXb"));
        assert!(glob("*", ""));
        assert!(glob("**a**", "bab"));
        assert!(glob("[]]", "]"));
        assert!(glob("é*", "été"));
        // Many stars on a long text stay fast: O(text × pattern).
        let text = "a".repeat(5000);
        assert!(!glob(&format!("{}b", "*a".repeat(50)), &text));
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(
            Glob::parse("[abc")
                .unwrap_err()
                .to_string()
                .contains("never closed")
        );
        assert!(
            Glob::parse("abc\\")
                .unwrap_err()
                .to_string()
                .contains("ends with")
        );
        assert!(
            Glob::parse("[z-a]")
                .unwrap_err()
                .to_string()
                .contains("backwards")
        );
        assert!(
            regex("(a")
                .unwrap_err()
                .to_string()
                .contains("unclosed group")
        );
        assert!(regex("a{1000000}").is_err());
        assert!(regex(r"^\d+$").unwrap().is_match("123"));
    }
}
