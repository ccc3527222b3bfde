//! The lexer: logos finds the raw tokens; this module turns them into parser tokens, scans
//! strings with their `{…}` interpolations, keeps comments aside for the formatter, and turns
//! syntax borrowed from other languages into diagnostics with a sensible recovery.

use logos::Logos;

use super::token::Tok;
use super::{Comment, CommentKind};
use crate::ast::{StringLit, StringPart};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// Brackets may nest this deep, counting `{…}` inside strings. Deeper input is rejected: later
/// stages walk the tree recursively and must not run out of stack on hostile input.
pub const MAX_NESTING: usize = 128;

#[derive(Logos, Debug, Clone, Copy, PartialEq)]
#[logos(skip r"[ \t\r\n\x0C]+")]
enum Raw {
    #[regex(r"//[^\n]*", allow_greedy = true)]
    Comment,
    #[regex(r"#[^\n]*", allow_greedy = true)]
    HashComment,
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)+")]
    Dashed,
    #[regex(r"[0-9]+", priority = 10)]
    Int,
    #[regex(r"[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?", priority = 10)]
    #[regex(r"[0-9]+[eE][+-]?[0-9]+", priority = 10)]
    Float,
    #[regex(
        r"[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)",
        priority = 10
    )]
    Quantity,
    #[regex(r"[0-9][0-9A-Za-z_.]*", priority = 1)]
    BadNumber,
    #[token("\"")]
    Quote,
    #[token("r\"")]
    RegexStart,
    #[token("g\"")]
    GlobStart,
    #[token("'")]
    SingleQuote,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("=")]
    Assign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("??")]
    Coalesce,
    #[token("@")]
    At,
    #[token("?")]
    Question,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("!")]
    Bang,
    #[token(";")]
    Semicolon,
}

/// What the lexer produces besides tokens.
#[derive(Debug, Default)]
pub struct LexSink {
    pub diagnostics: Vec<Diagnostic>,
    pub comments: Vec<Comment>,
    /// Set when an unclosed bracket or too deep nesting was reported: the parser's "unexpected
    /// end of file" would only repeat it.
    pub reported_unclosed: bool,
}

/// The parser's token stream over `source[range]`, with spans into the whole of `source`.
pub struct Lexer<'src, 'sink> {
    raw: logos::Lexer<'src, Raw>,
    source: &'src str,
    base: usize,
    sink: &'sink mut LexSink,
    open: Vec<(char, Span)>,
    /// Nesting that surrounds this lexer (strings inside interpolations inside strings…).
    outer_depth: usize,
    finished: bool,
    /// Where the previous token ended, and whether it was `{`: decides [`Tok::LineIdent`].
    previous: Option<(usize, bool)>,
}

pub type Spanned = (usize, Tok, usize);

impl<'src, 'sink> Lexer<'src, 'sink> {
    pub fn new(
        source: &'src str,
        range: std::ops::Range<usize>,
        outer_depth: usize,
        sink: &'sink mut LexSink,
    ) -> Self {
        let slice = source.get(range.clone()).unwrap_or("");
        Lexer {
            raw: Raw::lexer(slice),
            source,
            base: range.start,
            sink,
            open: Vec::new(),
            outer_depth,
            finished: false,
            previous: None,
        }
    }

    fn span(&self) -> Span {
        let local = self.raw.span();
        Span::from_range(self.base + local.start..self.base + local.end)
    }

    fn starts_line(&self, start: usize) -> bool {
        match self.previous {
            None => true,
            Some((_, true)) => true,
            Some((end, false)) => self
                .source
                .get(end..start)
                .is_some_and(|gap| gap.contains('\n')),
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.sink.diagnostics.push(diagnostic);
    }

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let unclosed = std::mem::take(&mut self.open);
        for (opener, span) in unclosed {
            self.unclosed(opener, span);
        }
    }

    /// Reports an opening bracket that is never closed.
    fn unclosed(&mut self, opener: char, span: Span) {
        self.sink.reported_unclosed = true;
        self.sink.diagnostics.push(
            Diagnostic::error(
                Code::UnbalancedDelimiter,
                format!("unclosed `{opener}`"),
                span,
            )
            .with_label(format!("this `{opener}` is never closed"))
            .with_help(format!("add the matching `{}`", closing(opener))),
        );
    }

    fn open_bracket(&mut self, opener: char, span: Span) -> bool {
        if self.open.len() + self.outer_depth >= MAX_NESTING {
            self.error(
                Diagnostic::error(Code::NestingTooDeep, "brackets nest too deeply", span)
                    .with_label(format!("more than {MAX_NESTING} levels deep here"))
                    .with_help("split the expression with `let` bindings"),
            );
            // Stop here: everything after this point would be noise.
            self.open.clear();
            self.finished = true;
            self.sink.reported_unclosed = true;
            return false;
        }
        self.open.push((opener, span));
        true
    }

    /// A closer closes the innermost matching opener. Openers it skips over were never closed
    /// and are reported here, where the author can still see where they belong; a closer that
    /// matches nothing is left to the parser to report.
    fn close_bracket(&mut self, closer: char) {
        let Some(position) = self
            .open
            .iter()
            .rposition(|(opener, _)| closing(*opener) == closer)
        else {
            return;
        };
        let skipped = self.open.split_off(position + 1);
        self.open.pop();
        for (opener, span) in skipped {
            self.unclosed(opener, span);
        }
    }

    /// Scans a `"…"`, `"""…"""`, `r"…"` or `g"…"` literal whose opening quote the raw lexer
    /// has just matched.
    fn string(&mut self, kind: StringKind) -> Tok {
        let start = self.span();
        let rest_offset = self.base + self.raw.span().end;
        let triple = kind == StringKind::Plain && self.raw.remainder().starts_with("\"\"");
        let body_start = if triple { rest_offset + 2 } else { rest_offset };
        let scan = scan_string(
            self.source,
            body_start,
            self.base + self.raw.source().len(),
            triple,
            kind != StringKind::Plain,
            self.outer_depth + self.open.len(),
        );
        self.raw.bump(scan.end - rest_offset);
        let span = Span::from_range(start.start as usize..scan.end);
        if scan.too_deep {
            self.error(
                Diagnostic::error(Code::NestingTooDeep, "strings nest too deeply", span)
                    .with_label(format!("more than {MAX_NESTING} strings inside `{{…}}`"))
                    .with_help("split the expression with `let` bindings"),
            );
            self.open.clear();
            self.finished = true;
            self.sink.reported_unclosed = true;
            return Tok::Str(StringLit {
                parts: Vec::new(),
                multiline: triple,
                span,
            });
        }
        if scan.terminated && triple {
            self.check_multiline_layout(&scan, span);
        }
        if !scan.terminated && triple {
            // The rest of the file is inside the string: its brackets are text, not code.
            self.open.clear();
            self.sink.reported_unclosed = true;
        }
        if let (false, Some(brace)) = (scan.terminated, scan.open_brace) {
            let brace = Span::from_range(brace..brace + 1);
            self.error(
                Diagnostic::error(
                    Code::InvalidInterpolation,
                    "unclosed `{` in a string",
                    brace,
                )
                .with_label("this interpolation is never closed")
                .with_help("close it with `}`, or write `\\{` for a literal brace"),
            );
        } else if !scan.terminated {
            let quote = if triple { "\"\"\"" } else { "\"" };
            self.error(
                Diagnostic::error(Code::UnclosedString, "unclosed string", span)
                    .with_label("this string has no closing quote")
                    .with_help(if triple {
                        format!("end the string with `{quote}` on a line of its own")
                    } else {
                        format!(
                            "add the closing `{quote}`; for text over several lines use `\"\"\"`"
                        )
                    }),
            );
        }
        match kind {
            StringKind::Regex => Tok::Regex(raw_text(self.source, &scan)),
            StringKind::Glob => Tok::Glob(raw_text(self.source, &scan)),
            StringKind::Plain => {
                let parts = self.string_parts(&scan, triple);
                Tok::Str(StringLit {
                    parts,
                    multiline: triple,
                    span,
                })
            }
        }
    }

    /// A `"""` string's text starts on the line after the opening quotes, and the closing
    /// quotes stand on a line of their own: that is what makes the indentation rule work.
    fn check_multiline_layout(&mut self, scan: &StringScan, span: Span) {
        let body_start = span.start as usize + 3;
        let body_end = scan.end.saturating_sub(3);
        let body = self.source.get(body_start..body_end).unwrap_or("");
        let first_line = body.split('\n').next().unwrap_or("");
        if !body.contains('\n') || !first_line.trim().is_empty() {
            let at = Span::from_range(span.start as usize..body_start);
            self.error(
                Diagnostic::error(Code::UnclosedString, "text after the opening `\"\"\"`", at)
                    .with_label("a multi-line string starts on the next line")
                    .with_help("move the text to the next line; for one line of text use `\"…\"`"),
            );
            return;
        }
        let last_line = body.rsplit('\n').next().unwrap_or("");
        if !last_line.trim().is_empty() {
            let at = Span::from_range(body_end..scan.end);
            self.error(
                Diagnostic::error(
                    Code::UnclosedString,
                    "the closing `\"\"\"` must stand on a line of its own",
                    at,
                )
                .with_label("text before the closing quotes")
                .with_help("put the closing `\"\"\"` on the next line, indented like the text"),
            );
        }
    }

    fn string_parts(&mut self, scan: &StringScan, triple: bool) -> Vec<StringPart> {
        let pieces = if triple {
            dedent(self.source, &scan.pieces)
        } else {
            scan.pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Text(range) => Cooked::Text(
                        self.source.get(range.clone()).unwrap_or("").to_string(),
                        range.start,
                    ),
                    Piece::Interp(range) => Cooked::Interp(range.clone()),
                })
                .collect()
        };
        let mut parts: Vec<StringPart> = Vec::new();
        for piece in pieces {
            match piece {
                Cooked::Text(raw, offset) => {
                    let text = unescape(&raw, offset, &mut self.sink.diagnostics);
                    if text.is_empty() {
                        continue;
                    }
                    if let Some(StringPart::Text(previous)) = parts.last_mut() {
                        previous.push_str(&text);
                    } else {
                        parts.push(StringPart::Text(text));
                    }
                }
                Cooked::Interp(range) => {
                    let inner = self.source.get(range.clone()).unwrap_or("");
                    let braces = Span::from_range(range.start.saturating_sub(1)..range.end + 1);
                    if inner.trim().is_empty() {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidInterpolation,
                                "empty `{}` in a string",
                                braces,
                            )
                            .with_label("nothing to interpolate")
                            .with_help("put an expression between the braces, or write `\\{` for a literal brace"),
                        );
                        continue;
                    }
                    let depth = self.outer_depth + self.open.len() + 1;
                    let expr =
                        super::parser::parse_interpolation(self.source, range, depth, self.sink);
                    parts.push(StringPart::Interp(expr));
                }
            }
        }
        parts
    }

    fn single_quoted(&mut self) -> Tok {
        let start = self.span();
        let rest = self.raw.remainder();
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let (len, closed) = match rest[..line_end].find('\'') {
            Some(close) => (close + 1, true),
            None => (line_end, false),
        };
        let text = rest[..if closed { len - 1 } else { len }].to_string();
        self.raw.bump(len);
        let span = start.to(self.span());
        self.error(
            Diagnostic::error(
                Code::ForeignSyntax,
                "strings are written in double quotes",
                span,
            )
            .with_label("single quotes")
            .with_help(format!("write `\"{}\"`", text.replace('"', "\\\""))),
        );
        Tok::Str(StringLit {
            parts: if text.is_empty() {
                Vec::new()
            } else {
                vec![StringPart::Text(text)]
            },
            multiline: false,
            span,
        })
    }

    fn foreign(&mut self, written: &str, instead: &str, tok: Tok) -> Tok {
        let span = self.span();
        self.error(
            Diagnostic::error(
                Code::ForeignSyntax,
                format!("`{written}` is not an operator in pol"),
                span,
            )
            .with_label(format!("read as `{instead}`"))
            .with_help(format!("write `{instead}`")),
        );
        tok
    }

    fn number(&mut self, raw: Raw) -> Tok {
        let text = self.raw.slice();
        let span = self.span();
        match raw {
            Raw::Int => match text.parse::<i64>() {
                Ok(value) => Tok::Int(value),
                Err(_) => {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidNumber,
                            format!("integer `{text}` is too large"),
                            span,
                        )
                        .with_help(format!("integers are 64-bit: the largest is {}", i64::MAX)),
                    );
                    Tok::Int(i64::MAX)
                }
            },
            Raw::Float => match text.parse::<f64>() {
                Ok(value) if value.is_finite() => Tok::Float(value),
                _ => {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidNumber,
                            format!("number `{text}` is out of range"),
                            span,
                        )
                        .with_help("numbers are 64-bit floating point"),
                    );
                    Tok::Float(0.0)
                }
            },
            Raw::Quantity => Tok::Quantity(text.to_string()),
            _ => {
                let text = text.to_string();
                let duration = text
                    .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                    .chars()
                    .all(|c| matches!(c, 'h' | 'm' | 's' | 'u' | 'n' | 'µ') || c.is_ascii_digit());
                let help = if duration {
                    format!(
                        "for a duration write `duration(\"{text}\")`; `5m` alone is a quantity (5 milli)"
                    )
                } else {
                    "write a number such as `42`, `1.5` or `2e3`, or a quantity such as `500m` or `1Gi`".to_string()
                };
                self.error(
                    Diagnostic::error(
                        Code::InvalidNumber,
                        format!("invalid number `{text}`"),
                        span,
                    )
                    .with_help(help),
                );
                Tok::Int(0)
            }
        }
    }
}

impl Iterator for Lexer<'_, '_> {
    type Item = Result<Spanned, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.finished {
                return None;
            }
            let Some(raw) = self.raw.next() else {
                self.finish();
                return None;
            };
            let span = self.span();
            let tok = match raw {
                Err(()) => {
                    let text = self.raw.slice().to_string();
                    self.error(
                        Diagnostic::error(
                            Code::UnexpectedCharacter,
                            format!("unexpected character `{}`", text.escape_debug()),
                            span,
                        )
                        .with_label("not part of pol's syntax"),
                    );
                    continue;
                }
                Ok(Raw::Comment) => {
                    let text = self.raw.slice().trim_end().to_string();
                    let kind = if text.starts_with("///") && !text.starts_with("////") {
                        CommentKind::Doc
                    } else {
                        CommentKind::Line
                    };
                    self.sink.comments.push(Comment { span, kind, text });
                    continue;
                }
                Ok(Raw::HashComment) => {
                    self.error(
                        Diagnostic::error(Code::ForeignSyntax, "comments start with `//`", span)
                            .with_label("`#` does not start a comment in pol")
                            .with_help("write `//` instead of `#`"),
                    );
                    continue;
                }
                Ok(Raw::Semicolon) => {
                    self.error(
                        Diagnostic::error(Code::ForeignSyntax, "pol has no `;`", span)
                            .with_label("not needed")
                            .with_help("remove the `;`: a new statement starts with its keyword"),
                    );
                    continue;
                }
                Ok(Raw::Ident) => {
                    let text = self.raw.slice();
                    match Tok::keyword(text) {
                        Some(keyword) => keyword,
                        None if self.starts_line(span.start as usize) => {
                            Tok::LineIdent(text.to_string())
                        }
                        None => Tok::Ident(text.to_string()),
                    }
                }
                Ok(Raw::Dashed) => Tok::DashedName(self.raw.slice().to_string()),
                Ok(raw @ (Raw::Int | Raw::Float | Raw::Quantity | Raw::BadNumber)) => {
                    self.number(raw)
                }
                Ok(Raw::Quote) => self.string(StringKind::Plain),
                Ok(Raw::RegexStart) => self.string(StringKind::Regex),
                Ok(Raw::GlobStart) => self.string(StringKind::Glob),
                Ok(Raw::SingleQuote) => self.single_quoted(),
                Ok(Raw::LBrace) => {
                    if !self.open_bracket('{', span) {
                        return None;
                    }
                    Tok::LBrace
                }
                Ok(Raw::LBracket) => {
                    if !self.open_bracket('[', span) {
                        return None;
                    }
                    Tok::LBracket
                }
                Ok(Raw::LParen) => {
                    if !self.open_bracket('(', span) {
                        return None;
                    }
                    Tok::LParen
                }
                Ok(Raw::RBrace) => {
                    self.close_bracket('}');
                    Tok::RBrace
                }
                Ok(Raw::RBracket) => {
                    self.close_bracket(']');
                    Tok::RBracket
                }
                Ok(Raw::RParen) => {
                    self.close_bracket(')');
                    Tok::RParen
                }
                Ok(Raw::Comma) => Tok::Comma,
                Ok(Raw::Colon) => Tok::Colon,
                Ok(Raw::Dot) => Tok::Dot,
                Ok(Raw::Assign) => Tok::Assign,
                Ok(Raw::EqEq) => Tok::EqEq,
                Ok(Raw::NotEq) => Tok::NotEq,
                Ok(Raw::Lt) => Tok::Lt,
                Ok(Raw::Le) => Tok::Le,
                Ok(Raw::Gt) => Tok::Gt,
                Ok(Raw::Ge) => Tok::Ge,
                Ok(Raw::Plus) => Tok::Plus,
                Ok(Raw::Minus) => Tok::Minus,
                Ok(Raw::Star) => Tok::Star,
                Ok(Raw::Slash) => Tok::Slash,
                Ok(Raw::Percent) => Tok::Percent,
                Ok(Raw::Coalesce) => Tok::Coalesce,
                Ok(Raw::At) => Tok::At_,
                Ok(Raw::Question) => Tok::Question,
                Ok(Raw::AndAnd) => self.foreign("&&", "and", Tok::And),
                Ok(Raw::OrOr) => self.foreign("||", "or", Tok::Or),
                Ok(Raw::Bang) => self.foreign("!", "not", Tok::Not),
            };
            let span = if let Tok::Str(lit) = &tok {
                lit.span
            } else {
                self.span().to(span)
            };
            self.previous = Some((span.end as usize, tok == Tok::LBrace));
            return Some(Ok((span.start as usize, tok, span.end as usize)));
        }
    }
}

/// The lexer reports its problems as diagnostics and always recovers, so the parser never
/// sees a lexical error. The type exists because the parser generator asks for one.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError;

fn closing(opener: char) -> char {
    match opener {
        '{' => '}',
        '[' => ']',
        _ => ')',
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringKind {
    Plain,
    Regex,
    Glob,
}

/// A piece of a string's body, as byte ranges of the source.
#[derive(Debug, Clone)]
enum Piece {
    Text(std::ops::Range<usize>),
    /// The text between `{` and `}`.
    Interp(std::ops::Range<usize>),
}

#[derive(Debug)]
struct StringScan {
    pieces: Vec<Piece>,
    /// Just past the closing quote(s), or where scanning stopped.
    end: usize,
    terminated: bool,
    /// Scanning stopped at strings nested more than [`MAX_NESTING`] deep.
    too_deep: bool,
    /// The `{` of an interpolation that is never closed.
    open_brace: Option<usize>,
}

/// Why an interpolation has no closing brace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Unclosed,
    TooDeep,
}

/// Text with its source offset (escapes not yet processed), or an interpolation.
enum Cooked {
    Text(String, usize),
    Interp(std::ops::Range<usize>),
}

fn raw_text(source: &str, scan: &StringScan) -> String {
    scan.pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(range) | Piece::Interp(range) => source.get(range.clone()).unwrap_or(""),
        })
        .collect()
}

/// Scans a string body from `start` (just after the opening quote) to its closing quote.
/// `raw` strings (regex, glob) have no escapes and no interpolation. A single-line string
/// stops at a newline. Nested strings inside interpolations are skipped over as a whole.
fn scan_string(
    source: &str,
    start: usize,
    limit: usize,
    triple: bool,
    raw: bool,
    depth: usize,
) -> StringScan {
    let bytes = source.as_bytes();
    let limit = limit.min(bytes.len());
    let mut pieces = Vec::new();
    let mut text_start = start;
    let mut at = start;
    while at < limit {
        match bytes[at] {
            b'\\' if !raw => {
                // `\u{…}` is an escape, not an interpolation.
                if source.get(at + 1..at + 3) == Some("u{") {
                    let close = source
                        .get(at + 3..limit)
                        .and_then(|rest| rest.find(['}', '\n', '"']))
                        .map_or(limit, |offset| at + 3 + offset);
                    at = if bytes.get(close) == Some(&b'}') {
                        close + 1
                    } else {
                        close
                    };
                } else {
                    at += 2;
                }
            }
            b'\\' if raw => {
                // `\"` in a regex is an escaped quote, not the end of the literal.
                at += if bytes.get(at + 1) == Some(&b'"') {
                    2
                } else {
                    1
                };
            }
            b'"' if !triple => {
                pieces.push(Piece::Text(text_start..at));
                return StringScan {
                    pieces,
                    end: at + 1,
                    terminated: true,
                    too_deep: false,
                    open_brace: None,
                };
            }
            b'"' if source.get(at..at + 3) == Some("\"\"\"") => {
                pieces.push(Piece::Text(text_start..at));
                return StringScan {
                    pieces,
                    end: at + 3,
                    terminated: true,
                    too_deep: false,
                    open_brace: None,
                };
            }
            b'\n' if !triple => break,
            b'{' if !raw => {
                pieces.push(Piece::Text(text_start..at));
                match scan_interpolation(source, at + 1, limit, triple, depth + 1) {
                    Ok(close) => {
                        pieces.push(Piece::Interp(at + 1..close));
                        at = close + 1;
                        text_start = at;
                    }
                    Err(stop) => {
                        // No closing brace: end the string here.
                        let end = if triple {
                            limit
                        } else {
                            line_end(source, at, limit)
                        };
                        return StringScan {
                            pieces,
                            end,
                            terminated: false,
                            too_deep: stop == Stop::TooDeep,
                            open_brace: Some(at),
                        };
                    }
                }
            }
            _ => at += 1,
        }
    }
    let end = at.min(limit);
    pieces.push(Piece::Text(text_start..end));
    StringScan {
        pieces,
        end,
        terminated: false,
        too_deep: false,
        open_brace: None,
    }
}

fn line_end(source: &str, from: usize, limit: usize) -> usize {
    source
        .get(from..limit)
        .and_then(|rest| rest.find('\n'))
        .map_or(limit, |newline| from + newline)
}

/// Finds the `}` that closes an interpolation opened just before `start`. Strings nested in
/// interpolations are scanned recursively, at most [`MAX_NESTING`] deep.
fn scan_interpolation(
    source: &str,
    start: usize,
    limit: usize,
    multiline: bool,
    depth: usize,
) -> Result<usize, Stop> {
    if depth >= MAX_NESTING {
        return Err(Stop::TooDeep);
    }
    let bytes = source.as_bytes();
    let mut braces = 1usize;
    let mut at = start;
    while at < limit {
        match bytes[at] {
            b'{' => braces += 1,
            b'}' => {
                braces -= 1;
                if braces == 0 {
                    return Ok(at);
                }
            }
            b'\n' if !multiline => return Err(Stop::Unclosed),
            b'"' | b'r' | b'g' => {
                let (body, triple, raw) = match bytes[at] {
                    b'"' if source.get(at..at + 3) == Some("\"\"\"") => (at + 3, true, false),
                    b'"' => (at + 1, false, false),
                    _ if bytes.get(at + 1) == Some(&b'"') => (at + 2, false, true),
                    _ => {
                        at += 1;
                        continue;
                    }
                };
                let inner = scan_string(source, body, limit, triple, raw, depth);
                if inner.too_deep {
                    return Err(Stop::TooDeep);
                }
                if !inner.terminated {
                    return Err(Stop::Unclosed);
                }
                at = inner.end;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    Err(Stop::Unclosed)
}

/// Multi-line strings: drop the rest of the opening line when it is blank, drop the closing
/// line, and strip the closing line's indentation from every line.
fn dedent(source: &str, pieces: &[Piece]) -> Vec<Cooked> {
    // The closing line is the text after the last newline of the last text piece.
    let indent = match pieces.last() {
        Some(Piece::Text(range)) => {
            let text = source.get(range.clone()).unwrap_or("");
            match text.rfind('\n') {
                Some(newline) if text[newline + 1..].trim().is_empty() => {
                    Some(text.len() - newline - 1)
                }
                _ => None,
            }
        }
        _ => None,
    };
    let mut cooked = Vec::new();
    let last = pieces.len().saturating_sub(1);
    let mut at_line_start = false;
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Interp(range) => {
                cooked.push(Cooked::Interp(range.clone()));
                at_line_start = false;
            }
            Piece::Text(range) => {
                let mut text = source.get(range.clone()).unwrap_or("");
                let mut offset = range.start;
                if index == 0 {
                    // A blank rest of the opening line is not content.
                    if let Some(newline) = text.find('\n')
                        && text[..newline].trim().is_empty()
                    {
                        text = &text[newline + 1..];
                        offset += newline + 1;
                        at_line_start = true;
                    }
                }
                if index == last && indent.is_some() {
                    // Drop the closing line and the newline before it.
                    if let Some(newline) = text.rfind('\n') {
                        text = &text[..newline];
                    } else {
                        text = "";
                    }
                }
                let strip = indent.unwrap_or(0);
                let mut out = String::with_capacity(text.len());
                for (line_number, line) in text.split('\n').enumerate() {
                    if line_number > 0 {
                        out.push('\n');
                    }
                    if line_number > 0 || at_line_start {
                        let removable = line
                            .bytes()
                            .take(strip)
                            .take_while(|byte| *byte == b' ' || *byte == b'\t')
                            .count();
                        out.push_str(&line[removable..]);
                    } else {
                        out.push_str(line);
                    }
                }
                cooked.push(Cooked::Text(out, offset));
                at_line_start = false;
            }
        }
    }
    cooked
}

/// Processes escapes. `offset` is where `raw` starts in the source, for error spans; after
/// dedenting it is approximate, so the span covers the escape as best it can.
fn unescape(raw: &str, offset: usize, diagnostics: &mut Vec<Diagnostic>) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((index, ch)) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let Some((_, escaped)) = chars.next() else {
            out.push('\\');
            break;
        };
        match escaped {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' | '"' | '{' | '}' | '\'' => out.push(escaped),
            'u' => {
                let mut hex = String::new();
                let mut closed = false;
                if chars.peek().map(|(_, c)| *c) == Some('{') {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        hex.push(c);
                        if hex.len() > 8 {
                            break;
                        }
                    }
                }
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(c) if closed => out.push(c),
                    _ => {
                        let span = Span::from_range(offset + index..offset + index + 2 + hex.len());
                        diagnostics.push(
                            Diagnostic::error(Code::InvalidEscape, "invalid unicode escape", span)
                                .with_help(
                                    "write a code point in hex between braces, like `\\u{1F600}`",
                                ),
                        );
                    }
                }
            }
            other => {
                let span = Span::from_range(offset + index..offset + index + 1 + other.len_utf8());
                diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidEscape,
                        format!("unknown escape `\\{}`", other.escape_debug()),
                        span,
                    )
                    .with_help("known escapes: `\\n`, `\\t`, `\\r`, `\\0`, `\\\\`, `\\\"`, `\\'`, `\\{`, `\\}` and `\\u{…}`; for a regex write `r\"…\"`"),
                );
                out.push(other);
            }
        }
    }
    out
}
