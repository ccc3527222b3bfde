//! The interpreter: runs one verified function over one resource.
//!
//! Values from the document are borrowed, never copied ([`Value::Doc`]), and so are the
//! program's constants ([`Value::Const`]); an absent value remembers the nearest node that does
//! exist and how many steps below it the path went, so a finding can point at it and name the
//! missing field. Builtins and pattern matching are the host's ([`Host`]): the VM holds no
//! domain logic and does no I/O, so one loaded program can serve many threads. Every
//! instruction costs one unit of a budget; when it runs out, evaluation stops with an error.
//! Type errors at run time are errors with the program counter, never panics.

use std::rc::Rc;

use crate::bytecode::{Code, Op};
use crate::document::{Key, Node, Value as DocValue};
use crate::pack::PatternDef;

/// A value on the operand stack or in a local.
#[derive(Debug, Clone)]
pub enum Value<'d> {
    /// Missing. `parent` is the nearest node that exists (for locations), if any; `depth`
    /// counts the steps taken below it (`a.b.c` with only `a` present: depth 2).
    Absent {
        parent: Option<&'d Node>,
        depth: u16,
    },
    /// A node of the document being evaluated.
    Doc(&'d Node),
    /// A constant of the program.
    Const(&'d Constant),
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A computed string. `Rc<String>`, a thin pointer, not `Rc<str>`: it keeps a value two
    /// words long, which the interpreter moves on every push, pop, load and store.
    Str(Rc<String>),
    List(Rc<Vec<Value<'d>>>),
    Map(Rc<Vec<(Rc<str>, Value<'d>)>>),
}

// Two words: see `Value::Str`.
const _: () = assert!(std::mem::size_of::<Value<'static>>() == 16);

impl<'d> Value<'d> {
    /// Absent, with no place in the document.
    pub const ABSENT: Value<'static> = Value::Absent {
        parent: None,
        depth: 0,
    };

    /// What `Forget` leaves in a local: not computed yet. It is absent to anything else that
    /// reads it; a computed value that happens to look the same (absent, with no place, at the
    /// deepest depth) is merely computed again, to the same result.
    pub const FORGOTTEN: Value<'static> = Value::Absent {
        parent: None,
        depth: u16::MAX,
    };

    /// Whether this is [`Value::FORGOTTEN`].
    #[inline]
    pub fn is_forgotten(&self) -> bool {
        matches!(
            self,
            Value::Absent {
                parent: None,
                depth: u16::MAX
            }
        )
    }

    pub fn str(text: &str) -> Value<'d> {
        Value::Str(Rc::new(text.to_string()))
    }

    /// The value seen as one of the language's kinds of value.
    pub fn view(&self) -> View<'_, 'd> {
        match self {
            Value::Absent { .. } => View::Absent,
            Value::Null => View::Null,
            Value::Bool(flag) => View::Bool(*flag),
            Value::Int(number) => View::Int(*number),
            Value::Float(number) => View::Float(*number),
            Value::Str(text) => View::Str(text),
            Value::List(_) => View::List(self),
            Value::Map(_) => View::Map(self),
            Value::Doc(node) => match &node.value {
                DocValue::Null => View::Null,
                DocValue::Bool(flag) => View::Bool(*flag),
                DocValue::Int(number) => View::Int(*number),
                DocValue::Float(number) => View::Float(*number),
                DocValue::String(text) => View::Str(text),
                DocValue::List(_) => View::List(self),
                DocValue::Map(_) => View::Map(self),
            },
            Value::Const(constant) => match constant {
                Constant::Null => View::Null,
                Constant::Pattern(id) => View::Pattern(*id),
                Constant::Bool(flag) => View::Bool(*flag),
                Constant::Int(number) => View::Int(*number),
                Constant::Float(number) => View::Float(*number),
                Constant::Str(text) => View::Str(text),
                Constant::List(_) => View::List(self),
                Constant::Map(_) => View::Map(self),
            },
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.view() {
            View::Str(text) => Some(text),
            _ => None,
        }
    }

    /// Absent or null.
    pub fn is_missing(&self) -> bool {
        matches!(self.view(), View::Absent | View::Null)
    }
}

/// A value seen through one lens, whether it comes from the document, a constant or a
/// computation. Lists and maps stay values: read them with [`items`] and [`entries`].
#[derive(Debug, Clone, Copy)]
pub enum View<'v, 'd> {
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'v str),
    List(&'v Value<'d>),
    Map(&'v Value<'d>),
    /// A compiled glob or regex of the pack (a literal, a parameter or a value bound to one).
    Pattern(u32),
}

impl View<'_, '_> {
    /// "a string", "an integer": for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            View::Absent => "an absent value",
            View::Null => "null",
            View::Bool(_) => "a boolean",
            View::Int(_) => "an integer",
            View::Float(_) => "a number",
            View::Str(_) => "a string",
            View::List(_) => "a list",
            View::Map(_) => "a map",
            View::Pattern(_) => "a pattern",
        }
    }
}

/// A constant of a program. Owned, immutable and `Send + Sync`, so a loaded pack can be
/// shared by threads; the interpreter borrows constants ([`Value::Const`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    List(Vec<Constant>),
    Map(Vec<(Box<str>, Constant)>),
    /// A compiled pattern, matched by the host ([`Host::matches`]).
    Pattern(u32),
}

/// The empty list, shared.
static EMPTY_LIST: Constant = Constant::List(Vec::new());

/// What a program calls out to.
pub trait Host {
    /// Calls builtin `builtin` on `args`; an `Err` is an evaluation error.
    fn call<'d>(&self, builtin: u16, args: &[Value<'d>]) -> Result<Value<'d>, String>;
    /// Whether `text` matches the compiled pattern `pattern`.
    fn matches(&self, pattern: u32, text: &str) -> bool;
    /// Whether `text` matches the regex `pattern` given at run time.
    fn matches_dynamic(&self, pattern: &str, text: &str) -> Result<bool, String>;
}

/// A verified function and what it refers to.
#[derive(Debug, Clone, Copy)]
pub struct Program<'p> {
    pub code: &'p Code,
    pub locals: u16,
    pub constants: &'p [Constant],
    /// Field names, by symbol.
    pub symbols: &'p [Box<str>],
    pub params: &'p [Constant],
    /// The pack's patterns, by id: their text is what interpolation shows.
    pub patterns: &'p [PatternDef],
    /// The evaluation set, by query index (all of it, and by namespace, with the query's
    /// index): what `Others`, `OthersIn`, `OthersBy` and `OthersInBy` read.
    pub inventory: &'p [crate::eval::QuerySet<'p>],
}

/// A place in the document: the node, or for an absent value its nearest existing ancestor
/// and how many steps below it the path went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place<'d> {
    pub node: Option<&'d Node>,
    pub missing: u16,
}

impl<'d> Place<'d> {
    fn of(value: &Value<'d>) -> Place<'d> {
        match value {
            Value::Doc(node) => Place {
                node: Some(node),
                missing: 0,
            },
            Value::Absent { parent, depth } if !value.is_forgotten() => Place {
                node: *parent,
                missing: *depth,
            },
            _ => Place {
                node: None,
                missing: 0,
            },
        }
    }
}

/// A `deny` that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding<'d> {
    /// The deny site (the pack says which policy and which `deny`).
    pub site: u16,
    pub message: String,
    /// Where in the document.
    pub place: Place<'d>,
    /// Each fix edit's target and value (JSON; `None` for a removal's null).
    pub edits: Vec<(Place<'d>, String)>,
}

/// Why evaluation stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// Byte offset of the instruction.
    pub pc: u32,
    pub message: String,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at instruction {})", self.message, self.pc)
    }
}

/// A list being iterated (read in place, never copied): its iterator slot, the list and the
/// next position. Kept apart from the locals, which are plain values.
#[derive(Debug, Clone)]
struct Iter<'d> {
    slot: u16,
    source: Value<'d>,
    next: usize,
}

/// Buffers one evaluation uses, kept between runs so that evaluating many policies over one
/// resource allocates once.
#[derive(Debug, Default)]
pub struct Scratch<'d> {
    stack: Vec<Value<'d>>,
    locals: Vec<Value<'d>>,
    iters: Vec<Iter<'d>>,
}

impl<'d> Scratch<'d> {
    pub fn new() -> Scratch<'d> {
        Scratch {
            stack: Vec::with_capacity(16),
            locals: Vec::with_capacity(16),
            iters: Vec::with_capacity(4),
        }
    }
}

/// Runs `program` with `locals` preset (the resource, the pod, …) and returns the findings.
/// `budget` is the number of instructions it may execute.
pub fn run<'d>(
    program: &Program<'d>,
    host: &dyn Host,
    inputs: &[(u16, Value<'d>)],
    budget: u64,
) -> Result<Vec<Finding<'d>>, EvalError> {
    run_in(program, host, inputs, budget, &mut Scratch::new())
}

/// [`run`] with buffers from `scratch` (left cleared of values for the next run).
pub fn run_in<'d>(
    program: &Program<'d>,
    host: &dyn Host,
    inputs: &[(u16, Value<'d>)],
    budget: u64,
    scratch: &mut Scratch<'d>,
) -> Result<Vec<Finding<'d>>, EvalError> {
    run_from(program, host, inputs, &Start::BEGINNING, budget, scratch)
}

/// Where a run starts: at the first instruction, or after the policy's setup with the locals
/// the setup computed ([`setup`]).
#[derive(Debug, Clone, Copy)]
pub struct Start<'d> {
    /// The index (in decoded instructions) of the first instruction to run.
    pub entry: usize,
    /// Locals to preset, as the setup left them.
    pub prepared: &'d [(u16, Constant)],
    /// Locals the setup left absent (every other local starts forgotten).
    pub absent: &'d [u16],
}

impl Start<'static> {
    /// The first instruction, nothing preset: the whole function.
    pub const BEGINNING: Start<'static> = Start {
        entry: 0,
        prepared: &[],
        absent: &[],
    };
}

/// [`run_in`] from `start`.
pub fn run_from<'d>(
    program: &Program<'d>,
    host: &dyn Host,
    inputs: &[(u16, Value<'d>)],
    start: &Start<'d>,
    budget: u64,
    scratch: &mut Scratch<'d>,
) -> Result<Vec<Finding<'d>>, EvalError> {
    let mut stack = std::mem::take(&mut scratch.stack);
    let mut locals = std::mem::take(&mut scratch.locals);
    let mut iters = std::mem::take(&mut scratch.iters);
    // Most runs leave these empty: the tests skip a call to drop nothing.
    if !stack.is_empty() {
        stack.clear();
    }
    if !iters.is_empty() {
        iters.clear();
    }
    // Not computed yet: a lazy `let` outside any loop needs no `Forget`. The last run's
    // values are dropped as they are overwritten, in one pass.
    let count = usize::from(program.locals);
    if locals.len() > count {
        locals.truncate(count);
    }
    locals.fill(Value::FORGOTTEN);
    locals.resize(count, Value::FORGOTTEN);
    for (local, constant) in start.prepared {
        if let Some(slot) = locals.get_mut(usize::from(*local)) {
            *slot = Value::Const(constant);
        }
    }
    for local in start.absent {
        if let Some(slot) = locals.get_mut(usize::from(*local)) {
            *slot = Value::ABSENT;
        }
    }
    let mut machine = Machine {
        program,
        host,
        stack,
        locals,
        iters,
        findings: Vec::new(),
        index: start.entry,
        remaining: budget,
        setup: false,
    };
    let result = machine.execute(inputs);
    // Handed back as they are (the next run clears them), swapped with the empty buffers
    // left in their place, so that nothing is dropped here.
    std::mem::swap(&mut scratch.stack, &mut machine.stack);
    std::mem::swap(&mut scratch.locals, &mut machine.locals);
    std::mem::swap(&mut scratch.iters, &mut machine.iters);
    result.map(|()| machine.findings)
}

/// Runs a policy's setup: its function up to its first `Setup` instruction, with no
/// resource. Returns where the rest starts and the locals the setup computed, as constants,
/// so that each run can start there ([`run_from`]); `Ok(None)` when the function has no
/// setup, or the setup leaves a value that is not a constant (a document node).
pub fn setup(
    program: &Program<'_>,
    host: &dyn Host,
    budget: u64,
) -> Result<Option<Prepared>, EvalError> {
    let Some(at) = program
        .code
        .ops()
        .iter()
        .position(|op| matches!(op, Op::Setup {}))
    else {
        return Ok(None);
    };
    let mut machine = Machine {
        program,
        host,
        stack: Vec::new(),
        locals: vec![Value::FORGOTTEN; usize::from(program.locals)],
        iters: Vec::new(),
        findings: Vec::new(),
        index: 0,
        remaining: budget,
        setup: true,
    };
    machine.execute(&[])?;
    if machine.index != at {
        // The setup ended elsewhere (a `Return` before it): nothing to start from.
        return Ok(None);
    }
    let mut prepared = Vec::new();
    let mut absent = Vec::new();
    for (local, value) in machine.locals.iter().enumerate() {
        if value.is_forgotten() {
            continue;
        }
        if matches!(value, Value::Absent { .. }) {
            absent.extend(u16::try_from(local).ok());
            continue;
        }
        let (Ok(local), Some(constant)) = (u16::try_from(local), constant_of(value)) else {
            return Ok(None);
        };
        prepared.push((local, constant));
    }
    Ok(Some(Prepared {
        entry: at + 1,
        locals: prepared,
        absent,
    }))
}

/// What a policy's setup computed ([`setup`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The index of the instruction after `Setup`.
    pub entry: usize,
    /// The locals the setup left, as constants.
    pub locals: Vec<(u16, Constant)>,
    /// The locals the setup computed to an absent value.
    pub absent: Vec<u16>,
}

impl Prepared {
    pub fn start(&self) -> Start<'_> {
        Start {
            entry: self.entry,
            prepared: &self.locals,
            absent: &self.absent,
        }
    }
}

/// `value` as a constant: `None` for a document node or an absent value inside a list or map.
fn constant_of(value: &Value<'_>) -> Option<Constant> {
    Some(match value {
        Value::Absent { .. } | Value::Doc(_) => return None,
        Value::Const(constant) => (*constant).clone(),
        Value::Null => Constant::Null,
        Value::Bool(flag) => Constant::Bool(*flag),
        Value::Int(number) => Constant::Int(*number),
        Value::Float(number) => Constant::Float(*number),
        Value::Str(text) => Constant::Str(Box::from(text.as_str())),
        Value::List(items) => {
            Constant::List(items.iter().map(constant_of).collect::<Option<Vec<_>>>()?)
        }
        Value::Map(entries) => Constant::Map(
            entries
                .iter()
                .map(|(key, value)| Some((Box::from(&**key), constant_of(value)?)))
                .collect::<Option<Vec<_>>>()?,
        ),
    })
}

impl<'d> Machine<'_, 'd, '_> {
    fn execute(&mut self, inputs: &[(u16, Value<'d>)]) -> Result<(), EvalError> {
        let machine = self;
        let program = machine.program;
        for (local, value) in inputs {
            if let Some(slot) = machine.locals.get_mut(usize::from(*local)) {
                *slot = value.clone();
            }
        }
        let ops = program.code.ops();
        loop {
            if machine.remaining == 0 {
                return Err(machine.error("the evaluation budget is exhausted"));
            }
            machine.remaining -= 1;
            let Some(op) = ops.get(machine.index) else {
                return Err(machine.error("unverified code: ran off the end"));
            };
            let flow = machine.step(*op).map_err(|error| *error)?;
            match flow {
                Flow::Next => machine.index += 1,
                Flow::Goto(target) => machine.index = target,
                Flow::Return => return Ok(()),
            }
        }
    }
}

enum Flow {
    Next,
    Goto(usize),
    Return,
}

struct Machine<'p, 'd, 'h> {
    program: &'p Program<'d>,
    host: &'h dyn Host,
    stack: Vec<Value<'d>>,
    locals: Vec<Value<'d>>,
    /// The lists being iterated, innermost last.
    iters: Vec<Iter<'d>>,
    findings: Vec<Finding<'d>>,
    /// The instruction being executed (an index into the decoded code).
    index: usize,
    /// What is left of the budget: one unit per instruction, and one per element an
    /// instruction produces (the resources `others` lists).
    remaining: u64,
    /// A setup run ([`setup`]): `Setup` ends it.
    setup: bool,
}

impl<'d> Machine<'_, 'd, '_> {
    /// [`Machine::error`], boxed, for [`Machine::step`].
    #[cold]
    fn fault(&self, message: &str) -> Box<EvalError> {
        Box::new(self.error(message))
    }

    fn error(&self, message: &str) -> EvalError {
        EvalError {
            pc: self.program.code.offset(self.index),
            message: message.to_string(),
        }
    }

    /// Pushes local `local`.
    #[inline(always)]
    fn load(&mut self, local: u16) -> Result<(), EvalError> {
        let value = match self.locals.get(usize::from(local)) {
            Some(value) => value.clone(),
            None => return Err(self.error("unverified code: local out of range")),
        };
        self.push(value);
        Ok(())
    }

    /// Replaces the top of the stack by its field `symbol`.
    #[inline(always)]
    fn field(&mut self, symbol: u32) -> Result<(), EvalError> {
        let program: &Program<'d> = self.program;
        let name = program
            .symbols
            .get(symbol as usize)
            .ok_or_else(|| self.error("unverified code: symbol out of range"))?;
        match self.stack.last_mut() {
            Some(top) => field_in_place(top, symbol, name),
            None => return Err(self.error("unverified code: the stack is empty")),
        }
        Ok(())
    }

    /// Pushes the field `symbol` of local `local`.
    #[inline(always)]
    fn load_field(&mut self, local: u16, symbol: u32) -> Result<(), EvalError> {
        let program: &Program<'d> = self.program;
        let name = program
            .symbols
            .get(symbol as usize)
            .ok_or_else(|| self.error("unverified code: symbol out of range"))?;
        let value = match self.locals.get(usize::from(local)) {
            Some(Value::Doc(node)) => match doc_field(node, symbol, name) {
                Ok(child) => Value::Doc(child),
                Err(other) => other,
            },
            Some(other) => field(other, symbol, name),
            None => return Err(self.error("unverified code: local out of range")),
        };
        self.push(value);
        Ok(())
    }

    /// Pushes `value`; growing the stack is out of line, so that the common case keeps the
    /// value in registers.
    #[inline(always)]
    fn push(&mut self, value: Value<'d>) {
        if self.stack.len() < self.stack.capacity() {
            self.stack.push(value);
        } else {
            self.push_growing(value);
        }
    }

    #[cold]
    #[inline(never)]
    fn push_growing(&mut self, value: Value<'d>) {
        self.stack.push(value);
    }

    fn pop(&mut self) -> Result<Value<'d>, EvalError> {
        self.stack
            .pop()
            .ok_or_else(|| self.error("unverified code: the stack is empty"))
    }

    fn goto(target: i32) -> Flow {
        Flow::Goto(usize::try_from(target).unwrap_or(usize::MAX))
    }

    /// Pops a boolean. The comparisons and tests push `Value::Bool`: that case is inlined.
    #[inline(always)]
    fn boolean(&mut self) -> Result<bool, EvalError> {
        match self.stack.pop() {
            Some(Value::Bool(flag)) => Ok(flag),
            other => self.not_boolean(other),
        }
    }

    #[cold]
    #[inline(never)]
    fn not_boolean(&self, value: Option<Value<'d>>) -> Result<bool, EvalError> {
        let Some(value) = value else {
            return Err(self.error("unverified code: the stack is empty"));
        };
        match value.view() {
            View::Bool(flag) => Ok(flag),
            other => Err(self.error(&format!("expected a boolean, found {}", other.kind()))),
        }
    }

    /// The resources of `query` in the namespace `namespace` names.
    fn namespace_group(
        &self,
        query: u16,
        namespace: &Value<'d>,
    ) -> Result<Option<&'d crate::eval::Group<'d>>, EvalError> {
        let namespace = match namespace.view() {
            View::Str(text) => text,
            View::Absent | View::Null => "default",
            other => {
                return Err(self.error(&format!(
                    "`others` needs a namespace string, found {}",
                    other.kind()
                )));
            }
        };
        Ok(self
            .program
            .inventory
            .get(usize::from(query))
            .and_then(|set| set.namespaces.get(namespace)))
    }

    /// Pushes `resources` as a list, without the one being evaluated (local 0), and charges
    /// the budget for each.
    fn push_others(&mut self, resources: impl Iterator<Item = &'d Node>) {
        let current = match self.locals.first() {
            Some(Value::Doc(node)) => Some(*node),
            _ => None,
        };
        let others: Vec<Value<'d>> = resources
            .filter(|node| !current.is_some_and(|current| std::ptr::eq(current, *node)))
            .map(Value::Doc)
            .collect();
        self.remaining = self.remaining.saturating_sub(others.len() as u64);
        self.push(Value::List(Rc::new(others)));
    }

    /// One instruction. A failure is boxed so that the result stays two words, returned in
    /// registers: the common case pays nothing for the rare one.
    #[inline(always)]
    fn step(&mut self, op: Op) -> Result<Flow, Box<EvalError>> {
        let program: &Program<'d> = self.program;
        match op {
            Op::Null {} => self.push(Value::Null),
            Op::True {} => self.push(Value::Bool(true)),
            Op::False {} => self.push(Value::Bool(false)),
            Op::Const { index } => {
                let constant = program
                    .constants
                    .get(index as usize)
                    .ok_or_else(|| self.error("unverified code: constant out of range"))?;
                self.push(Value::Const(constant));
            }
            Op::Param { index } => {
                let constant = program
                    .params
                    .get(usize::from(index))
                    .ok_or_else(|| self.error("unverified code: parameter out of range"))?;
                self.push(Value::Const(constant));
            }
            Op::Others { query } | Op::OthersIn { query } => {
                let group = if let Op::OthersIn { .. } = op {
                    let namespace = self.pop()?;
                    self.namespace_group(query, &namespace)?
                } else {
                    program
                        .inventory
                        .get(usize::from(query))
                        .map(|set| &set.all)
                };
                let nodes = group.map_or(&[][..], |group| group.nodes.as_slice());
                self.push_others(nodes.iter().copied());
            }
            Op::OthersBy { query, mode } | Op::OthersInBy { query, mode } => {
                let key = self.pop()?;
                let group = if let Op::OthersInBy { .. } = op {
                    let namespace = self.pop()?;
                    self.namespace_group(query, &namespace)?
                } else {
                    program
                        .inventory
                        .get(usize::from(query))
                        .map(|set| &set.all)
                };
                match group {
                    Some(group) => match group.lookup(&key, mode) {
                        crate::eval::Candidates::All => {
                            self.push_others(group.nodes.iter().copied());
                        }
                        crate::eval::Candidates::Some(positions) => self.push_others(
                            positions
                                .iter()
                                .filter_map(|at| group.nodes.get(*at as usize).copied()),
                        ),
                    },
                    None => self.push_others(std::iter::empty()),
                }
            }
            Op::Load { local } => self.load(local)?,
            Op::Store { local } => {
                // Swapped with the top of the stack, then the old value is dropped there: the
                // value moves as a whole, never rebuilt on the frame.
                match (
                    self.locals.get_mut(usize::from(local)),
                    self.stack.last_mut(),
                ) {
                    (Some(slot), Some(top)) => std::mem::swap(slot, top),
                    (None, _) => return Err(self.fault("unverified code: local out of range")),
                    (_, None) => return Err(self.fault("unverified code: the stack is empty")),
                }
                self.stack.pop();
            }
            Op::Pop {} => {
                self.pop()?;
            }
            Op::Dup {} => {
                let value = self.pop()?;
                self.push(value.clone());
                self.push(value);
            }
            Op::Field { symbol } => self.field(symbol)?,
            Op::LoadField { local, symbol } => self.load_field(local, symbol)?,
            Op::Index {} => {
                let key = self.pop()?;
                let base = self.pop()?;
                let value = index(&base, &key).map_err(|message| self.error(&message))?;
                self.push(value);
            }
            Op::Call { builtin, argc } => {
                let at = self.stack.len().saturating_sub(usize::from(argc));
                let result = self
                    .host
                    .call(builtin, &self.stack[at..])
                    .map_err(|message| self.error(&message))?;
                self.stack.truncate(at);
                self.push(result);
            }
            Op::Not {} => {
                let flag = self.boolean()?;
                self.push(Value::Bool(!flag));
            }
            Op::Neg {} => {
                let operand = self.pop()?;
                let value = match operand.view() {
                    View::Int(number) => number
                        .checked_neg()
                        .map(Value::Int)
                        .ok_or_else(|| self.error("integer overflow"))?,
                    View::Float(number) => Value::Float(-number),
                    other => return Err(self.fault(&format!("cannot negate {}", other.kind()))),
                };
                self.push(value);
            }
            Op::Eq {} | Op::Ne {} => {
                let rhs = self.pop()?;
                let lhs = self.pop()?;
                // A document's string against a literal, the common case, without a call.
                let equal = match (&lhs, &rhs) {
                    (Value::Doc(node), Value::Const(Constant::Str(literal))) => match &node.value {
                        DocValue::String(text) => same_text(text, literal),
                        _ => equal(&lhs, &rhs),
                    },
                    _ => equal(&lhs, &rhs),
                };
                self.push(Value::Bool(equal == matches!(op, Op::Eq {})));
            }
            Op::Lt {} | Op::Le {} | Op::Gt {} | Op::Ge {} => {
                let rhs = self.pop()?;
                let lhs = self.pop()?;
                let ordering = compare(&lhs, &rhs).map_err(|message| self.error(&message))?;
                let result = match op {
                    Op::Lt {} => ordering.is_lt(),
                    Op::Le {} => ordering.is_le(),
                    Op::Gt {} => ordering.is_gt(),
                    _ => ordering.is_ge(),
                };
                self.push(Value::Bool(result));
            }
            Op::In {} => {
                let collection = self.pop()?;
                let value = self.pop()?;
                let found =
                    contains(&collection, &value).map_err(|message| self.error(&message))?;
                self.push(Value::Bool(found));
            }
            Op::Add {} | Op::Sub {} | Op::Mul {} | Op::Div {} | Op::Rem {} => {
                let rhs = self.pop()?;
                let lhs = self.pop()?;
                let value = arithmetic(op, &lhs, &rhs).map_err(|message| self.error(&message))?;
                self.push(value);
            }
            Op::Matches { pattern } => {
                let value = self.pop()?;
                let result = match (value.view(), program.constants.get(pattern as usize)) {
                    (View::Absent | View::Null, _) => false,
                    (View::Str(text), Some(Constant::Pattern(id))) => self.host.matches(*id, text),
                    (other, _) => {
                        return Err(self
                            .fault(&format!("`matches` needs a string, found {}", other.kind())));
                    }
                };
                self.push(Value::Bool(result));
            }
            Op::MatchesDynamic {} => {
                let pattern = self.pop()?;
                let value = self.pop()?;
                let result = match (value.view(), pattern.view()) {
                    (View::Absent | View::Null, _) => false,
                    (View::Str(text), View::Pattern(id)) => self.host.matches(id, text),
                    (View::Str(text), View::Str(pattern)) => self
                        .host
                        .matches_dynamic(pattern, text)
                        .map_err(|message| self.error(&message))?,
                    (View::Str(_), other) => {
                        return Err(self.fault(&format!(
                            "`matches` needs a pattern or a string on its right, found {}",
                            other.kind()
                        )));
                    }
                    (other, _) => {
                        return Err(self
                            .fault(&format!("`matches` needs a string, found {}", other.kind())));
                    }
                };
                self.push(Value::Bool(result));
            }
            Op::Jump { offset } => return Ok(Self::goto(offset)),
            Op::JumpIfFalse { offset } => {
                if !self.boolean()? {
                    return Ok(Self::goto(offset));
                }
            }
            Op::JumpIfTrue { offset } => {
                if self.boolean()? {
                    return Ok(Self::goto(offset));
                }
            }
            Op::Forget { local } => match self.locals.get_mut(usize::from(local)) {
                Some(slot) => *slot = Value::FORGOTTEN,
                None => return Err(self.fault("unverified code: local out of range")),
            },
            Op::JumpIfKnown { local, offset } => {
                let Some(value) = self.locals.get(usize::from(local)) else {
                    return Err(self.fault("unverified code: local out of range"));
                };
                if !value.is_forgotten() {
                    let value = value.clone();
                    self.push(value);
                    return Ok(Self::goto(offset));
                }
            }
            Op::JumpIfMissing { offset } | Op::JumpIfNotMissing { offset } => {
                let missing = self.pop()?.is_missing();
                if missing == matches!(op, Op::JumpIfMissing { .. }) {
                    return Ok(Self::goto(offset));
                }
            }
            Op::JumpIfPresent { offset } => {
                let value = self.pop()?;
                if !value.is_missing() {
                    self.push(value);
                    return Ok(Self::goto(offset));
                }
            }
            Op::IterStart { slot } => {
                let list = self.pop()?;
                if let Err(message) = iterable(&list) {
                    return Err(self.fault(&message));
                }
                if usize::from(slot) >= self.locals.len() {
                    return Err(self.fault("unverified code: slot out of range"));
                }
                match self.iters.iter_mut().rev().find(|iter| iter.slot == slot) {
                    Some(iter) => {
                        iter.source = list;
                        iter.next = 0;
                    }
                    None => self.iters.push(Iter {
                        slot,
                        source: list,
                        next: 0,
                    }),
                }
            }
            Op::IterNext {
                slot,
                local,
                offset,
            } => {
                let Some(iter) = self.iters.iter_mut().rev().find(|iter| iter.slot == slot) else {
                    return Err(self.fault("no iterator in this slot"));
                };
                let Some(entry) = self.locals.get_mut(usize::from(local)) else {
                    return Err(self.fault("unverified code: local out of range"));
                };
                let at = iter.next;
                iter.next += 1;
                // Each kind of list writes its item into the local in place (no `Option` of a
                // value built on the frame and copied).
                let more = match &iter.source {
                    Value::Doc(node) => match &node.value {
                        DocValue::List(items) => {
                            items.get(at).map(|item| *entry = Value::Doc(item))
                        }
                        _ => None,
                    },
                    Value::Const(Constant::List(items)) => {
                        items.get(at).map(|item| *entry = Value::Const(item))
                    }
                    Value::List(items) => items.get(at).map(|item| *entry = item.clone()),
                    _ => None,
                };
                if more.is_none() {
                    return Ok(Self::goto(offset));
                }
            }
            // An empty list, the start of most comprehensions, many of which stay empty:
            // no allocation until something is pushed.
            Op::MakeList { count: 0 } => self.push(Value::Const(&EMPTY_LIST)),
            Op::MakeList { count } => {
                let at = self.stack.len().saturating_sub(count as usize);
                let items = self.stack.split_off(at);
                self.push(Value::List(Rc::new(items)));
            }
            Op::MakeMap { count } => {
                let at = self.stack.len().saturating_sub(2 * count as usize);
                let flat = self.stack.split_off(at);
                let mut entries = Vec::with_capacity(count as usize);
                for pair in flat.chunks(2) {
                    let key: Rc<str> = match pair.first().and_then(Value::as_str) {
                        Some(text) => Rc::from(text),
                        None => return Err(self.fault("a map key is not a string")),
                    };
                    let value = pair.get(1).cloned().unwrap_or(Value::Null);
                    entries.retain(|(known, _): &(Rc<str>, Value<'d>)| *known != key);
                    entries.push((key, value));
                }
                self.push(Value::Map(Rc::new(entries)));
            }
            Op::JoinLists { count } => {
                let at = self.stack.len().saturating_sub(usize::from(count));
                let mut joined = Vec::new();
                for list in &self.stack[at..] {
                    joined.extend(items(list).map_err(|message| self.error(&message))?);
                }
                self.stack.truncate(at);
                self.push(Value::List(Rc::new(joined)));
            }
            Op::ListPush {} => {
                let item = self.pop()?;
                let list = self.pop()?;
                let mut items = match list {
                    Value::List(items) => items,
                    other => Rc::new(items(&other).map_err(|message| self.error(&message))?),
                };
                Rc::make_mut(&mut items).push(item);
                self.push(Value::List(items));
            }
            Op::Concat { count } => {
                let at = self.stack.len().saturating_sub(usize::from(count));
                // One allocation: strings as long as they are, anything else a guess.
                let size = self.stack[at..]
                    .iter()
                    .map(|part| match part.view() {
                        View::Str(text) => text.len(),
                        _ => 8,
                    })
                    .sum();
                let mut text = String::with_capacity(size);
                for part in &self.stack[at..] {
                    write_display(part, self.program.patterns, &mut text);
                }
                self.stack.truncate(at);
                self.push(Value::Str(Rc::new(text)));
            }
            Op::Deny { site, edits } => {
                let at = self.stack.len().saturating_sub(2 * usize::from(edits));
                let pairs = self.stack.split_off(at);
                let message = match self.pop()? {
                    // Built for this finding (an interpolation): taken, not copied.
                    Value::Str(text) => Rc::try_unwrap(text).unwrap_or_else(|text| (*text).clone()),
                    other => display(&other),
                };
                let place = self.pop()?;
                let edits = pairs
                    .chunks(2)
                    .map(|pair| {
                        let target = pair.first().map_or(
                            Place {
                                node: None,
                                missing: 0,
                            },
                            Place::of,
                        );
                        let value = pair.get(1).map(json).unwrap_or_default();
                        (target, value)
                    })
                    .collect();
                self.findings.push(Finding {
                    site,
                    message,
                    place: Place::of(&place),
                    edits,
                });
            }
            Op::Return {} => return Ok(Flow::Return),
            Op::Setup {} => {
                if self.setup {
                    return Ok(Flow::Return);
                }
            }
        }
        Ok(Flow::Next)
    }
}

/// The field `name` (symbol `symbol`) of a value; absent when there is none.
pub(crate) fn field<'d>(base: &Value<'d>, symbol: u32, name: &str) -> Value<'d> {
    let mut value = base.clone();
    field_in_place(&mut value, symbol, name);
    value
}

/// [`field`], replacing `base`: a document's field is written in place (the hot case),
/// without building the value on the frame first.
#[inline(always)]
fn field_in_place<'d>(base: &mut Value<'d>, symbol: u32, name: &str) {
    if let Value::Doc(slot) = base {
        match doc_field(slot, symbol, name) {
            // The node pointer is replaced inside the value: no drop of the old value.
            Ok(child) => *slot = child,
            Err(other) => *base = other,
        }
        return;
    }
    *base = key_of(base, name);
}

/// The field `name` (symbol `symbol`) of a document node: the child node, or the value that
/// stands for it when there is none (absent).
#[inline(always)]
fn doc_field<'d>(node: &'d Node, symbol: u32, name: &str) -> Result<&'d Node, Value<'d>> {
    if let DocValue::Map(entries) = &node.value {
        // One comparison per key: the keys of a map are interned together
        // ([`Node::intern`]), so a map whose first key is not interned is read by text.
        if let Some((_, child)) = entries.iter().find(|(key, _)| key.symbol == symbol) {
            return Ok(child);
        }
        if entries
            .first()
            .is_some_and(|(key, _)| key.symbol == Key::UNINTERNED)
        {
            return Err(key_of(&Value::Doc(node), name));
        }
    }
    Err(Value::Absent {
        parent: Some(node),
        depth: 1,
    })
}

/// The value under string key `name`, for values whose keys are not interned.
fn key_of<'d>(base: &Value<'d>, name: &str) -> Value<'d> {
    match base {
        Value::Doc(node) => match &node.value {
            DocValue::Map(entries) => entries.iter().find(|(key, _)| key.text == name).map_or(
                Value::Absent {
                    parent: Some(node),
                    depth: 1,
                },
                |(_, child)| Value::Doc(child),
            ),
            _ => Value::Absent {
                parent: Some(node),
                depth: 1,
            },
        },
        Value::Map(entries) => entries
            .iter()
            .find(|(key, _)| &**key == name)
            .map_or(Value::ABSENT, |(_, value)| value.clone()),
        Value::Const(Constant::Map(entries)) => entries
            .iter()
            .find(|(key, _)| &**key == name)
            .map_or(Value::ABSENT, |(_, value)| Value::Const(value)),
        Value::Absent { parent, depth } => Value::Absent {
            parent: *parent,
            depth: depth.saturating_add(1),
        },
        _ => Value::ABSENT,
    }
}

fn index<'d>(base: &Value<'d>, key: &Value<'d>) -> Result<Value<'d>, String> {
    if let Value::Absent { parent, depth } = base {
        return Ok(Value::Absent {
            parent: *parent,
            depth: depth.saturating_add(1),
        });
    }
    match key.view() {
        View::Str(name) => Ok(key_of(base, name)),
        View::Int(position) => {
            let position = usize::try_from(position).ok();
            Ok(match base {
                Value::Doc(node) => match &node.value {
                    DocValue::List(items) => {
                        position.and_then(|position| items.get(position)).map_or(
                            Value::Absent {
                                parent: Some(node),
                                depth: 1,
                            },
                            Value::Doc,
                        )
                    }
                    _ => Value::Absent {
                        parent: Some(node),
                        depth: 1,
                    },
                },
                Value::List(items) => position
                    .and_then(|position| items.get(position))
                    .cloned()
                    .unwrap_or(Value::ABSENT),
                Value::Const(Constant::List(items)) => position
                    .and_then(|position| items.get(position))
                    .map_or(Value::ABSENT, Value::Const),
                _ => Value::ABSENT,
            })
        }
        other => Err(format!("cannot index with {}", other.kind())),
    }
}

/// Whether a value can be iterated: a list, or absent or null (no items).
fn iterable(value: &Value<'_>) -> Result<(), String> {
    match value {
        Value::Absent { .. }
        | Value::Null
        | Value::List(_)
        | Value::Const(Constant::List(_) | Constant::Null) => Ok(()),
        Value::Doc(node) if matches!(node.value, DocValue::List(_) | DocValue::Null) => Ok(()),
        _ => Err("only lists can be iterated".to_string()),
    }
}

/// The items of a list (absent or null: none).
pub fn items<'d>(value: &Value<'d>) -> Result<Vec<Value<'d>>, String> {
    match value {
        Value::Absent { .. } | Value::Null => Ok(Vec::new()),
        Value::List(items) => Ok(items.as_ref().clone()),
        Value::Doc(node) => match &node.value {
            DocValue::List(items) => Ok(items.iter().map(Value::Doc).collect()),
            DocValue::Null => Ok(Vec::new()),
            _ => Err("only lists can be iterated".to_string()),
        },
        Value::Const(Constant::List(items)) => Ok(items.iter().map(Value::Const).collect()),
        Value::Const(Constant::Null) => Ok(Vec::new()),
        _ => Err("only lists can be iterated".to_string()),
    }
}

/// Whether `found` holds for an item of a list, read in place (absent and null are empty
/// lists); an error for anything else, as with [`items`].
pub fn any_item<'d>(
    value: &Value<'d>,
    mut found: impl FnMut(&Value<'d>) -> bool,
) -> Result<bool, String> {
    match value {
        Value::Absent { .. } | Value::Null | Value::Const(Constant::Null) => Ok(false),
        Value::List(items) => Ok(items.iter().any(found)),
        Value::Doc(node) => match &node.value {
            DocValue::List(items) => Ok(items.iter().any(|item| found(&Value::Doc(item)))),
            DocValue::Null => Ok(false),
            _ => Err("only lists can be iterated".to_string()),
        },
        Value::Const(Constant::List(items)) => {
            Ok(items.iter().any(|item| found(&Value::Const(item))))
        }
        _ => Err("only lists can be iterated".to_string()),
    }
}

/// The number of items of a list or entries of a map, without copying them; `None` for
/// anything else.
pub fn size(value: &Value<'_>) -> Option<usize> {
    match value {
        Value::List(items) => Some(items.len()),
        Value::Map(entries) => Some(entries.len()),
        Value::Doc(node) => match &node.value {
            DocValue::List(items) => Some(items.len()),
            DocValue::Map(entries) => Some(entries.len()),
            _ => None,
        },
        Value::Const(Constant::List(items)) => Some(items.len()),
        Value::Const(Constant::Map(entries)) => Some(entries.len()),
        _ => None,
    }
}

/// The entries of a map read in place, without copying its keys (anything else: none).
pub fn entry_iter<'a, 'd>(value: &'a Value<'d>) -> Entries<'a, 'd> {
    match value {
        Value::Map(entries) => Entries::Computed(entries.iter()),
        Value::Doc(node) => match &node.value {
            DocValue::Map(entries) => Entries::Doc(entries.iter()),
            _ => Entries::Empty,
        },
        Value::Const(Constant::Map(entries)) => Entries::Const(entries.iter()),
        _ => Entries::Empty,
    }
}

/// An iterator over a map's entries: see [`entry_iter`].
#[derive(Debug)]
pub enum Entries<'a, 'd> {
    Computed(std::slice::Iter<'a, (Rc<str>, Value<'d>)>),
    Doc(std::slice::Iter<'d, (Key, Node)>),
    Const(std::slice::Iter<'d, (Box<str>, Constant)>),
    Empty,
}

impl<'a, 'd: 'a> Iterator for Entries<'a, 'd> {
    type Item = (&'a str, Value<'d>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Entries::Computed(entries) => {
                entries.next().map(|(key, value)| (&**key, value.clone()))
            }
            Entries::Doc(entries) => entries
                .next()
                .map(|(key, child)| (key.text.as_str(), Value::Doc(child))),
            Entries::Const(entries) => entries
                .next()
                .map(|(key, value)| (&**key, Value::Const(value))),
            Entries::Empty => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match self {
            Entries::Computed(entries) => entries.len(),
            Entries::Doc(entries) => entries.len(),
            Entries::Const(entries) => entries.len(),
            Entries::Empty => 0,
        };
        (len, Some(len))
    }
}

impl ExactSizeIterator for Entries<'_, '_> {}

/// The items of a list read in place (anything else: none).
pub fn item_iter<'a, 'd>(value: &'a Value<'d>) -> Items<'a, 'd> {
    match value {
        Value::List(items) => Items::Computed(items.iter()),
        Value::Doc(node) => match &node.value {
            DocValue::List(items) => Items::Doc(items.iter()),
            _ => Items::Empty,
        },
        Value::Const(Constant::List(items)) => Items::Const(items.iter()),
        _ => Items::Empty,
    }
}

/// An iterator over a list's items: see [`item_iter`].
#[derive(Debug)]
pub enum Items<'a, 'd> {
    Computed(std::slice::Iter<'a, Value<'d>>),
    Doc(std::slice::Iter<'d, Node>),
    Const(std::slice::Iter<'d, Constant>),
    Empty,
}

impl<'d> Iterator for Items<'_, 'd> {
    type Item = Value<'d>;

    fn next(&mut self) -> Option<Value<'d>> {
        match self {
            Items::Computed(items) => items.next().cloned(),
            Items::Doc(items) => items.next().map(Value::Doc),
            Items::Const(items) => items.next().map(Value::Const),
            Items::Empty => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match self {
            Items::Computed(items) => items.len(),
            Items::Doc(items) => items.len(),
            Items::Const(items) => items.len(),
            Items::Empty => 0,
        };
        (len, Some(len))
    }
}

impl ExactSizeIterator for Items<'_, '_> {}

/// The entries of a map (anything else: none).
pub fn entries<'d>(value: &Value<'d>) -> Vec<(Rc<str>, Value<'d>)> {
    match value {
        Value::Map(entries) => entries.as_ref().clone(),
        Value::Doc(node) => match &node.value {
            DocValue::Map(entries) => entries
                .iter()
                .map(|(key, child)| (Rc::from(key.text.as_str()), Value::Doc(child)))
                .collect(),
            _ => Vec::new(),
        },
        Value::Const(Constant::Map(entries)) => entries
            .iter()
            .map(|(key, value)| (Rc::from(&**key), Value::Const(value)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Equality: absent and null are equal to each other only; numbers compare by value.
pub fn equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a.view(), b.view()) {
        (View::Absent | View::Null, View::Absent | View::Null) => true,
        (View::Bool(x), View::Bool(y)) => x == y,
        (View::Int(x), View::Int(y)) => x == y,
        (View::Int(x), View::Float(y)) | (View::Float(y), View::Int(x)) => (x as f64) == y,
        (View::Float(x), View::Float(y)) => x == y,
        (View::Str(x), View::Str(y)) => same_text(x, y),
        (View::Pattern(x), View::Pattern(y)) => x == y,
        (View::List(x), View::List(y)) => {
            let (x, y) = (item_iter(x), item_iter(y));
            x.len() == y.len() && x.zip(y).all(|(a, b)| equal(&a, &b))
        }
        (View::Map(x), View::Map(y)) => {
            entry_iter(x).len() == entry_iter(y).len()
                && entry_iter(x).all(|(key, value)| {
                    entry_iter(y).any(|(other, theirs)| other == key && equal(&value, &theirs))
                })
        }
        _ => false,
    }
}

/// `a == b` for strings, without a call to `memcmp` for the short ones policies compare
/// (field values against literals: `"NodePort"`, `"Always"`, label values).
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// Order of two numbers or two strings.
pub fn compare(a: &Value<'_>, b: &Value<'_>) -> Result<std::cmp::Ordering, String> {
    let nan = || "cannot order NaN".to_string();
    match (a.view(), b.view()) {
        (View::Int(x), View::Int(y)) => Ok(x.cmp(&y)),
        (View::Int(x), View::Float(y)) => (x as f64).partial_cmp(&y).ok_or_else(nan),
        (View::Float(x), View::Int(y)) => x.partial_cmp(&(y as f64)).ok_or_else(nan),
        (View::Float(x), View::Float(y)) => x.partial_cmp(&y).ok_or_else(nan),
        (View::Str(x), View::Str(y)) => Ok(x.cmp(y)),
        (x, y) => Err(format!("cannot order {} and {}", x.kind(), y.kind())),
    }
}

fn contains(collection: &Value<'_>, value: &Value<'_>) -> Result<bool, String> {
    match collection.view() {
        View::Absent | View::Null => Ok(false),
        // A string in a list of strings (the common case): the string is viewed once.
        View::List(list) => match value.view() {
            View::Str(text) => any_item(
                list,
                |item| matches!(item.view(), View::Str(other) if same_text(other, text)),
            ),
            _ => any_item(list, |item| equal(item, value)),
        },
        View::Map(map) => match value.view() {
            View::Str(key) => Ok(has_key(map, key)),
            _ => Ok(false),
        },
        View::Str(text) => match value.view() {
            View::Str(part) => Ok(text.contains(part)),
            _ => Ok(false),
        },
        other => Err(format!(
            "`in` needs a list, a map or a string, found {}",
            other.kind()
        )),
    }
}

/// Whether a map has the key `key` (whatever its value, null included).
pub fn has_key(map: &Value<'_>, key: &str) -> bool {
    match map {
        Value::Map(entries) => entries.iter().any(|(name, _)| &**name == key),
        Value::Doc(node) => match &node.value {
            DocValue::Map(entries) => entries.iter().any(|(name, _)| name.text == key),
            _ => false,
        },
        Value::Const(Constant::Map(entries)) => entries.iter().any(|(name, _)| &**name == key),
        _ => false,
    }
}

fn arithmetic<'d>(op: Op, a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let overflow = || "integer overflow".to_string();
    match (a.view(), b.view()) {
        (View::Int(x), View::Int(y)) => Ok(Value::Int(match op {
            Op::Add {} => x.checked_add(y).ok_or_else(overflow)?,
            Op::Sub {} => x.checked_sub(y).ok_or_else(overflow)?,
            Op::Mul {} => x.checked_mul(y).ok_or_else(overflow)?,
            Op::Div {} => x
                .checked_div(y)
                .ok_or_else(|| "division by zero".to_string())?,
            _ => x
                .checked_rem(y)
                .ok_or_else(|| "division by zero".to_string())?,
        })),
        (x @ (View::Int(_) | View::Float(_)), y @ (View::Int(_) | View::Float(_))) => {
            let float = |view: View<'_, '_>| match view {
                View::Int(x) => x as f64,
                View::Float(x) => x,
                _ => 0.0,
            };
            let (x, y) = (float(x), float(y));
            Ok(Value::Float(match op {
                Op::Add {} => x + y,
                Op::Sub {} => x - y,
                Op::Mul {} => x * y,
                Op::Div {} => x / y,
                _ => x % y,
            }))
        }
        (View::Str(x), View::Str(y)) if matches!(op, Op::Add {}) => {
            Ok(Value::Str(Rc::new(format!("{x}{y}"))))
        }
        (View::List(x), View::List(y)) if matches!(op, Op::Add {}) => {
            let mut joined = items(x)?;
            joined.extend(items(y)?);
            Ok(Value::List(Rc::new(joined)))
        }
        (x, y) => Err(format!("cannot compute with {} and {}", x.kind(), y.kind())),
    }
}

/// A value as text, for messages: strings bare, everything else as JSON; absent as `absent`.
pub fn display(value: &Value<'_>) -> String {
    let mut out = String::new();
    write_display(value, &[], &mut out);
    out
}

/// Like [`display`], with a pattern constant shown by its source text in `patterns` (the
/// pack's).
pub fn display_with(value: &Value<'_>, patterns: &[PatternDef]) -> String {
    let mut out = String::new();
    write_display(value, patterns, &mut out);
    out
}

/// Like [`display`], with patterns shown by their source text.
fn write_display(value: &Value<'_>, patterns: &[PatternDef], out: &mut String) {
    match value.view() {
        View::Str(text) => out.push_str(text),
        View::Absent => out.push_str("absent"),
        View::Pattern(id) => match patterns.get(id as usize) {
            Some(pattern) => out.push_str(&pattern.text),
            None => out.push_str("null"),
        },
        _ => write_json(value, patterns, out),
    }
}

/// A value as JSON.
pub fn json(value: &Value<'_>) -> String {
    let mut out = String::new();
    write_json(value, &[], &mut out);
    out
}

fn write_json(value: &Value<'_>, patterns: &[PatternDef], out: &mut String) {
    use std::fmt::Write as _;
    match value.view() {
        View::Absent | View::Null => out.push_str("null"),
        View::Pattern(id) => match patterns.get(id as usize) {
            Some(pattern) => json_string(&pattern.text, out),
            None => out.push_str("null"),
        },
        View::Bool(flag) => out.push_str(if flag { "true" } else { "false" }),
        View::Int(number) => {
            let _ = write!(out, "{number}");
        }
        // A whole number (a ratio parameter such as `2.0`): as `{:?}` writes it, through the
        // integer's digits, which cost a tenth of the shortest-float algorithm.
        View::Float(number)
            if number.fract() == 0.0
                && number.abs() < 1e15
                && !(number == 0.0 && number.is_sign_negative()) =>
        {
            let _ = write!(out, "{}.0", number as i64);
        }
        View::Float(number) if number.is_finite() => {
            let _ = write!(out, "{number:?}");
        }
        View::Float(_) => out.push_str("null"),
        View::Str(text) => json_string(text, out),
        View::List(list) => {
            out.push('[');
            for (at, item) in item_iter(list).enumerate() {
                if at > 0 {
                    out.push(',');
                }
                write_json(&item, patterns, out);
            }
            out.push(']');
        }
        View::Map(map) => {
            out.push('{');
            for (at, (key, value)) in entry_iter(map).enumerate() {
                if at > 0 {
                    out.push(',');
                }
                json_string(key, out);
                out.push(':');
                write_json(&value, patterns, out);
            }
            out.push('}');
        }
    }
}

/// `text` as a JSON string literal, appended to `out`.
pub fn json_string(text: &str, out: &mut String) {
    use std::fmt::Write as _;
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
