//! Drives the generated parser: runs the lexer, turns parse errors into diagnostics with help
//! lines, and parses the `{…}` interpolations of strings.

use lalrpop_util::{ErrorRecovery, ParseError};

use super::grammar;
use super::lexer::{LexError, LexSink, Lexer};
use super::token::Tok;
use crate::ast::{BinaryOp, Deny, Expr, ExprKind, File, Fix, MAX_DEPTH, Name, TypeExpr, TypeKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

pub fn sp(start: usize, end: usize) -> Span {
    Span::from_range(start..end)
}

/// A clause of `deny`, before the clauses are checked and put in their fields.
#[derive(Debug)]
pub enum DenyClause {
    At(Expr, Span),
    Message(Expr, Span),
    Fix(Fix, Span),
}

/// What the grammar's actions write to.
#[derive(Debug, Default)]
pub struct ParseState {
    pub diagnostics: Vec<Diagnostic>,
    pub recovered: Vec<ErrorRecovery<usize, Tok, LexError>>,
    /// "Nests too deeply" is said once per file: a hostile chain would say it thousands of times.
    too_deep: bool,
}

/// How deep a written type may nest (`list<map<string>?>` is 3).
const MAX_TYPE_DEPTH: u32 = 16;

impl ParseState {
    /// Builds an expression node, refusing trees deeper than [`MAX_DEPTH`].
    pub fn expr(&mut self, kind: ExprKind, span: Span) -> Expr {
        let expr = Expr::new(kind, span);
        if expr.depth() <= MAX_DEPTH {
            return expr;
        }
        self.nests_too_deeply(span, "expression");
        Expr::new(ExprKind::Error, span)
    }

    pub fn binary(&mut self, op: BinaryOp, lhs: Expr, rhs: Expr, span: Span) -> Expr {
        self.expr(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        )
    }

    pub fn type_expr(&mut self, kind: TypeKind, span: Span) -> TypeExpr {
        let ty = TypeExpr { kind, span };
        if ty.depth() <= MAX_TYPE_DEPTH {
            return ty;
        }
        self.nests_too_deeply(span, "type");
        TypeExpr {
            kind: TypeKind::Named {
                name: Name {
                    text: "any".to_string(),
                    span,
                },
                args: Vec::new(),
            },
            span,
        }
    }

    fn nests_too_deeply(&mut self, span: Span, what: &str) {
        if std::mem::replace(&mut self.too_deep, true) {
            return;
        }
        self.diagnostics.push(
            Diagnostic::error(
                Code::NestingTooDeep,
                format!("{what} nests too deeply"),
                span,
            )
            .with_label(format!("more than {MAX_DEPTH} levels deep"))
            .with_help("split it with `let` bindings"),
        );
    }

    pub fn deny(&mut self, condition: Expr, clauses: Vec<DenyClause>, span: Span) -> Deny {
        let mut deny = Deny {
            condition,
            at: None,
            message: None,
            fix: None,
            span,
        };
        let mut seen: [Option<Span>; 3] = [None; 3];
        for clause in clauses {
            let (slot, word, clause_span) = match &clause {
                DenyClause::At(_, span) => (0, "at", *span),
                DenyClause::Message(_, span) => (1, "message", *span),
                DenyClause::Fix(_, span) => (2, "fix", *span),
            };
            if let Some(first) = seen[slot] {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        format!("`deny` has two `{word}` clauses"),
                        clause_span,
                    )
                    .with_label("second one here")
                    .with_secondary(first, "first one here")
                    .with_help(format!(
                        "keep one `{word}`; for several findings write several `deny`s"
                    )),
                );
                continue;
            }
            seen[slot] = Some(clause_span);
            match clause {
                DenyClause::At(place, _) => deny.at = Some(place),
                DenyClause::Message(message, _) => deny.message = Some(message),
                DenyClause::Fix(fix, _) => deny.fix = Some(fix),
            }
        }
        deny
    }

    /// `let match = …`: a keyword where a new name is declared.
    pub fn keyword_as_name(&mut self, keyword: &str, span: Span) -> Name {
        self.diagnostics.push(
            Diagnostic::error(
                Code::UnexpectedToken,
                format!("`{keyword}` is a keyword, not a name"),
                span,
            )
            .with_label("a new name is declared here")
            .with_help(format!("choose another name, such as `{keyword}_`")),
        );
        Name {
            text: format!("{keyword}_"),
            span,
        }
    }

    /// `param max-replicas: int`: a new name with `-`.
    pub fn dashed_binding(&mut self, name: String, span: Span) -> Name {
        let underscored = name.replace('-', "_");
        self.diagnostics.push(
            Diagnostic::error(Code::DashedName, format!("`{name}` cannot be a name"), span)
                .with_label("names cannot contain `-`")
                .with_help(format!("write `{underscored}`")),
        );
        Name {
            text: underscored,
            span,
        }
    }

    pub fn dashed_name(&mut self, name: &str, span: Span) {
        let spaced = name.replace('-', " - ");
        self.diagnostics.push(
            Diagnostic::error(
                Code::DashedName,
                format!("`{name}` is not a name in an expression"),
                span,
            )
            .with_label("names in expressions cannot contain `-`")
            .with_help(format!(
                "to subtract, put spaces around `-`: `{spaced}`; for a key with dashes write `x[\"{name}\"]`"
            )),
        );
    }

    pub fn chained_comparison(&mut self, span: Span, second_operator: usize) {
        self.diagnostics.push(
            Diagnostic::error(
                Code::ChainedComparison,
                "comparisons cannot be chained",
                span,
            )
            .with_secondary(
                Span::from_range(second_operator..second_operator + 1),
                "second comparison here",
            )
            .with_help("join the comparisons with `and`: `a < b and b < c`"),
        );
    }
}

/// The result of parsing one file.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: File,
    /// Every comment, in source order, for the formatter.
    pub comments: Vec<super::Comment>,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The largest source accepted: spans are `u32`.
const MAX_SOURCE: usize = u32::MAX as usize - 1;

/// Parses a whole `.pol` file. Never fails and never panics: problems are diagnostics, and the
/// tree holds everything that could be recovered.
pub fn parse(source: &str) -> Parsed {
    if source.len() >= MAX_SOURCE {
        return Parsed {
            file: File {
                policies: Vec::new(),
            },
            comments: Vec::new(),
            diagnostics: vec![
                Diagnostic::error(Code::FileTooLarge, "file is too large", Span::new(0, 0))
                    .with_help("split the policies over several files of less than 4 GiB"),
            ],
        };
    }
    let mut sink = LexSink::default();
    let mut state = ParseState::default();
    let result = {
        let lexer = Lexer::new(source, 0..source.len(), 0, &mut sink);
        grammar::FileParser::new().parse(&mut state, lexer)
    };
    let mut diagnostics = std::mem::take(&mut sink.diagnostics);
    diagnostics.append(&mut state.diagnostics);
    let mut errors: Vec<ParseError<usize, Tok, LexError>> = std::mem::take(&mut state.recovered)
        .into_iter()
        .map(|recovery| recovery.error)
        .collect();
    let file = match result {
        Ok(file) => file,
        Err(error) => {
            errors.push(error);
            File {
                policies: Vec::new(),
            }
        }
    };
    let mut earlier_error = diagnostics.iter().any(Diagnostic::is_error);
    for error in errors {
        // Recovery skips tokens, so it can lose count of braces: a token left over at the top
        // level after an earlier error is that error's echo, not a mistake of its own.
        let stray_close = matches!(
            &error,
            ParseError::UnrecognizedToken { expected, .. }
                if expected.iter().all(|name| name == "\"policy\"")
        );
        if stray_close && earlier_error {
            continue;
        }
        if let Some(diagnostic) =
            error_diagnostic(source, error, sink.reported_unclosed, Context::File)
        {
            earlier_error = true;
            diagnostics.push(diagnostic);
        }
    }
    let mut comments = sink.comments;
    comments.sort_by_key(|comment| comment.span.start);
    let mut parsed = Parsed {
        file,
        comments,
        diagnostics,
    };
    super::validate::validate(source, &mut parsed);
    sort_and_dedup(&mut parsed.diagnostics);
    parsed
}

/// Parses one expression (for tests and tools). Diagnostics are returned beside it.
pub fn parse_expression(source: &str) -> (Expr, Vec<Diagnostic>) {
    let mut sink = LexSink::default();
    let expr = parse_interpolation(source, 0..source.len(), 0, &mut sink);
    let mut diagnostics = sink.diagnostics;
    sort_and_dedup(&mut diagnostics);
    (expr, diagnostics)
}

fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics
        .sort_by_key(|diagnostic| (diagnostic.primary.span.start, diagnostic.primary.span.end));
    diagnostics.dedup_by(|later, earlier| {
        later.primary.span == earlier.primary.span && later.message == earlier.message
    });
}

/// Parses the expression of a `{…}` interpolation at `source[range]`.
pub(crate) fn parse_interpolation(
    source: &str,
    range: std::ops::Range<usize>,
    depth: usize,
    sink: &mut LexSink,
) -> Expr {
    let mut state = ParseState::default();
    let result = {
        let lexer = Lexer::new(source, range.clone(), depth, sink);
        grammar::ExprParser::new().parse(&mut state, lexer)
    };
    let span = Span::from_range(range);
    sink.diagnostics.append(&mut state.diagnostics);
    match result {
        Ok(expr) => expr,
        Err(error) => {
            let reported = sink.reported_unclosed;
            sink.diagnostics.extend(error_diagnostic(
                source,
                error,
                reported,
                Context::Interpolation(span),
            ));
            Expr::new(ExprKind::Error, span)
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Context {
    File,
    Interpolation(Span),
}

fn error_diagnostic(
    source: &str,
    error: ParseError<usize, Tok, LexError>,
    reported_unclosed: bool,
    context: Context,
) -> Option<Diagnostic> {
    match error {
        ParseError::UnrecognizedEof { location, expected } => {
            if reported_unclosed {
                return None;
            }
            let (message, span) = match context {
                Context::File => {
                    let start = source[..location.min(source.len())]
                        .char_indices()
                        .next_back()
                        .map_or(0, |(index, _)| index);
                    ("unexpected end of file".to_string(), sp(start, location))
                }
                Context::Interpolation(span) => (
                    "incomplete expression in `{…}`".to_string(),
                    Span::new(span.start.saturating_sub(1), span.end + 1),
                ),
            };
            let mut diagnostic = Diagnostic::error(Code::UnexpectedEndOfFile, message, span);
            if let Some(list) = expected_list(&expected) {
                diagnostic = diagnostic.with_label(format!("expected {list} after this"));
            }
            Some(diagnostic)
        }
        ParseError::UnrecognizedToken {
            token: (start, tok, end),
            expected,
        } => Some(unexpected(tok, sp(start, end), &expected)),
        ParseError::ExtraToken {
            token: (start, tok, end),
        } => Some(unexpected(tok, sp(start, end), &[])),
        ParseError::InvalidToken { location } => Some(Diagnostic::error(
            Code::UnexpectedCharacter,
            "unexpected character",
            sp(location, location + 1),
        )),
        // The lexer reports its own problems and never hands the parser an error.
        ParseError::User { error: LexError } => None,
    }
}

fn unexpected(tok: Tok, span: Span, expected: &[String]) -> Diagnostic {
    let help = help_for(&tok, expected);
    let mut diagnostic = Diagnostic::error(
        Code::UnexpectedToken,
        format!("unexpected {}", tok.describe()),
        span,
    );
    if tok == Tok::Assign && has(expected, "\"==\"") {
        diagnostic = diagnostic.with_label("`=` does not compare");
    } else if help
        .as_deref()
        .is_some_and(|help| help.starts_with("put the"))
    {
        diagnostic =
            diagnostic.with_label(format!("`{tok} …` cannot stand here without parentheses"));
    } else if let Some(list) = expected_list(expected) {
        diagnostic = diagnostic.with_label(format!("expected {list}"));
    }
    if let Some(help) = help {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

fn has(expected: &[String], terminal: &str) -> bool {
    expected.iter().any(|name| name == terminal)
}

/// Help for the mistakes people make most.
fn help_for(tok: &Tok, expected: &[String]) -> Option<String> {
    let expects_expression = has(expected, "Ident") && has(expected, "\"(\"");
    let map_key = has(expected, "Str") && has(expected, "Ident") && !has(expected, "\"(\"");
    match tok {
        Tok::Ident(_) if has(expected, "LineIdent") && !has(expected, "Ident") => {
            Some("each metadata entry starts on a line of its own".into())
        }
        Tok::Assign if has(expected, "\"==\"") => Some(
            "to compare, write `==`; `=` only gives a value in `let`, `param` and `set`".into(),
        ),
        Tok::Assign if has(expected, "Str") && !has(expected, "\"(\"") => {
            Some("metadata is written `key value`, without `=`: `title \"…\"`".into())
        }
        Tok::Coalesce if has(expected, "\"?\"") => {
            Some("a type is optional once: write `T?`".into())
        }
        Tok::Ge if has(expected, "\">\"") => {
            Some("put a space between `>` and `=`: `list<int> = …`".into())
        }
        _ if tok.is_keyword() && map_key => Some(format!(
            "`{tok}` is a keyword; quote the key: `\"{tok}\": …`"
        )),
        Tok::If if has(expected, "\"{\"") && !expects_expression => Some(
            "a `for` loop has no filter: put an `if` inside the loop, or loop over `[x for x in xs if …]`".into(),
        ),
        _ if has(expected, "\"then\"") && !expects_any_keyword(expected) => {
            Some("an `if` expression reads `if condition then a else b`".into())
        }
        Tok::Any | Tok::All => Some(format!(
            "put the `{tok} …` expression in parentheses: `({tok} x in xs: …)`"
        )),
        Tok::If if !has(expected, "\"if\"") => Some(
            "put the `if … then … else …` expression in parentheses".into(),
        ),
        Tok::Else => Some("`else` must follow the `}` of an `if` block".into()),
        Tok::Ident(_) | Tok::LineIdent(_) if has(expected, "\"deny\"") && !expects_expression => {
            Some("a policy body holds metadata (`title \"…\"`), `param`, `match`, `let`, `for`, `if` and `deny`".into())
        }
        Tok::Str(_) if has(expected, "\"message\"") => {
            Some("write `message` before the text: `message \"…\"`".into())
        }
        Tok::RBracket | Tok::RParen | Tok::RBrace if expects_expression => {
            Some("an expression is missing before this".into())
        }
        _ if tok.is_keyword() && has(expected, "Ident") && !expects_expression => Some(format!(
            "`{tok}` is a keyword; choose another name"
        )),
        _ => None,
    }
}

/// Terminals that start an expression; a list naming all of them says "an expression".
const EXPRESSION_STARTS: &[&str] = &[
    "Ident",
    "LineIdent",
    "DashedName",
    "Int",
    "Float",
    "Quantity",
    "Str",
    "Regex",
    "Glob",
    "\"null\"",
    "\"true\"",
    "\"false\"",
    "\"(\"",
    "\"[\"",
    "\"{\"",
    "\"-\"",
    "\"not\"",
    "\"if\"",
    "\"any\"",
    "\"all\"",
];

/// Operators that may continue an expression; a list naming most of them says "an operator".
const OPERATORS: &[&str] = &[
    "\"==\"",
    "\"!=\"",
    "\"<\"",
    "\"<=\"",
    "\">\"",
    "\">=\"",
    "\"+\"",
    "\"-\"",
    "\"*\"",
    "\"/\"",
    "\"%\"",
    "\"??\"",
    "\"and\"",
    "\"or\"",
    "\"in\"",
    "\"matches\"",
    "\".\"",
    "\"[\"",
    "\"(\"",
    "\"not\"",
];

/// Where every keyword is "expected", the keywords are error productions (`let match = …`):
/// not worth listing.
fn expects_any_keyword(expected: &[String]) -> bool {
    has(expected, "\"policy\"") && has(expected, "\"unsafe\"") && has(expected, "\"null\"")
}

fn expected_list(expected: &[String]) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    let skip_keywords = expects_any_keyword(expected);
    let expression = has(expected, "Ident") && has(expected, "\"(\"") && has(expected, "Int");
    let operators = OPERATORS.iter().filter(|op| has(expected, op)).count() >= 10;
    if expression {
        words.push("an expression".into());
    }
    if operators {
        words.push("an operator".into());
    }
    for terminal in expected {
        if expression && EXPRESSION_STARTS.contains(&terminal.as_str()) {
            continue;
        }
        if operators && OPERATORS.contains(&terminal.as_str()) {
            continue;
        }
        if skip_keywords
            && terminal.starts_with('"')
            && terminal[1..].starts_with(char::is_alphabetic)
        {
            continue;
        }
        let word = match terminal.as_str() {
            "Ident" | "LineIdent" => "a name".to_string(),
            "Str" => "a string".to_string(),
            "Int" => "a number".to_string(),
            "DashedName" | "Float" | "Quantity" | "Regex" | "Glob" => continue,
            quoted => format!("`{}`", quoted.trim_matches('"')),
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    match words.len() {
        0 => None,
        1 => words.pop(),
        count if count > 8 => {
            let shown = words[..7].join(", ");
            Some(format!("one of {shown} or {} more", count - 7))
        }
        _ => {
            let last = words.pop().unwrap_or_default();
            Some(format!("{} or {last}", words.join(", ")))
        }
    }
}
