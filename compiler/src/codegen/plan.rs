//! Query planning: loops over `others(Kind)` that read an index instead of every resource.
//!
//! Cross-resource policies compare each resource with the others of its namespace: a Service
//! with every Deployment, a PodDisruptionBudget with every HorizontalPodAutoscaler. Written as
//! loops, that is quadratic in the size of the evaluation set. When the condition of a loop
//! over `others(Kind[, namespace])` holds a conjunct that only a few resources can satisfy,
//! and that compares a path of the loop variable with a value known before the loop, the loop
//! reads the candidates from an index of the evaluation set by that path (`OthersBy`):
//!
//! - `x.path == value` (mode 0), `x.path in list` (mode 1), where the path may end in a
//!   literal default (`x.host ?? "*"`) and go through builtins of one argument
//!   (`lower(x.host ?? "*") == host`);
//! - `selects(selector, x.path)` (mode 2: the labels at `x.path` hold every `matchLabels`
//!   entry of the selector; a selector `selects` would fail on looks up every resource, and
//!   labels holding a value that is not a string are always candidates);
//! - `selects(x.path, labels)` (mode 3: the labels hold every `matchLabels` entry of the
//!   selector at `x.path`; a selector without such entries, or one `selects` would fail on,
//!   is always a candidate, and labels that are not all strings look up every resource);
//! - any of these inside `any y in x.path: …`, which indexes every item of the list.
//!
//! The candidates are a superset of the resources the conjunct keeps, in the same order, and
//! the loop still evaluates its whole condition on each, so findings do not change. The
//! value is evaluated once, before the loop, so it may only be made of expressions that
//! cannot fail (names, literals, fields, `??`, interpolation, `untyped`); a resource the index rules out
//! is not evaluated at all, so an evaluation error its other conjuncts would have raised is
//! not raised.

use pol_vm::interp::Constant;

use crate::ast::*;
use crate::span::Span;

/// How a loop over `others(…)` reads the index.
#[derive(Debug)]
pub(super) struct Plan<'a> {
    /// The `others(…)` call: its span names the query.
    pub call: &'a Expr,
    pub namespace: Option<&'a Expr>,
    /// The indexed path below each resource.
    pub key: Vec<KeyPart>,
    /// The lookup mode of `OthersBy`.
    pub mode: u8,
    /// What the candidates are looked up by, evaluated before the loop.
    pub value: &'a Expr,
    /// A builtin of one argument to apply to `value` first (`$selectorLabels`: a selector's
    /// `matchLabels` once the whole selector is valid, null otherwise, which looks up every
    /// resource).
    pub value_call: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub(super) enum KeyPart {
    Field(String),
    Each,
    Entries,
    /// `path ?? literal`.
    Default(Constant),
    /// A builtin of one argument applied to the path (`lower(x.host)`).
    Apply(String),
}

/// What the planner needs to know of the checked program.
pub(super) struct Facts<'f> {
    /// Whether a call is `others(…)`.
    pub is_query: &'f dyn Fn(Span) -> bool,
    /// Whether an operator works on a class of values (quantities, …): its equality is not
    /// the plain one the index files by.
    pub has_class: &'f dyn Fn(Span) -> bool,
    /// Whether a field is `pod.allContainers`, which joins lists.
    pub all_containers: &'f dyn Fn(Span) -> bool,
}

impl Facts<'_> {
    /// Whether a call calls a builtin by its name (not `others`, not an operator on a class
    /// of values).
    fn plain_call(&self, span: Span) -> bool {
        !(self.has_class)(span) && !(self.is_query)(span)
    }
}

/// The plan of a loop binding `binding` over `iterable` whose body runs only when
/// `condition` holds, if one applies.
pub(super) fn plan<'a>(
    iterable: &'a Expr,
    binding: &str,
    condition: &'a Expr,
    facts: &Facts<'_>,
) -> Option<Plan<'a>> {
    let call = unparen(iterable);
    let ExprKind::Call { args, .. } = &call.kind else {
        return None;
    };
    if !(facts.is_query)(call.span) {
        return None;
    }
    let namespace = match args.as_slice() {
        [_] => None,
        [_, namespace] => Some(namespace),
        _ => return None,
    };
    let mut found = Vec::new();
    lookups(condition, &[binding], &[], facts, &mut found);
    // A value computed from the resource being evaluated (a name, a selector) usually keeps
    // fewer resources than a literal (`kind == "Deployment"`); then equality is usually the
    // most selective, then membership, then label selectors; among equals, a name (which
    // identifies) before another field (`kind`). `== null` finds nothing the index files.
    found.retain(|lookup| !matches!(unparen(lookup.value).kind, ExprKind::Null));
    found.sort_by_key(|lookup| {
        let named = matches!(lookup.key.last(), Some(KeyPart::Field(field)) if field == "name");
        (super::constant(lookup.value).is_some(), lookup.mode, !named)
    });
    let lookup = found.into_iter().next()?;
    Some(Plan {
        call,
        namespace,
        key: lookup.key,
        mode: lookup.mode,
        value: lookup.value,
        value_call: lookup.value_call,
    })
}

struct Lookup<'a> {
    key: Vec<KeyPart>,
    mode: u8,
    value: &'a Expr,
    value_call: Option<&'static str>,
}

/// The lookups the conjuncts of `condition` allow. `bound` are the loop variables in scope
/// (the last one is the variable paths start from); `prefix` is the path to it.
fn lookups<'a>(
    condition: &'a Expr,
    bound: &[&str],
    prefix: &[KeyPart],
    facts: &Facts<'_>,
    out: &mut Vec<Lookup<'a>>,
) {
    let Some(variable) = bound.last() else {
        return;
    };
    // A resource compared whole (`c == value`) has no path to file it by.
    let path = |expr: &Expr| {
        path_of(expr, variable, facts)
            .map(|path| {
                let mut key = prefix.to_vec();
                key.extend(path);
                key
            })
            .filter(|key| !key.is_empty())
    };
    match &condition.kind {
        ExprKind::Paren(inner) => lookups(inner, bound, prefix, facts, out),
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            lookups(lhs, bound, prefix, facts, out);
            lookups(rhs, bound, prefix, facts, out);
        }
        ExprKind::Binary {
            op: op @ (BinaryOp::Eq | BinaryOp::In),
            lhs,
            rhs,
        } if !(facts.has_class)(condition.span) => {
            let mode = u8::from(*op == BinaryOp::In);
            if let Some(key) = path(lhs)
                && safe(rhs, bound, facts)
            {
                out.push(Lookup {
                    key,
                    mode,
                    value: rhs,
                    value_call: None,
                });
            } else if mode == 0
                && let Some(key) = path(rhs)
                && safe(lhs, bound, facts)
            {
                out.push(Lookup {
                    key,
                    mode,
                    value: lhs,
                    value_call: None,
                });
            }
        }
        ExprKind::Call { callee, args } => {
            let (ExprKind::Name(name), [selector, labels]) = (&callee.kind, args.as_slice()) else {
                return;
            };
            if name != "selects" {
                return;
            }
            if let Some(mut key) = path(labels)
                && safe(selector, bound, facts)
            {
                key.push(KeyPart::Entries);
                out.push(Lookup {
                    key,
                    mode: 2,
                    value: selector,
                    value_call: Some("$selectorLabels"),
                });
            } else if let Some(mut key) = path(selector)
                && safe(labels, bound, facts)
            {
                // The other way: which resources' selectors select these labels. A selector is
                // filed under its `matchLabels` once valid (`$selectorLabels`); one that is not
                // valid, or has none, is a candidate of every lookup.
                key.push(KeyPart::Apply("$selectorLabels".to_string()));
                key.push(KeyPart::Entries);
                out.push(Lookup {
                    key,
                    mode: 3,
                    value: labels,
                    value_call: None,
                });
            }
        }
        ExprKind::Quantifier {
            kind: Quantifier::Any,
            binding,
            iterable,
            condition,
        } => {
            if let Some(mut key) = path(without_empty_default(iterable)) {
                key.push(KeyPart::Each);
                let mut inner = bound.to_vec();
                inner.push(&binding.text);
                lookups(condition, &inner, &key, facts, out);
            }
        }
        _ => {}
    }
}

/// `untyped(x)`: `x`, typed `any`.
fn is_untyped(callee: &Expr, args: &[Expr]) -> bool {
    matches!(&callee.kind, ExprKind::Name(name) if name == "untyped") && args.len() == 1
}

fn unparen(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Paren(inner) => unparen(inner),
        _ => expr,
    }
}

/// `xs ?? []` iterates like `xs`.
fn without_empty_default(expr: &Expr) -> &Expr {
    match &unparen(expr).kind {
        ExprKind::Binary {
            op: BinaryOp::Coalesce,
            lhs,
            rhs,
        } if matches!(&unparen(rhs).kind, ExprKind::List(items) if items.is_empty()) => lhs,
        _ => expr,
    }
}

/// The path of `expr` below `variable` (`x.spec.selector`: fields `spec`, `selector`), if it
/// is such a path, maybe with a literal default (`x.path ?? "*"`) and builtins of one
/// argument applied to it (`lower(x.host)`).
fn path_of(expr: &Expr, variable: &str, facts: &Facts<'_>) -> Option<Vec<KeyPart>> {
    let path = match &expr.kind {
        ExprKind::Paren(inner) => return path_of(inner, variable, facts),
        ExprKind::Name(name) if name == variable => Vec::new(),
        ExprKind::Field { base, name } if !(facts.all_containers)(name.span) => {
            let mut path = path_of(base, variable, facts)?;
            path.push(KeyPart::Field(name.text.clone()));
            path
        }
        ExprKind::Call { callee, args } if is_untyped(callee, args) => {
            return path_of(&args[0], variable, facts);
        }
        ExprKind::Call { callee, args } if facts.plain_call(expr.span) => {
            let (name, argument) = match (&callee.kind, args.as_slice()) {
                (ExprKind::Name(name), [argument]) => (name.clone(), argument),
                (ExprKind::Field { base, name }, []) => (name.text.clone(), base.as_ref()),
                _ => return None,
            };
            let mut path = path_of(argument, variable, facts)?;
            path.push(KeyPart::Apply(name));
            path
        }
        ExprKind::Binary {
            op: BinaryOp::Coalesce,
            lhs,
            rhs,
        } => {
            let literal = super::constant(rhs).filter(|literal| {
                matches!(
                    literal,
                    Constant::Str(_) | Constant::Int(_) | Constant::Bool(_)
                )
            })?;
            let mut path = path_of(lhs, variable, facts)?;
            path.push(KeyPart::Default(literal));
            path
        }
        ExprKind::Index { base, index } => {
            let ExprKind::Str(lit) = &index.kind else {
                return None;
            };
            let field = lit.as_plain()?;
            let mut path = path_of(base, variable, facts)?;
            path.push(KeyPart::Field(field));
            path
        }
        _ => return None,
    };
    (path.len() < pol_vm::pack::MAX_KEY_STEPS / 2).then_some(path)
}

/// Whether `expr` names none of `bound` and cannot fail: names, literals, fields, `??`,
/// interpolation, lists and maps of those.
fn safe(expr: &Expr, bound: &[&str], facts: &Facts<'_>) -> bool {
    match &expr.kind {
        ExprKind::Null | ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Float(_) => true,
        ExprKind::Name(name) => !bound.contains(&name.as_str()),
        ExprKind::Str(lit) => lit.parts.iter().all(|part| match part {
            StringPart::Text(_) => true,
            StringPart::Interp(inner) => safe(inner, bound, facts),
        }),
        ExprKind::Field { base, name } => {
            !(facts.all_containers)(name.span) && safe(base, bound, facts)
        }
        ExprKind::Index { base, index } => {
            matches!(&index.kind, ExprKind::Str(lit) if lit.as_plain().is_some())
                && safe(base, bound, facts)
        }
        ExprKind::Binary {
            op: BinaryOp::Coalesce,
            lhs,
            rhs,
        } => safe(lhs, bound, facts) && safe(rhs, bound, facts),
        ExprKind::Paren(inner) => safe(inner, bound, facts),
        ExprKind::Call { callee, args } if is_untyped(callee, args) => safe(&args[0], bound, facts),
        ExprKind::List(items) => items.iter().all(|item| safe(item, bound, facts)),
        ExprKind::Map(entries) => {
            entries.iter().all(|entry| {
                matches!(&entry.key, MapKey::Name(_))
                    || matches!(&entry.key, MapKey::Str(lit) if lit.as_plain().is_some())
            }) && entries.iter().all(|entry| safe(&entry.value, bound, facts))
        }
        _ => false,
    }
}
