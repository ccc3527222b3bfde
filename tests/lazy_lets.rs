//! `let`s computed where they are read (the compiler's `codegen/lazy.rs`) find exactly what
//! `let`s computed where they stand find: the same findings, messages, places and errors,
//! resource by resource, policy by policy.
//!
//! - the whole library over generated manifests and over the test cases of every policy;
//! - generated resources (proptest) for policies written to use every plan: a `let` read
//!   nowhere, read once (in a condition, a message, a place), read often or in a loop (kept on
//!   first use, and forgotten for each item), rebound, read through another lazy `let`,
//!   absent, and `let`s that may fail, which stay where they are.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

#[path = "../benches/support/manifests.rs"]
mod manifests;
#[path = "support/agree.rs"]
mod support;

use pol_vm::bytecode::Op;
use proptest::prelude::*;
use support::{Options, agree, compile, count, library, repository, tree};

const EAGER: Options = Options {
    lazy_lets: false,
    ..Options::ALL
};

fn kept(op: &Op) -> bool {
    matches!(op, Op::JumpIfKnown { .. })
}

fn forgotten(op: &Op) -> bool {
    matches!(op, Op::Forget { .. })
}

#[test]
fn the_library_finds_the_same_with_lazy_and_eager_lets() {
    let sources = library();
    let lazy = compile(&sources, Options::ALL);
    let eager = compile(&sources, EAGER);
    assert_eq!(count(&eager, kept), 0);
    assert!(
        count(&lazy, kept) >= 100,
        "only {} reads of a kept `let` in the library",
        count(&lazy, kept)
    );

    let yaml = manifests::dense_stream(1_200, 11);
    let outcomes = agree(&lazy, &eager, &yaml, "generated manifests");
    assert!(outcomes > 1_000, "only {outcomes} outcomes");

    let tests = tree::ending_with(&repository().join("policies"), ".test.yaml");
    assert!(tests.len() > 150);
    for path in tests {
        let yaml = std::fs::read_to_string(&path).unwrap();
        agree(&lazy, &eager, &yaml, &path.display().to_string());
    }
}

/// Policies that use every plan of a `let`, and `let`s that must stay where they are.
const PLANS: &str = r#"
policy read-once {
  title "Read nowhere, or once in a condition, a message or a place"
  severity low
  match ConfigMap
  let a = resource.data["a"]
  let unused = resource.data["b"] ?? "none"
  let a_set = a != null
  let label = "{a ?? "-"}/{resource.metadata.name}"
  let place = resource.data["b"]
  deny a_set and a != "x"
    at place
    message "a is {label}"
}

policy read-often {
  title "Read in several branches, kept on first use, absent included"
  severity low
  match ConfigMap
  let tier = resource.metadata.labels["tier"] ?? resource.metadata.annotations["tier"]
  let deeper = untyped(resource).spec.missing.deeper
  let shown = "{tier}/{deeper}/{resource.metadata.name}"
  if resource.data["c"] == "1" {
    deny tier == "a"
      at resource.metadata.labels["tier"]
      message "tier {tier}: {shown}"
  }
  deny tier != null and tier == deeper
    message "tier equals deeper: {shown}"
  deny deeper == null and tier == "b"
    at deeper
    message "nothing deeper than {shown}"
}

policy in-loops {
  title "Forgotten for each item"
  severity low
  match ConfigMap
  for item in untyped(resource).items ?? [] {
    let value = item.value ?? item.name
    let same = value == resource.data["a"]
    let shown = "{item.name}={value}"
    deny same and item.name != "a"
      message "{shown} repeats a"
    // Read only after a test that may skip it (`value` stays on first use).
    deny item.name != "c" and value == null
      message "{shown} is null"
    for other in untyped(resource).items ?? [] {
      deny other.name != item.name and other.value == value and value != null
        message "{shown} again in {other.name}"
    }
  }
  let count = len(untyped(resource).items ?? [])
  let names = "{resource.metadata.name} ({count})"
  deny any item in untyped(resource).items ?? []: item.name == names
    message "an item is named {names}"
}

policy rebound {
  title "A name rebound after a lazy `let` reads it"
  severity low
  match ConfigMap
  let x = resource.data["a"]
  let y = x ?? "none"
  let x = resource.data["b"]
  deny y == x
    message "a (or none) equals b: {y}"
  for x in untyped(resource).items ?? [] {
    deny y == x.name
      message "item {x.name} equals {y}"
  }
}

policy may-fail {
  title "Values that may fail stay where they are"
  severity low
  match ConfigMap
  let a = resource.data["a"]
  let flag = untyped(resource).spec.flag
  let both = a == "x" and flag == true
  let either = flag or a == "y"
  let listed = ["a", "b"]
  let member = a in listed
  let inside = "a" in untyped(resource).spec.value
  deny both
    message "both"
  deny resource.data["e"] == "1" and either
    message "either"
  deny member and resource.data["c"] == "1" and inside
    message "member and inside"
}
"#;

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "x", "y", "\"1\"", "\"\""]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["1", "true", "false", "null", "[]", "{}", "[a, 1]", "{x: 1}", "abc"])
            .prop_map(str::to_string),
    ]
}

fn entries(keys: Vec<&'static str>) -> impl Strategy<Value = String> {
    prop::collection::btree_map(prop::sample::select(keys), scalar(), 0..4).prop_map(|map| {
        let entries: Vec<String> = map.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("{{{}}}", entries.join(", "))
    })
}

fn item() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
        prop::option::of(scalar()),
    )
        .prop_map(|(name, value)| {
            let mut fields = Vec::new();
            fields.extend(name.map(|name| format!("name: {name}")));
            fields.extend(value.map(|value| format!("value: {value}")));
            format!("{{{}}}", fields.join(", "))
        })
}

fn config_map() -> impl Strategy<Value = String> {
    (
        0..4usize,
        entries(vec!["a", "b", "c", "e"]),
        entries(vec!["tier", "app"]),
        entries(vec!["tier"]),
        entries(vec!["flag", "value", "missing"]),
        prop::option::of(prop::collection::vec(item(), 0..4)),
    )
        .prop_map(|(name, data, labels, annotations, spec, items)| {
            let items = items.map_or(String::new(), |items| {
                format!("\nitems: [{}]", items.join(", "))
            });
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{name}\n  labels: {labels}\n  annotations: {annotations}\nspec: {spec}\ndata: {data}{items}\n"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn generated_resources_find_the_same_with_lazy_and_eager_lets(
        resources in prop::collection::vec(config_map(), 1..6)
    ) {
        let sources = vec![("plans.pol".to_string(), PLANS.to_string())];
        let lazy = compile(&sources, Options::ALL);
        let eager = compile(&sources, EAGER);
        prop_assert!(count(&lazy, kept) >= 6, "{}", count(&lazy, kept));
        // `value` and `shown` in the loop.
        prop_assert_eq!(count(&lazy, forgotten), 2);
        agree(&lazy, &eager, &resources.join("---\n"), "generated resources");
    }
}
