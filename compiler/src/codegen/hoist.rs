//! Loop-invariant calls: a builtin call inside a loop whose arguments do not depend on the
//! loop (`any i in interfaces: i in lower(name)`) is computed once each time the loop is
//! entered, on its first use, instead of once per item.
//!
//! The lowering keeps its value in a local that is cleared before the loop starts; the call
//! site reads the local and calls only when it is empty (absent or null: a call that returns
//! nothing is simply made again). Builtins are pure, so the result is the same; the call is
//! still made only where the loop would first have made it, so an error is raised, or not, as
//! before.

use crate::ast::*;

/// What a loop runs for each item.
pub(super) enum Body<'a> {
    Exprs(Vec<&'a Expr>),
    Block(&'a Block),
}

/// The calls in `body` that depend on neither `binding` nor any name bound inside the body,
/// outermost first (a call inside an invariant call is not listed: it runs only when the
/// outer one does).
pub(super) fn invariant_calls<'a>(binding: &str, body: &Body<'a>) -> Vec<&'a Expr> {
    let mut bound = vec![binding.to_string()];
    let mut exprs = Vec::new();
    match body {
        Body::Exprs(list) => exprs.extend(list.iter().copied()),
        Body::Block(block) => block_exprs(block, &mut exprs, &mut bound),
    }
    for expr in &exprs {
        binders(expr, &mut bound);
    }
    let mut calls = Vec::new();
    for expr in exprs {
        collect(expr, &bound, &mut calls);
    }
    calls
}

/// The expressions of the statements of `block`, and the names they bind.
fn block_exprs<'a>(block: &'a Block, out: &mut Vec<&'a Expr>, bound: &mut Vec<String>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let(binding) => {
                bound.push(binding.name.text.clone());
                out.push(&binding.value);
            }
            Stmt::For(each) => {
                bound.push(each.binding.text.clone());
                out.push(&each.iterable);
                block_exprs(&each.body, out, bound);
            }
            Stmt::If(conditional) => if_exprs(conditional, out, bound),
            Stmt::Deny(deny) => {
                out.push(&deny.condition);
                out.extend(deny.at.as_ref());
                out.extend(deny.message.as_ref());
                if let Some(fix) = &deny.fix {
                    for edit in &fix.edits {
                        match &edit.kind {
                            EditKind::Set { target, value }
                            | EditKind::Append { value, target } => {
                                out.push(target);
                                out.push(value);
                            }
                            EditKind::Remove { target } => out.push(target),
                        }
                    }
                }
            }
            Stmt::Error(_) => {}
        }
    }
}

fn if_exprs<'a>(conditional: &'a If, out: &mut Vec<&'a Expr>, bound: &mut Vec<String>) {
    out.push(&conditional.condition);
    block_exprs(&conditional.then, out, bound);
    match &conditional.otherwise {
        Some(Else::Block(block)) => block_exprs(block, out, bound),
        Some(Else::If(nested)) => if_exprs(nested, out, bound),
        None => {}
    }
}

/// The names `expr` binds (quantifiers, comprehensions), anywhere inside it.
fn binders(expr: &Expr, bound: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Quantifier { binding, .. } | ExprKind::Comprehension { binding, .. } => {
            bound.push(binding.text.clone());
        }
        _ => {}
    }
    expr.kind.for_each_child(|child| binders(child, bound));
}

fn collect<'a>(expr: &'a Expr, bound: &[String], out: &mut Vec<&'a Expr>) {
    if let ExprKind::Call { callee, args } = &expr.kind {
        let receiver = match &callee.kind {
            ExprKind::Field { base, .. } => Some(base.as_ref()),
            _ => None,
        };
        if receiver
            .into_iter()
            .chain(args.iter())
            .all(|arg| independent(arg, bound))
        {
            out.push(expr);
            return;
        }
    }
    expr.kind.for_each_child(|child| collect(child, bound, out));
}

/// Whether `expr` names nothing in `bound`.
fn independent(expr: &Expr, bound: &[String]) -> bool {
    if let ExprKind::Name(name) = &expr.kind
        && bound.iter().any(|bound| bound == name)
    {
        return false;
    }
    let mut free = true;
    expr.kind
        .for_each_child(|child| free = free && independent(child, bound));
    free
}
