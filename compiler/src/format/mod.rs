//! The canonical layout of `.pol` files (`pol fmt`).
//!
//! One layout for every file: two-space indentation, one space around binary operators, one
//! `deny` clause per line, lists on one line while they fit in [`WIDTH`] columns and one item
//! per line otherwise, `or` and `and` chains likewise (one operand per line, each continuation
//! line starting with the operator). Comments are kept: a comment on its own line stays on its own line
//! before the same construct, a comment at the end of a line stays at the end of that line. A
//! comment in the middle of a one-line expression moves to its own line before the next line.
//! Up to one blank line between constructs is kept. The author's parentheses are kept;
//! parentheses the precedence needs are added.
//!
//! Invariants (tested): formatting is idempotent, and the formatted text parses to the same
//! tree (spans and parentheses aside).

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::span::{LineIndex, Span};
use crate::syntax::{Comment, Parsed, parse};

/// Lists wrap when their one-line form would pass this column.
pub const WIDTH: usize = 100;

const INDENT: &str = "  ";

/// Formats `source`, or returns the diagnostics that prevent it (a file with errors is never
/// rewritten).
pub fn format_source(source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(source);
    if parsed.has_errors() {
        return Err(parsed.diagnostics);
    }
    Ok(format(source, &parsed))
}

/// Formats a parsed file. `parsed` must come from `source` and have no errors.
pub fn format(source: &str, parsed: &Parsed) -> String {
    let mut printer = Printer::new(source, &parsed.comments, false);
    printer.file(&parsed.file);
    printer.out
}

/// Formats one expression on one line.
pub fn format_expression(expr: &Expr) -> String {
    let mut printer = Printer::new("", &[], true);
    printer.expr(expr);
    printer.out
}

struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: String,
    indent: usize,
    /// Source offset just past the last construct or comment printed.
    last_end: u32,
    lines: LineIndex,
    /// Everything on one line, no comments: used to measure.
    flat: bool,
}

/// Where an expression stands: how loose its outermost operator may be without parentheses,
/// and whether an open form (`any`, `all`, `if … then`) may stand there unparenthesized.
#[derive(Clone, Copy)]
struct Slot {
    min: Precedence,
    open: bool,
}

const FULL: Slot = Slot {
    min: Precedence::Prefix,
    open: true,
};

impl<'a> Printer<'a> {
    fn new(source: &'a str, comments: &'a [Comment], flat: bool) -> Printer<'a> {
        Printer {
            source,
            comments,
            next_comment: 0,
            out: String::new(),
            indent: 0,
            last_end: 0,
            lines: LineIndex::new(source),
            flat,
        }
    }

    // ---- layout primitives ----

    fn write(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn newline(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn start_line(&mut self) {
        if !self.at_line_start() {
            self.newline();
        }
        for _ in 0..self.indent {
            self.out.push_str(INDENT);
        }
    }

    fn column(&self) -> usize {
        let line_start = self.out.rfind('\n').map_or(0, |newline| newline + 1);
        self.out[line_start..].chars().count()
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            if !self.at_line_start() {
                self.newline();
            }
            self.newline();
        }
    }

    /// Whether the source has an empty line between offsets `from` and `to`.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        if from >= to {
            return false;
        }
        let gap = Span::new(from, to).text(self.source);
        let mut lines = gap.split('\n');
        lines.next();
        let mut middle: Vec<&str> = lines.collect();
        middle.pop();
        middle.iter().any(|line| line.trim().is_empty())
    }

    /// Prints, each on its own line, the comments that start before `position`. `first` says
    /// the construct opens its block, where no blank line goes.
    fn comments_before(&mut self, position: u32, first: bool) {
        if self.flat {
            return;
        }
        let mut first = first;
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= position {
                break;
            }
            if !first && self.blank_between(self.last_end, comment.span.start) {
                self.blank_line();
            }
            self.start_line();
            self.write(&comment.text);
            self.newline();
            self.last_end = comment.span.end;
            self.next_comment += 1;
            first = false;
        }
    }

    /// Prints a comment that sits on the line where the construct ending at `end` ends.
    fn trailing_comment(&mut self, end: u32) {
        if self.flat {
            return;
        }
        let line = self.lines.line(end.saturating_sub(1));
        if let Some(comment) = self.comments.get(self.next_comment)
            && self.lines.line(comment.span.start) == line
            && comment.span.start + 1 >= end
        {
            self.write(" ");
            self.write(&comment.text);
            self.last_end = self.last_end.max(comment.span.end);
            self.next_comment += 1;
        }
    }

    /// Opens a construct that takes its own line(s).
    fn begin_line(&mut self, span: Span, first: bool) {
        self.comments_before(span.start, first);
        if !first && self.blank_between(self.last_end, span.start) {
            self.blank_line();
        }
        self.start_line();
    }

    /// Closes a construct that took its own line(s).
    fn end_line(&mut self, end: u32) {
        self.trailing_comment(end);
        self.last_end = self.last_end.max(end);
        self.newline();
    }

    fn has_comment_within(&self, span: Span) -> bool {
        !self.flat
            && self.comments[self.next_comment.min(self.comments.len())..]
                .iter()
                .take_while(|comment| comment.span.start < span.end)
                .any(|comment| comment.span.start > span.start)
    }

    /// The width of `expr` printed on one line.
    fn flat_width(&self, print: impl FnOnce(&mut Printer<'_>)) -> usize {
        // Measuring needs neither comments nor line numbers: no source, so no line index.
        let mut measure = Printer::new("", &[], true);
        print(&mut measure);
        measure.out.chars().count()
    }

    // ---- files, policies, items ----

    fn file(&mut self, file: &File) {
        for policy in &file.policies {
            // Policies are always separated by one blank line, comments above a policy (its
            // doc) included.
            if !self.out.is_empty() {
                self.blank_line();
            }
            self.comments_before(policy.span.start, self.out.is_empty());
            self.policy(policy);
            self.last_end = policy.span.end;
        }
        // Comments after the last policy.
        let rest = self.comments.len();
        if rest > self.next_comment {
            let first = self.out.is_empty();
            self.comments_before(u32::MAX, first);
        }
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.newline();
        }
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
    }

    fn policy(&mut self, policy: &Policy) {
        self.start_line();
        self.write("policy ");
        self.write(&policy.name.text);
        self.write(" {");
        self.trailing_comment(policy.name.span.end + 1);
        self.last_end = policy.name.span.end;
        self.newline();
        self.indent += 1;
        for (index, item) in policy.items.iter().enumerate() {
            self.begin_line(item.span(), index == 0);
            match item {
                PolicyItem::Meta(meta) => self.meta(meta),
                PolicyItem::Param(param) => self.param(param),
                PolicyItem::Match(matcher) => self.matcher(matcher),
                PolicyItem::Stmt(stmt) => self.stmt(stmt),
            }
            self.end_line(item.span().end);
        }
        self.comments_before(policy.close.start, policy.items.is_empty());
        self.indent -= 1;
        self.start_line();
        self.write("}");
        self.end_line(policy.close.end);
    }

    fn meta(&mut self, meta: &Meta) {
        self.write(&meta.key.text);
        self.write(" ");
        self.meta_value(&meta.value);
    }

    fn meta_value(&mut self, value: &MetaValue) {
        match value {
            MetaValue::Str(lit) => self.string(lit),
            MetaValue::Word(word) => self.write(&word.text),
            MetaValue::Int(number, _) => self.write(&number.to_string()),
            MetaValue::Float(number, _) => self.write(&float(*number)),
            MetaValue::Bool(flag, _) => self.write(if *flag { "true" } else { "false" }),
            MetaValue::List(items, span) => {
                let width = self.flat_width(|p| p.meta_list_flat(items));
                if self.flat || (!self.has_comment_within(*span) && self.column() + width <= WIDTH)
                {
                    self.meta_list_flat(items);
                } else {
                    self.write("[");
                    self.newline();
                    self.indent += 1;
                    for (index, item) in items.iter().enumerate() {
                        self.begin_line(item.span(), index == 0);
                        self.meta_value(item);
                        self.write(",");
                        self.end_line(item.span().end + 1);
                    }
                    self.comments_before(span.end.saturating_sub(1), items.is_empty());
                    self.indent -= 1;
                    self.start_line();
                    self.write("]");
                }
            }
        }
    }

    fn meta_list_flat(&mut self, items: &[MetaValue]) {
        self.write("[");
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.write(", ");
            }
            self.meta_value(item);
        }
        self.write("]");
    }

    fn param(&mut self, param: &Param) {
        self.write("param ");
        self.write(&param.name.text);
        self.write(": ");
        self.type_expr(&param.ty);
        if let Some(default) = &param.default {
            self.write(" = ");
            self.expr_in(default, FULL);
        }
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        self.write(&ty.to_string());
    }

    fn matcher(&mut self, matcher: &Match) {
        self.write("match ");
        for (index, target) in matcher.targets.iter().enumerate() {
            if index > 0 {
                self.write(", ");
            }
            match target {
                MatchTarget::Workload(_) => self.write("workload"),
                MatchTarget::Every(_) => self.write("*"),
                MatchTarget::Kind {
                    kind, api_version, ..
                } => {
                    self.write(&kind.text);
                    if let Some(version) = api_version {
                        self.write(" @ ");
                        self.string(version);
                    }
                }
            }
        }
        if let Some(guard) = &matcher.guard {
            self.write(" when ");
            self.expr_in(guard, FULL);
        }
    }

    // ---- statements ----

    fn block(&mut self, block: &Block) {
        self.write("{");
        if block.stmts.is_empty() && !self.has_comment_within(block.span) {
            self.write("}");
            return;
        }
        self.trailing_comment(block.span.start + 1);
        self.newline();
        self.indent += 1;
        for (index, stmt) in block.stmts.iter().enumerate() {
            self.begin_line(stmt.span(), index == 0);
            self.stmt(stmt);
            self.end_line(stmt.span().end);
        }
        self.comments_before(block.close().start, block.stmts.is_empty());
        self.indent -= 1;
        self.start_line();
        self.write("}");
        self.last_end = self.last_end.max(block.span.end);
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Let(binding) => {
                self.write("let ");
                self.write(&binding.name.text);
                self.write(" = ");
                self.expr_in(&binding.value, FULL);
            }
            Stmt::For(each) => {
                self.write("for ");
                self.write(&each.binding.text);
                self.write(" in ");
                self.expr_in(&each.iterable, FULL);
                self.write(" ");
                self.block(&each.body);
            }
            Stmt::If(conditional) => self.if_stmt(conditional),
            Stmt::Deny(deny) => self.deny(deny),
            Stmt::Error(span) => {
                let text = span.text(self.source).to_string();
                self.write(&text);
            }
        }
    }

    fn if_stmt(&mut self, conditional: &If) {
        self.write("if ");
        self.expr_in(&conditional.condition, FULL);
        self.write(" ");
        self.block(&conditional.then);
        match &conditional.otherwise {
            None => {}
            Some(Else::Block(block)) => {
                self.write(" else ");
                self.block(block);
            }
            Some(Else::If(next)) => {
                self.write(" else ");
                self.if_stmt(next);
            }
        }
    }

    fn deny(&mut self, deny: &Deny) {
        self.write("deny ");
        self.expr_in(&deny.condition, FULL);
        self.indent += 1;
        if let Some(at) = &deny.at {
            self.clause(at.span, |p| {
                p.write("at ");
                p.expr_in(at, FULL);
            });
        }
        if let Some(message) = &deny.message {
            self.clause(message.span, |p| {
                p.write("message ");
                p.expr_in(message, FULL);
            });
        }
        if let Some(fix) = &deny.fix {
            self.clause(fix.span, |p| p.fix(fix));
        }
        self.indent -= 1;
    }

    /// A `deny` clause on its own line; `span` is the clause's content.
    fn clause(&mut self, span: Span, print: impl FnOnce(&mut Self)) {
        // The clause keyword precedes `span`: close the previous line first.
        self.trailing_comment(self.last_end);
        self.newline();
        self.comments_before(span.start.saturating_sub(1), false);
        self.start_line();
        print(self);
        self.last_end = self.last_end.max(span.end);
    }

    fn fix(&mut self, fix: &Fix) {
        self.write("fix ");
        if fix.safety == FixSafety::Unsafe {
            self.write("unsafe ");
        }
        match fix.edits.as_slice() {
            [edit] if !self.has_comment_within(fix.span) => self.edit(edit),
            edits => {
                self.write("{");
                if edits.is_empty() && !self.has_comment_within(fix.span) {
                    self.write("}");
                    return;
                }
                self.newline();
                self.indent += 1;
                for (index, edit) in edits.iter().enumerate() {
                    self.begin_line(edit.span, index == 0);
                    self.edit(edit);
                    self.end_line(edit.span.end);
                }
                self.comments_before(fix.span.end.saturating_sub(1), edits.is_empty());
                self.indent -= 1;
                self.start_line();
                self.write("}");
            }
        }
    }

    fn edit(&mut self, edit: &Edit) {
        let target_slot = Slot {
            min: Precedence::Postfix,
            open: false,
        };
        match &edit.kind {
            EditKind::Set { target, value } => {
                self.write("set ");
                self.expr_in(target, target_slot);
                self.write(" = ");
                self.expr_in(value, FULL);
            }
            EditKind::Remove { target } => {
                self.write("remove ");
                self.expr_in(target, target_slot);
            }
            EditKind::Append { value, target } => {
                self.write("append ");
                self.expr_in(value, FULL);
                self.write(" to ");
                self.expr_in(target, target_slot);
            }
        }
        self.last_end = self.last_end.max(edit.span.end);
    }

    // ---- expressions ----

    fn expr(&mut self, expr: &Expr) {
        self.expr_in(expr, FULL);
    }

    fn expr_in(&mut self, expr: &Expr, slot: Slot) {
        let precedence = expr.precedence();
        let needs_parens = if precedence == Precedence::Prefix {
            !slot.open
        } else {
            precedence < slot.min || (ends_open(expr) && !slot.open)
        };
        if needs_parens {
            self.write("(");
            self.expr_bare(expr);
            self.write(")");
        } else {
            self.expr_bare(expr);
        }
        self.last_end = self.last_end.max(expr.span.end);
    }

    fn expr_bare(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Null => self.write("null"),
            ExprKind::Bool(flag) => self.write(if *flag { "true" } else { "false" }),
            ExprKind::Int(number) => self.write(&number.to_string()),
            ExprKind::Float(number) => self.write(&float(*number)),
            ExprKind::Quantity(text) => self.write(text),
            ExprKind::Str(lit) => self.string(lit),
            ExprKind::Regex(text) => {
                self.write("r\"");
                self.write(text);
                self.write("\"");
            }
            ExprKind::Glob(text) => {
                self.write("g\"");
                self.write(text);
                self.write("\"");
            }
            ExprKind::Name(name) => self.write(name),
            ExprKind::List(items) => self.list(items, expr.span),
            ExprKind::Map(entries) => self.map(entries, expr.span),
            ExprKind::Field { base, name } => {
                // `1.x` would lex as one (malformed) number.
                if matches!(
                    base.kind,
                    ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Quantity(_)
                ) {
                    self.write("(");
                    self.expr_bare(base);
                    self.write(")");
                } else {
                    self.expr_in(base, postfix_slot());
                }
                self.write(".");
                self.write(&name.text);
            }
            ExprKind::Index { base, index } => {
                self.expr_in(base, postfix_slot());
                self.write("[");
                self.expr(index);
                self.write("]");
            }
            ExprKind::Call { callee, args } => {
                self.expr_in(callee, postfix_slot());
                self.write("(");
                for (index, arg) in args.iter().enumerate() {
                    if index > 0 {
                        self.write(", ");
                    }
                    self.expr(arg);
                }
                self.write(")");
            }
            ExprKind::Unary { op, operand } => match op {
                UnaryOp::Not => {
                    self.write("not ");
                    // `not` takes a `not`-level operand, or an open form when nothing follows.
                    self.expr_in(
                        operand,
                        Slot {
                            min: Precedence::Not,
                            open: true,
                        },
                    );
                }
                UnaryOp::Neg => {
                    self.write("-");
                    self.expr_in(
                        operand,
                        Slot {
                            min: Precedence::Negation,
                            open: false,
                        },
                    );
                }
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, expr),
            ExprKind::Quantifier {
                kind,
                binding,
                iterable,
                condition,
            } => {
                self.write(match kind {
                    Quantifier::Any => "any ",
                    Quantifier::All => "all ",
                });
                self.write(&binding.text);
                self.write(" in ");
                self.expr_in(iterable, or_slot());
                self.write(": ");
                self.expr(condition);
            }
            ExprKind::Comprehension {
                element,
                binding,
                iterable,
                filter,
            } => {
                self.write("[");
                self.expr(element);
                self.write(" for ");
                self.write(&binding.text);
                self.write(" in ");
                self.expr_in(iterable, or_slot());
                if let Some(filter) = filter {
                    self.write(" if ");
                    self.expr(filter);
                }
                self.write("]");
            }
            ExprKind::Conditional {
                condition,
                then,
                otherwise,
            } => {
                self.write("if ");
                self.expr(condition);
                self.write(" then ");
                self.expr(then);
                self.write(" else ");
                self.expr(otherwise);
            }
            ExprKind::Paren(inner) => {
                self.write("(");
                self.expr(inner);
                self.write(")");
            }
            ExprKind::Error => {
                let text = expr.span.text(self.source).to_string();
                self.write(&text);
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, whole: &Expr) {
        let precedence = op.precedence();
        let (lhs_slot, rhs_slot) = match precedence {
            // Non-associative: both sides one level tighter.
            Precedence::Comparison => (
                tighter(Precedence::Comparison),
                tighter(Precedence::Comparison),
            ),
            // Right-associative.
            Precedence::Coalesce => (tighter(Precedence::Coalesce), closed(Precedence::Coalesce)),
            // `or` and `and` may end in an open form.
            Precedence::Or | Precedence::And => (
                closed(precedence),
                Slot {
                    min: next(precedence),
                    open: true,
                },
            ),
            _ => (closed(precedence), tighter(precedence)),
        };
        if matches!(op, BinaryOp::Or | BinaryOp::And)
            && !self.flat
            && !self.has_comment_within(whole.span)
            && self.column() + self.flat_width(|p| p.binary(op, lhs, rhs, whole)) > WIDTH
        {
            // Too long for one line: one operand of the chain per line, each continuation
            // line starting with the operator, two levels deeper than the line it continues
            // (one level is where a `deny`'s `at` and `message` clauses stand).
            let mut operands = vec![rhs];
            let mut first = lhs;
            while let ExprKind::Binary {
                op: inner,
                lhs: inner_lhs,
                rhs: inner_rhs,
            } = &first.kind
                && *inner == op
            {
                operands.push(inner_rhs);
                first = inner_lhs;
            }
            operands.reverse();
            self.expr_in(first, lhs_slot);
            self.indent += 2;
            for operand in operands {
                self.start_line();
                self.write(op.as_str());
                self.write(" ");
                self.expr_in(operand, rhs_slot);
            }
            self.indent -= 2;
            return;
        }
        self.expr_in(lhs, lhs_slot);
        self.write(" ");
        self.write(op.as_str());
        self.write(" ");
        self.expr_in(rhs, rhs_slot);
    }

    fn list(&mut self, items: &[Expr], span: Span) {
        let width = self.flat_width(|p| p.list_flat(items));
        if self.flat
            || (!self.has_comment_within(span) && self.column() + width <= WIDTH)
            || items.is_empty()
        {
            self.list_flat(items);
            return;
        }
        self.write("[");
        self.newline();
        self.indent += 1;
        for (index, item) in items.iter().enumerate() {
            self.begin_line(item.span, index == 0);
            self.expr(item);
            self.write(",");
            self.end_line(item.span.end + 1);
        }
        self.comments_before(span.end.saturating_sub(1), false);
        self.indent -= 1;
        self.start_line();
        self.write("]");
    }

    /// Maps wrap like lists: on one line while they fit, else one entry per line.
    fn map(&mut self, entries: &[MapEntry], span: Span) {
        let width = self.flat_width(|p| p.map_flat(entries));
        if self.flat
            || entries.is_empty()
            || (!self.has_comment_within(span) && self.column() + width <= WIDTH)
        {
            self.map_flat(entries);
            return;
        }
        self.write("{");
        self.newline();
        self.indent += 1;
        for (index, entry) in entries.iter().enumerate() {
            self.begin_line(entry.span, index == 0);
            self.map_entry(entry);
            self.write(",");
            self.end_line(entry.span.end + 1);
        }
        self.comments_before(span.end.saturating_sub(1), false);
        self.indent -= 1;
        self.start_line();
        self.write("}");
    }

    fn map_flat(&mut self, entries: &[MapEntry]) {
        self.write("{");
        for (index, entry) in entries.iter().enumerate() {
            if index > 0 {
                self.write(", ");
            }
            self.map_entry(entry);
        }
        self.write("}");
    }

    fn map_entry(&mut self, entry: &MapEntry) {
        match &entry.key {
            MapKey::Name(name) => self.write(&name.text),
            MapKey::Str(lit) => self.string(lit),
        }
        self.write(": ");
        self.expr(&entry.value);
    }

    fn list_flat(&mut self, items: &[Expr]) {
        self.write("[");
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.write(", ");
            }
            self.expr(item);
        }
        self.write("]");
    }

    fn string(&mut self, lit: &StringLit) {
        if lit.multiline && !self.flat {
            self.multiline_string(lit);
            return;
        }
        self.write("\"");
        for part in &lit.parts {
            match part {
                StringPart::Text(text) => {
                    let escaped = escape(text, false);
                    self.write(&escaped);
                }
                StringPart::Interp(expr) => {
                    // Always on one line: a string without `"""` cannot hold a line break.
                    self.write("{");
                    self.write(&format_expression(expr));
                    self.write("}");
                }
            }
        }
        self.write("\"");
    }

    fn multiline_string(&mut self, lit: &StringLit) {
        let mut body = String::new();
        for part in &lit.parts {
            match part {
                StringPart::Text(text) => body.push_str(&escape(text, true)),
                StringPart::Interp(expr) => {
                    body.push('{');
                    body.push_str(&format_expression(expr));
                    body.push('}');
                }
            }
        }
        let indent = INDENT.repeat(self.indent + 1);
        self.write("\"\"\"");
        self.out.push('\n');
        for line in body.split('\n') {
            if !line.is_empty() {
                self.out.push_str(&indent);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
        self.out.push_str(&indent);
        self.write("\"\"\"");
    }
}

fn postfix_slot() -> Slot {
    Slot {
        min: Precedence::Postfix,
        open: false,
    }
}

fn or_slot() -> Slot {
    Slot {
        min: Precedence::Or,
        open: false,
    }
}

fn closed(min: Precedence) -> Slot {
    Slot { min, open: false }
}

fn tighter(precedence: Precedence) -> Slot {
    closed(next(precedence))
}

fn next(precedence: Precedence) -> Precedence {
    match precedence {
        Precedence::Prefix => Precedence::Or,
        Precedence::Or => Precedence::And,
        Precedence::And => Precedence::Not,
        Precedence::Not => Precedence::Comparison,
        Precedence::Comparison => Precedence::Coalesce,
        Precedence::Coalesce => Precedence::Additive,
        Precedence::Additive => Precedence::Multiplicative,
        Precedence::Multiplicative => Precedence::Negation,
        Precedence::Negation | Precedence::Postfix => Precedence::Postfix,
    }
}

/// Whether printing `expr` without parentheses would end in an open form (`not any …`,
/// `a and if …`): such an expression may only stand where nothing follows it.
fn ends_open(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Quantifier { .. } | ExprKind::Conditional { .. } => true,
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => ends_open(operand),
        ExprKind::Binary {
            op: BinaryOp::And | BinaryOp::Or,
            rhs,
            ..
        } => ends_open(rhs),
        _ => false,
    }
}

/// A float that reads back as a float: always with a `.` or an exponent.
fn float(number: f64) -> String {
    let text = format!("{number:?}");
    if text.contains(['.', 'e', 'E']) || !number.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

/// Escapes string text. In a multi-line string quotes stay readable: only a quote that could
/// start a closing `"""` is escaped. Characters that cannot be seen (controls, zero-width and
/// bidirectional marks, unusual spaces) are written as `\u{…}` so that review can see them.
fn escape(text: &str, multiline: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '{' => out.push_str("\\{"),
            '"' if !multiline => out.push_str("\\\""),
            '"' => {
                let closes =
                    chars.get(index + 1) == Some(&'"') && chars.get(index + 2) == Some(&'"');
                out.push_str(if closes { "\\\"" } else { "\"" });
            }
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' if multiline => out.push('\t'),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Characters a reader cannot see or that reorder text.
fn invisible(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ' && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{ad}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}
