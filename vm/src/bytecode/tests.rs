use proptest::prelude::*;

use super::*;

/// One instance of every instruction, with operands that stress the widths.
fn every_op() -> Vec<Op> {
    vec![
        Op::Null {},
        Op::True {},
        Op::False {},
        Op::Const { index: u32::MAX },
        Op::Param { index: 7 },
        Op::Others { query: 3 },
        Op::Load { local: 3 },
        Op::Store { local: u16::MAX },
        Op::Pop {},
        Op::Dup {},
        Op::Field {
            symbol: 0x0102_0304,
        },
        Op::Index {},
        Op::Call {
            builtin: 9,
            argc: 2,
        },
        Op::Not {},
        Op::Neg {},
        Op::Eq {},
        Op::Ne {},
        Op::Lt {},
        Op::Le {},
        Op::Gt {},
        Op::Ge {},
        Op::In {},
        Op::Add {},
        Op::Sub {},
        Op::Mul {},
        Op::Div {},
        Op::Rem {},
        Op::Matches { pattern: 4 },
        Op::MatchesDynamic {},
        Op::Jump { offset: -5 },
        Op::JumpIfFalse { offset: i32::MIN },
        Op::JumpIfTrue { offset: i32::MAX },
        Op::JumpIfPresent { offset: 0 },
        Op::IterStart { slot: 1 },
        Op::IterNext {
            slot: 1,
            local: 2,
            offset: -30,
        },
        Op::MakeList { count: 3 },
        Op::MakeMap { count: 2 },
        Op::JoinLists { count: 3 },
        Op::ListPush {},
        Op::Concat { count: 4 },
        Op::Deny { site: 5, edits: 1 },
        Op::Return {},
        Op::OthersIn { query: 2 },
        Op::OthersBy { query: 1, mode: 2 },
        Op::OthersInBy {
            query: u16::MAX,
            mode: 0,
        },
        Op::Setup {},
        Op::JumpIfMissing { offset: 7 },
        Op::JumpIfNotMissing { offset: -7 },
        Op::Forget { local: 5 },
        Op::JumpIfKnown {
            local: u16::MAX,
            offset: -9,
        },
        Op::LoadField {
            local: 0x0102,
            symbol: u32::MAX,
        },
    ]
}

#[test]
fn every_instruction_round_trips() {
    let ops = every_op();
    let code = encode(&ops);
    let decoded: Vec<Op> = decode(&code)
        .unwrap()
        .into_iter()
        .map(|(_, op)| op)
        .collect();
    assert_eq!(decoded, ops);
    // The table has no instruction this list forgot: the opcode after the last is unknown.
    assert_eq!(
        Op::decode(&[ops.len() as u8]),
        Err(DecodeError::UnknownOpcode(ops.len() as u8))
    );
}

#[test]
fn disassembly_is_readable() {
    let code = encode(&[
        Op::Load { local: 0 },
        Op::Field { symbol: 1 },
        Op::JumpIfFalse { offset: 1 },
        Op::Return {},
        Op::Return {},
    ]);
    let text = disassemble(&code, &|op| match op {
        Op::Field { symbol: 1 } => Some("\"spec\"".to_string()),
        _ => None,
    });
    assert_eq!(
        text,
        "000000  Load local=0\n000003  Field symbol=1  ; \"spec\"\n000008  JumpIfFalse offset=1  -> 000014\n000013  Return\n000014  Return\n"
    );
}

fn context() -> Context<'static> {
    Context {
        constants: 4,
        pattern_constants: &[false, false, false, true],
        symbols: 3,
        params: 1,
        sites: 2,
        key_shapes: &[0],
        builtins: &[1, 2],
        locals: 4,
        max_stack: 8,
    }
}

/// `for c in local0 { deny c.sym0 == const0 at c message const1 }`
fn valid_function() -> Vec<Op> {
    vec![
        Op::Load { local: 0 },
        Op::IterStart { slot: 1 },
        // Offsets: IterNext at 6 (9 bytes), JumpIfFalse at 29, Jump at 46, Return at 51.
        Op::IterNext {
            slot: 1,
            local: 2,
            offset: 36,
        },
        Op::Load { local: 2 },
        Op::Field { symbol: 0 },
        Op::Const { index: 0 },
        Op::Eq {},
        Op::JumpIfFalse { offset: 12 },
        Op::Load { local: 2 },
        Op::Const { index: 1 },
        Op::Deny { site: 0, edits: 0 },
        Op::Jump { offset: -45 },
        Op::Return {},
    ]
}

#[test]
fn a_valid_function_verifies() {
    let code = encode(&valid_function());
    assert_eq!(
        verify(&code, &context()),
        Ok(()),
        "{}",
        disassemble(&code, &|_| None)
    );
}

#[test]
fn a_lazy_let_verifies() {
    // Forget at 0 (3 bytes), JumpIfKnown at 3 (7 bytes) to the `Pop` at 15: one value on
    // the stack either way.
    let code = encode(&[
        Op::Forget { local: 3 },
        Op::JumpIfKnown {
            local: 3,
            offset: 5,
        },
        Op::Null {},
        Op::Dup {},
        Op::Store { local: 3 },
        Op::Pop {},
        Op::Return {},
    ]);
    assert_eq!(
        verify(&code, &context()),
        Ok(()),
        "{}",
        disassemble(&code, &|_| None)
    );
}

fn rejects(ops: &[Op], expected: &str) {
    let code = encode(ops);
    let error = verify(&code, &context()).expect_err("verified a bad function");
    assert!(
        error.message.contains(expected),
        "expected `{expected}`, got `{error}`\n{}",
        disassemble(&code, &|_| None)
    );
}

#[test]
fn bad_functions_are_rejected_with_a_reason() {
    rejects(&[], "empty");
    rejects(
        &[Op::Const { index: 4 }, Op::Pop {}, Op::Return {}],
        "constant 4 is out of range",
    );
    rejects(
        &[Op::Param { index: 1 }, Op::Pop {}, Op::Return {}],
        "parameter 1 is out of range",
    );
    rejects(
        &[Op::Others { query: 1 }, Op::Pop {}, Op::Return {}],
        "query 1 is out of range",
    );
    rejects(
        &[Op::Load { local: 4 }, Op::Pop {}, Op::Return {}],
        "local 4 is out of range",
    );
    rejects(
        &[Op::Null {}, Op::Store { local: 9 }, Op::Return {}],
        "local 9 is out of range",
    );
    rejects(
        &[Op::Forget { local: 4 }, Op::Return {}],
        "local 4 is out of range",
    );
    rejects(
        &[
            Op::JumpIfKnown {
                local: 7,
                offset: 0,
            },
            Op::Return {},
        ],
        "local 7 is out of range",
    );
    // A value when it jumps, none when it does not: the paths disagree at the target.
    rejects(
        &[
            Op::JumpIfKnown {
                local: 0,
                offset: 0,
            },
            Op::Null {},
            Op::Pop {},
            Op::Return {},
        ],
        "stack depths",
    );
    rejects(
        &[
            Op::Null {},
            Op::Field { symbol: 3 },
            Op::Pop {},
            Op::Return {},
        ],
        "symbol 3",
    );
    rejects(
        &[
            Op::LoadField {
                local: 0,
                symbol: 3,
            },
            Op::Pop {},
            Op::Return {},
        ],
        "symbol 3",
    );
    rejects(
        &[
            Op::LoadField {
                local: 9,
                symbol: 0,
            },
            Op::Pop {},
            Op::Return {},
        ],
        "local 9 is out of range",
    );
    rejects(
        &[
            Op::Null {},
            Op::Call {
                builtin: 2,
                argc: 1,
            },
            Op::Pop {},
            Op::Return {},
        ],
        "builtin 2",
    );
    rejects(
        &[
            Op::Null {},
            Op::Call {
                builtin: 1,
                argc: 1,
            },
            Op::Pop {},
            Op::Return {},
        ],
        "takes 2 argument",
    );
    rejects(
        &[
            Op::Null {},
            Op::Matches { pattern: 0 },
            Op::Pop {},
            Op::Return {},
        ],
        "not a pattern",
    );
    rejects(
        &[Op::Null {}, Op::Setup {}, Op::Pop {}, Op::Return {}],
        "1 value(s) left on the stack at `Setup`",
    );
    rejects(
        &[Op::Null {}, Op::IterStart { slot: 4 }, Op::Return {}],
        "iterator slot 4",
    );
    rejects(
        &[
            Op::Null {},
            Op::Null {},
            Op::Deny { site: 2, edits: 0 },
            Op::Return {},
        ],
        "deny site 2",
    );
    rejects(
        &[Op::Eq {}, Op::Return {}],
        "needs 2 value(s) on the stack, which holds 0",
    );
    rejects(&[Op::Null {}, Op::Return {}], "left on the stack");
    rejects(&[Op::Null {}, Op::Pop {}], "runs off the end");
    rejects(
        &[Op::Jump { offset: 100 }, Op::Return {}],
        "not the start of an instruction",
    );
    rejects(
        &[Op::Jump { offset: -7 }, Op::Return {}],
        "not the start of an instruction",
    );
    rejects(
        &[Op::Jump { offset: 2 }, Op::Return {}, Op::Return {}],
        "not the start of an instruction",
    );
    rejects(
        &[
            Op::True {},
            Op::JumpIfFalse { offset: 1 },
            Op::Null {},
            Op::Return {},
        ],
        "stack depths",
    );
    rejects(
        &(0..9)
            .map(|_| Op::Null {})
            .chain([Op::Return {}])
            .collect::<Vec<_>>(),
        "over the declared maximum 8",
    );
    // Bytes that are not instructions.
    let mut code = encode(&[Op::Null {}, Op::Pop {}, Op::Return {}]);
    code.push(0xff);
    assert!(
        verify(&code, &context())
            .unwrap_err()
            .message
            .contains("unknown opcode 0xff")
    );
    let code = &encode(&[Op::Const { index: 1 }])[..3];
    assert!(
        verify(code, &context())
            .unwrap_err()
            .message
            .contains("ends inside an instruction")
    );
}

proptest! {
    #[test]
    fn decode_then_encode_gives_the_same_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(ops) = decode(&bytes) {
            let ops: Vec<Op> = ops.into_iter().map(|(_, op)| op).collect();
            prop_assert_eq!(encode(&ops), bytes);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&bytes);
        let _ = disassemble(&bytes, &|_| None);
        let _ = verify(&bytes, &context());
    }

    #[test]
    fn single_byte_mutations_of_a_valid_function_never_panic(at in 0usize..64, byte in any::<u8>()) {
        let mut code = encode(&valid_function());
        let at = at % code.len();
        code[at] = byte;
        let _ = verify(&code, &context());
        let _ = disassemble(&code, &|_| None);
    }
}
