use std::rc::Rc;

use crate::bytecode::Code;

use super::*;
use crate::bytecode::{Context, Op, encode};
use crate::document::{Limits, load};

struct TestHost;

impl Host for TestHost {
    fn call<'d>(&self, builtin: u16, args: &[Value<'d>]) -> Result<Value<'d>, String> {
        match (builtin, args) {
            // 0: len(list)
            (0, [list]) => Ok(Value::Int(items(list)?.len() as i64)),
            _ => Err(format!("builtin {builtin} failed")),
        }
    }
    fn matches(&self, pattern: u32, text: &str) -> bool {
        pattern == 0 && text.ends_with(":latest")
    }
    fn matches_dynamic(&self, pattern: &str, text: &str) -> Result<bool, String> {
        Ok(text.contains(pattern))
    }
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:latest
      securityContext:
        privileged: true
    - name: sidecar
      image: envoy:1.30
";

/// Assembles ops with symbolic jumps: `Label(n)` marks a place, jump offsets written as
/// `-(n+1)` refer to label n.
fn assemble(ops: &[Op], labels: &[(usize, usize)]) -> Vec<u8> {
    // labels: (index of the jumping op, index of the target op)
    let mut offsets = Vec::new();
    let mut at = 0;
    for op in ops {
        offsets.push(at);
        at += op.encoded_len();
    }
    offsets.push(at);
    let mut fixed = ops.to_vec();
    for &(from, to) in labels {
        let after = offsets[from] + fixed[from].encoded_len();
        let offset = offsets[to] as i32 - after as i32;
        fixed[from] = fixed[from].with_jump(offset);
    }
    encode(&fixed)
}

fn symbols() -> Vec<Box<str>> {
    [
        "spec",
        "containers",
        "securityContext",
        "privileged",
        "name",
        "image",
        "hostNetwork",
    ]
    .iter()
    .map(|name| Box::from(*name))
    .collect()
}

/// `for c in resource.spec.containers { deny c.securityContext.privileged == true at
///  c.securityContext.privileged message "container " + c.name + " is privileged" }`
fn privileged_program() -> Vec<u8> {
    let ops = vec![
        Op::Load { local: 0 },     // 0
        Op::Field { symbol: 0 },   // 1 spec
        Op::Field { symbol: 1 },   // 2 containers
        Op::IterStart { slot: 1 }, // 3
        Op::IterNext {
            slot: 1,
            local: 2,
            offset: 0,
        }, // 4 -> 17
        Op::Load { local: 2 },     // 5
        Op::Field { symbol: 2 },   // 6
        Op::Field { symbol: 3 },   // 7
        Op::True {},               // 8
        Op::Eq {},                 // 9
        Op::JumpIfFalse { offset: 0 }, // 10 -> 16
        Op::Load { local: 2 },     // 11
        Op::Field { symbol: 2 },   // 12
        Op::Field { symbol: 3 },   // 13 place
        Op::Const { index: 0 },    // 14 message
        Op::Deny { site: 0, edits: 0 }, // 15
        Op::Jump { offset: 0 },    // 16 -> 4
        Op::Return {},             // 17
    ];
    assemble(&ops, &[(4, 17), (10, 16), (16, 4)])
}

/// Verifies and decodes `bytes` with room for everything they use.
fn prepared(bytes: &[u8], constants: usize) -> Code {
    let patterns = vec![false; constants];
    let context = Context {
        constants,
        pattern_constants: &patterns,
        symbols: symbols().len(),
        params: 0,
        sites: 1,
        key_shapes: &[],
        builtins: &[1, 1, 1, 1, 1, 1, 1, 2],
        locals: 0,
        max_stack: 8,
    };
    Code::new(bytes, &context).unwrap()
}

fn context<'a>(code_locals: u16, patterns: &'a [bool]) -> Context<'a> {
    Context {
        constants: patterns.len(),
        pattern_constants: patterns,
        symbols: symbols().len(),
        params: 0,
        sites: 1,
        key_shapes: &[],
        builtins: &[1],
        locals: code_locals,
        max_stack: 8,
    }
}

#[test]
fn a_finding_points_at_the_offending_field() {
    let loaded = load(POD.as_bytes(), &Limits::default());
    let root = &loaded.documents[0].root;
    let code = privileged_program();
    let code = Code::new(&code, &context(3, &[false])).unwrap();
    let constants = [Constant::Str(Box::from("container is privileged"))];
    let symbols = symbols();
    let program = Program {
        inventory: &[],
        code: &code,
        locals: 3,
        constants: &constants,
        symbols: &symbols,
        params: &[],
        patterns: &[],
    };
    let findings = run(&program, &TestHost, &[(0, Value::Doc(root))], 10_000).unwrap();
    assert_eq!(findings.len(), 1);
    let location = findings[0].place.node.unwrap().location;
    assert_eq!((location.start.line, location.start.column), (10, 21));
    assert_eq!(findings[0].message, "container is privileged");
}

#[test]
fn an_absent_field_points_at_its_nearest_parent() {
    // deny resource.spec.hostNetwork != true at resource.spec.hostNetwork message "m"
    let ops = vec![
        Op::Load { local: 0 },
        Op::Field { symbol: 0 },
        Op::Field { symbol: 6 },
        Op::True {},
        Op::Ne {},
        Op::JumpIfFalse { offset: 0 },
        Op::Load { local: 0 },
        Op::Field { symbol: 0 },
        Op::Field { symbol: 6 },
        Op::Const { index: 0 },
        Op::Deny { site: 0, edits: 0 },
        Op::Return {},
    ];
    let code = assemble(&ops, &[(5, 11)]);
    let code = Code::new(&code, &context(1, &[false])).unwrap();
    let loaded = load(POD.as_bytes(), &Limits::default());
    let root = &loaded.documents[0].root;
    let constants = [Constant::Str(Box::from("m"))];
    let symbols = symbols();
    let program = Program {
        inventory: &[],
        code: &code,
        locals: 1,
        constants: &constants,
        symbols: &symbols,
        params: &[],
        patterns: &[],
    };
    let findings = run(&program, &TestHost, &[(0, Value::Doc(root))], 10_000).unwrap();
    // `spec` exists; `hostNetwork` does not: the finding is on `spec`'s value (line 6).
    assert_eq!(findings[0].place.node.unwrap().location.start.line, 6);
    assert_eq!(findings[0].place.missing, 1);
}

#[test]
fn the_budget_stops_an_endless_loop() {
    let ops = vec![Op::Jump { offset: 0 }, Op::Return {}];
    let code = assemble(&ops, &[(0, 0)]);
    let code = prepared(&code, 0);
    let symbols = symbols();
    let program = Program {
        inventory: &[],
        code: &code,
        locals: 0,
        constants: &[],
        symbols: &symbols,
        params: &[],
        patterns: &[],
    };
    let error = run(&program, &TestHost, &[], 1_000).unwrap_err();
    assert!(error.message.contains("budget"), "{error}");
}

#[test]
fn runtime_type_errors_are_errors_not_panics() {
    // "a" < 1
    let code = encode(&[
        Op::Const { index: 0 },
        Op::Const { index: 1 },
        Op::Lt {},
        Op::Pop {},
        Op::Return {},
    ]);
    let code = prepared(&code, 2);
    let constants = [Constant::Str(Box::from("a")), Constant::Int(1)];
    let symbols = symbols();
    let program = Program {
        inventory: &[],
        code: &code,
        locals: 0,
        constants: &constants,
        symbols: &symbols,
        params: &[],
        patterns: &[],
    };
    let error = run(&program, &TestHost, &[], 100).unwrap_err();
    assert_eq!(error.message, "cannot order a string and an integer");
    assert_eq!(error.pc, 10);
    // 1 / 0
    let code = encode(&[
        Op::Const { index: 1 },
        Op::Const { index: 2 },
        Op::Div {},
        Op::Pop {},
        Op::Return {},
    ]);
    let code = prepared(&code, 3);
    let constants = [Constant::Null, Constant::Int(1), Constant::Int(0)];
    let program = Program {
        inventory: &[],
        code: &code,
        locals: 0,
        constants: &constants,
        symbols: &symbols,
        params: &[],
        patterns: &[],
    };
    assert_eq!(
        run(&program, &TestHost, &[], 100).unwrap_err().message,
        "division by zero"
    );
    // A failing builtin.
    let code = encode(&[
        Op::Null {},
        Op::Null {},
        Op::Call {
            builtin: 7,
            argc: 2,
        },
        Op::Pop {},
        Op::Return {},
    ]);
    let code = prepared(&code, 0);
    let program = Program {
        inventory: &[],
        code: &code,
        locals: 0,
        constants: &[],
        symbols: &symbols,
        params: &[],
        patterns: &[],
    };
    assert_eq!(
        run(&program, &TestHost, &[], 100).unwrap_err().message,
        "builtin 7 failed"
    );
}

#[test]
fn values_compare_and_print_as_the_language_says() {
    let loaded = load(
        b"a: 1\nb: 1.0\nc: null\nd: [1, \"x\"]\ne: {k: \"v\\\"q\"}\n",
        &Limits::default(),
    );
    let root = &loaded.documents[0].root;
    let get = |key: &str| Value::Doc(root.get(key).unwrap());
    assert!(equal(&get("a"), &get("b")));
    assert!(equal(&get("c"), &Value::ABSENT));
    assert!(equal(&Value::ABSENT, &Value::Null));
    assert!(!equal(&get("a"), &Value::ABSENT));
    assert!(equal(
        &get("d"),
        &Value::List(Rc::new(vec![Value::Int(1), Value::str("x")]))
    ));
    assert_eq!(json(&get("e")), "{\"k\":\"v\\\"q\"}");
    assert_eq!(display(&Value::ABSENT), "absent");
    assert!(contains(&get("d"), &Value::str("x")).unwrap());
    assert!(contains(&get("e"), &Value::str("k")).unwrap());
    assert!(!contains(&Value::ABSENT, &Value::Int(1)).unwrap());
}

/// `LoadField` finds, fails and points where `Load` then `Field` does, whatever the local
/// holds: document maps with and without interned keys, scalars, absent values, computed
/// maps.
#[test]
fn load_field_is_load_then_field() {
    let loaded = load(POD.as_bytes(), &Limits::default());
    let uninterned = loaded.documents[0].root.clone();
    let mut interned = uninterned.clone();
    let names = symbols();
    interned.intern(&|key| {
        names
            .iter()
            .position(|name| &**name == key)
            .map(|at| at as u32)
    });
    let scalar = interned
        .get("metadata")
        .and_then(|m| m.get("name"))
        .unwrap()
        .clone();
    let computed = Value::Map(Rc::new(vec![(Rc::from("spec"), Value::Int(7))]));
    let symbols = symbols();
    // The field read is both the place and the message of a finding.
    let fused = encode(&[
        Op::LoadField {
            local: 0,
            symbol: 0,
        },
        Op::LoadField {
            local: 0,
            symbol: 0,
        },
        Op::Deny { site: 0, edits: 0 },
        Op::Return {},
    ]);
    let plain = encode(&[
        Op::Load { local: 0 },
        Op::Field { symbol: 0 },
        Op::Load { local: 0 },
        Op::Field { symbol: 0 },
        Op::Deny { site: 0, edits: 0 },
        Op::Return {},
    ]);
    let inputs = [
        Value::Doc(&interned),
        Value::Doc(&uninterned),
        Value::Doc(&scalar),
        Value::ABSENT,
        Value::Null,
        computed,
    ];
    for input in inputs {
        let outcomes: Vec<_> = [&fused, &plain]
            .into_iter()
            .map(|bytes| {
                let code = Code::new(bytes, &context(1, &[])).unwrap();
                let program = Program {
                    inventory: &[],
                    code: &code,
                    locals: 1,
                    constants: &[],
                    symbols: &symbols,
                    params: &[],
                    patterns: &[],
                };
                run(&program, &TestHost, &[(0, input.clone())], 100)
                    .map(|findings| {
                        findings
                            .iter()
                            .map(|finding| {
                                let node = finding.place.node.map(std::ptr::from_ref);
                                (finding.message.clone(), node, finding.place.missing)
                            })
                            .collect::<Vec<_>>()
                    })
                    .map_err(|error| error.message)
            })
            .collect();
        assert_eq!(outcomes[0], outcomes[1], "{input:?}");
    }
}

#[test]
fn floats_print_as_rust_debug_prints_them() {
    for number in [
        2.0,
        -3.0,
        0.0,
        -0.0,
        0.5,
        -2.5,
        123_456.0,
        1e14,
        999_999_999_999_999.0,
        1e15,
        1e16,
        1e300,
        0.1,
        1.0 / 3.0,
    ] {
        assert_eq!(
            json(&Value::Float(number)),
            format!("{number:?}"),
            "{number}"
        );
    }
    assert_eq!(json(&Value::Float(f64::NAN)), "null");
}

proptest::proptest! {
    #[test]
    fn whole_floats_print_as_rust_debug_prints_them(whole in -1e16f64..1e16) {
        let number = whole.trunc();
        proptest::prop_assert_eq!(json(&Value::Float(number)), format!("{number:?}"));
    }
}
