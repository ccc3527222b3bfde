//! The verifier: a function is checked before it can run, so a corrupted or hostile pack is an
//! error, never a panic or undefined behaviour in the interpreter.
//!
//! Invariants checked:
//! - every byte belongs to exactly one decodable instruction (no unknown opcode, no
//!   instruction cut short by the end of the code);
//! - every index is in range: constants, parameters, locals and iterator slots, symbols,
//!   deny sites, builtins, queries; `Matches` names a pattern constant; a call passes the
//!   builtin's arity; `OthersBy`/`OthersInBy` use a lookup mode their query's key supports;
//! - every jump lands on the start of an instruction inside the function;
//! - the operand stack never underflows, never exceeds `max_stack`, has the same depth on
//!   every path into an instruction, and is empty at `Return` and `Setup` (a run that starts
//!   after `Setup` starts with an empty stack);
//! - execution cannot run off the end of the code.
//!
//! What it does not check, because it cannot be known before running: the types of values
//! (the interpreter turns a wrong type into an evaluation error) and whether an iterator slot
//! holds an iterator when `IterNext` reads it (likewise).

use super::{Op, decode};

/// What a function may refer to.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub constants: usize,
    /// Which constants are compiled patterns (regex or glob), for `Matches`.
    pub pattern_constants: &'a [bool],
    pub symbols: usize,
    pub params: usize,
    /// Deny sites (what a `Deny` refers to).
    pub sites: usize,
    /// Cross-resource queries (what an `Others` refers to), by the shape of their key
    /// ([`crate::pack::Query::key_shape`]: what an `OthersBy` may look up).
    pub key_shapes: &'a [u8],
    /// The arity of each builtin, by builtin id.
    pub builtins: &'a [u8],
    /// Slots for locals and iterators.
    pub locals: u16,
    pub max_stack: u16,
}

/// Why a function was rejected: at which byte offset, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

fn fail(offset: usize, message: impl Into<String>) -> VerifyError {
    VerifyError {
        offset,
        message: message.into(),
    }
}

/// Checks `code` against `context`; see the module documentation for what is checked.
pub fn verify(code: &[u8], context: &Context<'_>) -> Result<(), VerifyError> {
    if code.is_empty() {
        return Err(fail(0, "the function is empty"));
    }
    let ops = decode(code).map_err(|(offset, error)| fail(offset, error.to_string()))?;
    // Which offsets start an instruction, and the index of that instruction.
    let mut index_at = vec![usize::MAX; code.len()];
    for (index, (offset, _)) in ops.iter().enumerate() {
        index_at[*offset] = index;
    }
    let target_index = |from: usize, target: i64| -> Result<usize, VerifyError> {
        usize::try_from(target)
            .ok()
            .and_then(|target| index_at.get(target).copied())
            .filter(|index| *index != usize::MAX)
            .ok_or_else(|| {
                fail(
                    from,
                    format!("a jump to {target}, which is not the start of an instruction"),
                )
            })
    };
    for (offset, op) in &ops {
        check_operands(*offset, op, context)?;
    }
    // Stack depths by abstract interpretation over the control-flow graph.
    let mut depth: Vec<Option<usize>> = vec![None; ops.len()];
    depth[0] = Some(0);
    let mut work = vec![0usize];
    while let Some(index) = work.pop() {
        let (offset, op) = ops[index];
        let Some(before) = depth[index] else {
            continue;
        };
        let (pops, pushes) = op.stack_effect();
        if before < pops {
            return Err(fail(
                offset,
                format!(
                    "`{}` needs {pops} value(s) on the stack, which holds {before}",
                    op.name()
                ),
            ));
        }
        let after = before - pops + pushes;
        if after > usize::from(context.max_stack) {
            return Err(fail(
                offset,
                format!(
                    "the stack grows to {after}, over the declared maximum {}",
                    context.max_stack
                ),
            ));
        }
        if matches!(op, Op::Return {} | Op::Setup {}) && before != 0 {
            return Err(fail(
                offset,
                format!("{before} value(s) left on the stack at `{}`", op.name()),
            ));
        }
        let mut successors: Vec<(usize, usize)> = Vec::with_capacity(2);
        if let Some(target) = op.jump_target(offset) {
            successors.push((target_index(offset, target)?, after));
        }
        if !op.ends_block() {
            // `JumpIfPresent` drops the value when it falls through; `JumpIfKnown` pushes
            // only when it jumps.
            let through = if matches!(op, Op::JumpIfPresent { .. } | Op::JumpIfKnown { .. }) {
                after - 1
            } else {
                after
            };
            match ops.get(index + 1) {
                Some(_) => successors.push((index + 1, through)),
                None => return Err(fail(offset, "execution runs off the end of the code")),
            }
        }
        for (next, next_depth) in successors {
            match depth[next] {
                None => {
                    depth[next] = Some(next_depth);
                    work.push(next);
                }
                Some(known) if known != next_depth => {
                    return Err(fail(
                        ops[next].0,
                        format!(
                            "paths reach this instruction with stack depths {known} and {next_depth}"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn check_operands(offset: usize, op: &Op, context: &Context<'_>) -> Result<(), VerifyError> {
    let range = |what: &str, index: usize, count: usize| {
        if index < count {
            Ok(())
        } else {
            Err(fail(
                offset,
                format!("{what} {index} is out of range (there are {count})"),
            ))
        }
    };
    let locals = usize::from(context.locals);
    match *op {
        Op::Const { index } => range("constant", index as usize, context.constants),
        Op::Param { index } => range("parameter", usize::from(index), context.params),
        Op::Others { query } | Op::OthersIn { query } => {
            range("query", usize::from(query), context.key_shapes.len())
        }
        Op::OthersBy { query, mode } | Op::OthersInBy { query, mode } => {
            range("query", usize::from(query), context.key_shapes.len())?;
            let shape = context.key_shapes[usize::from(query)];
            match (mode, shape) {
                (0 | 1, 1) | (2 | 3, 2) => Ok(()),
                (0..=3, _) => Err(fail(
                    offset,
                    format!("query {query} has no key that lookup mode {mode} can use"),
                )),
                _ => Err(fail(offset, format!("unknown lookup mode {mode}"))),
            }
        }
        Op::Load { local }
        | Op::Store { local }
        | Op::Forget { local }
        | Op::JumpIfKnown { local, .. } => range("local", usize::from(local), locals),
        Op::Field { symbol } => range("symbol", symbol as usize, context.symbols),
        Op::LoadField { local, symbol } => {
            range("local", usize::from(local), locals)?;
            range("symbol", symbol as usize, context.symbols)
        }
        Op::Call { builtin, argc } => {
            range("builtin", usize::from(builtin), context.builtins.len())?;
            let arity = context.builtins[usize::from(builtin)];
            if arity == argc {
                Ok(())
            } else {
                Err(fail(
                    offset,
                    format!("builtin {builtin} takes {arity} argument(s), called with {argc}"),
                ))
            }
        }
        Op::Matches { pattern } => {
            range("constant", pattern as usize, context.constants)?;
            if context
                .pattern_constants
                .get(pattern as usize)
                .copied()
                .unwrap_or(false)
            {
                Ok(())
            } else {
                Err(fail(offset, format!("constant {pattern} is not a pattern")))
            }
        }
        Op::IterStart { slot } => range("iterator slot", usize::from(slot), locals),
        Op::IterNext { slot, local, .. } => {
            range("iterator slot", usize::from(slot), locals)?;
            range("local", usize::from(local), locals)
        }
        Op::Deny { site, .. } => range("deny site", usize::from(site), context.sites),
        _ => Ok(()),
    }
}
