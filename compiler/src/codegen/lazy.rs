//! Lazy `let`s: a `let` whose value cannot fail is computed where it is read, not where it
//! is written, so a value that a resource never needs is never computed.
//!
//! Policies name their steps for readability (`let hardened = a or b or c`, `let annotation
//! = annotations["…/{c.name}"]`); most resources are decided by the first of them, and the
//! others would be computed for nothing. A value that cannot fail has no effect but its
//! result, so computing it later, once, or not at all changes nothing a policy can observe
//! but the work done: no error appears, disappears or moves, and findings are the same.
//!
//! - read nowhere: not computed;
//! - read once, outside any loop of its scope: its expression is lowered where it is read;
//! - read where nothing can skip it (the condition of an `if` or a `deny` of its block, the
//!   list a `for` of its block iterates): computed where it stands, as it would be anyway;
//! - read more often, or inside a loop: computed on first use into a local, which is cleared
//!   where the `let` stands when that is inside a loop (a value that is missing is simply
//!   computed again);
//! - anything else, a value too small to be worth a check on each read, and one whose code,
//!   repeated at each read, would grow the function too much: computed where it is written,
//!   as before.
//!
//! Each read of a lazy `let` carries the code of its value (there are no subroutines), so a
//! plan weighs the value's size with the lazy `let`s it reads expanded, times the reads:
//! chains of `let`s read twice each cannot double the code at each link.
//!
//! `tests/pol-test/lazy` checks the cases and the instructions; `tests/lazy_lets.rs` checks
//! that lazy and eager `let`s find the same, on the library and on generated resources.

use crate::ast::*;
use crate::span::Span;

/// How a `let` is lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Where it stands.
    Eager,
    /// Never read: not computed.
    Unused,
    /// Read once, outside any loop of its scope: lowered where it is read.
    Inline,
    /// Computed on first use into a local.
    OnFirstUse,
}

/// What the lowering knows that the syntax does not.
pub(super) struct Facts<'f> {
    /// Whether an operator at this span compares by a class (`$eq:quantity`: a call that may
    /// fail).
    pub has_class: &'f dyn Fn(Span) -> bool,
    /// Whether a field at this span is `pod.allContainers` (lowered as a concatenation).
    pub all_containers: &'f dyn Fn(Span) -> bool,
    /// The shape of the value a name stands for where the `let` being planned is written.
    pub shape_of: &'f dyn Fn(&str) -> Shape,
    /// The size of the code a read of this name emits: a lazy `let`'s value, expanded; 1 for
    /// anything else.
    pub size_of: &'f dyn Fn(&str) -> usize,
    /// How many lazy `let`s a read of this name lowers one inside the other (0: not lazy).
    pub depth_of: &'f dyn Fn(&str) -> usize,
}

/// The most lazy `let`s lowered one inside the other: a longer chain is computed where it
/// stands, so that lowering does not recurse once per link.
const MAX_NESTING: usize = 32;

/// The most code (in expression nodes) the reads of one lazy `let` kept on first use may
/// emit in all.
const MAX_REPEATED: usize = 256;

/// What is certain about a value, whatever the document holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Shape {
    /// A boolean, computed without failing.
    pub boolean: bool,
    /// A list literal (so that `in` it cannot fail).
    pub list: bool,
}

/// The shape of `expr`, where it is written.
pub(super) fn shape(expr: &Expr, facts: &Facts<'_>) -> Shape {
    Shape {
        boolean: boolean(expr, facts),
        list: list(expr, facts),
    }
}

/// The plan for `binding`, followed by `rest` in its scope; the size of the code a read of it
/// emits, and how many lazy `let`s it nests (see [`Facts`]).
pub(super) fn plan(binding: &Let, rest: &[&Stmt], facts: &Facts<'_>) -> (Plan, usize, usize) {
    let size = size(&binding.value, facts);
    let depth = 1 + nesting(&binding.value, facts);
    if depth > MAX_NESTING || !safe(&binding.value, facts) {
        return (Plan::Eager, 1, 0);
    }
    let mut uses = Uses::default();
    stmts_uses(&binding.name.text, rest.iter().copied(), 0, &mut uses);
    let plan = match uses {
        Uses { count: 0, .. } => Plan::Unused,
        Uses {
            count: 1,
            in_loop: false,
        } => Plan::Inline,
        // Needed on every path: a check on each read would only cost.
        Uses { .. } if needed(&binding.name.text, rest) => Plan::Eager,
        // A check on each read and a `Forget` in a loop: worth it for a value that costs
        // more than that.
        Uses { count, .. } if size >= 4 && count.saturating_mul(size) <= MAX_REPEATED => {
            Plan::OnFirstUse
        }
        _ => Plan::Eager,
    };
    match plan {
        Plan::Eager => (plan, 1, 0),
        _ => (plan, size, depth),
    }
}

/// Whether a statement of `rest` (the `let`'s own block, which runs to its end) certainly
/// reads `name`: in the condition of an `if` or a `deny`, or the list a `for` iterates, where
/// nothing can skip it.
fn needed(name: &str, rest: &[&Stmt]) -> bool {
    for stmt in rest {
        let head = match stmt {
            Stmt::Let(binding) if binding.name.text == name => return false,
            Stmt::Let(_) | Stmt::Error(_) => continue,
            Stmt::If(conditional) => &conditional.condition,
            Stmt::For(each) => &each.iterable,
            Stmt::Deny(deny) => &deny.condition,
        };
        if reads(name, head) {
            return true;
        }
    }
    false
}

/// Whether evaluating `expr` certainly reads `name`: in an operand that is always evaluated
/// (the left of `and`, `or` and `??`; not a branch, a loop body or a call's argument).
fn reads(name: &str, expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Name(found) => found == name,
        ExprKind::Paren(inner)
        | ExprKind::Field { base: inner, .. }
        | ExprKind::Unary { operand: inner, .. } => reads(name, inner),
        ExprKind::Index { base, index } => reads(name, base) || reads(name, index),
        ExprKind::Binary {
            op: BinaryOp::And | BinaryOp::Or | BinaryOp::Coalesce,
            lhs,
            ..
        } => reads(name, lhs),
        ExprKind::Binary { lhs, rhs, .. } => reads(name, lhs) || reads(name, rhs),
        ExprKind::Conditional { condition, .. } => reads(name, condition),
        ExprKind::Quantifier { iterable, .. } | ExprKind::Comprehension { iterable, .. } => {
            reads(name, iterable)
        }
        ExprKind::Str(lit) => lit.parts.iter().any(|part| match part {
            StringPart::Text(_) => false,
            StringPart::Interp(inner) => reads(name, inner),
        }),
        _ => false,
    }
}

/// The deepest nesting of lazy `let`s an expression reads.
fn nesting(expr: &Expr, facts: &Facts<'_>) -> usize {
    if let ExprKind::Name(name) = &expr.kind {
        return (facts.depth_of)(name);
    }
    let mut deepest = 0;
    expr.kind
        .for_each_child(|child| deepest = deepest.max(nesting(child, facts)));
    deepest
}

/// How often a name is read, and whether inside a loop of its scope.
#[derive(Debug, Default)]
struct Uses {
    count: usize,
    in_loop: bool,
}

/// Counts the reads of `name` in `stmts`, up to a `let` that rebinds it. Returns whether one
/// did.
fn stmts_uses<'a>(
    name: &str,
    stmts: impl Iterator<Item = &'a Stmt>,
    depth: usize,
    uses: &mut Uses,
) -> bool {
    for stmt in stmts {
        match stmt {
            Stmt::Let(binding) => {
                expr_uses(name, &binding.value, depth, uses);
                if binding.name.text == name {
                    return true;
                }
            }
            Stmt::For(each) => {
                expr_uses(name, &each.iterable, depth, uses);
                if each.binding.text != name {
                    stmts_uses(name, each.body.stmts.iter(), depth + 1, uses);
                }
            }
            Stmt::If(conditional) => if_uses(name, conditional, depth, uses),
            Stmt::Deny(deny) => {
                expr_uses(name, &deny.condition, depth, uses);
                for expr in deny.at.iter().chain(&deny.message) {
                    expr_uses(name, expr, depth, uses);
                }
                for edit in deny.fix.iter().flat_map(|fix| &fix.edits) {
                    match &edit.kind {
                        EditKind::Set { target, value } | EditKind::Append { value, target } => {
                            expr_uses(name, target, depth, uses);
                            expr_uses(name, value, depth, uses);
                        }
                        EditKind::Remove { target } => expr_uses(name, target, depth, uses),
                    }
                }
            }
            Stmt::Error(_) => {}
        }
    }
    false
}

fn if_uses(name: &str, conditional: &If, depth: usize, uses: &mut Uses) {
    expr_uses(name, &conditional.condition, depth, uses);
    stmts_uses(name, conditional.then.stmts.iter(), depth, uses);
    match &conditional.otherwise {
        Some(Else::Block(block)) => {
            stmts_uses(name, block.stmts.iter(), depth, uses);
        }
        Some(Else::If(nested)) => if_uses(name, nested, depth, uses),
        None => {}
    }
}

fn expr_uses(name: &str, expr: &Expr, depth: usize, uses: &mut Uses) {
    match &expr.kind {
        ExprKind::Name(found) => {
            if found == name {
                uses.count += 1;
                uses.in_loop |= depth > 0;
            }
        }
        ExprKind::Quantifier {
            binding,
            iterable,
            condition,
            ..
        } => {
            expr_uses(name, iterable, depth, uses);
            if binding.text != name {
                expr_uses(name, condition, depth + 1, uses);
            }
        }
        ExprKind::Comprehension {
            element,
            binding,
            iterable,
            filter,
        } => {
            expr_uses(name, iterable, depth, uses);
            if binding.text != name {
                expr_uses(name, element, depth + 1, uses);
                if let Some(filter) = filter {
                    expr_uses(name, filter, depth + 1, uses);
                }
            }
        }
        kind => kind.for_each_child(|child| expr_uses(name, child, depth, uses)),
    }
}

/// The number of nodes of an expression, with the lazy `let`s it reads expanded: the code
/// it emits, roughly.
fn size(expr: &Expr, facts: &Facts<'_>) -> usize {
    if let ExprKind::Name(name) = &expr.kind {
        return (facts.size_of)(name);
    }
    let mut count = 1usize;
    expr.kind
        .for_each_child(|child| count = count.saturating_add(size(child, facts)));
    count
}

/// Whether evaluating `expr` cannot fail, whatever the document holds: names, literals,
/// fields, indexes by a string or an integer, `??`, interpolation, `==` and `!=` without a
/// class, `and`, `or`, `not` and `if` on booleans, `in` a list literal, lists and maps of
/// those, `untyped`.
fn safe(expr: &Expr, facts: &Facts<'_>) -> bool {
    let safe = |expr: &Expr| self::safe(expr, facts);
    let boolean = |expr: &Expr| self::boolean(expr, facts);
    match &expr.kind {
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Quantity(_)
        | ExprKind::Regex(_)
        | ExprKind::Glob(_)
        | ExprKind::Name(_) => true,
        ExprKind::Str(lit) => lit.parts.iter().all(|part| match part {
            StringPart::Text(_) => true,
            StringPart::Interp(inner) => safe(inner),
        }),
        ExprKind::Field { base, name } => !(facts.all_containers)(name.span) && safe(base),
        ExprKind::Index { base, index } => {
            matches!(index.kind, ExprKind::Str(_) | ExprKind::Int(_)) && safe(index) && safe(base)
        }
        ExprKind::Binary { op, lhs, rhs } => match op {
            BinaryOp::Coalesce => safe(lhs) && safe(rhs),
            BinaryOp::Eq | BinaryOp::Ne => !(facts.has_class)(expr.span) && safe(lhs) && safe(rhs),
            BinaryOp::And | BinaryOp::Or => boolean(lhs) && boolean(rhs),
            BinaryOp::In | BinaryOp::NotIn => {
                !(facts.has_class)(expr.span) && safe(lhs) && list(rhs, facts)
            }
            _ => false,
        },
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => boolean(operand),
        ExprKind::Conditional {
            condition,
            then,
            otherwise,
        } => boolean(condition) && safe(then) && safe(otherwise),
        ExprKind::Paren(inner) => safe(inner),
        ExprKind::List(items) => items.iter().all(safe),
        ExprKind::Map(entries) => entries.iter().all(|entry| {
            (matches!(&entry.key, MapKey::Name(_))
                || matches!(&entry.key, MapKey::Str(lit) if lit.as_plain().is_some()))
                && safe(&entry.value)
        }),
        ExprKind::Call { callee, args } => {
            matches!(&callee.kind, ExprKind::Name(name) if name == "untyped")
                && args.len() == 1
                && safe(&args[0])
        }
        _ => false,
    }
}

/// Whether `expr` cannot fail and is a boolean, whatever the document holds.
fn boolean(expr: &Expr, facts: &Facts<'_>) -> bool {
    match &expr.kind {
        ExprKind::Bool(_) => true,
        ExprKind::Binary {
            op:
                BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::And
                | BinaryOp::Or
                | BinaryOp::In
                | BinaryOp::NotIn,
            ..
        }
        | ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => safe(expr, facts),
        ExprKind::Paren(inner) => boolean(inner, facts),
        ExprKind::Name(name) => (facts.shape_of)(name).boolean,
        _ => false,
    }
}

/// Whether `expr` is a list literal of values that cannot fail, directly or through a name.
fn list(expr: &Expr, facts: &Facts<'_>) -> bool {
    match &expr.kind {
        ExprKind::List(items) => items.iter().all(|item| safe(item, facts)),
        ExprKind::Paren(inner) => list(inner, facts),
        ExprKind::Name(name) => (facts.shape_of)(name).list,
        _ => false,
    }
}
