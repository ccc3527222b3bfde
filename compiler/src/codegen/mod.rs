//! Lowering: checked policies become one [`Pack`] of bytecode.
//!
//! Each policy becomes one function. The runner presets three locals before it runs:
//! `resource` (local 0), `pod` and `podMetadata` (locals 1 and 2, read from the kind's pod path
//! in the pack's dispatch table, absent for other kinds). Parameters are `Param` slots whose
//! values live in the policy's metadata, so configuration can change them without recompiling.
//!
//! Expressions compile to stack code; `and`/`or`/`??`/`if … then` short-circuit with jumps;
//! `any`/`all`, comprehensions and `for` use iterator slots. Operations the checker marked as
//! working on quantities, durations or times ([`OpClass`]) call the host (`$cmp:quantity`, …)
//! instead of the plain instruction. Literal lists and maps of constants are constants. Every
//! instruction records the span it came from (the source map); every `deny` records, as data,
//! the static path of its place and of each fix target, so that a finding on a missing field
//! can name the field.

mod hoist;
mod lazy;
mod plan;
pub(crate) mod setup;

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use pol_vm::bytecode::{Op, encode};
use pol_vm::interp::Constant;
use pol_vm::pack::{
    BuiltinRef, DenySite, EditKind as PackEdit, EditSite, Function, KeyStep, KindEntry, Pack,
    PatternDef, PatternKind, PolicyMeta, Query, Severity, Step,
};

use crate::ast::*;
use crate::schema::{Schemas, WORKLOADS};
use crate::span::Span;
use crate::typeck::{Checked, OpClass};
use lazy::Shape;

/// The local that holds the resource.
pub const RESOURCE: u16 = 0;
/// The local that holds the pod spec (pod controllers).
pub const POD: u16 = 1;
/// The local that holds the pod template's metadata.
pub const POD_METADATA: u16 = 2;
/// The local that holds `pod.allContainers`, joined once per resource by the evaluator.
pub const ALL_CONTAINERS: u16 = 3;

/// Collects policies of any number of files into one pack.
#[derive(Debug)]
pub struct PackBuilder {
    pack: Pack,
    symbols: HashMap<String, u32>,
    strings: HashMap<String, u32>,
    builtins: HashMap<(String, u8), u16>,
    patterns: HashMap<(u8, String), u32>,
    kinds: BTreeMap<(String, String), KindEntry>,
    queries: HashMap<(String, String, Vec<KeyStep>), u16>,
    /// Whether loops over `others(…)` may read an index ([`plan`]); on by default. Off, every
    /// loop tries every resource: tests compare the two.
    pub index_queries: bool,
    /// Whether a `let` whose value cannot fail is computed where it is read ([`lazy`]); on by
    /// default. Off, every `let` is computed where it stands: tests compare the two.
    pub lazy_lets: bool,
}

impl PackBuilder {
    pub fn new(compiler: &str, schemas: &Schemas) -> PackBuilder {
        PackBuilder {
            pack: Pack {
                compiler: compiler.to_string(),
                k8s_version: schemas.version.clone(),
                schema_fingerprint: fingerprint(schemas),
                symbols: Vec::new(),
                constants: Vec::new(),
                builtins: Vec::new(),
                patterns: Vec::new(),
                policies: Vec::new(),
                kinds: Vec::new(),
                queries: Vec::new(),
                sites: Vec::new(),
                functions: Vec::new(),
            },
            symbols: HashMap::new(),
            strings: HashMap::new(),
            builtins: HashMap::new(),
            patterns: HashMap::new(),
            kinds: BTreeMap::new(),
            queries: HashMap::new(),
            index_queries: true,
            lazy_lets: true,
        }
    }

    /// Lowers every policy of a file that parsed and type-checked without errors.
    pub fn add_file(&mut self, name: &str, file: &File, checked: &Checked) {
        for (policy, info) in file.policies.iter().zip(&checked.policies) {
            let index = u32::try_from(self.pack.policies.len()).unwrap_or(u32::MAX);
            let function = u32::try_from(self.pack.functions.len()).unwrap_or(u32::MAX);
            let lowering = Lowering::new(self, checked, index);
            let (params, function_body) = lowering.policy(policy);
            self.pack.functions.push(function_body);
            let mut meta = metadata(name, policy, params, function);
            meta.enabled = policy.items.iter().all(|item| {
                !matches!(item, PolicyItem::Meta(Meta { key, value: MetaValue::Bool(false, _), .. }) if key.text == "enabled")
            });
            self.pack.policies.push(meta);
            // Disabled policies are dispatched too: configuration may enable them; the
            // evaluator's caller decides what runs.
            for (api_version, kind) in &info.kinds {
                let entry = self
                    .kinds
                    .entry((api_version.clone(), kind.clone()))
                    .or_insert_with(|| KindEntry {
                        api_version: api_version.clone(),
                        kind: kind.clone(),
                        pod_path: WORKLOADS
                            .iter()
                            .find(|(v, k, _)| v == api_version && k == kind)
                            .map(|(_, _, path)| path.iter().map(|s| s.to_string()).collect()),
                        policies: Vec::new(),
                    });
                entry.policies.push(index);
            }
        }
    }

    /// The pack, verified.
    pub fn finish(mut self) -> Result<Pack, pol_vm::pack::PackError> {
        self.pack.kinds = self.kinds.into_values().collect();
        self.pack.prepare()?;
        Ok(self.pack)
    }

    fn symbol(&mut self, name: &str) -> u32 {
        if let Some(id) = self.symbols.get(name) {
            return *id;
        }
        let id = u32::try_from(self.pack.symbols.len()).unwrap_or(u32::MAX);
        self.pack.symbols.push(name.into());
        self.symbols.insert(name.to_string(), id);
        id
    }

    fn constant(&mut self, constant: Constant) -> u32 {
        let key = match &constant {
            Constant::Str(text) => Some(text.to_string()),
            _ => None,
        };
        if let Some(key) = &key
            && let Some(id) = self.strings.get(key)
        {
            return *id;
        }
        let id = u32::try_from(self.pack.constants.len()).unwrap_or(u32::MAX);
        self.pack.constants.push(constant);
        if let Some(key) = key {
            self.strings.insert(key, id);
        }
        id
    }

    fn builtin(&mut self, name: &str, arity: u8) -> u16 {
        let key = (name.to_string(), arity);
        if let Some(id) = self.builtins.get(&key) {
            return *id;
        }
        let id = u16::try_from(self.pack.builtins.len()).unwrap_or(u16::MAX);
        self.pack.builtins.push(BuiltinRef {
            name: name.to_string(),
            arity,
        });
        self.builtins.insert(key, id);
        id
    }

    /// The index of a cross-resource query.
    fn query(&mut self, group: &str, kind: &str, key: Vec<KeyStep>) -> u16 {
        let entry = (group.to_string(), kind.to_string(), key);
        if let Some(id) = self.queries.get(&entry) {
            return *id;
        }
        let id = u16::try_from(self.pack.queries.len()).unwrap_or(u16::MAX);
        self.pack.queries.push(Query {
            group: group.to_string(),
            kind: kind.to_string(),
            key: entry.2.clone(),
        });
        self.queries.insert(entry, id);
        id
    }

    /// The constant that holds a compiled pattern.
    /// The constant index of a pattern constant.
    fn pattern(&mut self, kind: PatternKind, text: &str) -> u32 {
        let id = self.pattern_id(kind, text);
        self.constant(Constant::Pattern(id))
    }

    /// The id of a pattern, added to the pack on first use.
    fn pattern_id(&mut self, kind: PatternKind, text: &str) -> u32 {
        let key = (kind as u8, text.to_string());
        match self.patterns.get(&key) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(self.pack.patterns.len()).unwrap_or(u32::MAX);
                self.pack.patterns.push(PatternDef {
                    kind,
                    text: text.to_string(),
                });
                self.patterns.insert(key, id);
                id
            }
        }
    }
}

/// A fingerprint of the schemas: object and field names, kinds.
fn fingerprint(schemas: &Schemas) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |text: &str| {
        for byte in text.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(&schemas.version);
    for kind in schemas.kinds() {
        feed(&kind.api_version());
        feed(&kind.kind);
        let object = schemas.object(kind.object);
        feed(&object.name);
        for field in &object.fields {
            feed(&field.name);
        }
    }
    hash
}

fn metadata(
    file: &str,
    policy: &Policy,
    params: Vec<(String, Constant)>,
    function: u32,
) -> PolicyMeta {
    let mut meta = PolicyMeta {
        id: policy.name.text.clone(),
        title: String::new(),
        severity: Severity::Medium,
        category: String::new(),
        controls: Vec::new(),
        description: policy.doc.clone().unwrap_or_default(),
        remediation: String::new(),
        references: Vec::new(),
        tags: Vec::new(),
        file: file.to_string(),
        span: (policy.span.start, policy.span.end),
        enabled: true,
        param_names: Vec::new(),
        param_types: policy
            .items
            .iter()
            .filter_map(|item| match item {
                PolicyItem::Param(param) => Some(param.ty.to_string()),
                _ => None,
            })
            .collect(),
        params: Vec::new(),
        function,
    };
    for item in &policy.items {
        let PolicyItem::Meta(entry) = item else {
            continue;
        };
        let text = meta_text(&entry.value, &params);
        match entry.key.text.as_str() {
            "title" => meta.title = text,
            "severity" => meta.severity = Severity::parse(&text).unwrap_or(Severity::Medium),
            "category" => meta.category = text,
            "description" => meta.description = text,
            "remediation" => meta.remediation = text,
            "controls" => meta.controls = meta_list(&entry.value, &params),
            "references" => meta.references = meta_list(&entry.value, &params),
            "tags" => meta.tags = meta_list(&entry.value, &params),
            _ => {}
        }
    }
    let (names, values) = params.into_iter().unzip();
    meta.param_names = names;
    meta.params = values;
    meta
}

fn meta_list(value: &MetaValue, params: &[(String, Constant)]) -> Vec<String> {
    match value {
        MetaValue::List(items, _) => items.iter().map(|item| meta_text(item, params)).collect(),
        other => vec![meta_text(other, params)],
    }
}

/// Metadata as text; an interpolated parameter shows its default.
fn meta_text(value: &MetaValue, params: &[(String, Constant)]) -> String {
    match value {
        MetaValue::Str(lit) => lit
            .parts
            .iter()
            .map(|part| match part {
                StringPart::Text(text) => text.clone(),
                StringPart::Interp(expr) => match &expr.kind {
                    ExprKind::Name(name) => params
                        .iter()
                        .find(|(param, _)| param == name)
                        .map(|(_, value)| constant_text(value))
                        .unwrap_or_default(),
                    _ => String::new(),
                },
            })
            .collect(),
        MetaValue::Word(word) => word.text.clone(),
        MetaValue::Int(value, _) => value.to_string(),
        MetaValue::Float(value, _) => value.to_string(),
        MetaValue::Bool(value, _) => value.to_string(),
        MetaValue::List(items, _) => items
            .iter()
            .map(|item| meta_text(item, params))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn constant_text(constant: &Constant) -> String {
    match constant {
        Constant::Null | Constant::Pattern(_) => "null".to_string(),
        Constant::Bool(flag) => flag.to_string(),
        Constant::Int(number) => number.to_string(),
        Constant::Float(number) => number.to_string(),
        Constant::Str(text) => text.to_string(),
        Constant::List(items) => items
            .iter()
            .map(constant_text)
            .collect::<Vec<_>>()
            .join(", "),
        Constant::Map(entries) => entries
            .iter()
            .map(|(key, value)| format!("{key}: {}", constant_text(value)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The value of a constant expression (literals, lists and maps of them), if it is one.
pub fn constant(expr: &Expr) -> Option<Constant> {
    constant_with(expr, &mut |_, _| None)
}

/// Like [`constant`], with regex and glob literals made constants by `pattern`.
fn constant_with(
    expr: &Expr,
    pattern: &mut dyn FnMut(PatternKind, &str) -> Option<Constant>,
) -> Option<Constant> {
    Some(match &expr.kind {
        ExprKind::Regex(text) => pattern(PatternKind::Regex, text)?,
        ExprKind::Glob(text) => pattern(PatternKind::Glob, text)?,
        ExprKind::Null => Constant::Null,
        ExprKind::Bool(flag) => Constant::Bool(*flag),
        ExprKind::Int(number) => Constant::Int(*number),
        ExprKind::Float(number) => Constant::Float(*number),
        ExprKind::Quantity(text) => Constant::Str(text.as_str().into()),
        ExprKind::Str(lit) => Constant::Str(lit.as_plain()?.into()),
        ExprKind::List(items) => Constant::List(
            items
                .iter()
                .map(|item| constant_with(item, pattern))
                .collect::<Option<_>>()?,
        ),
        ExprKind::Map(entries) => Constant::Map(
            entries
                .iter()
                .map(|entry| {
                    let key = match &entry.key {
                        MapKey::Name(name) => name.text.clone(),
                        MapKey::Str(lit) => lit.as_plain()?,
                    };
                    Some((key.into_boxed_str(), constant_with(&entry.value, pattern)?))
                })
                .collect::<Option<_>>()?,
        ),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => match constant_with(operand, pattern)? {
            Constant::Int(number) => Constant::Int(number.checked_neg()?),
            Constant::Float(number) => Constant::Float(-number),
            _ => return None,
        },
        ExprKind::Paren(inner) => constant_with(inner, pattern)?,
        _ => return None,
    })
}

/// The names in scope, innermost first: a persistent list, so that a `let` keeps the scopes it
/// was written in for the cost of a pointer (a snapshot is a clone of the head).
#[derive(Debug, Clone, Default)]
struct Scopes<'a>(Option<Rc<Bound<'a>>>);

#[derive(Debug)]
struct Bound<'a> {
    name: String,
    binding: Binding<'a>,
    outer: Scopes<'a>,
}

impl<'a> Scopes<'a> {
    /// These scopes with `name` bound innermost.
    fn with(&self, name: &str, binding: Binding<'a>) -> Scopes<'a> {
        Scopes(Some(Rc::new(Bound {
            name: name.to_string(),
            binding,
            outer: self.clone(),
        })))
    }
}

impl Drop for Bound<'_> {
    /// Unlinks the list without recursing: a policy may bind thousands of names.
    fn drop(&mut self) {
        let mut next = self.outer.0.take();
        while let Some(bound) = next {
            match Rc::try_unwrap(bound) {
                Ok(mut bound) => next = bound.outer.0.take(),
                Err(_) => break,
            }
        }
    }
}

/// What `name` stands for in `scopes`: the innermost binding.
fn lookup_in<'a>(scopes: &Scopes<'a>, name: &str) -> Option<Binding<'a>> {
    let mut at = scopes.0.as_deref();
    while let Some(bound) = at {
        if bound.name == name {
            return Some(bound.binding.clone());
        }
        at = bound.outer.0.as_deref();
    }
    None
}

/// The path steps of a place, as written, through `let` bindings; a lazy `let`'s value is
/// read in the scopes it was written in.
fn steps_in(scopes: &Scopes<'_>, expr: &Expr) -> Vec<Step> {
    match &expr.kind {
        ExprKind::Field { base, name } => {
            let mut steps = steps_in(scopes, base);
            steps.push(Step::Field(name.text.clone()));
            steps
        }
        ExprKind::Index { base, index } => {
            let mut steps = steps_in(scopes, base);
            steps.push(match &index.kind {
                ExprKind::Int(position) => Step::Index(*position),
                ExprKind::Str(lit) => lit.as_plain().map_or(Step::Dynamic, Step::Field),
                _ => Step::Dynamic,
            });
            steps
        }
        ExprKind::Paren(inner) => steps_in(scopes, inner),
        ExprKind::Name(name) => match lookup_in(scopes, name) {
            Some(Binding::Local(_, Some((value, written)), _)) => steps_in(&written, value),
            Some(Binding::Lazy {
                value,
                scopes: written,
                ..
            }) => steps_in(&written, value),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// What a name stands for while lowering.
#[derive(Debug, Clone)]
enum Binding<'a> {
    /// A local; the value of the `let` that set it, if one did, and the scopes it was
    /// written in (what a `deny … at` through it reads).
    Local(u16, Option<(&'a Expr, Scopes<'a>)>, lazy::Shape),
    Param(u16),
    /// A `let` computed where it is read ([`lazy`]), in the scopes it was written in: into
    /// `local` on first use, or (without one) each time, as it is read once.
    Lazy {
        local: Option<u16>,
        value: &'a Expr,
        scopes: Scopes<'a>,
        shape: lazy::Shape,
        /// The size of the code a read emits, and how many lazy `let`s it nests
        /// ([`lazy::plan`]).
        size: usize,
        depth: usize,
    },
}

impl Binding<'_> {
    fn shape(&self) -> lazy::Shape {
        match self {
            Binding::Local(_, _, shape) | Binding::Lazy { shape, .. } => *shape,
            Binding::Param(_) => lazy::Shape::default(),
        }
    }
}

/// An instruction being emitted: jumps name a label until the end.
#[derive(Debug, Clone, Copy)]
struct Emitted {
    op: Op,
    label: Option<usize>,
    span: Span,
}

struct Lowering<'b, 'a> {
    builder: &'b mut PackBuilder,
    checked: &'b Checked,
    policy: u32,
    ops: Vec<Emitted>,
    /// Label → instruction index.
    labels: Vec<Option<usize>>,
    /// Where the last label was placed: no instruction there may be merged into the one
    /// before it.
    bound_at: Option<usize>,
    scopes: Scopes<'a>,
    /// The scopes to return to when each open block, loop or comprehension ends.
    frames: Vec<Scopes<'a>>,
    locals: u16,
    /// How many `for` loops enclose the statement being lowered.
    loops: usize,
    /// Whether `let`s may be lazy ([`lazy`]): not in the setup, computed once anyway.
    lazy: bool,
    depth: usize,
    max_depth: usize,
    /// Stack depth recorded at each label by the jumps to it.
    label_depth: Vec<Option<usize>>,
    span: Span,
    /// Loop-invariant calls ([`hoist`]) by span: the local that keeps their value.
    memo: HashMap<Span, u16>,
}

impl<'b, 'a> Lowering<'b, 'a> {
    fn new(builder: &'b mut PackBuilder, checked: &'b Checked, policy: u32) -> Self {
        Lowering {
            builder,
            checked,
            policy,
            ops: Vec::new(),
            labels: Vec::new(),
            bound_at: None,
            scopes: Scopes::default()
                .with("resource", Binding::Local(RESOURCE, None, Shape::default()))
                .with("pod", Binding::Local(POD, None, Shape::default()))
                .with(
                    "podMetadata",
                    Binding::Local(POD_METADATA, None, Shape::default()),
                ),
            frames: Vec::new(),
            locals: 4,
            loops: 0,
            lazy: false,
            depth: 0,
            max_depth: 0,
            label_depth: Vec::new(),
            span: Span::default(),
            memo: HashMap::new(),
        }
    }

    // ---- emission ----

    fn emit(&mut self, op: Op) {
        // `Load` then `Field` is one instruction, unless a jump lands on the `Field`.
        if let Op::Field { symbol } = op
            && self.bound_at != Some(self.ops.len())
            && let Some(last) = self.ops.last_mut()
            && let Op::Load { local } = last.op
        {
            last.op = Op::LoadField { local, symbol };
            last.span = self.span;
            return;
        }
        self.push(op, None);
    }

    fn push(&mut self, op: Op, label: Option<usize>) {
        let (pops, pushes) = op.stack_effect();
        self.depth = self.depth.saturating_sub(pops);
        if let Some(label) = label {
            // A jump: its target sees the depth after the jump's own effect (`JumpIfPresent`
            // keeps its value when it jumps).
            let at_target = if matches!(op, Op::JumpIfPresent { .. } | Op::JumpIfKnown { .. }) {
                self.depth + 1
            } else {
                self.depth
            };
            self.max_depth = self.max_depth.max(at_target);
            if let Some(slot) = self.label_depth.get_mut(label) {
                slot.get_or_insert(at_target);
            }
        }
        // `JumpIfPresent` drops its value when it falls through; `JumpIfKnown` pushes only
        // when it jumps.
        if !matches!(op, Op::JumpIfPresent { .. } | Op::JumpIfKnown { .. }) {
            self.depth += pushes;
        }
        self.max_depth = self.max_depth.max(self.depth);
        self.ops.push(Emitted {
            op,
            label,
            span: self.span,
        });
    }

    /// Starts a loop over the list or map on the stack: the iterator, the loop head that
    /// binds `name` to the next element in a new scope, and the exit. Returns (head, done);
    /// the caller emits the body, pops the scope, jumps to head and binds done.
    fn loop_start(&mut self, name: &str) -> (usize, usize) {
        let (slot, local) = (self.local(), self.local());
        let (head, done) = (self.label(), self.label());
        self.emit(Op::IterStart { slot });
        self.bind(head);
        self.jump(
            Op::IterNext {
                slot,
                local,
                offset: 0,
            },
            done,
        );
        self.open_scope();
        self.bind_name(name, Binding::Local(local, None, Shape::default()));
        (head, done)
    }

    fn label(&mut self) -> usize {
        self.labels.push(None);
        self.label_depth.push(None);
        self.labels.len() - 1
    }

    /// Places `label` here. After an unconditional jump the depth is the one jumps recorded.
    fn bind(&mut self, label: usize) {
        if let Some(slot) = self.labels.get_mut(label) {
            *slot = Some(self.ops.len());
        }
        self.bound_at = Some(self.ops.len());
        let unreachable = self
            .ops
            .last()
            .is_some_and(|emitted| emitted.op.ends_block());
        if let Some(Some(depth)) = self.label_depth.get(label)
            && (unreachable || *depth != self.depth)
        {
            self.depth = *depth;
        }
    }

    fn jump(&mut self, op: Op, label: usize) {
        self.push(op, Some(label));
    }

    fn local(&mut self) -> u16 {
        let local = self.locals;
        self.locals = self.locals.saturating_add(1);
        local
    }

    fn constant(&mut self, constant: Constant) {
        let op = match constant {
            Constant::Null => Op::Null {},
            Constant::Bool(true) => Op::True {},
            Constant::Bool(false) => Op::False {},
            other => Op::Const {
                index: self.builder.constant(other),
            },
        };
        self.emit(op);
    }

    fn call(&mut self, name: &str, argc: u8) {
        let builtin = self.builder.builtin(name, argc);
        self.emit(Op::Call { builtin, argc });
    }

    fn lookup(&self, name: &str) -> Option<Binding<'a>> {
        lookup_in(&self.scopes, name)
    }

    fn bind_name(&mut self, name: &str, binding: Binding<'a>) {
        self.scopes = self.scopes.with(name, binding);
    }

    /// Opens a scope: what is bound until [`Lowering::close_scope`] is forgotten then.
    fn open_scope(&mut self) {
        self.frames.push(self.scopes.clone());
    }

    fn close_scope(&mut self) {
        if let Some(outer) = self.frames.pop() {
            self.scopes = outer;
        }
    }

    /// The function: resolves labels into byte offsets.
    fn finish(self) -> Function {
        let mut offsets = Vec::with_capacity(self.ops.len() + 1);
        let mut at = 0usize;
        for emitted in &self.ops {
            offsets.push(at);
            at += emitted.op.encoded_len();
        }
        offsets.push(at);
        let mut ops = Vec::with_capacity(self.ops.len());
        let mut source_map: Vec<(u32, u32, u32)> = Vec::new();
        for (index, emitted) in self.ops.iter().enumerate() {
            let mut op = emitted.op;
            if let Some(label) = emitted.label {
                let target = self
                    .labels
                    .get(label)
                    .copied()
                    .flatten()
                    .and_then(|index| offsets.get(index))
                    .copied()
                    .unwrap_or(0);
                let after = offsets[index] + op.encoded_len();
                let offset = i32::try_from(target as i64 - after as i64).unwrap_or(0);
                op = op.with_jump(offset);
            }
            ops.push(op);
            let offset = u32::try_from(offsets[index]).unwrap_or(u32::MAX);
            let span = (emitted.span.start, emitted.span.end);
            if source_map.last().is_none_or(|(_, s, e)| (*s, *e) != span) {
                source_map.push((offset, span.0, span.1));
            }
        }
        Function {
            bytes: encode(&ops),
            locals: self.locals,
            max_stack: u16::try_from(self.max_depth).unwrap_or(u16::MAX),
            source_map,
            code: None,
        }
    }

    // ---- policies and statements ----

    fn policy(mut self, policy: &'a Policy) -> (Vec<(String, Constant)>, Function) {
        let mut params = Vec::new();
        for item in &policy.items {
            if let PolicyItem::Param(param) = item {
                let builder = &mut *self.builder;
                let folded = param.default.as_ref().map(|default| {
                    constant_with(default, &mut |kind, text| {
                        Some(Constant::Pattern(builder.pattern_id(kind, text)))
                    })
                });
                let index = u16::try_from(params.len()).unwrap_or(u16::MAX);
                match (folded, &param.default) {
                    (Some(None), Some(default)) => {
                        // A default that is not a constant (`duration("720h")`) is computed
                        // when the policy runs, unless a value was configured.
                        params.push((param.name.text.clone(), Constant::Null));
                        self.span = default.span;
                        let end = self.label();
                        self.emit(Op::Param { index });
                        self.jump(Op::JumpIfPresent { offset: 0 }, end);
                        self.expr(default);
                        self.bind(end);
                        let local = self.local();
                        self.emit(Op::Store { local });
                        self.bind_name(
                            &param.name.text,
                            Binding::Local(local, None, Shape::default()),
                        );
                    }
                    (folded, _) => {
                        let value = folded.flatten().unwrap_or(Constant::Null);
                        params.push((param.name.text.clone(), value));
                        self.bind_name(&param.name.text, Binding::Param(index));
                    }
                }
            }
        }
        // The setup ([`setup`]): what depends only on the parameters, computed once at load.
        let setup = setup::setup_lets(policy);
        let mut prepared = HashMap::new();
        // The setup's names are seen by the `when` guard, and by the statements only from
        // where each is written.
        let before_setup = self.scopes.clone();
        for &position in &setup {
            if let Some(PolicyItem::Stmt(stmt @ Stmt::Let(binding))) = policy.items.get(position) {
                self.stmt(stmt, &[]);
                if let Some(found) = self.lookup(&binding.name.text) {
                    prepared.insert(position, found);
                }
            }
        }
        if self.locals > 4 {
            self.span = policy.name.span;
            self.emit(Op::Setup {});
        }
        let end = self.label();
        for item in &policy.items {
            if let PolicyItem::Match(found) = item
                && let Some(guard) = &found.guard
            {
                self.span = guard.span;
                self.branch(guard, false, end);
            }
        }
        self.scopes = before_setup;
        self.lazy = self.builder.lazy_lets;
        let stmts: Vec<(usize, &'a Stmt)> = policy
            .items
            .iter()
            .enumerate()
            .filter_map(|(position, item)| match item {
                PolicyItem::Stmt(stmt) => Some((position, stmt)),
                _ => None,
            })
            .collect();
        let rest: Vec<&'a Stmt> = stmts.iter().map(|(_, stmt)| *stmt).collect();
        for (at, (position, stmt)) in stmts.iter().enumerate() {
            match (stmt, prepared.get(position)) {
                // Computed by the setup: its name takes effect here, as written.
                (Stmt::Let(binding), Some(found)) => {
                    self.bind_name(&binding.name.text, found.clone());
                }
                (stmt, _) => self.stmt(stmt, &rest[at + 1..]),
            }
        }
        self.bind(end);
        self.span = policy.close;
        self.emit(Op::Return {});
        (params, self.finish())
    }

    fn block(&mut self, block: &'a Block) {
        self.open_scope();
        let rest: Vec<&'a Stmt> = block.stmts.iter().collect();
        for (at, stmt) in block.stmts.iter().enumerate() {
            self.stmt(stmt, &rest[at + 1..]);
        }
        self.close_scope();
    }

    /// Lowers `stmt`, followed by `rest` in its scope (what a `let` may be read by).
    fn stmt(&mut self, stmt: &'a Stmt, rest: &[&'a Stmt]) {
        match stmt {
            Stmt::Let(binding) => self.let_stmt(binding, rest),
            Stmt::For(each) => {
                // A loop whose whole body is one `if` runs it only for resources that pass.
                let condition = match each.body.stmts.as_slice() {
                    [Stmt::If(only)] if only.otherwise.is_none() => Some(&only.condition),
                    _ => None,
                };
                self.source(&each.iterable, &each.binding.text, condition);
                self.span = each.span;
                self.hoist(&each.binding.text, &hoist::Body::Block(&each.body));
                let (head, done) = self.loop_start(&each.binding.text);
                self.loops += 1;
                self.block(&each.body);
                self.loops -= 1;
                self.close_scope();
                self.jump(Op::Jump { offset: 0 }, head);
                self.bind(done);
            }
            Stmt::If(conditional) => self.if_stmt(conditional),
            Stmt::Deny(deny) => self.deny(deny),
            Stmt::Error(_) => {}
        }
    }

    fn let_stmt(&mut self, binding: &'a Let, rest: &[&'a Stmt]) {
        let checked = self.checked;
        let facts = lazy::Facts {
            has_class: &|span| checked.classes.contains_key(&span),
            all_containers: &|span| checked.all_containers.contains(&span),
            shape_of: &|name| {
                self.lookup(name)
                    .map_or(Shape::default(), |found| found.shape())
            },
            size_of: &|name| match self.lookup(name) {
                Some(Binding::Lazy { size, .. }) => size,
                _ => 1,
            },
            depth_of: &|name| match self.lookup(name) {
                Some(Binding::Lazy { depth, .. }) => depth,
                _ => 0,
            },
        };
        let shape = lazy::shape(&binding.value, &facts);
        let (plan, size, depth) = if self.lazy {
            lazy::plan(binding, rest, &facts)
        } else {
            (lazy::Plan::Eager, 1, 0)
        };
        let local = match plan {
            lazy::Plan::Eager => {
                self.expr(&binding.value);
                let local = self.local();
                self.span = binding.span;
                self.emit(Op::Store { local });
                self.bind_name(
                    &binding.name.text,
                    Binding::Local(local, Some((&binding.value, self.scopes.clone())), shape),
                );
                return;
            }
            lazy::Plan::Unused | lazy::Plan::Inline => None,
            lazy::Plan::OnFirstUse => {
                let local = self.local();
                // A run starts with every local forgotten; in a loop, the value computed
                // for the last item is forgotten here.
                if self.loops > 0 {
                    self.span = binding.span;
                    self.emit(Op::Forget { local });
                }
                Some(local)
            }
        };
        let scopes = self.scopes.clone();
        self.bind_name(
            &binding.name.text,
            Binding::Lazy {
                local,
                value: &binding.value,
                scopes,
                shape,
                size,
                depth,
            },
        );
    }

    /// Reads a lazy `let` ([`lazy`]): its value, lowered in the scopes it was written in,
    /// kept in `local` (if any) by the first read.
    fn lazy_value(&mut self, local: Option<u16>, value: &'a Expr, scopes: Scopes<'a>) {
        self.in_scopes(scopes, |this| match local {
            None => this.expr(value),
            Some(local) => {
                let done = this.label();
                this.jump(Op::JumpIfKnown { local, offset: 0 }, done);
                this.expr(value);
                this.emit(Op::Dup {});
                this.emit(Op::Store { local });
                this.bind(done);
            }
        });
    }

    /// Runs `lower` with `scopes` in force (a `let`'s, to lower its value), then restores
    /// the current ones.
    fn in_scopes(&mut self, scopes: Scopes<'a>, lower: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.scopes, scopes);
        lower(self);
        self.scopes = saved;
    }

    fn if_stmt(&mut self, conditional: &'a If) {
        let (otherwise, end) = (self.label(), self.label());
        self.branch(&conditional.condition, false, otherwise);
        self.block(&conditional.then);
        match &conditional.otherwise {
            None => self.bind(otherwise),
            Some(branch) => {
                self.jump(Op::Jump { offset: 0 }, end);
                self.bind(otherwise);
                match branch {
                    Else::Block(block) => self.block(block),
                    Else::If(nested) => self.if_stmt(nested),
                }
            }
        }
        self.bind(end);
    }

    fn deny(&mut self, deny: &'a Deny) {
        let skip = self.label();
        self.branch(&deny.condition, false, skip);
        self.span = deny.span;
        let place = match &deny.at {
            Some(at) => {
                self.expr(at);
                self.steps(at)
            }
            None => {
                self.emit(Op::Load { local: RESOURCE });
                Vec::new()
            }
        };
        match &deny.message {
            Some(message) => self.expr(message),
            None => self.constant(Constant::Str("".into())),
        }
        let mut edits = Vec::new();
        if let Some(fix) = &deny.fix {
            for edit in &fix.edits {
                let (kind, target, value) = match &edit.kind {
                    EditKind::Set { target, value } => (PackEdit::Set, target, Some(value)),
                    EditKind::Remove { target } => (PackEdit::Remove, target, None),
                    EditKind::Append { value, target } => (PackEdit::Append, target, Some(value)),
                };
                self.expr(target);
                match value {
                    Some(value) => self.expr(value),
                    None => self.emit(Op::Null {}),
                }
                edits.push(EditSite {
                    kind,
                    unsafe_: fix.safety == FixSafety::Unsafe,
                    target: self.steps(target),
                });
            }
        }
        let site = u16::try_from(self.builder.pack.sites.len()).unwrap_or(u16::MAX);
        let count = u8::try_from(edits.len()).unwrap_or(u8::MAX);
        self.builder.pack.sites.push(DenySite {
            policy: self.policy,
            span: (deny.span.start, deny.span.end),
            place,
            edits,
        });
        self.span = deny.span;
        self.emit(Op::Deny { site, edits: count });
        self.bind(skip);
    }

    /// The path steps of a place, as written, through `let` bindings.
    fn steps(&self, expr: &Expr) -> Vec<Step> {
        steps_in(&self.scopes, expr)
    }

    // ---- expressions ----

    fn class(&self, expr: &Expr) -> Option<OpClass> {
        self.checked.classes.get(&expr.span).copied()
    }

    fn expr(&mut self, expr: &'a Expr) {
        let saved = self.span;
        self.span = expr.span;
        self.expr_inner(expr);
        self.span = saved;
    }

    fn expr_inner(&mut self, expr: &'a Expr) {
        if !matches!(expr.kind, ExprKind::Regex(_) | ExprKind::Glob(_))
            && let Some(value) = constant(expr)
        {
            self.constant(value);
            return;
        }
        match &expr.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Quantity(_)
            | ExprKind::Error => self.emit(Op::Null {}),
            ExprKind::Str(lit) => self.string(lit),
            ExprKind::Regex(text) => {
                let index = self.builder.pattern(PatternKind::Regex, text);
                self.emit(Op::Const { index });
            }
            ExprKind::Glob(text) => {
                let index = self.builder.pattern(PatternKind::Glob, text);
                self.emit(Op::Const { index });
            }
            ExprKind::Name(name) => match self.lookup(name) {
                Some(Binding::Local(local, ..)) => self.emit(Op::Load { local }),
                Some(Binding::Param(index)) => self.emit(Op::Param { index }),
                Some(Binding::Lazy {
                    local,
                    value,
                    scopes,
                    ..
                }) => self.lazy_value(local, value, scopes),
                None => self.emit(Op::Null {}),
            },
            ExprKind::List(items) => {
                for item in items {
                    self.expr(item);
                }
                let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
                self.emit(Op::MakeList { count });
            }
            ExprKind::Map(entries) => {
                for entry in entries {
                    match &entry.key {
                        MapKey::Name(name) => {
                            self.constant(Constant::Str(name.text.as_str().into()))
                        }
                        MapKey::Str(lit) => self.string(lit),
                    }
                    self.expr(&entry.value);
                }
                let count = u32::try_from(entries.len()).unwrap_or(u32::MAX);
                self.emit(Op::MakeMap { count });
            }
            ExprKind::Field { base, name } if self.checked.all_containers.contains(&name.span) => {
                if let ExprKind::Name(base_name) = &base.kind
                    && matches!(self.lookup(base_name), Some(Binding::Local(POD, ..)))
                {
                    self.emit(Op::Load {
                        local: ALL_CONTAINERS,
                    });
                    return;
                }
                self.expr(base);
                let pod = self.local();
                self.emit(Op::Store { local: pod });
                for field in ["initContainers", "containers", "ephemeralContainers"] {
                    self.emit(Op::Load { local: pod });
                    let symbol = self.builder.symbol(field);
                    self.emit(Op::Field { symbol });
                }
                self.emit(Op::JoinLists { count: 3 });
            }
            ExprKind::Field { base, name } => {
                self.expr(base);
                let symbol = self.builder.symbol(&name.text);
                self.emit(Op::Field { symbol });
            }
            ExprKind::Index { base, index } => {
                self.expr(base);
                match &index.kind {
                    ExprKind::Str(lit) if lit.as_plain().is_some() => {
                        let symbol = self.builder.symbol(&lit.as_plain().unwrap_or_default());
                        self.emit(Op::Field { symbol });
                    }
                    _ => {
                        self.expr(index);
                        self.emit(Op::Index {});
                    }
                }
            }
            ExprKind::Call { callee, args } => match self.memo.get(&expr.span).copied() {
                // A loop-invariant call: made on first use, then read from its local.
                Some(local) => {
                    let end = self.label();
                    self.emit(Op::Load { local });
                    self.jump(Op::JumpIfPresent { offset: 0 }, end);
                    self.call_expr(expr, callee, args);
                    self.emit(Op::Dup {});
                    self.emit(Op::Store { local });
                    self.bind(end);
                }
                None => self.call_expr(expr, callee, args),
            },
            ExprKind::Unary { op, operand } => match op {
                UnaryOp::Not => {
                    self.expr(operand);
                    self.emit(Op::Not {});
                }
                UnaryOp::Neg => match self.class(expr) {
                    Some(class) => {
                        self.constant(Constant::Int(0));
                        self.expr(operand);
                        self.call(&format!("$sub:{}", class.as_str()), 2);
                    }
                    None => {
                        self.expr(operand);
                        self.emit(Op::Neg {});
                    }
                },
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(expr, *op, lhs, rhs),
            ExprKind::Quantifier {
                kind,
                binding,
                iterable,
                condition,
            } => {
                let any = *kind == Quantifier::Any;
                self.source(iterable, &binding.text, any.then_some(&**condition));
                self.hoist(&binding.text, &hoist::Body::Exprs(vec![&**condition]));
                let (head, done) = self.loop_start(&binding.text);
                let (decided, end) = (self.label(), self.label());
                self.branch(condition, any, decided);
                self.close_scope();
                self.jump(Op::Jump { offset: 0 }, head);
                self.bind(decided);
                self.emit(if any { Op::True {} } else { Op::False {} });
                self.jump(Op::Jump { offset: 0 }, end);
                self.bind(done);
                self.emit(if any { Op::False {} } else { Op::True {} });
                self.bind(end);
            }
            ExprKind::Comprehension {
                element,
                binding,
                iterable,
                filter,
            } => {
                self.emit(Op::MakeList { count: 0 });
                self.source(iterable, &binding.text, filter.as_deref());
                let body = filter.as_deref().into_iter().chain([&**element]).collect();
                self.hoist(&binding.text, &hoist::Body::Exprs(body));
                let (head, done) = self.loop_start(&binding.text);
                if let Some(filter) = filter {
                    self.branch(filter, false, head);
                }
                self.expr(element);
                self.close_scope();
                self.emit(Op::ListPush {});
                self.jump(Op::Jump { offset: 0 }, head);
                self.bind(done);
            }
            ExprKind::Conditional {
                condition,
                then,
                otherwise,
            } => {
                let (other, end) = (self.label(), self.label());
                self.branch(condition, false, other);
                self.expr(then);
                self.jump(Op::Jump { offset: 0 }, end);
                self.bind(other);
                self.expr(otherwise);
                self.bind(end);
            }
            ExprKind::Paren(inner) => self.expr(inner),
        }
    }

    /// Gives the calls of a loop's body that do not depend on the loop a local each, cleared
    /// here, before the loop starts ([`hoist`]). Calls an enclosing loop already keeps stay
    /// with it.
    fn hoist(&mut self, binding: &str, body: &hoist::Body<'a>) {
        for call in hoist::invariant_calls(binding, body) {
            if self.memo.contains_key(&call.span) {
                continue;
            }
            let local = self.local();
            self.memo.insert(call.span, local);
            self.emit(Op::Null {});
            self.emit(Op::Store { local });
        }
    }

    /// The list a loop binding `binding` iterates, whose body runs only when `condition`
    /// holds: from an index of the evaluation set when `iterable` is `others(…)` and the
    /// condition allows one ([`plan`]).
    fn source(&mut self, iterable: &'a Expr, binding: &str, condition: Option<&'a Expr>) {
        let checked = self.checked;
        let facts = plan::Facts {
            is_query: &|span| checked.queries.contains_key(&span),
            has_class: &|span| checked.classes.contains_key(&span),
            all_containers: &|span| checked.all_containers.contains(&span),
        };
        let found = condition
            .filter(|_| self.builder.index_queries)
            .and_then(|condition| plan::plan(iterable, binding, condition, &facts))
            .filter(|found| found.key.len() <= pol_vm::pack::MAX_KEY_STEPS);
        let Some(found) = found else {
            self.expr(iterable);
            return;
        };
        let Some((group, kind)) = checked.queries.get(&found.call.span) else {
            self.expr(iterable);
            return;
        };
        let key = found
            .key
            .iter()
            .map(|part| match part {
                plan::KeyPart::Field(name) => KeyStep::Field(self.builder.symbol(name)),
                plan::KeyPart::Each => KeyStep::Each,
                plan::KeyPart::Entries => KeyStep::Entries,
                plan::KeyPart::Default(literal) => {
                    KeyStep::Default(self.builder.constant(literal.clone()))
                }
                plan::KeyPart::Apply(name) => KeyStep::Apply(self.builder.builtin(name, 1)),
            })
            .collect();
        let query = self.builder.query(group, kind, key);
        let saved = self.span;
        self.span = found.call.span;
        if let Some(namespace) = found.namespace {
            self.expr(namespace);
        }
        self.expr(found.value);
        if let Some(builtin) = found.value_call {
            self.call(builtin, 1);
        }
        let mode = found.mode;
        if found.namespace.is_some() {
            self.emit(Op::OthersInBy { query, mode });
        } else {
            self.emit(Op::OthersBy { query, mode });
        }
        self.span = saved;
    }

    /// A condition in test position: jumps to `target` when `condition` is `when`, falls
    /// through otherwise. `and`, `or` and `not` become jumps instead of values, so a test
    /// pushes no boolean it would pop at once. Each operand is still checked to be a boolean
    /// where the value form would check it (by the jump that tests it).
    fn branch(&mut self, condition: &'a Expr, when: bool, target: usize) {
        let saved = self.span;
        self.span = condition.span;
        // A `let` read once: its condition's own jumps, in the scopes it was written in.
        if let ExprKind::Name(name) = &condition.kind
            && let Some(Binding::Lazy {
                local: None,
                value,
                scopes,
                ..
            }) = self.lookup(name)
        {
            self.in_scopes(scopes, |this| this.branch(value, when, target));
            self.span = saved;
            return;
        }
        match &condition.kind {
            ExprKind::Paren(inner) => self.branch(inner, when, target),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => self.branch(operand, !when, target),
            ExprKind::Binary {
                op: op @ (BinaryOp::And | BinaryOp::Or),
                lhs,
                rhs,
            } => {
                // `a and b` is false as soon as `a` is; `a or b` true as soon as `a` is.
                let decides = *op == BinaryOp::Or;
                if when == decides {
                    self.branch(lhs, when, target);
                    self.branch(rhs, when, target);
                } else {
                    let skip = self.label();
                    self.branch(lhs, decides, skip);
                    self.branch(rhs, when, target);
                    self.bind(skip);
                }
            }
            // `x == null` and `x != null` test whether `x` is missing (absent equals only
            // null, whatever its type): one jump, no comparison.
            ExprKind::Binary {
                op: op @ (BinaryOp::Eq | BinaryOp::Ne),
                lhs,
                rhs,
            } if matches!(rhs.kind, ExprKind::Null) || matches!(lhs.kind, ExprKind::Null) => {
                let value = if matches!(rhs.kind, ExprKind::Null) {
                    lhs
                } else {
                    rhs
                };
                self.expr(value);
                self.span = condition.span;
                if (*op == BinaryOp::Eq) == when {
                    self.jump(Op::JumpIfMissing { offset: 0 }, target);
                } else {
                    self.jump(Op::JumpIfNotMissing { offset: 0 }, target);
                }
            }
            _ => {
                self.expr(condition);
                if when {
                    self.jump(Op::JumpIfTrue { offset: 0 }, target);
                } else {
                    self.jump(Op::JumpIfFalse { offset: 0 }, target);
                }
            }
        }
        self.span = saved;
    }

    fn string(&mut self, lit: &'a StringLit) {
        if let Some(text) = lit.as_plain() {
            self.constant(Constant::Str(text.into()));
            return;
        }
        for part in &lit.parts {
            match part {
                StringPart::Text(text) => self.constant(Constant::Str(text.as_str().into())),
                StringPart::Interp(inner) => self.expr(inner),
            }
        }
        let count = u16::try_from(lit.parts.len()).unwrap_or(u16::MAX);
        self.emit(Op::Concat { count });
    }

    fn call_expr(&mut self, call: &Expr, callee: &'a Expr, args: &'a [Expr]) {
        if let Some((group, kind)) = self.checked.queries.get(&call.span) {
            let query = self.builder.query(group, kind, Vec::new());
            match args {
                [_, namespace] => {
                    self.expr(namespace);
                    self.emit(Op::OthersIn { query });
                }
                _ => self.emit(Op::Others { query }),
            }
            return;
        }
        let (name, receiver) = match &callee.kind {
            ExprKind::Name(name) => (name.as_str(), None),
            ExprKind::Field { base, name } => (name.text.as_str(), Some(base.as_ref())),
            _ => ("", None),
        };
        let mut argc = 0u8;
        if let Some(receiver) = receiver {
            self.expr(receiver);
            argc += 1;
        }
        for arg in args {
            self.expr(arg);
            argc = argc.saturating_add(1);
        }
        let name = match self.class(call) {
            Some(class) => format!("{name}:{}", class.as_str()),
            None => name.to_string(),
        };
        self.call(&name, argc);
    }

    fn binary(&mut self, expr: &Expr, op: BinaryOp, lhs: &'a Expr, rhs: &'a Expr) {
        let class = self.class(expr).map(OpClass::as_str);
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let (short, end) = (self.label(), self.label());
                self.expr(lhs);
                if op == BinaryOp::And {
                    self.jump(Op::JumpIfFalse { offset: 0 }, short);
                } else {
                    self.jump(Op::JumpIfTrue { offset: 0 }, short);
                }
                self.expr(rhs);
                self.jump(Op::Jump { offset: 0 }, end);
                self.bind(short);
                self.emit(if op == BinaryOp::And {
                    Op::False {}
                } else {
                    Op::True {}
                });
                self.bind(end);
            }
            BinaryOp::Coalesce => {
                let end = self.label();
                self.expr(lhs);
                self.jump(Op::JumpIfPresent { offset: 0 }, end);
                self.expr(rhs);
                self.bind(end);
            }
            BinaryOp::Matches => {
                self.expr(lhs);
                let pattern = match &rhs.kind {
                    ExprKind::Regex(text) => Some((PatternKind::Regex, text.clone())),
                    ExprKind::Glob(text) => Some((PatternKind::Glob, text.clone())),
                    ExprKind::Str(lit) => lit.as_plain().map(|text| (PatternKind::Regex, text)),
                    _ => None,
                };
                match pattern {
                    Some((kind, text)) => {
                        let pattern = self.builder.pattern(kind, &text);
                        self.emit(Op::Matches { pattern });
                    }
                    None => {
                        self.expr(rhs);
                        self.emit(Op::MatchesDynamic {});
                    }
                }
            }
            _ => {
                self.expr(lhs);
                self.expr(rhs);
                match (op, class) {
                    (BinaryOp::Eq | BinaryOp::Ne, Some(class)) => {
                        self.call(&format!("$eq:{class}"), 2);
                        if op == BinaryOp::Ne {
                            self.emit(Op::Not {});
                        }
                    }
                    (BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge, Some(class)) => {
                        self.call(&format!("$cmp:{class}"), 2);
                        self.constant(Constant::Int(0));
                        self.emit(plain(op));
                    }
                    (
                        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div,
                        Some(class),
                    ) => {
                        let verb = match op {
                            BinaryOp::Add => "add",
                            BinaryOp::Sub => "sub",
                            BinaryOp::Mul => "mul",
                            _ => "div",
                        };
                        self.call(&format!("${verb}:{class}"), 2);
                    }
                    (BinaryOp::NotIn, _) => {
                        self.emit(Op::In {});
                        self.emit(Op::Not {});
                    }
                    _ => self.emit(plain(op)),
                }
            }
        }
    }
}

/// The instruction of a binary operator that needs no jumps.
fn plain(op: BinaryOp) -> Op {
    match op {
        BinaryOp::Eq => Op::Eq {},
        BinaryOp::Ne => Op::Ne {},
        BinaryOp::Lt => Op::Lt {},
        BinaryOp::Le => Op::Le {},
        BinaryOp::Gt => Op::Gt {},
        BinaryOp::Ge => Op::Ge {},
        BinaryOp::In => Op::In {},
        BinaryOp::Add => Op::Add {},
        BinaryOp::Sub => Op::Sub {},
        BinaryOp::Mul => Op::Mul {},
        BinaryOp::Div => Op::Div {},
        _ => Op::Rem {},
    }
}
