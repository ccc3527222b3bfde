//! A policy's setup: the top-level `let`s that depend only on its parameters (`let pinned =
//! "{replace(version, "v", "")}.0"`, `let names = [lower(n) for n in sensitive_names]`).
//!
//! The lowering emits them first, then a `Setup` instruction, then the rest of the policy. The
//! evaluator runs the code up to `Setup` once, when the pack is loaded, and starts every run
//! after it with those locals preset; parameters are set before the pack is evaluated
//! (configuration), never during. Builtins are pure and a setup reads no resource, so the
//! values are those every run would have computed. Only the order changes for a run of the
//! whole function (when the setup fails at load, or leaves a value that is not a constant):
//! the setup's lets come before the `match … when` guard and the other statements, so their
//! error is reported wherever the policy matches the kind.

use std::collections::HashMap;

use crate::ast::*;

/// Which top-level statements of `policy` belong to its setup, by position among its items.
/// Parameters are all known at load (a default that is not a constant is computed at the start
/// of the function, which belongs to the setup too). The type checker and the lowering both
/// ask, so that a `when` guard sees exactly the lets the lowering computes before it.
pub(crate) fn setup_lets(policy: &Policy) -> Vec<usize> {
    // Names visible at top level, in order: parameters, the resource's names, then each `let`.
    let mut names: HashMap<&str, bool> = HashMap::new();
    for item in &policy.items {
        if let PolicyItem::Param(param) = item {
            names.insert(&param.name.text, true);
        }
    }
    for name in ["resource", "pod", "podMetadata"] {
        names.insert(name, false);
    }
    let mut lets = Vec::new();
    for (position, item) in policy.items.iter().enumerate() {
        if let PolicyItem::Stmt(Stmt::Let(binding)) = item {
            let fixed = is_static(&binding.value, &names, &mut Vec::new());
            names.insert(&binding.name.text, fixed);
            if fixed {
                lets.push(position);
            }
        }
    }
    lets
}

/// Whether `expr` depends only on parameters, constants and the names `names` marks static
/// (`local` holds the names bound inside the expression so far, all static: they range over
/// static lists).
fn is_static<'a>(expr: &'a Expr, names: &HashMap<&str, bool>, local: &mut Vec<&'a str>) -> bool {
    match &expr.kind {
        ExprKind::Name(name) => {
            local.iter().any(|bound| bound == name) || names.get(name.as_str()) != Some(&false)
        }
        ExprKind::Call { callee, args } => {
            let receiver = match &callee.kind {
                ExprKind::Field { base, .. } => Some(base.as_ref()),
                // `others(…)` reads the evaluation set.
                ExprKind::Name(name) if name == "others" => return false,
                // A builtin's name is not a value.
                _ => None,
            };
            receiver
                .into_iter()
                .chain(args)
                .all(|arg| is_static(arg, names, local))
        }
        ExprKind::Quantifier {
            binding,
            iterable,
            condition,
            ..
        } => binds_static(binding, iterable, &[condition], names, local),
        ExprKind::Comprehension {
            element,
            binding,
            iterable,
            filter,
        } => {
            let body: Vec<&Expr> = std::iter::once(element.as_ref())
                .chain(filter.as_deref())
                .collect();
            binds_static(binding, iterable, &body, names, local)
        }
        _ => {
            let mut fixed = true;
            expr.kind
                .for_each_child(|child| fixed = fixed && is_static(child, names, local));
            fixed
        }
    }
}

/// A quantifier or comprehension is static when what it ranges over is, and its body is with
/// `binding` bound to an item.
fn binds_static<'a>(
    binding: &'a Name,
    iterable: &'a Expr,
    body: &[&'a Expr],
    names: &HashMap<&str, bool>,
    local: &mut Vec<&'a str>,
) -> bool {
    if !is_static(iterable, names, local) {
        return false;
    }
    local.push(&binding.text);
    let fixed = body.iter().all(|expr| is_static(expr, names, local));
    local.pop();
    fixed
}
