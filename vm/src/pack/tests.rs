use proptest::prelude::*;

use super::*;
use crate::bytecode::{Op, encode};

/// A small, valid pack: one policy on Pods that denies when `spec.hostNetwork == true`.
fn sample() -> Pack {
    let code = encode(&[
        Op::Load { local: 0 },
        Op::Field { symbol: 0 },
        Op::Field { symbol: 1 },
        Op::True {},
        Op::Eq {},
        Op::JumpIfFalse { offset: 12 },
        Op::Load { local: 0 },
        Op::Const { index: 0 },
        Op::Deny { site: 0, edits: 0 },
        Op::Others { query: 0 },
        Op::Pop {},
        Op::Null {},
        Op::OthersBy { query: 1, mode: 1 },
        Op::Pop {},
        Op::Null {},
        Op::Null {},
        Op::OthersInBy { query: 2, mode: 2 },
        Op::Pop {},
        Op::Return {},
    ]);
    Pack {
        compiler: "0.1.0".to_string(),
        k8s_version: "1.36".to_string(),
        schema_fingerprint: 0x0123_4567_89ab_cdef,
        symbols: vec!["spec".into(), "hostNetwork".into()],
        constants: vec![
            Constant::Str("host network".into()),
            Constant::List(vec![Constant::Int(-3), Constant::Float(1.5)]),
            Constant::Map(vec![("k".into(), Constant::Bool(true))]),
            Constant::Pattern(0),
        ],
        builtins: vec![BuiltinRef {
            name: "lower".to_string(),
            arity: 1,
        }],
        patterns: vec![PatternDef {
            kind: PatternKind::Glob,
            text: "*.io".to_string(),
        }],
        policies: vec![PolicyMeta {
            id: "host-network".to_string(),
            title: "No host network".to_string(),
            severity: Severity::High,
            category: "workload-security".to_string(),
            controls: vec!["PSS-baseline".to_string()],
            description: "d".to_string(),
            remediation: "r".to_string(),
            references: vec!["https://example.com".to_string()],
            tags: vec!["t".to_string()],
            file: "host-network.pol".to_string(),
            span: (0, 100),
            enabled: true,
            param_names: vec!["limit".to_string()],
            param_types: vec!["int".to_string()],
            params: vec![Constant::Int(3)],
            function: 0,
        }],
        kinds: vec![KindEntry {
            api_version: "v1".to_string(),
            kind: "Pod".to_string(),
            pod_path: Some(vec!["spec".to_string()]),
            policies: vec![0],
        }],
        queries: vec![
            Query {
                group: "policy".to_string(),
                kind: "PodDisruptionBudget".to_string(),
                key: vec![],
            },
            Query {
                group: "rbac.authorization.k8s.io".to_string(),
                kind: "RoleBinding".to_string(),
                key: vec![
                    KeyStep::Field(0),
                    KeyStep::Each,
                    KeyStep::Field(1),
                    KeyStep::Default(0),
                    KeyStep::Apply(0),
                ],
            },
            Query {
                group: "apps".to_string(),
                kind: "Deployment".to_string(),
                key: vec![KeyStep::Field(0), KeyStep::Entries],
            },
        ],
        sites: vec![DenySite {
            policy: 0,
            span: (10, 20),
            place: vec![
                Step::Field("spec".to_string()),
                Step::Index(2),
                Step::Dynamic,
            ],
            edits: vec![EditSite {
                kind: EditKind::Set,
                unsafe_: true,
                target: vec![Step::Field("x".to_string())],
            }],
        }],
        functions: vec![Function {
            bytes: code,
            locals: 3,
            max_stack: 4,
            source_map: vec![(0, 5, 9), (9, 10, 20)],
            code: None,
        }],
    }
}

fn prepared(mut pack: Pack) -> Pack {
    pack.prepare().unwrap();
    pack
}

#[test]
fn a_pack_round_trips() {
    let pack = prepared(sample());
    let bytes = pack.write();
    assert_eq!(Pack::read(&bytes).unwrap(), pack);
    // Writing is deterministic.
    assert_eq!(Pack::read(&bytes).unwrap().write(), bytes);
}

#[test]
fn the_source_map_finds_spans() {
    let pack = sample();
    assert_eq!(pack.functions[0].span_at(0), Some((5, 9)));
    assert_eq!(pack.functions[0].span_at(12), Some((10, 20)));
}

/// Re-computes the checksum after a byte-level change.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() - 4);
    let sum = crc32(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    bytes
}

fn rejected(bytes: &[u8], expected: &str) {
    match Pack::read(bytes) {
        Ok(_) => panic!("accepted a bad pack (expected `{expected}`)"),
        Err(error) => assert!(
            error.to_string().contains(expected),
            "`{error}` does not mention `{expected}`"
        ),
    }
}

fn rejected_pack(change: impl FnOnce(&mut Pack), expected: &str) {
    let mut pack = sample();
    change(&mut pack);
    rejected(&pack.write(), expected);
}

#[test]
fn bad_bytes_are_rejected_with_a_reason() {
    let good = sample().write();
    rejected(b"", "not a pol pack");
    rejected(b"PK\x03\x04 a zip file", "not a pol pack");
    rejected(b"POLPACK\0", "truncated");
    let mut version = good.clone();
    version[8] = 9;
    rejected(&reseal(version), "pack format 9");
    let mut flipped = good.clone();
    flipped[40] ^= 0x10;
    rejected(&flipped, "checksum");
    rejected(&good[..good.len() - 1], "checksum");
    // Truncated, with a valid checksum: every cut is an error naming what is cut short.
    for cut in [12, 20, 40, 80, good.len() / 2, good.len() - 8] {
        let mut bytes = good[..cut].to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        let bytes = reseal(bytes);
        assert!(
            Pack::read(&bytes).is_err(),
            "a pack cut at {cut} was accepted"
        );
    }
    // Bytes after the last section.
    let mut trailing = good[..good.len() - 4].to_vec();
    trailing.extend_from_slice(&[1, 2, 3, 0, 0, 0, 0]);
    rejected(&reseal(trailing), "after the last section");
    // A count far larger than the pack: refused before allocating.
    let mut huge = good.clone();
    let compiler_len = u32::from_le_bytes([huge[10], huge[11], huge[12], huge[13]]) as usize;
    let k8s = 14 + compiler_len;
    let k8s_len =
        u32::from_le_bytes([huge[k8s], huge[k8s + 1], huge[k8s + 2], huge[k8s + 3]]) as usize;
    let symbols = k8s + 4 + k8s_len + 8;
    huge[symbols..symbols + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    rejected(&reseal(huge), "cannot fit");
    // A string that is not UTF-8.
    let mut utf8 = good;
    utf8[14] = 0xff;
    rejected(&reseal(utf8), "not UTF-8");
}

#[test]
fn bad_contents_are_rejected_with_a_reason() {
    rejected_pack(|p| p.policies[0].function = 7, "out of range");
    rejected_pack(|p| p.kinds[0].policies = vec![3], "names policy 3");
    rejected_pack(|p| p.sites[0].policy = 2, "names policy 2");
    rejected_pack(|p| p.queries.clear(), "query 0 is out of range");
    rejected_pack(
        |p| p.queries[1].key[2] = KeyStep::Field(9),
        "the key of query `RoleBinding` names symbol 9",
    );
    rejected_pack(
        |p| p.queries[1].key[3] = KeyStep::Default(40),
        "the key of query `RoleBinding` names constant 40",
    );
    rejected_pack(
        |p| p.queries[1].key[4] = KeyStep::Apply(3),
        "the key of query `RoleBinding` names builtin 3",
    );
    rejected_pack(
        |p| p.builtins[0].arity = 2,
        "applies `lower`, which takes 2 arguments, not 1",
    );
    rejected_pack(
        |p| p.queries[2].key = vec![KeyStep::Entries, KeyStep::Field(0)],
        "reads map entries before its last step",
    );
    rejected_pack(
        |p| p.queries[1].key = vec![KeyStep::Each; MAX_KEY_STEPS + 1],
        "has 33 steps",
    );
    rejected_pack(
        |p| p.queries[1].key.clear(),
        "query 1 has no key that lookup mode 1 can use",
    );
    rejected_pack(
        |p| p.queries[2].key = vec![KeyStep::Field(0)],
        "query 2 has no key that lookup mode 2 can use",
    );
    rejected_pack(
        |p| {
            p.functions[0].bytes = encode(&[
                Op::Null {},
                Op::OthersBy { query: 1, mode: 7 },
                Op::Pop {},
                Op::Return {},
            ])
        },
        "unknown lookup mode 7",
    );
    // Mode 3 (whose selector selects these labels) needs a key of map entries.
    rejected_pack(
        |p| {
            p.functions[0].bytes = encode(&[
                Op::Null {},
                Op::OthersBy { query: 1, mode: 3 },
                Op::Pop {},
                Op::Return {},
            ])
        },
        "query 1 has no key that lookup mode 3 can use",
    );
    rejected_pack(|p| p.constants[3] = Constant::Pattern(5), "pattern 5");
    rejected_pack(
        |p| p.policies[0].params.push(Constant::Null),
        "parameter names",
    );
    rejected_pack(|p| p.functions[0].bytes = vec![0xee], "unknown opcode");
    rejected_pack(|p| p.functions[0].bytes = vec![], "empty");
    rejected_pack(
        |p| p.functions[0].bytes = encode(&[Op::Jump { offset: 1000 }, Op::Return {}]),
        "not the start of an instruction",
    );
    rejected_pack(
        |p| p.functions[0].bytes = encode(&[Op::Pop {}, Op::Return {}]),
        "needs 1 value",
    );
    rejected_pack(
        |p| p.functions[0].bytes = encode(&[Op::Const { index: 99 }, Op::Pop {}, Op::Return {}]),
        "constant 99",
    );
    rejected_pack(
        |p| {
            p.functions[0].bytes = encode(&[
                Op::Null {},
                Op::Call {
                    builtin: 4,
                    argc: 1,
                },
                Op::Pop {},
                Op::Return {},
            ])
        },
        "builtin 4",
    );
    rejected_pack(
        |p| {
            p.functions[0].bytes = encode(&[
                Op::Null {},
                Op::Null {},
                Op::Call {
                    builtin: 0,
                    argc: 2,
                },
                Op::Pop {},
                Op::Return {},
            ])
        },
        "takes 1 argument",
    );
    rejected_pack(
        |p| {
            p.functions[0].bytes = encode(&[
                Op::Null {},
                Op::Null {},
                Op::Deny { site: 9, edits: 0 },
                Op::Return {},
            ])
        },
        "deny site 9",
    );
    rejected_pack(
        |p| p.functions[0].bytes = encode(&[Op::Param { index: 1 }, Op::Pop {}, Op::Return {}]),
        "parameter 1",
    );
    rejected_pack(
        |p| {
            p.functions[0].bytes = encode(&[
                Op::Null {},
                Op::Matches { pattern: 0 },
                Op::Pop {},
                Op::Return {},
            ])
        },
        "not a pattern",
    );
    rejected_pack(
        |p| p.functions[0].bytes = encode(&[Op::Load { local: 3 }, Op::Pop {}, Op::Return {}]),
        "local 3",
    );
    rejected_pack(
        |p| p.functions[0].bytes = encode(&[Op::Null {}, Op::Return {}]),
        "left on the stack",
    );
    rejected_pack(
        |p| p.functions[0].bytes = encode(&[Op::Null {}, Op::Pop {}]),
        "runs off the end",
    );
    rejected_pack(
        |p| p.functions[0].max_stack = 1,
        "over the declared maximum",
    );
    rejected_pack(
        |p| {
            let mut deep = Constant::Null;
            for _ in 0..100 {
                deep = Constant::List(vec![deep]);
            }
            p.constants.push(deep);
        },
        "nest too deeply",
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = Pack::read(&bytes);
        let mut framed = MAGIC.to_vec();
        framed.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        framed.extend_from_slice(&bytes);
        framed.extend_from_slice(&[0, 0, 0, 0]);
        let _ = Pack::read(&reseal(framed));
    }

    #[test]
    fn single_byte_mutations_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), sealed in any::<bool>()) {
        let mut bytes = sample().write();
        let at = at.index(bytes.len());
        bytes[at] = byte;
        let bytes = if sealed { reseal(bytes) } else { bytes };
        let _ = Pack::read(&bytes);
    }

    #[test]
    fn write_then_read_is_identity(
        id in "[a-z][a-z-]{0,20}",
        numbers in prop::collection::vec(any::<i64>(), 0..8),
        text in "\\PC{0,30}",
        fingerprint in any::<u64>(),
    ) {
        let mut pack = sample();
        pack.policies[0].id = id;
        pack.schema_fingerprint = fingerprint;
        pack.constants.push(Constant::List(numbers.into_iter().map(Constant::Int).collect()));
        pack.constants.push(Constant::Str(text.into()));
        let pack = prepared(pack);
        prop_assert_eq!(Pack::read(&pack.write()).unwrap(), pack);
    }
}
