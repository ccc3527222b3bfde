//! Structural checks that need no schema: metadata keys and shapes, one `match` per policy,
//! duplicates, the order of declarations, policy ids.

use std::collections::HashMap;

use super::CommentKind;
use super::parser::Parsed;
use crate::ast::{Deny, MetaValue, Policy, PolicyItem, Stmt};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use crate::suggest::closest;

/// The shape a metadata value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Word(&'static [&'static str]),
    WordOrText,
    TextList,
    WordOrTextList,
    Bool,
}

/// Every metadata key a policy may have.
const METADATA: &[(&str, Shape, bool)] = &[
    ("title", Shape::Text, true),
    ("severity", Shape::Word(SEVERITIES), true),
    ("category", Shape::WordOrText, false),
    ("controls", Shape::TextList, false),
    ("description", Shape::Text, false),
    ("remediation", Shape::Text, false),
    ("references", Shape::TextList, false),
    ("tags", Shape::WordOrTextList, false),
    ("enabled", Shape::Bool, false),
];

/// Severities, lowest first.
pub const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];

/// Metadata keys, for documentation and the language server.
pub fn metadata_keys() -> impl Iterator<Item = &'static str> {
    METADATA.iter().map(|(key, _, _)| *key)
}

pub fn validate(source: &str, parsed: &mut Parsed) {
    let mut diagnostics = Vec::new();
    // After a syntax error the tree is incomplete: checks that a missing piece would trip
    // ("no `title`", "never denies") are left out rather than reported as a cascade.
    let syntax_errors: Vec<Span> = parsed
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(|diagnostic| diagnostic.primary.span)
        .collect();
    let mut seen: HashMap<String, Span> = HashMap::new();
    for policy in &mut parsed.file.policies {
        if let Some(first) = seen.get(&policy.name.text) {
            diagnostics.push(
                Diagnostic::error(
                    Code::Duplicate,
                    format!("policy `{}` is defined twice", policy.name.text),
                    policy.name.span,
                )
                .with_label("second definition")
                .with_secondary(*first, "first definition")
                .with_help("policy ids are unique; rename one of them"),
            );
        } else {
            seen.insert(policy.name.text.clone(), policy.name.span);
        }
        check_policy_name(policy, &mut diagnostics);
        let broken = syntax_errors
            .iter()
            .any(|span| span.start >= policy.span.start && span.start <= policy.span.end);
        check_items(source, policy, broken, &syntax_errors, &mut diagnostics);
        policy.doc = doc_comment(source, &parsed.comments, policy.span.start);
    }
    parsed.diagnostics.append(&mut diagnostics);
}

/// The `///` lines directly above `start`, with the slashes and one space removed.
fn doc_comment(source: &str, comments: &[super::Comment], start: u32) -> Option<String> {
    let mut lines = Vec::new();
    let mut boundary = start;
    // Comments are sorted: look only at those that end before the policy, nearest first.
    let before = comments.partition_point(|comment| comment.span.end <= start);
    for comment in comments[..before].iter().rev() {
        let between = Span::new(comment.span.end, boundary).text(source);
        if comment.kind != CommentKind::Doc
            || !between.trim().is_empty()
            || between.matches('\n').count() > 1
        {
            break;
        }
        let text = comment.text.trim_start_matches("///");
        lines.push(text.strip_prefix(' ').unwrap_or(text).to_string());
        boundary = comment.span.start;
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

fn is_policy_id(name: &str) -> bool {
    name.split('-').all(|word| {
        let mut chars = word.chars();
        chars
            .next()
            .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    }) && name.starts_with(|c: char| c.is_ascii_lowercase())
}

/// `minReplicas` → `min-replicas`, `Min_Replicas` → `min-replicas`.
fn to_policy_id(name: &str) -> String {
    let mut id = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 && !id.ends_with('-') {
            id.push('-');
        }
        if c == '_' {
            if !id.ends_with('-') {
                id.push('-');
            }
        } else {
            id.push(c.to_ascii_lowercase());
        }
    }
    id.trim_matches('-').to_string()
}

fn check_policy_name(policy: &Policy, diagnostics: &mut Vec<Diagnostic>) {
    let name = &policy.name.text;
    if !is_policy_id(name) {
        diagnostics.push(
            Diagnostic::error(
                Code::InvalidMetadata,
                format!("`{name}` is not a valid policy id"),
                policy.name.span,
            )
            .with_label("policy ids are lowercase words joined by `-`")
            .with_help(format!("name it `{}`", to_policy_id(name))),
        );
    }
}

fn check_items(
    source: &str,
    policy: &Policy,
    broken: bool,
    syntax_errors: &[Span],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut metadata: HashMap<&str, Span> = HashMap::new();
    let mut params: HashMap<&str, Span> = HashMap::new();
    let mut matcher: Option<Span> = None;
    let mut first_rule: Option<Span> = None;
    let mut denies = false;
    for item in &policy.items {
        if let (Some(rule), false) = (first_rule, matches!(item, PolicyItem::Stmt(_)))
            && !broken
        {
            let what = match item {
                PolicyItem::Meta(meta) => format!("metadata `{}`", meta.key.text),
                PolicyItem::Param(param) => format!("`param {}`", param.name.text),
                _ => "`match`".to_string(),
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::MisplacedItem,
                    format!("{what} comes after the policy's rules"),
                    item.span(),
                )
                .with_secondary(rule, "the rules start here")
                .with_help("move metadata, `param` and `match` above the first `let`, `for`, `if` or `deny`"),
            );
        }
        match item {
            PolicyItem::Meta(meta) => {
                let key = meta.key.text.as_str();
                let Some((_, shape, _)) = METADATA.iter().find(|(known, _, _)| *known == key)
                else {
                    let mut diagnostic = Diagnostic::error(
                        Code::UnknownMetadata,
                        format!("unknown metadata key `{key}`"),
                        meta.key.span,
                    )
                    .with_label("not a metadata key");
                    let statements = ["deny", "let", "for", "if", "match", "param"];
                    diagnostic = match closest(key, metadata_keys().chain(statements)) {
                        Some(suggestion) => {
                            diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                        }
                        None => diagnostic.with_help(format!(
                            "metadata keys are {}",
                            metadata_keys()
                                .map(|key| format!("`{key}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    diagnostics.push(diagnostic);
                    continue;
                };
                if let Some(first) = metadata.insert(key, meta.key.span) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::Duplicate,
                            format!("`{key}` is given twice"),
                            meta.key.span,
                        )
                        .with_label("second one here")
                        .with_secondary(first, "first one here")
                        .with_help(format!("keep one `{key}`")),
                    );
                }
                check_shape(key, *shape, &meta.value, diagnostics);
            }
            PolicyItem::Param(param) => {
                if let Some(first) = params.insert(param.name.text.as_str(), param.name.span) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::Duplicate,
                            format!("parameter `{}` is declared twice", param.name.text),
                            param.name.span,
                        )
                        .with_secondary(first, "first declared here")
                        .with_help("give each parameter its own name"),
                    );
                }
            }
            PolicyItem::Match(found) => match matcher {
                Some(first) => diagnostics.push(
                    Diagnostic::error(Code::Duplicate, "a policy has one `match`", found.span)
                        .with_label("second `match`")
                        .with_secondary(first, "first `match`")
                        .with_help(
                            "list every kind in one `match`: `match Deployment, StatefulSet`",
                        ),
                ),
                None => matcher = Some(found.span),
            },
            PolicyItem::Stmt(Stmt::Error(_)) => {}
            PolicyItem::Stmt(stmt) => {
                first_rule.get_or_insert(stmt.span());
                denies |= contains_deny(stmt);
                for_each_deny(stmt, &mut |deny| {
                    check_message(source, deny, syntax_errors, diagnostics)
                });
            }
        }
    }
    if broken {
        return;
    }
    for (key, _, required) in METADATA {
        if *required && !metadata.contains_key(key) {
            let example = if *key == "severity" {
                "severity medium"
            } else {
                "title \"…\""
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::MissingMetadata,
                    format!("policy `{}` has no `{key}`", policy.name.text),
                    policy.name.span,
                )
                .with_label(format!("`{key}` is required"))
                .with_help(format!("add `{example}` to the policy")),
            );
        }
    }
    if matcher.is_none() {
        diagnostics.push(
            Diagnostic::error(
                Code::MissingMatch,
                format!("policy `{}` has no `match`", policy.name.text),
                policy.name.span,
            )
            .with_label("no resource would ever meet this policy")
            .with_help("add `match workload` for pods and pod controllers, or `match KIND, …`"),
        );
    }
    if !denies {
        diagnostics.push(
            Diagnostic::warning(
                Code::NoDeny,
                format!("policy `{}` never denies", policy.name.text),
                policy.name.span,
            )
            .with_label("no `deny` in this policy")
            .with_help("add `deny CONDITION message \"…\"`"),
        );
    }
}

/// A `deny` must say what is wrong; unless a syntax error right after it is the real story.
fn check_message(
    source: &str,
    deny: &Deny,
    syntax_errors: &[Span],
    diagnostics: &mut Vec<Diagnostic>,
) {
    if deny.message.is_some() {
        return;
    }
    let rest = source.get(deny.span.end as usize..).unwrap_or("");
    let gap = rest.len() - rest.trim_start().len();
    let reach = deny.span.end as usize + gap;
    if syntax_errors
        .iter()
        .any(|span| span.start >= deny.span.start && span.start as usize <= reach)
    {
        return;
    }
    let keyword = Span::new(deny.span.start, deny.span.start + 4);
    diagnostics.push(
        Diagnostic::error(Code::MissingMessage, "`deny` has no `message`", keyword)
            .with_label("this finding would not say what is wrong")
            .with_help("add `message \"…\"` after the condition, e.g. `message \"container {c.name} runs privileged\"`"),
    );
}

fn for_each_deny<'a>(stmt: &'a Stmt, visit: &mut impl FnMut(&'a Deny)) {
    match stmt {
        Stmt::Deny(deny) => visit(deny),
        Stmt::For(each) => each
            .body
            .stmts
            .iter()
            .for_each(|inner| for_each_deny(inner, visit)),
        Stmt::If(conditional) => {
            let mut branch = Some(conditional);
            while let Some(current) = branch {
                current
                    .then
                    .stmts
                    .iter()
                    .for_each(|inner| for_each_deny(inner, visit));
                branch = match &current.otherwise {
                    Some(crate::ast::Else::Block(block)) => {
                        block
                            .stmts
                            .iter()
                            .for_each(|inner| for_each_deny(inner, visit));
                        None
                    }
                    Some(crate::ast::Else::If(next)) => Some(next),
                    None => None,
                };
            }
        }
        Stmt::Let(_) | Stmt::Error(_) => {}
    }
}

fn contains_deny(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Deny(_) => true,
        Stmt::For(each) => each.body.stmts.iter().any(contains_deny),
        Stmt::If(conditional) => {
            let mut branch = Some(conditional);
            while let Some(current) = branch {
                if current.then.stmts.iter().any(contains_deny) {
                    return true;
                }
                branch = match &current.otherwise {
                    Some(crate::ast::Else::Block(block)) => {
                        return block.stmts.iter().any(contains_deny);
                    }
                    Some(crate::ast::Else::If(next)) => Some(next),
                    None => None,
                };
            }
            false
        }
        Stmt::Let(_) | Stmt::Error(_) => false,
    }
}

fn check_shape(key: &str, shape: Shape, value: &MetaValue, diagnostics: &mut Vec<Diagnostic>) {
    let describe = match shape {
        Shape::Text => "a string",
        Shape::Word(_) => "a word",
        Shape::WordOrText => "a word or a string",
        Shape::TextList => "a list of strings",
        Shape::WordOrTextList => "a list of words or strings",
        Shape::Bool => "`true` or `false`",
    };
    let fits = match (shape, value) {
        (Shape::Text, MetaValue::Str(_)) => true,
        (Shape::Word(words), MetaValue::Word(word)) => {
            if words.contains(&word.text.as_str()) {
                true
            } else {
                let mut diagnostic = Diagnostic::error(
                    Code::InvalidMetadata,
                    format!("unknown {key} `{}`", word.text),
                    word.span,
                )
                .with_label(format!(
                    "expected one of {}",
                    words
                        .iter()
                        .map(|word| format!("`{word}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if let Some(suggestion) = closest(&word.text, words.iter().copied()) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                diagnostics.push(diagnostic);
                return;
            }
        }
        (Shape::WordOrText, MetaValue::Str(_) | MetaValue::Word(_)) => true,
        (Shape::TextList, MetaValue::List(items, _)) => {
            items.iter().all(|item| matches!(item, MetaValue::Str(_)))
        }
        (Shape::WordOrTextList, MetaValue::List(items, _)) => items
            .iter()
            .all(|item| matches!(item, MetaValue::Str(_) | MetaValue::Word(_))),
        (Shape::Bool, MetaValue::Bool(..)) => true,
        _ => false,
    };
    if !fits {
        let help = match shape {
            Shape::Text => format!("write `{key} \"…\"`"),
            Shape::Word(words) => match value {
                MetaValue::Str(lit)
                    if lit
                        .as_plain()
                        .is_some_and(|text| words.contains(&text.as_str())) =>
                {
                    format!(
                        "write the word without quotes: `{key} {}`",
                        lit.as_plain().unwrap_or_default()
                    )
                }
                _ => format!(
                    "write one of {}",
                    words
                        .iter()
                        .map(|word| format!("`{key} {word}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Shape::WordOrText => format!("write `{key} security`"),
            Shape::TextList | Shape::WordOrTextList => format!("write `{key} [\"…\", \"…\"]`"),
            Shape::Bool => format!("write `{key} false`"),
        };
        diagnostics.push(
            Diagnostic::error(
                Code::InvalidMetadata,
                format!("`{key}` takes {describe}"),
                value.span(),
            )
            .with_label(format!("not {describe}"))
            .with_help(help),
        );
    }
}
