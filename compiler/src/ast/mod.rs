//! The syntax tree of `.pol` files. Every node carries the [`Span`] of the source it came
//! from, so that every later stage (type checker, bytecode source map, findings, fixes, the
//! language server) can point at the exact text.

mod normalize;

pub use normalize::normalized;

use crate::span::Span;

/// One `.pol` file: any number of policies.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub policies: Vec<Policy>,
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// `policy id { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The policy id: lowercase words joined by `-`, like `privileged-container`.
    pub name: Name,
    /// The `///` doc comment before `policy`, without the slashes (one string, lines joined by
    /// `\n`). The formatter prints doc comments from the comment list, not from here.
    pub doc: Option<String>,
    pub items: Vec<PolicyItem>,
    pub span: Span,
    /// The span of the closing `}`: comments before it belong inside the policy.
    pub close: Span,
}

/// What a policy body holds, in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyItem {
    Meta(Meta),
    Param(Param),
    Match(Match),
    Stmt(Stmt),
}

impl PolicyItem {
    pub fn span(&self) -> Span {
        match self {
            PolicyItem::Meta(meta) => meta.span,
            PolicyItem::Param(param) => param.span,
            PolicyItem::Match(matcher) => matcher.span,
            PolicyItem::Stmt(stmt) => stmt.span(),
        }
    }
}

/// A metadata entry: `severity high`, `title "…"`, `controls ["…", …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub key: Name,
    pub value: MetaValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Str(StringLit),
    /// A bare word such as `high` or `workload-security`.
    Word(Name),
    Int(i64, Span),
    Float(f64, Span),
    Bool(bool, Span),
    List(Vec<MetaValue>, Span),
}

impl MetaValue {
    pub fn span(&self) -> Span {
        match self {
            MetaValue::Str(lit) => lit.span,
            MetaValue::Word(name) => name.span,
            MetaValue::Int(_, span)
            | MetaValue::Float(_, span)
            | MetaValue::Bool(_, span)
            | MetaValue::List(_, span) => *span,
        }
    }
}

/// `param name: type = default`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Name,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

/// A type as written: `int`, `list<string>`, `map<quantity>`, `string?`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

impl TypeExpr {
    /// Height of the type below this node; `int` is 1.
    pub fn depth(&self) -> u32 {
        match &self.kind {
            TypeKind::Named { args, .. } => 1 + args.iter().map(TypeExpr::depth).max().unwrap_or(0),
            TypeKind::Optional(inner) => 1 + inner.depth(),
        }
    }
}

/// The type as `pol fmt` writes it: `list<string>`, `int?`.
impl std::fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            TypeKind::Named { name, args } => {
                f.write_str(&name.text)?;
                if !args.is_empty() {
                    f.write_str("<")?;
                    for (index, arg) in args.iter().enumerate() {
                        if index > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{arg}")?;
                    }
                    f.write_str(">")?;
                }
                Ok(())
            }
            TypeKind::Optional(inner) => write!(f, "{inner}?"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Named { name: Name, args: Vec<TypeExpr> },
    Optional(Box<TypeExpr>),
}

/// `match workload, Service when guard`.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub targets: Vec<MatchTarget>,
    pub guard: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MatchTarget {
    /// Pod and every pod controller; binds `pod`.
    Workload(Span),
    /// `*`: every resource, of any kind and version, including kinds no schema knows;
    /// `resource` is `any`.
    Every(Span),
    /// A kind, optionally pinned to an API group/version: `Ingress @ "networking.k8s.io/v1"`.
    Kind {
        kind: Name,
        api_version: Option<StringLit>,
        span: Span,
    },
}

impl MatchTarget {
    pub fn span(&self) -> Span {
        match self {
            MatchTarget::Workload(span) | MatchTarget::Every(span) => *span,
            MatchTarget::Kind { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    Let(Let),
    For(For),
    If(If),
    Deny(Deny),
    /// A statement that did not parse; its diagnostics were reported.
    Error(Span),
}

impl Stmt {
    pub fn span(&self) -> Span {
        match self {
            Stmt::Let(stmt) => stmt.span,
            Stmt::For(stmt) => stmt.span,
            Stmt::If(stmt) => stmt.span,
            Stmt::Deny(stmt) => stmt.span,
            Stmt::Error(span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub name: Name,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct For {
    pub binding: Name,
    pub iterable: Expr,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct If {
    pub condition: Expr,
    pub then: Block,
    pub otherwise: Option<Else>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Else {
    Block(Block),
    If(Box<If>),
}

/// `{ statements }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

impl Block {
    /// The span of the closing `}`.
    pub fn close(&self) -> Span {
        Span::new(self.span.end.saturating_sub(1), self.span.end)
    }
}

/// `deny condition at place message "…" fix edit`.
#[derive(Debug, Clone, PartialEq)]
pub struct Deny {
    pub condition: Expr,
    pub at: Option<Expr>,
    pub message: Option<Expr>,
    pub fix: Option<Fix>,
    pub span: Span,
}

/// The edits that repair a finding, kept as data: the same edits become a text edit of the
/// YAML file (`pol fix`) and a JSON Patch (the mutating webhook).
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub safety: FixSafety,
    pub edits: Vec<Edit>,
    /// Written as `fix { … }`; the formatter keeps braces for several edits.
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixSafety {
    /// Applied by `pol fix` and the mutating webhook.
    Safe,
    /// Changes behaviour a user may rely on: applied only on request (`fix unsafe …`).
    Unsafe,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub kind: EditKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EditKind {
    /// `set path = value`
    Set { target: Expr, value: Expr },
    /// `remove path`
    Remove { target: Expr },
    /// `append value to path`
    Append { value: Expr, target: Expr },
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// Height of the tree below this node (a leaf is 1). Bounded by [`MAX_DEPTH`]: the parser
    /// refuses deeper expressions, so recursive passes cannot run out of stack.
    depth: u32,
}

/// How deep an expression tree may be. Hand-written policies stay far below it.
pub const MAX_DEPTH: u32 = 200;

impl PartialEq for Expr {
    /// Structural equality; `depth` follows from the structure.
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind && self.span == other.span
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A Kubernetes quantity literal such as `500m` or `1Gi`, as written.
    Quantity(String),
    Str(StringLit),
    /// `r"…"`: a regular expression, as written (no escapes processed).
    Regex(String),
    /// `g"…"`: a glob pattern, as written.
    Glob(String),
    /// A name: a binding, a parameter, `resource`, `pod`, or a builtin.
    Name(String),
    List(Vec<Expr>),
    Map(Vec<MapEntry>),
    /// `base.name`
    Field {
        base: Box<Expr>,
        name: Name,
    },
    /// `base[index]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `callee(args)`; a method call `x.f(y)` has a `Field` callee.
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `any x in xs: cond` / `all x in xs: cond`
    Quantifier {
        kind: Quantifier,
        binding: Name,
        iterable: Box<Expr>,
        condition: Box<Expr>,
    },
    /// `[element for binding in iterable if filter]`
    Comprehension {
        element: Box<Expr>,
        binding: Name,
        iterable: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `if condition then a else b`
    Conditional {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `( inner )`, kept so that the formatter keeps the author's grouping.
    Paren(Box<Expr>),
    /// An expression that did not parse; its diagnostics were reported.
    Error,
}

impl ExprKind {
    /// Calls `visit` on each direct sub-expression, interpolations included, in source order.
    pub fn for_each_child<'a>(&'a self, mut visit: impl FnMut(&'a Expr)) {
        match self {
            ExprKind::Str(lit) => {
                for part in &lit.parts {
                    if let StringPart::Interp(inner) = part {
                        visit(inner);
                    }
                }
            }
            ExprKind::List(items) => items.iter().for_each(visit),
            ExprKind::Map(entries) => {
                for entry in entries {
                    if let MapKey::Str(lit) = &entry.key {
                        for part in &lit.parts {
                            if let StringPart::Interp(inner) = part {
                                visit(inner);
                            }
                        }
                    }
                    visit(&entry.value);
                }
            }
            ExprKind::Field { base, .. } => visit(base),
            ExprKind::Index { base, index } => {
                visit(base);
                visit(index);
            }
            ExprKind::Call { callee, args } => {
                visit(callee);
                args.iter().for_each(visit);
            }
            ExprKind::Unary { operand, .. } => visit(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                visit(lhs);
                visit(rhs);
            }
            ExprKind::Quantifier {
                iterable,
                condition,
                ..
            } => {
                visit(iterable);
                visit(condition);
            }
            ExprKind::Comprehension {
                element,
                iterable,
                filter,
                ..
            } => {
                visit(element);
                visit(iterable);
                if let Some(filter) = filter {
                    visit(filter);
                }
            }
            ExprKind::Conditional {
                condition,
                then,
                otherwise,
            } => {
                visit(condition);
                visit(then);
                visit(otherwise);
            }
            ExprKind::Paren(inner) => visit(inner),
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Quantity(_)
            | ExprKind::Regex(_)
            | ExprKind::Glob(_)
            | ExprKind::Name(_)
            | ExprKind::Error => {}
        }
    }

    /// [`ExprKind::for_each_child`], for rewriting passes.
    pub fn for_each_child_mut(&mut self, mut visit: impl FnMut(&mut Expr)) {
        match self {
            ExprKind::Str(lit) => {
                for part in &mut lit.parts {
                    if let StringPart::Interp(inner) = part {
                        visit(inner);
                    }
                }
            }
            ExprKind::List(items) => items.iter_mut().for_each(visit),
            ExprKind::Map(entries) => {
                for entry in entries.iter_mut() {
                    if let MapKey::Str(lit) = &mut entry.key {
                        for part in &mut lit.parts {
                            if let StringPart::Interp(inner) = part {
                                visit(inner);
                            }
                        }
                    }
                    visit(&mut entry.value);
                }
            }
            ExprKind::Field { base, .. } => visit(base),
            ExprKind::Index { base, index } => {
                visit(base);
                visit(index);
            }
            ExprKind::Call { callee, args } => {
                visit(callee);
                args.iter_mut().for_each(visit);
            }
            ExprKind::Unary { operand, .. } => visit(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                visit(lhs);
                visit(rhs);
            }
            ExprKind::Quantifier {
                iterable,
                condition,
                ..
            } => {
                visit(iterable);
                visit(condition);
            }
            ExprKind::Comprehension {
                element,
                iterable,
                filter,
                ..
            } => {
                visit(element);
                visit(iterable);
                if let Some(filter) = filter {
                    visit(filter);
                }
            }
            ExprKind::Conditional {
                condition,
                then,
                otherwise,
            } => {
                visit(condition);
                visit(then);
                visit(otherwise);
            }
            ExprKind::Paren(inner) => visit(inner),
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Quantity(_)
            | ExprKind::Regex(_)
            | ExprKind::Glob(_)
            | ExprKind::Name(_)
            | ExprKind::Error => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: MapKey,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MapKey {
    Name(Name),
    Str(StringLit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Matches,
    Coalesce,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// How tightly an operator binds; a larger number binds tighter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precedence {
    /// `any`, `all`, `if … then … else`: the body reaches as far right as it can.
    Prefix = 0,
    Or = 1,
    And = 2,
    Not = 3,
    Comparison = 4,
    Coalesce = 5,
    Additive = 6,
    Multiplicative = 7,
    Negation = 8,
    Postfix = 9,
}

impl BinaryOp {
    pub fn precedence(self) -> Precedence {
        match self {
            BinaryOp::Or => Precedence::Or,
            BinaryOp::And => Precedence::And,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn
            | BinaryOp::Matches => Precedence::Comparison,
            BinaryOp::Coalesce => Precedence::Coalesce,
            BinaryOp::Add | BinaryOp::Sub => Precedence::Additive,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => Precedence::Multiplicative,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Matches => "matches",
            BinaryOp::Coalesce => "??",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        let mut depth = 0;
        kind.for_each_child(|child| depth = depth.max(child.depth));
        Expr {
            kind,
            span,
            depth: depth.saturating_add(1),
        }
    }

    /// Height of the tree below this node; a leaf is 1.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The precedence of the outermost operator, which decides where parentheses are needed.
    pub fn precedence(&self) -> Precedence {
        match &self.kind {
            ExprKind::Binary { op, .. } => op.precedence(),
            ExprKind::Unary {
                op: UnaryOp::Not, ..
            } => Precedence::Not,
            ExprKind::Unary {
                op: UnaryOp::Neg, ..
            } => Precedence::Negation,
            ExprKind::Quantifier { .. } | ExprKind::Conditional { .. } => Precedence::Prefix,
            _ => Precedence::Postfix,
        }
    }
}

/// A string literal: text and `{expr}` interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub parts: Vec<StringPart>,
    /// Written with `"""`.
    pub multiline: bool,
    pub span: Span,
}

impl StringLit {
    /// The text when the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                StringPart::Text(piece) => text.push_str(piece),
                StringPart::Interp(_) => return None,
            }
        }
        Some(text)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Text(String),
    Interp(Expr),
}
