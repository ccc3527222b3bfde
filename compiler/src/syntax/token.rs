//! The tokens the grammar consumes.

use std::fmt;

use crate::ast::StringLit;

/// A token as the parser sees it. Comments never reach the parser: the lexer keeps them aside
/// for the formatter (see [`super::Comment`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    // Keywords.
    Policy,
    Param,
    Match,
    Workload,
    When,
    Let,
    For,
    In,
    If,
    Then,
    Else,
    Deny,
    At,
    Message,
    Fix,
    Set,
    Remove,
    Append,
    To,
    Unsafe,
    Any,
    All,
    And,
    Or,
    Not,
    Matches,
    True,
    False,
    Null,
    // Punctuation.
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Colon,
    Dot,
    Assign,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Coalesce,
    At_,
    Question,
    // Literals and names.
    Ident(String),
    /// A name that is the first token on its line (or right after `{`): only such a name can
    /// start a metadata entry, which lets error recovery resume at the next line.
    LineIdent(String),
    DashedName(String),
    Int(i64),
    Float(f64),
    Quantity(String),
    Str(StringLit),
    Regex(String),
    Glob(String),
}

impl Tok {
    /// The keyword spelled `text`, if it is one.
    pub fn keyword(text: &str) -> Option<Tok> {
        KEYWORDS
            .iter()
            .find(|(spelling, _)| *spelling == text)
            .map(|(_, tok)| tok.clone())
    }

    /// How a message names this token: `` `deny` ``, ``the name `x` ``, `a string`.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(name) | Tok::LineIdent(name) => format!("name `{name}`"),
            Tok::DashedName(name) => format!("name `{name}`"),
            Tok::Int(value) => format!("number `{value}`"),
            Tok::Float(value) => format!("number `{value}`"),
            Tok::Quantity(value) => format!("quantity `{value}`"),
            Tok::Str(_) => "string".to_string(),
            Tok::Regex(_) => "regex".to_string(),
            Tok::Glob(_) => "glob".to_string(),
            other => format!("`{other}`"),
        }
    }

    pub fn is_keyword(&self) -> bool {
        KEYWORDS.iter().any(|(_, tok)| tok == self)
    }
}

/// Every keyword with its spelling. Keywords may still be used as field names after `.`.
pub const KEYWORDS: &[(&str, Tok)] = &[
    ("policy", Tok::Policy),
    ("param", Tok::Param),
    ("match", Tok::Match),
    ("workload", Tok::Workload),
    ("when", Tok::When),
    ("let", Tok::Let),
    ("for", Tok::For),
    ("in", Tok::In),
    ("if", Tok::If),
    ("then", Tok::Then),
    ("else", Tok::Else),
    ("deny", Tok::Deny),
    ("at", Tok::At),
    ("message", Tok::Message),
    ("fix", Tok::Fix),
    ("set", Tok::Set),
    ("remove", Tok::Remove),
    ("append", Tok::Append),
    ("to", Tok::To),
    ("unsafe", Tok::Unsafe),
    ("any", Tok::Any),
    ("all", Tok::All),
    ("and", Tok::And),
    ("or", Tok::Or),
    ("not", Tok::Not),
    ("matches", Tok::Matches),
    ("true", Tok::True),
    ("false", Tok::False),
    ("null", Tok::Null),
];

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((spelling, _)) = KEYWORDS.iter().find(|(_, tok)| tok == self) {
            return f.write_str(spelling);
        }
        let text = match self {
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Comma => ",",
            Tok::Colon => ":",
            Tok::Dot => ".",
            Tok::Assign => "=",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Coalesce => "??",
            Tok::At_ => "@",
            Tok::Question => "?",
            Tok::Ident(name) | Tok::LineIdent(name) | Tok::DashedName(name) => name,
            Tok::Int(value) => return write!(f, "{value}"),
            Tok::Float(value) => return write!(f, "{value}"),
            Tok::Quantity(value) => value,
            Tok::Str(_) => "string",
            Tok::Regex(_) => "regex",
            Tok::Glob(_) => "glob",
            _ => "keyword",
        };
        f.write_str(text)
    }
}
