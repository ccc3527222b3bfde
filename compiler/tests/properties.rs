//! Properties of the front end: generated trees survive `format` then `parse` unchanged
//! (spans and parentheses aside), formatting is idempotent, and no input panics the lexer,
//! the parser or the formatter.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use pol_compiler::ast::*;
use pol_compiler::format::{format, format_source};
use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::syntax::{KEYWORDS, Parsed};
use pol_compiler::{Span, parse, typeck};
use proptest::prelude::*;

const Z: Span = Span::new(0, 0);

fn name(text: impl Into<String>) -> Name {
    Name {
        text: text.into(),
        span: Z,
    }
}

fn expr(kind: ExprKind) -> Expr {
    Expr::new(kind, Z)
}

fn is_keyword(text: &str) -> bool {
    KEYWORDS.iter().any(|(keyword, _)| *keyword == text)
}

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-zA-Z0-9_]{0,6}".prop_filter("keyword", |text| !is_keyword(text)),
        1 => prop::sample::select(vec!["resource", "pod", "podMetadata", "len", "keys", "lower"])
            .prop_map(str::to_string),
    ]
}

/// Field names may be keywords, and are often real Kubernetes fields so that the type checker
/// gets past the first lookup.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "spec", "metadata", "containers", "securityContext", "privileged", "name", "image",
            "labels", "replicas", "template", "hostNetwork", "resources", "limits", "ports",
            "allContainers", "capabilities", "add", "drop", "volumes", "hostPath",
        ]).prop_map(str::to_string),
        3 => identifier(),
        1 => prop::sample::select(KEYWORDS.iter().map(|(keyword, _)| keyword.to_string()).collect::<Vec<_>>()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => "[a-zA-Z0-9 ]{1,6}",
            1 => Just("\"".to_string()),
            1 => Just("\\".to_string()),
            1 => Just("{".to_string()),
            1 => Just("}".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("\t".to_string()),
            1 => Just("\r".to_string()),
            1 => Just("é🙂".to_string()),
            1 => Just("\u{7}".to_string()),
            1 => Just("  ".to_string()),
        ],
        0..6,
    )
    .prop_map(|pieces| pieces.concat())
}

fn pattern() -> impl Strategy<Value = String> {
    "[a-z0-9^$.*+?()|\\[\\]]{0,10}"
}

/// Merges adjacent text and drops empty text, as the parser does.
fn string_lit(parts: Vec<StringPart>, multiline: bool) -> StringLit {
    let mut merged: Vec<StringPart> = Vec::new();
    for part in parts {
        match part {
            StringPart::Text(text) if text.is_empty() => {}
            StringPart::Text(text) => {
                if let Some(StringPart::Text(previous)) = merged.last_mut() {
                    previous.push_str(&text);
                } else {
                    merged.push(StringPart::Text(text));
                }
            }
            interp => merged.push(interp),
        }
    }
    StringLit {
        parts: merged,
        multiline,
        span: Z,
    }
}

fn plain_string() -> impl Strategy<Value = StringLit> {
    text().prop_map(|text| string_lit(vec![StringPart::Text(text)], false))
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(expr(ExprKind::Null)),
        any::<bool>().prop_map(|flag| expr(ExprKind::Bool(flag))),
        (0..=i64::MAX).prop_map(|number| expr(ExprKind::Int(number))),
        (0.0f64..1e300)
            .prop_filter("finite", |number| number.is_finite())
            .prop_map(|number| expr(ExprKind::Float(number))),
        prop::sample::select(vec![
            "500m", "1Gi", "2k", "1.5Gi", "100M", "3E", "250n", "64Ki"
        ])
        .prop_map(|quantity| expr(ExprKind::Quantity(quantity.to_string()))),
        plain_string().prop_map(|lit| expr(ExprKind::Str(lit))),
        pattern().prop_map(|text| expr(ExprKind::Regex(text))),
        pattern().prop_map(|text| expr(ExprKind::Glob(text))),
        identifier().prop_map(|text| expr(ExprKind::Name(text))),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    prop::sample::select(vec![
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::In,
        BinaryOp::NotIn,
        BinaryOp::Matches,
        BinaryOp::Coalesce,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Rem,
    ])
}

/// A path: a name followed by fields and indexes, as `set`/`remove`/`append` targets.
fn path_expr() -> impl Strategy<Value = Expr> {
    (identifier(), prop::collection::vec(field_name(), 0..4)).prop_map(|(root, fields)| {
        fields
            .into_iter()
            .fold(expr(ExprKind::Name(root)), |base, field| {
                expr(ExprKind::Field {
                    base: Box::new(base),
                    name: name(field),
                })
            })
    })
}

fn expression() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| expr(ExprKind::List(items))),
            prop::collection::vec(
                (
                    prop_oneof![
                        identifier().prop_map(|key| MapKey::Name(name(key))),
                        plain_string().prop_map(MapKey::Str),
                    ],
                    inner.clone()
                ),
                0..3
            )
            .prop_map(|entries| expr(ExprKind::Map(
                entries
                    .into_iter()
                    .map(|(key, value)| MapEntry {
                        key,
                        value,
                        span: Z
                    })
                    .collect()
            ))),
            (boxed.clone(), field_name()).prop_map(|(base, field)| expr(ExprKind::Field {
                base,
                name: name(field)
            })),
            (boxed.clone(), boxed.clone())
                .prop_map(|(base, index)| expr(ExprKind::Index { base, index })),
            (path_expr(), prop::collection::vec(inner.clone(), 0..3)).prop_map(|(callee, args)| {
                expr(ExprKind::Call {
                    callee: Box::new(callee),
                    args,
                })
            }),
            (
                prop::sample::select(vec![UnaryOp::Not, UnaryOp::Neg]),
                boxed.clone()
            )
                .prop_map(|(op, operand)| expr(ExprKind::Unary { op, operand })),
            (binary_op(), boxed.clone(), boxed.clone())
                .prop_map(|(op, lhs, rhs)| expr(ExprKind::Binary { op, lhs, rhs })),
            (any::<bool>(), identifier(), boxed.clone(), boxed.clone()).prop_map(
                |(any, binding, iterable, condition)| expr(ExprKind::Quantifier {
                    kind: if any {
                        Quantifier::Any
                    } else {
                        Quantifier::All
                    },
                    binding: name(binding),
                    iterable,
                    condition,
                })
            ),
            (
                boxed.clone(),
                identifier(),
                boxed.clone(),
                prop::option::of(boxed.clone())
            )
                .prop_map(|(element, binding, iterable, filter)| expr(
                    ExprKind::Comprehension {
                        element,
                        binding: name(binding),
                        iterable,
                        filter,
                    }
                )),
            (boxed.clone(), boxed.clone(), boxed.clone()).prop_map(
                |(condition, then, otherwise)| {
                    expr(ExprKind::Conditional {
                        condition,
                        then,
                        otherwise,
                    })
                }
            ),
            boxed.clone().prop_map(|inner| expr(ExprKind::Paren(inner))),
            (
                prop::collection::vec(
                    prop_oneof![
                        text().prop_map(StringPart::Text),
                        inner.clone().prop_map(StringPart::Interp),
                    ],
                    0..4
                ),
                any::<bool>()
            )
                .prop_map(|(parts, multiline)| {
                    // A multi-line string inside an interpolation is printed on one line:
                    // only plain strings go inside `{…}`.
                    let parts = parts
                        .into_iter()
                        .map(|part| match part {
                            StringPart::Interp(inner) => StringPart::Interp(flatten_strings(inner)),
                            text => text,
                        })
                        .collect();
                    expr(ExprKind::Str(string_lit(parts, multiline)))
                }),
        ]
    })
}

/// Makes every string below `expr` single-line.
fn flatten_strings(mut expr: Expr) -> Expr {
    fn walk(expr: &mut Expr) {
        if let ExprKind::Str(lit) = &mut expr.kind {
            lit.multiline = false;
        }
        expr.kind.for_each_child_mut(walk);
    }
    walk(&mut expr);
    expr
}

fn type_expr() -> impl Strategy<Value = TypeExpr> {
    let named = |text: &str, args: Vec<TypeExpr>| TypeExpr {
        kind: TypeKind::Named {
            name: name(text),
            args,
        },
        span: Z,
    };
    let base = prop::sample::select(vec!["int", "string", "bool", "quantity", "float"])
        .prop_map(move |text| named(text, Vec::new()));
    let element = base.clone();
    let composite = prop_oneof![
        3 => base,
        1 => element.clone().prop_map(move |inner| named("list", vec![inner])),
        1 => element.prop_map(move |inner| named("map", vec![inner])),
    ];
    (composite, any::<bool>()).prop_map(|(ty, optional)| {
        if optional {
            TypeExpr {
                kind: TypeKind::Optional(Box::new(ty)),
                span: Z,
            }
        } else {
            ty
        }
    })
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (path_expr(), expression()).prop_map(|(target, value)| EditKind::Set { target, value }),
        path_expr().prop_map(|target| EditKind::Remove { target }),
        (expression(), path_expr()).prop_map(|(value, target)| EditKind::Append { value, target }),
    ]
    .prop_map(|kind| Edit { kind, span: Z })
}

fn deny() -> impl Strategy<Value = Stmt> {
    (
        expression(),
        prop::option::of(path_expr()),
        expression(),
        prop::option::of((any::<bool>(), prop::collection::vec(edit(), 1..3))),
    )
        .prop_map(|(condition, at, message, fix)| {
            Stmt::Deny(Deny {
                condition,
                at,
                message: Some(message),
                fix: fix.map(|(unsafe_fix, edits)| Fix {
                    safety: if unsafe_fix {
                        FixSafety::Unsafe
                    } else {
                        FixSafety::Safe
                    },
                    edits,
                    span: Z,
                }),
                span: Z,
            })
        })
}

fn block(stmts: Vec<Stmt>) -> Block {
    Block { stmts, span: Z }
}

fn statement() -> impl Strategy<Value = Stmt> {
    let simple = prop_oneof![
        2 => deny(),
        1 => (identifier(), expression()).prop_map(|(binding, value)| Stmt::Let(Let {
            name: name(binding),
            value,
            span: Z
        })),
    ];
    simple.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            (
                identifier(),
                expression(),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(binding, iterable, stmts)| Stmt::For(For {
                    binding: name(binding),
                    iterable,
                    body: block(stmts),
                    span: Z
                })),
            (
                expression(),
                prop::collection::vec(inner.clone(), 0..3),
                prop::option::of(prop::collection::vec(inner.clone(), 0..2)),
                prop::option::of((expression(), prop::collection::vec(inner, 0..2)))
            )
                .prop_map(|(condition, then, otherwise, else_if)| {
                    let otherwise = match (else_if, otherwise) {
                        (Some((condition, stmts)), last) => Some(Else::If(Box::new(If {
                            condition,
                            then: block(stmts),
                            otherwise: last.map(|stmts| Else::Block(block(stmts))),
                            span: Z,
                        }))),
                        (None, Some(stmts)) => Some(Else::Block(block(stmts))),
                        (None, None) => None,
                    };
                    Stmt::If(If {
                        condition,
                        then: block(then),
                        otherwise,
                        span: Z,
                    })
                }),
        ]
    })
}

fn meta(key: &str, value: MetaValue) -> PolicyItem {
    PolicyItem::Meta(Meta {
        key: name(key),
        value,
        span: Z,
    })
}

fn policy(index: usize) -> impl Strategy<Value = Policy> {
    (
        plain_string(),
        prop::sample::select(vec!["info", "low", "medium", "high", "critical"]),
        prop::option::of(prop::collection::vec(plain_string(), 0..4)),
        prop::collection::vec((type_expr(), prop::option::of(expression())), 0..3),
        prop::collection::vec(
            prop_oneof![
                Just(MatchTarget::Workload(Z)),
                Just(MatchTarget::Every(Z)),
                ("[A-Z][a-zA-Z]{0,8}", prop::option::of(plain_string())).prop_map(
                    |(kind, api_version)| {
                        MatchTarget::Kind {
                            kind: name(kind),
                            api_version,
                            span: Z,
                        }
                    }
                ),
            ],
            1..3,
        ),
        prop::option::of(expression()),
        deny(),
        prop::collection::vec(statement(), 0..4),
    )
        .prop_map(
            move |(title, severity, controls, params, targets, guard, first, rest)| {
                let mut items = vec![
                    meta("title", MetaValue::Str(title)),
                    meta("severity", MetaValue::Word(name(severity))),
                ];
                if let Some(controls) = controls {
                    items.push(meta(
                        "controls",
                        MetaValue::List(controls.into_iter().map(MetaValue::Str).collect(), Z),
                    ));
                }
                for (number, (ty, default)) in params.into_iter().enumerate() {
                    items.push(PolicyItem::Param(Param {
                        name: name(format!("p{number}")),
                        ty,
                        default,
                        span: Z,
                    }));
                }
                items.push(PolicyItem::Match(Match {
                    targets,
                    guard,
                    span: Z,
                }));
                items.push(PolicyItem::Stmt(first));
                items.extend(rest.into_iter().map(PolicyItem::Stmt));
                Policy {
                    name: name(format!("generated-policy-{index}")),
                    doc: None,
                    items,
                    span: Z,
                    close: Z,
                }
            },
        )
}

fn file() -> impl Strategy<Value = File> {
    (policy(0), prop::option::of(policy(1))).prop_map(|(first, second)| File {
        policies: std::iter::once(first).chain(second).collect(),
    })
}

fn format_tree(file: &File) -> String {
    let parsed = Parsed {
        file: file.clone(),
        comments: Vec::new(),
        diagnostics: Vec::new(),
    };
    format("", &parsed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn format_then_parse_gives_the_same_tree(tree in file()) {
        let text = format_tree(&tree);
        let parsed = parse(&text);
        prop_assert!(!parsed.has_errors(), "{text}\n{:#?}", parsed.diagnostics);
        prop_assert_eq!(normalized(&parsed.file), normalized(&tree), "{}", text);
        let again = format_source(&text).unwrap();
        prop_assert_eq!(again, text);
    }

    #[test]
    fn type_checking_never_panics(tree in file()) {
        let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
        let text = format_tree(&tree);
        let parsed = parse(&text);
        let _ = typeck::check(&text, &parsed.file, &schemas);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let source = String::from_utf8_lossy(&bytes);
        check_no_panic(&source);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(SOUP.to_vec()), 0..80)) {
        let source = tokens.join(" ");
        check_no_panic(&source);
    }
}

/// Pieces of pol and of other languages, to reach deep into the grammar.
const SOUP: &[&str] = &[
    "policy",
    "p",
    "{",
    "}",
    "title",
    "\"t\"",
    "severity",
    "high",
    "match",
    "workload",
    "Pod",
    "param",
    "x",
    ":",
    "int",
    "=",
    "deny",
    "at",
    "message",
    "fix",
    "set",
    "remove",
    "append",
    "to",
    "unsafe",
    "let",
    "for",
    "in",
    "if",
    "then",
    "else",
    "any",
    "all",
    "and",
    "or",
    "not",
    "==",
    "!=",
    "<",
    ">=",
    "??",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "a.b",
    "1",
    "2.5",
    "1Gi",
    "\"s {x} s\"",
    "\"\"\"\n  m\n  \"\"\"",
    "r\"^a$\"",
    "g\"*\"",
    "&&",
    "||",
    "!",
    ";",
    "'q'",
    "#",
    "//c\n",
    "\"unclosed",
    "{x",
    "\"{",
    "@",
    "?",
    "matches",
    "null",
    "true",
    "\n",
    "x-y",
    "12ab",
];

fn check_no_panic(source: &str) {
    let parsed = parse(source);
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let _ = typeck::check(source, &parsed.file, &schemas);
    if !parsed.has_errors() {
        let formatted = format_source(source).expect("a file without errors formats");
        let again = format_source(&formatted).expect("formatted text parses");
        assert_eq!(formatted, again, "not idempotent on {source:?}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for source in [
        format!(
            "policy a {{ deny {}true{} }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
        format!("policy a {{ deny {}x }}", "- ".repeat(100_000)),
        format!("policy a {{ deny {}x }}", "not ".repeat(100_000)),
        format!("policy a {{ deny x{} }}", ".a".repeat(100_000)),
        format!("policy a {{ deny {} }}", vec!["a"; 100_000].join(" + ")),
        format!("policy a {{ deny {} }}", vec!["a"; 100_000].join(" ?? ")),
        format!(
            "policy a {{ param p: {}int{} }}",
            "list<".repeat(10_000),
            ">".repeat(10_000)
        ),
        format!("policy a {{ title \"{}\" }}", "{\"".repeat(10_000)),
        format!("policy a {{ {} }}", "if a { ".repeat(10_000)),
    ] {
        let parsed = parse(&source);
        assert!(parsed.has_errors());
        assert!(
            parsed.diagnostics.len() < 20,
            "{:#?}",
            &parsed.diagnostics[..5]
        );
    }
}
