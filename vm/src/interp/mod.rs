//! The interpreter: runs one verified function over one resource.
//!
//! Values from the document are borrowed, never copied ([`Value::Doc`]); an absent value
//! remembers the nearest node that does exist, so a finding can point at it. Builtins and
//! pattern matching are the host's ([`Host`]): the VM holds no domain logic and does no I/O,
//! so one loaded program can serve many threads. Every instruction costs one unit of a
//! budget; when it runs out, evaluation stops with an error. Type errors at run time are
//! errors with the program counter, never panics.

use std::rc::Rc;

use crate::bytecode::Op;
use crate::document::{Location, Node, Value as DocValue};

/// A value on the operand stack or in a local.
#[derive(Debug, Clone)]
pub enum Value<'d> {
    /// Missing; holds the nearest node that exists (for locations), if any.
    Absent(Option<&'d Node>),
    /// A node of the document being evaluated.
    Doc(&'d Node),
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<Vec<Value<'d>>>),
    Map(Rc<Vec<(Rc<str>, Value<'d>)>>),
}

/// A constant of a program.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// A compiled pattern, matched by the host ([`Host::matches`]).
    Pattern(u32),
}

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
    pub code: &'p [u8],
    pub locals: u16,
    pub constants: &'p [Constant],
    /// Field names, by symbol.
    pub symbols: &'p [Rc<str>],
    pub params: &'p [Constant],
}

/// A `deny` that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: u16,
    pub message: String,
    /// Where in the document: the offending node, or for an absent field the nearest node
    /// that exists. `None` when the place is not in the document.
    pub location: Option<Location>,
    /// Each fix edit's target location (as above) and value, printed as JSON.
    pub edits: Vec<(Option<Location>, String)>,
}

/// Why evaluation stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// Byte offset of the instruction.
    pub pc: usize,
    pub message: String,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at instruction {})", self.message, self.pc)
    }
}

/// An iterator in a local slot.
#[derive(Debug, Clone)]
enum Slot<'d> {
    Value(Value<'d>),
    Iter { items: Vec<Value<'d>>, next: usize },
}

/// Runs `program` with `locals` preset (the resource, the pod, …) and returns the findings.
/// `budget` is the number of instructions it may execute.
pub fn run<'d>(
    program: &Program<'_>,
    host: &dyn Host,
    inputs: &[(u16, Value<'d>)],
    budget: u64,
) -> Result<Vec<Finding>, EvalError> {
    let mut machine = Machine {
        program,
        host,
        stack: Vec::with_capacity(16),
        locals: vec![Slot::Value(Value::Absent(None)); usize::from(program.locals)],
        findings: Vec::new(),
        pc: 0,
    };
    for (local, value) in inputs {
        if let Some(slot) = machine.locals.get_mut(usize::from(*local)) {
            *slot = Slot::Value(value.clone());
        }
    }
    let mut remaining = budget;
    loop {
        if remaining == 0 {
            return Err(machine.error("the evaluation budget is exhausted"));
        }
        remaining -= 1;
        let op = Op::decode(&program.code[machine.pc..])
            .map_err(|error| machine.error(&format!("unverified code: {error}")))?;
        let next = machine.pc + op.encoded_len();
        match machine.step(op, next)? {
            Flow::Next => machine.pc = next,
            Flow::Goto(target) => machine.pc = target,
            Flow::Return => return Ok(machine.findings),
        }
    }
}

enum Flow {
    Next,
    Goto(usize),
    Return,
}

struct Machine<'p, 'd, 'h> {
    program: &'p Program<'p>,
    host: &'h dyn Host,
    stack: Vec<Value<'d>>,
    locals: Vec<Slot<'d>>,
    findings: Vec<Finding>,
    pc: usize,
}

impl<'d> Machine<'_, 'd, '_> {
    fn error(&self, message: &str) -> EvalError {
        EvalError {
            pc: self.pc,
            message: message.to_string(),
        }
    }

    fn pop(&mut self) -> Result<Value<'d>, EvalError> {
        self.stack
            .pop()
            .ok_or_else(|| self.error("unverified code: the stack is empty"))
    }

    fn constant(&self, constant: &Constant) -> Value<'d> {
        match constant {
            Constant::Null | Constant::Pattern(_) => Value::Null,
            Constant::Bool(flag) => Value::Bool(*flag),
            Constant::Int(number) => Value::Int(*number),
            Constant::Float(number) => Value::Float(*number),
            Constant::Str(text) => Value::Str(text.clone()),
        }
    }

    fn jump(&self, next: usize, offset: i32) -> Flow {
        let target = next as i64 + i64::from(offset);
        Flow::Goto(usize::try_from(target).unwrap_or(usize::MAX))
    }

    fn boolean(&mut self) -> Result<bool, EvalError> {
        match scalar(&self.pop()?) {
            Scalar::Bool(flag) => Ok(flag),
            other => Err(self.error(&format!("expected a boolean, found {}", other.kind()))),
        }
    }

    fn step(&mut self, op: Op, next: usize) -> Result<Flow, EvalError> {
        match op {
            Op::Null {} => self.stack.push(Value::Null),
            Op::True {} => self.stack.push(Value::Bool(true)),
            Op::False {} => self.stack.push(Value::Bool(false)),
            Op::Const { index } => {
                let value = self
                    .program
                    .constants
                    .get(index as usize)
                    .map(|constant| self.constant(constant))
                    .ok_or_else(|| self.error("unverified code: constant out of range"))?;
                self.stack.push(value);
            }
            Op::Param { index } => {
                let value = self
                    .program
                    .params
                    .get(usize::from(index))
                    .map(|constant| self.constant(constant))
                    .ok_or_else(|| self.error("unverified code: parameter out of range"))?;
                self.stack.push(value);
            }
            Op::Load { local } => {
                let value = match self.locals.get(usize::from(local)) {
                    Some(Slot::Value(value)) => value.clone(),
                    Some(Slot::Iter { .. }) => return Err(self.error("a local holds an iterator")),
                    None => return Err(self.error("unverified code: local out of range")),
                };
                self.stack.push(value);
            }
            Op::Store { local } => {
                let value = self.pop()?;
                match self.locals.get_mut(usize::from(local)) {
                    Some(slot) => *slot = Slot::Value(value),
                    None => return Err(self.error("unverified code: local out of range")),
                }
            }
            Op::Pop {} => {
                self.pop()?;
            }
            Op::Dup {} => {
                let value = self.pop()?;
                self.stack.push(value.clone());
                self.stack.push(value);
            }
            Op::Field { symbol } => {
                let name = self
                    .program
                    .symbols
                    .get(symbol as usize)
                    .cloned()
                    .ok_or_else(|| self.error("unverified code: symbol out of range"))?;
                let base = self.pop()?;
                self.stack.push(field(base, &name));
            }
            Op::Index {} => {
                let key = self.pop()?;
                let base = self.pop()?;
                let value = index(base, &key).map_err(|message| self.error(&message))?;
                self.stack.push(value);
            }
            Op::Call { builtin, argc } => {
                let at = self.stack.len().saturating_sub(usize::from(argc));
                let args: Vec<Value<'d>> = self.stack.split_off(at);
                let result = self
                    .host
                    .call(builtin, &args)
                    .map_err(|message| self.error(&message))?;
                self.stack.push(result);
            }
            Op::Not {} => {
                let flag = self.boolean()?;
                self.stack.push(Value::Bool(!flag));
            }
            Op::Neg {} => {
                let value = match scalar(&self.pop()?) {
                    Scalar::Int(number) => number
                        .checked_neg()
                        .map(Value::Int)
                        .ok_or_else(|| self.error("integer overflow"))?,
                    Scalar::Float(number) => Value::Float(-number),
                    other => return Err(self.error(&format!("cannot negate {}", other.kind()))),
                };
                self.stack.push(value);
            }
            Op::Eq {} | Op::Ne {} => {
                let rhs = self.pop()?;
                let lhs = self.pop()?;
                let equal = equal(&lhs, &rhs);
                self.stack
                    .push(Value::Bool(equal == matches!(op, Op::Eq {})));
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
                self.stack.push(Value::Bool(result));
            }
            Op::In {} => {
                let collection = self.pop()?;
                let value = self.pop()?;
                let found =
                    contains(&collection, &value).map_err(|message| self.error(&message))?;
                self.stack.push(Value::Bool(found));
            }
            Op::Add {} | Op::Sub {} | Op::Mul {} | Op::Div {} | Op::Rem {} => {
                let rhs = self.pop()?;
                let lhs = self.pop()?;
                let value = arithmetic(op, &lhs, &rhs).map_err(|message| self.error(&message))?;
                self.stack.push(value);
            }
            Op::Matches { pattern } => {
                let value = self.pop()?;
                let result = match (scalar(&value), self.program.constants.get(pattern as usize)) {
                    (Scalar::Absent, _) => false,
                    (Scalar::Str(text), Some(Constant::Pattern(id))) => {
                        self.host.matches(*id, text)
                    }
                    (other, _) => {
                        return Err(self
                            .error(&format!("`matches` needs a string, found {}", other.kind())));
                    }
                };
                self.stack.push(Value::Bool(result));
            }
            Op::MatchesDynamic {} => {
                let pattern = self.pop()?;
                let value = self.pop()?;
                let result = match (scalar(&value), scalar(&pattern)) {
                    (Scalar::Absent, _) => false,
                    (Scalar::Str(text), Scalar::Str(pattern)) => self
                        .host
                        .matches_dynamic(pattern, text)
                        .map_err(|message| self.error(&message))?,
                    (other, _) => {
                        return Err(self
                            .error(&format!("`matches` needs a string, found {}", other.kind())));
                    }
                };
                self.stack.push(Value::Bool(result));
            }
            Op::Jump { offset } => return Ok(self.jump(next, offset)),
            Op::JumpIfFalse { offset } => {
                if !self.boolean()? {
                    return Ok(self.jump(next, offset));
                }
            }
            Op::JumpIfTrue { offset } => {
                if self.boolean()? {
                    return Ok(self.jump(next, offset));
                }
            }
            Op::JumpIfPresent { offset } => {
                let value = self.pop()?;
                if !matches!(scalar(&value), Scalar::Absent | Scalar::Null) {
                    self.stack.push(value);
                    return Ok(self.jump(next, offset));
                }
            }
            Op::IterStart { slot } => {
                let list = self.pop()?;
                let items = items(&list).map_err(|message| self.error(&message))?;
                match self.locals.get_mut(usize::from(slot)) {
                    Some(entry) => *entry = Slot::Iter { items, next: 0 },
                    None => return Err(self.error("unverified code: slot out of range")),
                }
            }
            Op::IterNext {
                slot,
                local,
                offset,
            } => {
                let item = match self.locals.get_mut(usize::from(slot)) {
                    Some(Slot::Iter { items, next }) => {
                        let item = items.get(*next).cloned();
                        *next += 1;
                        item
                    }
                    _ => return Err(self.error("no iterator in this slot")),
                };
                match item {
                    Some(item) => match self.locals.get_mut(usize::from(local)) {
                        Some(entry) => *entry = Slot::Value(item),
                        None => return Err(self.error("unverified code: local out of range")),
                    },
                    None => return Ok(self.jump(next, offset)),
                }
            }
            Op::MakeList { count } => {
                let at = self.stack.len().saturating_sub(count as usize);
                let items = self.stack.split_off(at);
                self.stack.push(Value::List(Rc::new(items)));
            }
            Op::MakeMap { count } => {
                let at = self.stack.len().saturating_sub(2 * count as usize);
                let flat = self.stack.split_off(at);
                let mut entries = Vec::with_capacity(count as usize);
                for pair in flat.chunks(2) {
                    let key: Rc<str> = match pair.first().map(scalar) {
                        Some(Scalar::Str(text)) => Rc::from(text),
                        _ => return Err(self.error("a map key is not a string")),
                    };
                    let value = pair.get(1).cloned().unwrap_or(Value::Null);
                    entries.push((key, value));
                }
                self.stack.push(Value::Map(Rc::new(entries)));
            }
            Op::Concat { count } => {
                let at = self.stack.len().saturating_sub(usize::from(count));
                let parts = self.stack.split_off(at);
                let text: String = parts.iter().map(display).collect();
                self.stack.push(Value::Str(Rc::from(text)));
            }
            Op::Deny { rule, edits } => {
                let at = self.stack.len().saturating_sub(2 * usize::from(edits));
                let pairs = self.stack.split_off(at);
                let message = display(&self.pop()?);
                let place = self.pop()?;
                let edits = pairs
                    .chunks(2)
                    .map(|pair| {
                        let target = pair.first().and_then(location);
                        let value = pair.get(1).map(json).unwrap_or_default();
                        (target, value)
                    })
                    .collect();
                self.findings.push(Finding {
                    rule,
                    message,
                    location: location(&place),
                    edits,
                });
            }
            Op::Return {} => return Ok(Flow::Return),
        }
        Ok(Flow::Next)
    }
}

/// A value seen through one lens, document node or computed.
#[derive(Debug, Clone, Copy)]
enum Scalar<'v, 'd> {
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'v str),
    List(&'v Value<'d>),
    Map(&'v Value<'d>),
}

impl Scalar<'_, '_> {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Absent => "an absent value",
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Int(_) => "an integer",
            Scalar::Float(_) => "a number",
            Scalar::Str(_) => "a string",
            Scalar::List(_) => "a list",
            Scalar::Map(_) => "a map",
        }
    }
}

fn scalar<'v, 'd>(value: &'v Value<'d>) -> Scalar<'v, 'd> {
    match value {
        Value::Absent(_) => Scalar::Absent,
        Value::Null => Scalar::Null,
        Value::Bool(flag) => Scalar::Bool(*flag),
        Value::Int(number) => Scalar::Int(*number),
        Value::Float(number) => Scalar::Float(*number),
        Value::Str(text) => Scalar::Str(text),
        Value::List(_) => Scalar::List(value),
        Value::Map(_) => Scalar::Map(value),
        Value::Doc(node) => match &node.value {
            DocValue::Null => Scalar::Null,
            DocValue::Bool(flag) => Scalar::Bool(*flag),
            DocValue::Int(number) => Scalar::Int(*number),
            DocValue::Float(number) => Scalar::Float(*number),
            DocValue::String(text) => Scalar::Str(text),
            DocValue::List(_) => Scalar::List(value),
            DocValue::Map(_) => Scalar::Map(value),
        },
    }
}

/// The node a value stands for, or the nearest existing one for an absent value.
fn location(value: &Value<'_>) -> Option<Location> {
    match value {
        Value::Doc(node) => Some(node.location),
        Value::Absent(parent) => parent.map(|node| node.location),
        _ => None,
    }
}

fn field<'d>(base: Value<'d>, name: &str) -> Value<'d> {
    match base {
        Value::Doc(node) => match &node.value {
            DocValue::Map(entries) => entries
                .iter()
                .find(|(key, _)| key.text == name)
                .map_or(Value::Absent(Some(node)), |(_, child)| Value::Doc(child)),
            _ => Value::Absent(Some(node)),
        },
        Value::Map(entries) => entries
            .iter()
            .find(|(key, _)| &**key == name)
            .map_or(Value::Absent(None), |(_, value)| value.clone()),
        Value::Absent(parent) => Value::Absent(parent),
        _ => Value::Absent(None),
    }
}

fn index<'d>(base: Value<'d>, key: &Value<'d>) -> Result<Value<'d>, String> {
    match (scalar(key), &base) {
        (_, Value::Absent(parent)) => Ok(Value::Absent(*parent)),
        (Scalar::Str(name), _) => Ok(field(base.clone(), name)),
        (Scalar::Int(position), Value::Doc(node)) => match &node.value {
            DocValue::List(items) => Ok(usize::try_from(position)
                .ok()
                .and_then(|position| items.get(position))
                .map_or(Value::Absent(Some(node)), Value::Doc)),
            _ => Ok(Value::Absent(Some(node))),
        },
        (Scalar::Int(position), Value::List(items)) => Ok(usize::try_from(position)
            .ok()
            .and_then(|position| items.get(position))
            .cloned()
            .unwrap_or(Value::Absent(None))),
        (other, _) => Err(format!("cannot index with {}", other.kind())),
    }
}

/// The items of a list (absent or null: none).
fn items<'d>(value: &Value<'d>) -> Result<Vec<Value<'d>>, String> {
    match value {
        Value::Absent(_) | Value::Null => Ok(Vec::new()),
        Value::List(items) => Ok(items.as_ref().clone()),
        Value::Doc(node) => match &node.value {
            DocValue::List(items) => Ok(items.iter().map(Value::Doc).collect()),
            DocValue::Null => Ok(Vec::new()),
            _ => Err("only lists can be iterated".to_string()),
        },
        _ => Err("only lists can be iterated".to_string()),
    }
}

/// Equality: absent and null are equal to each other only; numbers compare by value.
fn equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (scalar(a), scalar(b)) {
        (Scalar::Absent | Scalar::Null, Scalar::Absent | Scalar::Null) => true,
        (Scalar::Bool(x), Scalar::Bool(y)) => x == y,
        (Scalar::Int(x), Scalar::Int(y)) => x == y,
        (Scalar::Int(x), Scalar::Float(y)) | (Scalar::Float(y), Scalar::Int(x)) => (x as f64) == y,
        (Scalar::Float(x), Scalar::Float(y)) => x == y,
        (Scalar::Str(x), Scalar::Str(y)) => x == y,
        (Scalar::List(x), Scalar::List(y)) => match (items(x), items(y)) {
            (Ok(x), Ok(y)) => x.len() == y.len() && x.iter().zip(&y).all(|(a, b)| equal(a, b)),
            _ => false,
        },
        (Scalar::Map(x), Scalar::Map(y)) => {
            let (x, y) = (entries(x), entries(y));
            x.len() == y.len()
                && x.iter().all(|(key, value)| {
                    y.iter()
                        .any(|(other, theirs)| other == key && equal(value, theirs))
                })
        }
        _ => false,
    }
}

fn entries<'d>(value: &Value<'d>) -> Vec<(String, Value<'d>)> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .map(|(key, value)| (key.to_string(), value.clone()))
            .collect(),
        Value::Doc(node) => match &node.value {
            DocValue::Map(entries) => entries
                .iter()
                .map(|(key, child)| (key.text.clone(), Value::Doc(child)))
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn compare(a: &Value<'_>, b: &Value<'_>) -> Result<std::cmp::Ordering, String> {
    match (scalar(a), scalar(b)) {
        (Scalar::Int(x), Scalar::Int(y)) => Ok(x.cmp(&y)),
        (Scalar::Int(x), Scalar::Float(y)) => (x as f64)
            .partial_cmp(&y)
            .ok_or_else(|| "cannot order NaN".to_string()),
        (Scalar::Float(x), Scalar::Int(y)) => x
            .partial_cmp(&(y as f64))
            .ok_or_else(|| "cannot order NaN".to_string()),
        (Scalar::Float(x), Scalar::Float(y)) => x
            .partial_cmp(&y)
            .ok_or_else(|| "cannot order NaN".to_string()),
        (Scalar::Str(x), Scalar::Str(y)) => Ok(x.cmp(y)),
        (x, y) => Err(format!("cannot order {} and {}", x.kind(), y.kind())),
    }
}

fn contains(collection: &Value<'_>, value: &Value<'_>) -> Result<bool, String> {
    match scalar(collection) {
        Scalar::Absent | Scalar::Null => Ok(false),
        Scalar::List(list) => Ok(items(list)?.iter().any(|item| equal(item, value))),
        Scalar::Map(map) => match scalar(value) {
            Scalar::Str(key) => Ok(entries(map).iter().any(|(name, _)| name == key)),
            _ => Ok(false),
        },
        Scalar::Str(text) => match scalar(value) {
            Scalar::Str(part) => Ok(text.contains(part)),
            _ => Ok(false),
        },
        other => Err(format!(
            "`in` needs a list, a map or a string, found {}",
            other.kind()
        )),
    }
}

fn arithmetic<'d>(op: Op, a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let overflow = || "integer overflow".to_string();
    match (scalar(a), scalar(b)) {
        (Scalar::Int(x), Scalar::Int(y)) => Ok(Value::Int(match op {
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
        (Scalar::Int(_) | Scalar::Float(_), Scalar::Int(_) | Scalar::Float(_)) => {
            let float = |scalar: Scalar<'_, '_>| match scalar {
                Scalar::Int(x) => x as f64,
                Scalar::Float(x) => x,
                _ => 0.0,
            };
            let (x, y) = (float(scalar(a)), float(scalar(b)));
            Ok(Value::Float(match op {
                Op::Add {} => x + y,
                Op::Sub {} => x - y,
                Op::Mul {} => x * y,
                Op::Div {} => x / y,
                _ => x % y,
            }))
        }
        (Scalar::Str(x), Scalar::Str(y)) if matches!(op, Op::Add {}) => {
            Ok(Value::Str(Rc::from(format!("{x}{y}"))))
        }
        (Scalar::List(x), Scalar::List(y)) if matches!(op, Op::Add {}) => {
            let mut joined = items(x)?;
            joined.extend(items(y)?);
            Ok(Value::List(Rc::new(joined)))
        }
        (x, y) => Err(format!("cannot compute with {} and {}", x.kind(), y.kind())),
    }
}

/// A value as text, for messages: strings bare, everything else as JSON; absent as `absent`.
pub fn display(value: &Value<'_>) -> String {
    match scalar(value) {
        Scalar::Str(text) => text.to_string(),
        Scalar::Absent => "absent".to_string(),
        _ => json(value),
    }
}

/// A value as JSON.
pub fn json(value: &Value<'_>) -> String {
    match scalar(value) {
        Scalar::Absent | Scalar::Null => "null".to_string(),
        Scalar::Bool(flag) => flag.to_string(),
        Scalar::Int(number) => number.to_string(),
        Scalar::Float(number) if number.is_finite() => format!("{number:?}"),
        Scalar::Float(_) => "null".to_string(),
        Scalar::Str(text) => json_string(text),
        Scalar::List(list) => {
            let items: Vec<String> = items(list).unwrap_or_default().iter().map(json).collect();
            format!("[{}]", items.join(","))
        }
        Scalar::Map(map) => {
            let entries: Vec<String> = entries(map)
                .iter()
                .map(|(key, value)| format!("{}:{}", json_string(key), json(value)))
                .collect();
            format!("{{{}}}", entries.join(","))
        }
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
