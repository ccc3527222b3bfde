//! Structural comparison of trees: spans and grouping parentheses removed.
//!
//! Two sources that differ only in layout, comments and redundant parentheses parse to trees
//! whose normalized forms are equal. The formatter's round-trip property is stated with it.

use super::*;

/// A copy of `file` with every span zeroed and every [`ExprKind::Paren`] replaced by its
/// content.
pub fn normalized(file: &File) -> File {
    let mut file = file.clone();
    for policy in &mut file.policies {
        policy_(policy);
    }
    file
}

const ZERO: Span = Span::new(0, 0);

fn name(name: &mut Name) {
    name.span = ZERO;
}

fn policy_(policy: &mut Policy) {
    policy.span = ZERO;
    policy.close = ZERO;
    name(&mut policy.name);
    for item in &mut policy.items {
        match item {
            PolicyItem::Meta(meta) => {
                meta.span = ZERO;
                name(&mut meta.key);
                meta_value(&mut meta.value);
            }
            PolicyItem::Param(param) => {
                param.span = ZERO;
                name(&mut param.name);
                type_expr(&mut param.ty);
                if let Some(default) = &mut param.default {
                    expr(default);
                }
            }
            PolicyItem::Match(matcher) => {
                matcher.span = ZERO;
                for target in &mut matcher.targets {
                    match target {
                        MatchTarget::Workload(span) | MatchTarget::Every(span) => *span = ZERO,
                        MatchTarget::Kind {
                            kind,
                            api_version,
                            span,
                        } => {
                            *span = ZERO;
                            name(kind);
                            if let Some(version) = api_version {
                                string(version);
                            }
                        }
                    }
                }
                if let Some(guard) = &mut matcher.guard {
                    expr(guard);
                }
            }
            PolicyItem::Stmt(statement) => stmt(statement),
        }
    }
}

fn meta_value(value: &mut MetaValue) {
    match value {
        MetaValue::Str(lit) => string(lit),
        MetaValue::Word(word) => name(word),
        MetaValue::Int(_, span) | MetaValue::Float(_, span) | MetaValue::Bool(_, span) => {
            *span = ZERO
        }
        MetaValue::List(items, span) => {
            *span = ZERO;
            items.iter_mut().for_each(meta_value);
        }
    }
}

fn type_expr(ty: &mut TypeExpr) {
    ty.span = ZERO;
    match &mut ty.kind {
        TypeKind::Named {
            name: type_name,
            args,
        } => {
            name(type_name);
            args.iter_mut().for_each(type_expr);
        }
        TypeKind::Optional(inner) => type_expr(inner),
    }
}

fn block(block: &mut Block) {
    block.span = ZERO;
    block.stmts.iter_mut().for_each(stmt);
}

fn if_(statement: &mut If) {
    statement.span = ZERO;
    expr(&mut statement.condition);
    block(&mut statement.then);
    match &mut statement.otherwise {
        Some(Else::Block(otherwise)) => block(otherwise),
        Some(Else::If(otherwise)) => if_(otherwise),
        None => {}
    }
}

fn stmt(statement: &mut Stmt) {
    match statement {
        Stmt::Let(binding) => {
            binding.span = ZERO;
            name(&mut binding.name);
            expr(&mut binding.value);
        }
        Stmt::For(each) => {
            each.span = ZERO;
            name(&mut each.binding);
            expr(&mut each.iterable);
            block(&mut each.body);
        }
        Stmt::If(conditional) => if_(conditional),
        Stmt::Deny(deny) => {
            deny.span = ZERO;
            expr(&mut deny.condition);
            for part in [&mut deny.at, &mut deny.message].into_iter().flatten() {
                expr(part);
            }
            if let Some(fix) = &mut deny.fix {
                fix.span = ZERO;
                for edit in &mut fix.edits {
                    edit.span = ZERO;
                    match &mut edit.kind {
                        EditKind::Set { target, value } | EditKind::Append { value, target } => {
                            expr(target);
                            expr(value);
                        }
                        EditKind::Remove { target } => expr(target),
                    }
                }
            }
        }
        Stmt::Error(span) => *span = ZERO,
    }
}

fn string(lit: &mut StringLit) {
    lit.span = ZERO;
    for part in &mut lit.parts {
        if let StringPart::Interp(inner) = part {
            expr(inner);
        }
    }
}

fn expr(expression: &mut Expr) {
    while let ExprKind::Paren(inner) = &mut expression.kind {
        let inner = std::mem::replace(inner.as_mut(), Expr::new(ExprKind::Error, ZERO));
        *expression = inner;
    }
    expression.span = ZERO;
    // Names and entries carry spans of their own; sub-expressions recurse.
    match &mut expression.kind {
        ExprKind::Str(lit) => lit.span = ZERO,
        ExprKind::Map(entries) => {
            for entry in entries.iter_mut() {
                entry.span = ZERO;
                match &mut entry.key {
                    MapKey::Name(key) => name(key),
                    MapKey::Str(key) => key.span = ZERO,
                }
            }
        }
        ExprKind::Field { name: field, .. } => name(field),
        ExprKind::Quantifier { binding, .. } | ExprKind::Comprehension { binding, .. } => {
            name(binding)
        }
        _ => {}
    }
    expression.kind.for_each_child_mut(expr);
}
