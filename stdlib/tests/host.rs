//! The builtins as the VM calls them: [`StdHost`] through the `Host` trait.
//!
//! Most cases are data, in `tests/host_cases/*.toml`:
//!
//! ```toml
//! [[case]]
//! call = "imageTag"           # a builtin as a pack names it (`$add:quantity`, `min:time`, …)
//! args = ['"nginx:1.25"']     # each argument as JSON, or `absent`, `regex:TEXT`, `glob:TEXT`
//! expect = '"1.25"'           # the result as JSON, or `absent`
//!
//! [[case]]
//! call = "imageTag"
//! args = ['"UPPER:tag"']
//! error = "invalid image reference"   # or: a substring of the error message
//! ```
//!
//! `call = "@matches"` (a pattern and a text) and `call = "@matches_dynamic"` (two strings)
//! test `Host::matches` and `Host::matches_dynamic`. `note = "…"` may explain a case;
//! `example = "…"` says that the case checks (a step of) a registry example, and every
//! registry example must be checked by a case. Every case runs three times, with its
//! arguments as document nodes, as computed values and as program constants, and must give
//! the same outcome each time. The evaluation time is [`NOW`]. Every error message is checked
//! for the house style: one line, lowercase start, no final period.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;
use std::rc::Rc;

use pol_stdlib::host::{StdHost, Time};
use pol_stdlib::registry::BUILTINS;
use pol_vm::document::{self, Limits, Node, Value as DocValue};
use pol_vm::interp::{Constant, Host, Value, View, json};
use pol_vm::pack::{BuiltinRef, PatternDef, PatternKind};
use proptest::prelude::*;
use serde::Deserialize;

/// The evaluation time of every case.
const NOW: &str = "2026-03-04T05:06:07Z";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    call: String,
    #[serde(default)]
    args: Vec<String>,
    expect: Option<String>,
    error: Option<String>,
    #[expect(dead_code, reason = "documentation for the reader of the case file")]
    note: Option<String>,
    example: Option<String>,
}

/// One argument as written in a case.
#[derive(Debug)]
enum Arg<'a> {
    Absent,
    Pattern(PatternKind, &'a str),
    Json(&'a str),
}

fn arg(spec: &str) -> Arg<'_> {
    if spec == "absent" {
        Arg::Absent
    } else if let Some(text) = spec.strip_prefix("regex:") {
        Arg::Pattern(PatternKind::Regex, text)
    } else if let Some(text) = spec.strip_prefix("glob:") {
        Arg::Pattern(PatternKind::Glob, text)
    } else {
        Arg::Json(spec)
    }
}

/// How the arguments are given to the host.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Document,
    Computed,
    Constant,
}

/// Loads JSON texts as the items of one document.
fn load_json(texts: &[&str]) -> Vec<Node> {
    let source = format!("{{\"items\": [{}]}}", texts.join(", "));
    let loaded = document::load(source.as_bytes(), &Limits::default());
    assert!(
        loaded.errors.is_empty(),
        "bad JSON in {source}: {:?}",
        loaded.errors
    );
    let [document] = loaded.documents.as_slice() else {
        panic!("expected one document in {source}");
    };
    document
        .root
        .get("items")
        .unwrap()
        .as_list()
        .unwrap()
        .to_vec()
}

fn computed<'d>(node: &Node) -> Value<'d> {
    match &node.value {
        DocValue::Null => Value::Null,
        DocValue::Bool(flag) => Value::Bool(*flag),
        DocValue::Int(number) => Value::Int(*number),
        DocValue::Float(number) => Value::Float(*number),
        DocValue::String(text) => Value::str(text),
        DocValue::List(items) => Value::List(Rc::new(items.iter().map(computed).collect())),
        DocValue::Map(entries) => Value::Map(Rc::new(
            entries
                .iter()
                .map(|(key, node)| (Rc::from(key.text.as_str()), computed(node)))
                .collect(),
        )),
    }
}

fn constant(node: &Node) -> Constant {
    match &node.value {
        DocValue::Null => Constant::Null,
        DocValue::Bool(flag) => Constant::Bool(*flag),
        DocValue::Int(number) => Constant::Int(*number),
        DocValue::Float(number) => Constant::Float(*number),
        DocValue::String(text) => Constant::Str(text.as_str().into()),
        DocValue::List(items) => Constant::List(items.iter().map(constant).collect()),
        DocValue::Map(entries) => Constant::Map(
            entries
                .iter()
                .map(|(key, node)| (key.text.as_str().into(), constant(node)))
                .collect(),
        ),
    }
}

fn now() -> Time {
    Time::parse(NOW).unwrap()
}

fn host(builtins: &[(&str, usize)], patterns: Vec<PatternDef>) -> StdHost {
    let builtins: Vec<BuiltinRef> = builtins
        .iter()
        .map(|(name, arity)| BuiltinRef {
            name: (*name).to_owned(),
            arity: u8::try_from(*arity).unwrap(),
        })
        .collect();
    StdHost::new(&builtins, &patterns, now()).unwrap_or_else(|error| panic!("{error}"))
}

/// A result as text: `absent`, or JSON (which tells an integer from a float).
fn shown(value: &Value<'_>) -> String {
    match value.view() {
        View::Absent => "absent".to_owned(),
        _ => json(value),
    }
}

/// What a case gives: its result as text, or the error message.
type Outcome = Result<String, String>;

impl Case {
    fn run(&self, mode: Mode) -> Outcome {
        let args: Vec<Arg<'_>> = self.args.iter().map(|spec| arg(spec)).collect();
        let texts: Vec<&str> = args
            .iter()
            .map(|arg| match arg {
                Arg::Json(text) => *text,
                _ => "null",
            })
            .collect();
        let nodes = load_json(&texts);
        let mut patterns = Vec::new();
        let constants: Vec<Constant> = args
            .iter()
            .zip(&nodes)
            .map(|(arg, node)| match arg {
                Arg::Pattern(kind, text) => {
                    patterns.push(PatternDef {
                        kind: *kind,
                        text: (*text).to_owned(),
                    });
                    Constant::Pattern(u32::try_from(patterns.len() - 1).unwrap())
                }
                _ => constant(node),
            })
            .collect();
        let values: Vec<Value<'_>> = args
            .iter()
            .zip(nodes.iter().zip(&constants))
            .map(|(arg, (node, constant))| match (arg, mode) {
                (Arg::Absent, _) => Value::ABSENT,
                (Arg::Pattern(..), _) | (_, Mode::Constant) => Value::Const(constant),
                (_, Mode::Document) => Value::Doc(node),
                (_, Mode::Computed) => computed(node),
            })
            .collect();
        match self.call.as_str() {
            "@matches" => {
                let host = host(&[], patterns);
                let [Value::Const(Constant::Pattern(id)), text] = values.as_slice() else {
                    panic!("`@matches` takes a pattern and a text");
                };
                Ok(host.matches(*id, text.as_str().unwrap()).to_string())
            }
            "@matches_dynamic" => {
                let host = host(&[], patterns);
                let [pattern, text] = values.as_slice() else {
                    panic!("`@matches_dynamic` takes two strings");
                };
                host.matches_dynamic(pattern.as_str().unwrap(), text.as_str().unwrap())
                    .map(|matched| matched.to_string())
            }
            name => {
                let host = host(&[(name, values.len())], patterns);
                host.call(0, &values).map(|result| shown(&result))
            }
        }
    }

    /// Why the case fails, if it does.
    fn check(&self) -> Option<String> {
        let outcome = self.run(Mode::Document);
        for mode in [Mode::Computed, Mode::Constant] {
            let other = self.run(mode);
            if other != outcome {
                return Some(format!(
                    "{outcome:?} as document nodes, but {other:?} as {mode:?}"
                ));
            }
        }
        match (&outcome, &self.expect, &self.error) {
            (Ok(got), Some(expected), None) => {
                let expected = expected_text(expected);
                (*got != expected).then(|| format!("expected {expected}, got {got}"))
            }
            (Err(message), None, Some(part)) => {
                if !message.contains(part.as_str()) {
                    Some(format!("expected an error with `{part}`, got `{message}`"))
                } else {
                    house_style(message)
                }
            }
            (_, Some(_), Some(_)) | (_, None, None) => {
                Some("a case needs exactly one of `expect` and `error`".to_owned())
            }
            (got, _, _) => Some(format!("unexpected outcome {got:?}")),
        }
    }
}

/// An expected result, normalised like a result.
fn expected_text(expected: &str) -> String {
    if expected == "absent" {
        return expected.to_owned();
    }
    let nodes = load_json(&[expected]);
    shown(&computed(nodes.first().unwrap()))
}

/// One line, a lowercase start, no final period.
fn house_style(message: &str) -> Option<String> {
    let first = message.chars().next();
    if message.contains('\n') || first.is_none_or(char::is_uppercase) || message.ends_with('.') {
        Some(format!("message not in the house style: `{message}`"))
    } else {
        None
    }
}

fn case_files() -> Vec<(String, CaseFile)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/host_cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no case files in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let file: CaseFile =
                toml::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                file,
            )
        })
        .collect()
}

#[test]
fn data_driven_cases() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (file, cases) in case_files() {
        for (index, case) in cases.case.iter().enumerate() {
            count += 1;
            if let Some(failure) = case.check() {
                failures.push(format!(
                    "{file} case {} ({} {:?}): {failure}",
                    index + 1,
                    case.call,
                    case.args
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} cases passed");
}

/// The number of parameters of a registry signature, `fn(A, B) -> R`.
fn arity(signature: &str) -> usize {
    let params = signature
        .strip_prefix("fn(")
        .and_then(|rest| rest.split_once(") ->"))
        .map(|(params, _)| params.trim())
        .unwrap_or_else(|| panic!("bad signature {signature}"));
    if params.is_empty() {
        return 0;
    }
    let mut depth = 0;
    let mut commas = 0;
    for c in params.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    commas + 1
}

#[test]
fn every_registry_builtin_binds() {
    let builtins: Vec<(&str, usize)> = BUILTINS
        .iter()
        .map(|builtin| (builtin.name, arity(builtin.signature)))
        .collect();
    let host = host(&builtins, Vec::new());
    // Bound, and implemented for that arity: a call fails on its arguments at most.
    for (index, (name, arity)) in builtins.iter().enumerate() {
        let args = vec![Value::ABSENT; *arity];
        if let Err(message) = host.call(u16::try_from(index).unwrap(), &args) {
            assert!(
                !message.contains("internal error") && !message.contains("argument"),
                "`{name}`: {message}"
            );
        }
    }
}

#[test]
fn every_operator_binds() {
    let mut names = Vec::new();
    for class in ["quantity", "duration", "time"] {
        for verb in ["eq", "cmp", "add", "sub"] {
            names.push((format!("${verb}:{class}"), 2));
        }
        for collection in ["min", "max", "sort"] {
            names.push((format!("{collection}:{class}"), 1));
        }
    }
    for class in ["quantity", "duration"] {
        for verb in ["mul", "div"] {
            names.push((format!("${verb}:{class}"), 2));
        }
        names.push((format!("sum:{class}"), 1));
    }
    let names: Vec<(&str, usize)> = names
        .iter()
        .map(|(name, arity)| (name.as_str(), *arity))
        .collect();
    host(&names, Vec::new());
}

#[test]
fn every_registry_example_has_a_case() {
    let checked: Vec<String> = case_files()
        .into_iter()
        .flat_map(|(_, file)| file.case)
        .filter_map(|case| case.example)
        .collect();
    let missing: Vec<&str> = BUILTINS
        .iter()
        .map(|builtin| builtin.example)
        .filter(|example| !checked.iter().any(|checked| checked == example))
        .collect();
    assert!(
        missing.is_empty(),
        "registry examples without a case: {missing:#?}"
    );
    let unknown: Vec<&String> = checked
        .iter()
        .filter(|example| !BUILTINS.iter().any(|builtin| builtin.example == *example))
        .collect();
    assert!(
        unknown.is_empty(),
        "cases name examples the registry lacks: {unknown:#?}"
    );
}

fn new_host(builtins: &[(&str, u8)], patterns: &[(PatternKind, &str)]) -> Result<StdHost, String> {
    let builtins: Vec<BuiltinRef> = builtins
        .iter()
        .map(|(name, arity)| BuiltinRef {
            name: (*name).to_owned(),
            arity: *arity,
        })
        .collect();
    let patterns: Vec<PatternDef> = patterns
        .iter()
        .map(|(kind, text)| PatternDef {
            kind: *kind,
            text: (*text).to_owned(),
        })
        .collect();
    StdHost::new(&builtins, &patterns, now())
}

#[test]
fn unknown_builtins_are_errors() {
    for (name, arity) in [
        ("frobnicate", 1),
        ("len", 2),
        ("now", 1),
        ("$pow:quantity", 2),
        ("$add:quantity", 1),
        ("$add:money", 2),
        ("$mul:time", 2),
        ("$div:time", 2),
        ("sum:time", 1),
        ("unique:quantity", 1),
        ("min:quantity", 2),
        ("", 0),
        ("$", 2),
        ("len:", 1),
    ] {
        let error = new_host(&[("len", 1), (name, arity)], &[]).unwrap_err();
        assert!(
            error.contains(&format!("unknown builtin `{name}` with {arity} argument")),
            "{name}/{arity}: {error}"
        );
        assert!(house_style(&error).is_none(), "{error}");
    }
}

#[test]
fn bad_patterns_are_errors() {
    for (kind, text, part) in [
        (PatternKind::Regex, "(", "invalid regex `(`"),
        (PatternKind::Regex, "a{1000000}", "invalid regex"),
        (PatternKind::Glob, "[a", "invalid glob `[a`"),
    ] {
        let error = new_host(&[], &[(PatternKind::Regex, "ok"), (kind, text)]).unwrap_err();
        assert!(error.contains(part), "{text}: {error}");
        assert!(house_style(&error).is_none(), "{error}");
    }
}

#[test]
fn calls_with_the_wrong_arguments_are_errors() {
    let host = new_host(&[("len", 1), ("$add:quantity", 2)], &[]).unwrap();
    let error = host.call(0, &[Value::Int(1), Value::Int(2)]).unwrap_err();
    assert_eq!(error, "`len` takes 1 argument, not 2");
    let error = host.call(1, &[]).unwrap_err();
    assert_eq!(error, "`+` on quantities takes 2 arguments, not 0");
    let error = host.call(2, &[]).unwrap_err();
    assert_eq!(error, "the pack has no builtin 2");
    assert!(
        !host.matches(7, "text"),
        "an unknown pattern matches nothing"
    );
}

#[test]
fn a_glob_is_not_a_regex_argument() {
    let host = new_host(&[("find", 2)], &[(PatternKind::Glob, "*")]).unwrap();
    let glob = Constant::Pattern(0);
    let error = host
        .call(0, &[Value::str("abc"), Value::Const(&glob)])
        .unwrap_err();
    assert_eq!(error, "`find`: expected a regex, found a glob");
    let missing = Constant::Pattern(9);
    let error = host
        .call(0, &[Value::str("abc"), Value::Const(&missing)])
        .unwrap_err();
    assert_eq!(error, "`find`: the pack has no pattern 9");
}

#[test]
fn the_host_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<StdHost>();
}

#[test]
fn now_is_the_time_given() {
    let later = Time::parse("2030-01-01T00:00:00.25Z").unwrap();
    let host = StdHost::new(
        &[BuiltinRef {
            name: "now".to_owned(),
            arity: 0,
        }],
        &[],
        later,
    )
    .unwrap();
    assert_eq!(
        shown(&host.call(0, &[]).unwrap()),
        "\"2030-01-01T00:00:00.25Z\""
    );
    assert!(pol_stdlib::host::now() > Time::parse("2020-01-01T00:00:00Z").unwrap());
}

#[test]
fn the_dynamic_regex_cache_stays_correct_when_full() {
    let host = new_host(&[], &[]).unwrap();
    for round in 0..3 {
        for n in 0..200 {
            let pattern = format!("^x{n}$");
            assert!(
                host.matches_dynamic(&pattern, &format!("x{n}")).unwrap(),
                "{round} {n}"
            );
            assert!(!host.matches_dynamic(&pattern, &format!("x{n}0")).unwrap());
        }
    }
}

/// `min:C`, `max:C` and `sort:C` give back the document's own nodes, so a finding on the
/// result points into the document.
#[test]
fn class_collections_keep_the_document_nodes() {
    let source = "items:\n- 1Gi\n- 500Mi\n- 2Gi\n";
    let loaded = document::load(source.as_bytes(), &Limits::default());
    let list = loaded.documents.first().unwrap().root.get("items").unwrap();
    let host = new_host(&[("min:quantity", 1), ("sort:quantity", 1)], &[]).unwrap();
    let Value::Doc(smallest) = host.call(0, &[Value::Doc(list)]).unwrap() else {
        panic!("`min:quantity` lost the node");
    };
    assert_eq!(smallest.location.start.line, 3);
    let sorted = host.call(1, &[Value::Doc(list)]).unwrap();
    let Value::List(items) = sorted else {
        panic!("`sort:quantity` gives a list");
    };
    let lines: Vec<u32> = items
        .iter()
        .map(|item| match item {
            Value::Doc(node) => node.location.start.line,
            other => panic!("lost the node: {other:?}"),
        })
        .collect();
    assert_eq!(lines, [3, 2, 4]);
}

// ---------------------------------------------------------------------------------------
// Properties

/// Any value a builtin may be given, nested a little.
fn value() -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::ABSENT),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        prop_oneof![Just(0i64), Just(1), Just(-1), Just(2), Just(1024)].prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        ".{0,12}".prop_map(|text| Value::str(&text)),
        prop_oneof![
            Just("1Gi"),
            Just("500m"),
            Just("1h30m"),
            Just("2026-01-01T00:00:00Z"),
            Just("10.0.0.0/8"),
            Just("10.1.2.3"),
            Just("nginx:1.25"),
            Just("v1.2.3"),
            Just("aGk="),
            Just("{\"a\": [1]}"),
            Just("a: 1"),
            Just(""),
            Just("-"),
            Just("0"),
        ]
        .prop_map(Value::str),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| Value::List(Rc::new(items))),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..4).prop_map(|entries| {
                Value::Map(Rc::new(
                    entries
                        .into_iter()
                        .map(|(key, value)| (Rc::from(key.as_str()), value))
                        .collect(),
                ))
            }),
        ]
    })
}

fn all_builtins() -> Vec<(String, usize)> {
    let mut names: Vec<(String, usize)> = BUILTINS
        .iter()
        .map(|builtin| (builtin.name.to_owned(), arity(builtin.signature)))
        .collect();
    for class in ["quantity", "duration", "time"] {
        for verb in ["eq", "cmp", "add", "sub", "mul", "div"] {
            if class != "time" || !matches!(verb, "mul" | "div") {
                names.push((format!("${verb}:{class}"), 2));
            }
        }
        for collection in ["min", "max", "sort", "sum"] {
            if class != "time" || collection != "sum" {
                names.push((format!("{collection}:{class}"), 1));
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No builtin panics, whatever it is given, and every failure is one line.
    #[test]
    fn builtins_never_panic(args in prop::collection::vec(value(), 5)) {
        let builtins = all_builtins();
        let named: Vec<(&str, usize)> =
            builtins.iter().map(|(name, arity)| (name.as_str(), *arity)).collect();
        let host = host(&named, vec![PatternDef { kind: PatternKind::Regex, text: "a".into() }]);
        for (index, (name, arity)) in builtins.iter().enumerate() {
            let args = args.get(..*arity).unwrap();
            if let Err(message) = host.call(u16::try_from(index).unwrap(), args) {
                prop_assert!(house_style(&message).is_none(), "{name}: {message}");
            }
        }
    }

    /// Times print as they parse.
    #[test]
    fn times_round_trip(
        seconds in -62_167_219_200i64..=253_402_300_799,
        nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
    ) {
        let time = Time::from_unix(seconds, nanos).unwrap();
        let text = time.to_string();
        prop_assert_eq!(Time::parse(&text).unwrap(), time, "{}", text);
    }

    /// An offset moves the instant by exactly that much.
    #[test]
    fn offsets_shift_times(
        seconds in 0i64..=253_402_214_400,
        hours in 0u32..24,
        minutes in 0u32..60,
        east in any::<bool>(),
    ) {
        let utc = Time::from_unix(seconds, 0).unwrap();
        let text = utc.to_string();
        let local = text.trim_end_matches('Z');
        let sign = if east { '+' } else { '-' };
        let shifted = Time::parse(&format!("{local}{sign}{hours:02}:{minutes:02}"));
        let delta = i64::from(hours * 3600 + minutes * 60);
        let expected = if east { seconds - delta } else { seconds + delta };
        match Time::from_unix(expected, 0) {
            Some(expected) => prop_assert_eq!(shifted.unwrap(), expected),
            None => prop_assert!(shifted.is_err()),
        }
    }
}
