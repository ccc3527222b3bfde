//! The instruction set, defined once.
//!
//! [`for_each_op!`] is the single table of instructions: name, operands (with their encoded
//! widths), stack effect and meaning. The [`Op`] enum, the encoder ([`encode`]), the decoder
//! ([`decode`]), the disassembler ([`disassemble`]) and the verifier's stack accounting are
//! all generated from it, so they cannot drift apart.
//!
//! The machine is a stack machine. A function has `locals` slots (bindings, loop variables,
//! iterator state) and an operand stack whose depth the verifier proves never goes below zero
//! or above `max_stack`. Encoding: one opcode byte, then each operand little-endian at its
//! declared width; jump offsets are relative to the start of the next instruction.
//!
//! Values read from a document carry their node, and an absent value carries its nearest
//! existing parent, so `deny … at PATH` needs no special instructions: `Deny` takes the
//! location of the value it pops.

mod verify;

pub use verify::{Context, VerifyError, verify};

use std::fmt::Write as _;

/// A fixed-width operand type.
pub trait Operand: Copy + std::fmt::Display {
    const WIDTH: usize;
    fn write(self, out: &mut Vec<u8>);
    fn read(bytes: &[u8]) -> Self;
}

macro_rules! operand {
    ($($ty:ty),*) => {$(
        impl Operand for $ty {
            const WIDTH: usize = std::mem::size_of::<$ty>();
            fn write(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read(bytes: &[u8]) -> Self {
                let mut buffer = [0u8; std::mem::size_of::<$ty>()];
                buffer.copy_from_slice(&bytes[..std::mem::size_of::<$ty>()]);
                <$ty>::from_le_bytes(buffer)
            }
        }
    )*};
}
operand!(u8, u16, u32, i32);

/// The instruction table. Each line: `Name { operand: type, … } (pops, pushes) "meaning"`;
/// pops and pushes may use the operands.
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            Null {} (0, 1) "push null";
            True {} (0, 1) "push true";
            False {} (0, 1) "push false";
            Const { index: u32 } (0, 1) "push constant `index`";
            Param { index: u16 } (0, 1) "push the value of parameter `index`";
            Load { local: u16 } (0, 1) "push local `local`";
            Store { local: u16 } (1, 0) "pop into local `local`";
            Pop {} (1, 0) "drop the top value";
            Dup {} (1, 2) "duplicate the top value";
            Field { symbol: u32 } (1, 1) "replace an object by its field `symbol` (absent when missing)";
            Index {} (2, 1) "pop a key or position, then a collection; push the element (absent when missing)";
            Call { builtin: u16, argc: u8 } (argc as usize, 1) "call builtin `builtin` on `argc` arguments";
            Not {} (1, 1) "boolean not";
            Neg {} (1, 1) "arithmetic negation";
            Eq {} (2, 1) "equality; absent equals only null";
            Ne {} (2, 1) "inequality";
            Lt {} (2, 1) "less than";
            Le {} (2, 1) "less than or equal";
            Gt {} (2, 1) "greater than";
            Ge {} (2, 1) "greater than or equal";
            In {} (2, 1) "membership: pop a collection, then a value";
            Add {} (2, 1) "addition, or joining strings or lists";
            Sub {} (2, 1) "subtraction";
            Mul {} (2, 1) "multiplication";
            Div {} (2, 1) "division";
            Rem {} (2, 1) "remainder";
            Matches { pattern: u32 } (1, 1) "whether a string matches the regex or glob constant `pattern`";
            MatchesDynamic {} (2, 1) "pop a pattern string, then a string; whether it matches (regex)";
            Jump { offset: i32 } (0, 0) "continue `offset` bytes after this instruction";
            JumpIfFalse { offset: i32 } (1, 0) "pop a boolean; jump when false";
            JumpIfTrue { offset: i32 } (1, 0) "pop a boolean; jump when true";
            JumpIfPresent { offset: i32 } (1, 1) "when the top value is present, keep it and jump; else drop it (for `??`)";
            IterStart { slot: u16 } (1, 0) "pop a list (absent iterates as empty) into iterator slot `slot`";
            IterNext { slot: u16, local: u16, offset: i32 } (0, 0) "store the next item of iterator `slot` in `local`, or jump when done";
            MakeList { count: u32 } (count as usize, 1) "pop `count` values into a list";
            MakeMap { count: u32 } (2 * count as usize, 1) "pop `count` key/value pairs into a map";
            JoinLists { count: u8 } (count as usize, 1) "pop `count` lists (absent counts as empty) and push them joined, in order";
            ListPush {} (2, 1) "pop a value, then a list; push the list with the value added at its end";
            Others { query: u16 } (0, 1) "push the resources of query `query` (a kind) in the evaluation set, except the one being evaluated";
            Concat { count: u16 } (count as usize, 1) "pop `count` values, print and join them into a string";
            Deny { site: u16, edits: u8 } (2 + 2 * edits as usize, 0) "pop the fix edits' (target, value) pairs, the message and the place: a finding of deny site `site`";
            Return {} (0, 0) "end of the function";
            OthersIn { query: u16 } (1, 1) "pop a namespace; push the resources of query `query` in it (no `metadata.namespace` counts as `default`), except the one being evaluated";
            OthersBy { query: u16, mode: u8 } (1, 1) "pop a key; push, in order, the resources of query `query` that its index says may match it (mode 0: the indexed value equals the key; 1: it is an item of the key list; 2: the indexed map holds every entry of the key map; 3: the key map holds every entry of the indexed map, which a map with no entry to file always may), all of them when the key cannot be looked up, except the one being evaluated";
            OthersInBy { query: u16, mode: u8 } (2, 1) "pop a key, then a namespace; `OthersBy` within the namespace";
            Setup {} (0, 0) "end of the policy's setup (what depends only on its parameters, computed once when the pack is loaded); the stack is empty here";
            JumpIfMissing { offset: i32 } (1, 0) "pop a value; jump when it is absent or null (`x == null` in a condition)";
            JumpIfNotMissing { offset: i32 } (1, 0) "pop a value; jump unless it is absent or null (`x != null` in a condition)";
            Forget { local: u16 } (0, 0) "mark local `local` as not computed yet (a lazy `let`)";
            JumpIfKnown { local: u16, offset: i32 } (0, 1) "when local `local` has been computed since `Forget`, push it and jump; else push nothing (a lazy `let` computes it next)";
            LoadField { local: u16, symbol: u32 } (0, 1) "push the field `symbol` of local `local` (`Load` then `Field`, the commonest pair, in one)";
        }
    };
}

macro_rules! define_ops {
    ($($name:ident { $($field:ident : $ty:ty),* } ($pops:expr, $pushes:expr) $doc:literal;)*) => {
        /// One instruction, decoded.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Op {
            $(
                #[doc = $doc]
                $name { $($field: $ty),* },
            )*
        }

        /// Opcode numbers, in table order.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, reason = "one constant per instruction, named after it")]
        #[repr(u8)]
        enum Opcode { $($name,)* }

        impl Op {
            /// The instruction's name as the disassembler prints it.
            pub fn name(&self) -> &'static str {
                match self { $(Op::$name { .. } => stringify!($name),)* }
            }

            /// `(pops, pushes)` of the operand stack.
            #[allow(unused_variables, reason = "most instructions' effects do not use their operands")]
            pub fn stack_effect(&self) -> (usize, usize) {
                match *self { $(Op::$name { $($field),* } => ($pops, $pushes),)* }
            }

            /// Appends the encoding of this instruction.
            pub fn encode(&self, out: &mut Vec<u8>) {
                match *self {
                    $(Op::$name { $($field),* } => {
                        out.push(Opcode::$name as u8);
                        $(Operand::write($field, out);)*
                    })*
                }
            }

            /// The encoded length of this instruction.
            pub fn encoded_len(&self) -> usize {
                match self { $(Op::$name { .. } => 1 $(+ <$ty as Operand>::WIDTH)*,)* }
            }

            /// Decodes the instruction at the start of `bytes`.
            pub fn decode(bytes: &[u8]) -> Result<Op, DecodeError> {
                let Some((&opcode, mut rest)) = bytes.split_first() else {
                    return Err(DecodeError::Truncated);
                };
                let mut next = 0u8;
                $(
                    if opcode == next {
                        let needed = 0 $(+ <$ty as Operand>::WIDTH)*;
                        if rest.len() < needed {
                            return Err(DecodeError::Truncated);
                        }
                        $(
                            let $field = <$ty as Operand>::read(rest);
                            rest = &rest[<$ty as Operand>::WIDTH..];
                        )*
                        let _ = rest;
                        return Ok(Op::$name { $($field),* });
                    }
                    next = next.wrapping_add(1);
                )*
                let _ = next;
                Err(DecodeError::UnknownOpcode(opcode))
            }

            fn write_operands(&self, out: &mut String) {
                match *self {
                    $(Op::$name { $($field),* } => {
                        $(let _ = write!(out, " {}={}", stringify!($field), $field);)*
                    })*
                }
            }
        }
    };
}

for_each_op!(define_ops);

impl Op {
    /// Where a jump lands, given the offset of this instruction; `None` for other
    /// instructions. (The target may be out of range: the verifier checks.)
    pub fn jump_target(&self, at: usize) -> Option<i64> {
        let offset = match *self {
            Op::Jump { offset }
            | Op::JumpIfFalse { offset }
            | Op::JumpIfTrue { offset }
            | Op::JumpIfPresent { offset }
            | Op::JumpIfMissing { offset }
            | Op::JumpIfNotMissing { offset }
            | Op::JumpIfKnown { offset, .. }
            | Op::IterNext { offset, .. } => offset,
            _ => return None,
        };
        Some(at as i64 + self.encoded_len() as i64 + i64::from(offset))
    }

    /// Whether execution never continues to the next instruction.
    pub fn ends_block(&self) -> bool {
        matches!(self, Op::Jump { .. } | Op::Return {})
    }
}

/// A verified function, decoded once for the interpreter: the instructions in order, with
/// every jump's `offset` operand rewritten to the *index* of the instruction it lands on, and
/// the byte offset of each instruction (for errors and the source map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    ops: Vec<Op>,
    offsets: Vec<u32>,
}

impl Code {
    /// Verifies `bytes` against `context`, then decodes them.
    pub fn new(bytes: &[u8], context: &Context<'_>) -> Result<Code, VerifyError> {
        verify(bytes, context)?;
        let decoded = decode(bytes).map_err(|(offset, error)| VerifyError {
            offset,
            message: error.to_string(),
        })?;
        let index_of = |target: i64| -> Result<i32, VerifyError> {
            decoded
                .binary_search_by_key(&target, |(offset, _)| *offset as i64)
                .ok()
                .and_then(|index| i32::try_from(index).ok())
                .ok_or_else(|| VerifyError {
                    offset: 0,
                    message: format!("a jump to {target}, which is not an instruction"),
                })
        };
        let mut ops = Vec::with_capacity(decoded.len());
        let mut offsets = Vec::with_capacity(decoded.len());
        for (offset, op) in &decoded {
            let op = match op.jump_target(*offset) {
                Some(target) => op.with_jump(index_of(target)?),
                None => *op,
            };
            ops.push(op);
            offsets.push(u32::try_from(*offset).unwrap_or(u32::MAX));
        }
        Ok(Code { ops, offsets })
    }

    /// The instructions; a jump's `offset` is the index of its target.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The byte offset of instruction `index` in the encoded function.
    pub fn offset(&self, index: usize) -> u32 {
        self.offsets.get(index).copied().unwrap_or(u32::MAX)
    }
}

impl Op {
    /// The same jump with another `offset` operand (any other instruction unchanged).
    pub fn with_jump(self, offset: i32) -> Op {
        match self {
            Op::Jump { .. } => Op::Jump { offset },
            Op::JumpIfFalse { .. } => Op::JumpIfFalse { offset },
            Op::JumpIfTrue { .. } => Op::JumpIfTrue { offset },
            Op::JumpIfPresent { .. } => Op::JumpIfPresent { offset },
            Op::JumpIfMissing { .. } => Op::JumpIfMissing { offset },
            Op::JumpIfNotMissing { .. } => Op::JumpIfNotMissing { offset },
            Op::JumpIfKnown { local, .. } => Op::JumpIfKnown { local, offset },
            Op::IterNext { slot, local, .. } => Op::IterNext {
                slot,
                local,
                offset,
            },
            other => other,
        }
    }
}

/// Why bytes are not an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    UnknownOpcode(u8),
    Truncated,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::UnknownOpcode(opcode) => write!(f, "unknown opcode {opcode:#04x}"),
            DecodeError::Truncated => f.write_str("the code ends inside an instruction"),
        }
    }
}

/// Encodes a sequence of instructions.
pub fn encode(ops: &[Op]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ops.iter().map(Op::encoded_len).sum());
    for op in ops {
        op.encode(&mut out);
    }
    out
}

/// Decodes a whole function body into `(offset, instruction)` pairs.
pub fn decode(code: &[u8]) -> Result<Vec<(usize, Op)>, (usize, DecodeError)> {
    let mut ops = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let op = Op::decode(&code[at..]).map_err(|error| (at, error))?;
        ops.push((at, op));
        at += op.encoded_len();
    }
    Ok(ops)
}

/// A readable listing: one instruction per line with its offset, operands and, for jumps,
/// the target offset. `describe` may add a note for an instruction (a constant's value, a
/// symbol's name).
pub fn disassemble(code: &[u8], describe: &dyn Fn(&Op) -> Option<String>) -> String {
    let mut out = String::new();
    let mut at = 0;
    while at < code.len() {
        match Op::decode(&code[at..]) {
            Ok(op) => {
                let _ = write!(out, "{at:06}  {}", op.name());
                op.write_operands(&mut out);
                if let Some(target) = op.jump_target(at) {
                    let _ = write!(out, "  -> {target:06}");
                }
                if let Some(note) = describe(&op) {
                    let _ = write!(out, "  ; {note}");
                }
                out.push('\n');
                at += op.encoded_len();
            }
            Err(error) => {
                let _ = writeln!(out, "{at:06}  <{error}>");
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
