//! Diagnostics are data: a code, a severity, spans and facts. Turning them into text is the
//! job of [`render`], and of nothing else.

mod render;

pub use render::{Source, render, render_plain};

use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A span with a short note about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in one source file.
///
/// Message grammar: lowercase, no final period, user input in backticks, one line. Detail goes
/// into labels, `help` says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    /// The note printed under the primary span.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Stable diagnostic codes. A code is never reused for another meaning.
///
/// `E01xx` lexical, `E02xx` syntax, `E03xx` policy structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// A character that starts no token.
    UnexpectedCharacter,
    /// A string, regex or glob literal without its closing quote.
    UnclosedString,
    /// A `\` escape that strings do not know.
    InvalidEscape,
    /// A number that does not fit or is malformed.
    InvalidNumber,
    /// An operator from another language (`&&`, `||`, `!`, `;`, `'…'`).
    ForeignSyntax,
    /// An opening bracket that is never closed, or a closing one that was never opened.
    UnbalancedDelimiter,
    /// Brackets nested deeper than the parser accepts.
    NestingTooDeep,
    /// An empty or malformed `{…}` inside a string.
    InvalidInterpolation,
    /// The file is too large to parse.
    FileTooLarge,
    /// A token the grammar does not expect here.
    UnexpectedToken,
    /// The file ends in the middle of a construct.
    UnexpectedEndOfFile,
    /// A name with `-` where an expression is expected.
    DashedName,
    /// `a == b == c` and similar chains.
    ChainedComparison,
    /// A metadata key that pol does not know.
    UnknownMetadata,
    /// A metadata value of the wrong shape.
    InvalidMetadata,
    /// A required metadata key that is missing.
    MissingMetadata,
    /// Something given twice that may be given once.
    Duplicate,
    /// A policy without `match`.
    MissingMatch,
    /// A `deny` without `message`.
    MissingMessage,
    /// A policy that has no `deny`.
    NoDeny,
    /// A declaration that must come earlier in the policy.
    MisplacedItem,
    /// A field that the schema does not have.
    UnknownField,
    /// A kind that the schemas do not have.
    UnknownKind,
    /// A kind served by several API groups, named without one.
    AmbiguousKind,
    /// A name that no `let`, `for`, `param` or binding declares.
    UnknownName,
    /// A type name that does not exist.
    UnknownType,
    /// A function that is not a builtin.
    UnknownBuiltin,
    /// Values of types that do not go together.
    TypeMismatch,
    /// A value that may be absent where one is needed.
    OptionalValue,
    /// A string compared with an enum field is not one of its values.
    EnumValue,
    /// Something iterated that is not a list.
    NotIterable,
    /// A call of something that is not a function.
    NotCallable,
    /// A call with the wrong number of arguments.
    ArgumentCount,
    /// `at`, `set`, `remove` or `append` without a field path.
    NotAPath,
    /// `x ?? d` where `x` is never absent.
    NeverAbsent,
    /// A comparison whose outcome is known in advance.
    AlwaysSame,
    /// A regex or glob literal that does not compile.
    InvalidPattern,
    /// A literal that a builtin or the language cannot read (a quantity, a duration).
    InvalidLiteral,
    /// A control string that no framework defines.
    UnknownControl,
    /// A list or map literal whose items have different types: reading them is unchecked.
    MixedLiteral,
    /// A problem in a configuration file (`pol.yaml`).
    Config,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnexpectedCharacter => "E0101",
            Code::UnclosedString => "E0102",
            Code::InvalidEscape => "E0103",
            Code::InvalidNumber => "E0104",
            Code::ForeignSyntax => "E0105",
            Code::UnbalancedDelimiter => "E0106",
            Code::NestingTooDeep => "E0107",
            Code::InvalidInterpolation => "E0108",
            Code::FileTooLarge => "E0109",
            Code::UnexpectedToken => "E0201",
            Code::UnexpectedEndOfFile => "E0202",
            Code::DashedName => "E0203",
            Code::ChainedComparison => "E0204",
            Code::UnknownMetadata => "E0301",
            Code::InvalidMetadata => "E0302",
            Code::MissingMetadata => "E0303",
            Code::Duplicate => "E0304",
            Code::MissingMatch => "E0305",
            Code::MissingMessage => "E0306",
            Code::NoDeny => "W0307",
            Code::MisplacedItem => "E0308",
            Code::UnknownField => "E0401",
            Code::UnknownKind => "E0402",
            Code::AmbiguousKind => "E0403",
            Code::UnknownName => "E0404",
            Code::UnknownType => "E0405",
            Code::UnknownBuiltin => "E0406",
            Code::TypeMismatch => "E0407",
            Code::OptionalValue => "E0408",
            Code::EnumValue => "E0409",
            Code::NotIterable => "E0410",
            Code::NotCallable => "E0411",
            Code::ArgumentCount => "E0412",
            Code::NotAPath => "E0413",
            Code::NeverAbsent => "W0414",
            Code::AlwaysSame => "W0415",
            Code::InvalidPattern => "E0416",
            Code::InvalidLiteral => "E0417",
            Code::UnknownControl => "E0418",
            Code::MixedLiteral => "W0419",
            Code::Config => "E0501",
        }
    }
}
