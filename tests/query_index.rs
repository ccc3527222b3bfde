//! Loops over `others(…)` that read an index of the evaluation set (the compiler's query
//! planner, `compiler/src/codegen/plan.rs`) find exactly what loops that try every resource
//! find: the same findings, messages and places, resource by resource, policy by policy.
//!
//! - the whole library over generated manifests (the benchmark generator: every kind, six
//!   namespaces, shared and distinct labels) and over the test cases of every policy;
//! - generated evaluation sets (proptest) for policies written to use every lookup mode:
//!   equality of strings, numbers, booleans and maps, membership, label selectors, nested
//!   `any`, defaults and builtins on the path, and values that cannot be looked up (floats,
//!   null, absent).

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
use pol_vm::pack::Pack;
use proptest::prelude::*;
use support::{Options, agree, compile, count, library, repository, tree};

const PLAIN: Options = Options {
    index_queries: false,
    ..Options::ALL
};

/// How many loops of the pack read an index.
fn indexed_loops(pack: &Pack) -> usize {
    count(pack, |op| {
        matches!(op, Op::OthersBy { .. } | Op::OthersInBy { .. })
    })
}

#[test]
fn the_library_finds_the_same_with_and_without_indexes() {
    let sources = library();
    let indexed = compile(&sources, Options::ALL);
    let plain = compile(&sources, PLAIN);
    assert_eq!(indexed_loops(&plain), 0);
    assert!(
        indexed_loops(&indexed) >= 30,
        "only {} loops of the library read an index",
        indexed_loops(&indexed)
    );

    // Generated manifests: dense namespaces, shared labels, every kind the generator makes.
    let yaml = manifests::dense_stream(1_200, 7);
    let findings = agree(&indexed, &plain, &yaml, "generated manifests");
    assert!(findings > 1_000, "only {findings} findings");

    // Every policy's test cases, each file as one evaluation set: the edge cases.
    let tests = tree::ending_with(&repository().join("policies"), ".test.yaml");
    assert!(tests.len() > 150);
    for path in tests {
        let yaml = std::fs::read_to_string(&path).unwrap();
        agree(&indexed, &plain, &yaml, &path.display().to_string());
    }
}

/// Policies that use every kind of lookup the planner knows, and some it must leave alone.
const LOOKUPS: &str = r#"
policy same-name {
  title "Equality of strings"
  severity low
  match ConfigMap
  let name = resource.data["peer"]
  deny any other in others(ConfigMap): other.metadata.name == name
    message "{name}"
}

policy same-value {
  title "Equality of anything, in the namespace"
  severity low
  match ConfigMap
  let value = untyped(resource).spec.value
  let twins = [untyped(o).metadata.name for o in others(ConfigMap, resource.metadata.namespace) if untyped(o).spec.value == value]
  deny len(twins) > 0
    message "{twins}"
}

policy same-labels {
  title "Equality of maps"
  severity low
  match ConfigMap
  let twins = [o.metadata.name for o in others(ConfigMap) if o.metadata.labels == resource.metadata.labels]
  deny len(twins) > 0
    message "{twins}"
}

policy listed {
  title "Membership"
  severity low
  match ConfigMap
  let wanted = split(resource.data["wanted"] ?? "", ",")
  for o in others(ConfigMap) {
    if o.metadata.labels["app"] in wanted {
      deny true message "{o.metadata.name}"
    }
  }
}

policy selected {
  title "Label selectors"
  severity low
  match ConfigMap
  let selector = {matchLabels: resource.metadata.annotations}
  let found = [o.metadata.name for o in others(ConfigMap, resource.metadata.namespace ?? "default") if selects(selector, o.metadata.labels)]
  deny len(found) > 0
    message "{found}"
}

policy selected-by {
  title "Label selectors, the other way: whose selector selects these labels"
  severity low
  match ConfigMap
  let labels = resource.metadata.labels
  let found = [o.metadata.name for o in others(ConfigMap, resource.metadata.namespace ?? "default") if selects(untyped(o).spec.selector, labels)]
  deny len(found) > 0
    message "{found}"
}

policy selects-any-labels {
  title "Label selectors of any shape, over labels of any value"
  severity low
  match ConfigMap
  let selector = untyped(resource).spec.selector
  let found = [o.metadata.name for o in others(ConfigMap) if selects(selector, untyped(o).spec.labels)]
  deny len(found) > 0
    message "{found}"
}

policy selected-by-any {
  title "The other way, under `any`, with labels of any value"
  severity low
  match ConfigMap
  let labels = untyped(resource).spec.labels
  let found = [o.metadata.name for o in others(ConfigMap) if any f in untyped(o).spec.from ?? []: selects(f.selector, labels)]
  deny len(found) > 0
    message "{found}"
}

policy lowered {
  title "Equality through a builtin and a default"
  severity low
  match ConfigMap
  let wanted = lower(resource.metadata.labels["tier"] ?? "B")
  let found = [o.metadata.name for o in others(ConfigMap) if lower(o.metadata.labels["app"] ?? "B") == wanted]
  deny len(found) > 0
    message "{found}"
}

policy nested {
  title "A path below every item of a list"
  severity low
  match ConfigMap
  let name = resource.metadata.name
  let found = [o.metadata.name for o in others(ConfigMap) if any r in untyped(o).refs ?? []: r.name == name and r.kind == "ConfigMap"]
  deny len(found) > 0
    message "{found}"
}
"#;

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "c", "\"1\"", "\"\""]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["1", "1.0", "2", "true", "false", "null", "~", "[]", "{}", "[a, 1]", "{x: 1}", "{x: 1.0}"])
            .prop_map(str::to_string),
    ]
}

fn labels() -> impl Strategy<Value = String> {
    prop::collection::btree_map(
        prop::sample::select(vec!["app", "tier", "team"]),
        prop::sample::select(vec!["a", "b", "c", "\"1\""]),
        0..3,
    )
    .prop_map(|labels| {
        let entries: Vec<String> = labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("{{{}}}", entries.join(", "))
    })
}

/// A selector as a resource may hold one: with or without `matchLabels`, with expressions
/// (which select without entries to file), empty (selects everything), malformed.
fn selector() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => labels().prop_map(|labels| format!("{{matchLabels: {labels}}}")),
        1 => labels().prop_map(|labels| {
            format!("{{matchLabels: {labels}, matchExpressions: [{{key: team, operator: DoesNotExist}}]}}")
        }),
        1 => prop::sample::select(vec![
            "{}",
            "null",
            "5",
            "{matchLabels: {app: 1}}",
            "{matchLabels: {app: a, tier: [b]}}",
            "{matchExpressions: [{key: app, operator: Exists}]}",
            "{matchExpressions: [{key: app, operator: In, values: [a, b]}]}",
            "{matchLabels: {app: \"has space\"}}",
            "{matchLabels: {tier: a}, matchExpressions: [{key: tier, operator: Bogus}]}",
        ])
        .prop_map(str::to_string),
    ]
}

/// Labels as a policy may read them from anywhere: strings mostly, anything sometimes.
fn any_labels() -> impl Strategy<Value = String> {
    prop::collection::btree_map(
        prop::sample::select(vec!["app", "tier", "team"]),
        prop_oneof![
            4 => prop::sample::select(vec!["a", "b", "c"]).prop_map(str::to_string),
            1 => scalar(),
        ],
        0..3,
    )
    .prop_map(|labels| {
        let entries: Vec<String> = labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("{{{}}}", entries.join(", "))
    })
}

fn config_map() -> impl Strategy<Value = String> {
    (
        (
            selector(),
            any::<bool>(),
            prop::collection::vec(selector(), 0..3),
            any_labels(),
        ),
        0..6usize,
        prop::option::of(prop::sample::select(vec!["ns1", "ns2"])),
        labels(),
        labels(),
        scalar(),
        prop::option::of(0..6usize),
        prop::collection::vec((0..6usize, prop::sample::select(vec!["ConfigMap", "Secret"])), 0..3),
        prop::sample::select(vec!["a", "b", "a,b", "", "c,a"]),
    )
        .prop_map(|((selector, with_selector, from, spec_labels), name, namespace, labels, annotations, value, peer, refs, wanted)| {
            let from: Vec<String> = from
                .iter()
                .map(|selector| format!("{{selector: {selector}}}"))
                .collect();
            let selector = if with_selector {
                format!("\n  selector: {selector}")
            } else {
                String::new()
            };
            let namespace = namespace.map_or(String::new(), |ns| format!("\n  namespace: {ns}"));
            let peer = peer.map_or(String::new(), |peer| format!("\n  peer: cm{peer}"));
            let refs: Vec<String> = refs
                .iter()
                .map(|(name, kind)| format!("{{name: cm{name}, kind: {kind}}}"))
                .collect();
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{name}{namespace}\n  labels: {labels}\n  annotations: {annotations}\nspec:\n  value: {value}{selector}\n  labels: {spec_labels}\n  from: [{}]\nrefs: [{}]\ndata:\n  wanted: \"{wanted}\"{peer}\n",
                from.join(", "),
                refs.join(", ")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn generated_sets_find_the_same_with_and_without_indexes(
        resources in prop::collection::vec(config_map(), 1..12)
    ) {
        let sources = vec![("lookups.pol".to_string(), LOOKUPS.to_string())];
        let indexed = compile(&sources, Options::ALL);
        let plain = compile(&sources, PLAIN);
        prop_assert_eq!(indexed_loops(&indexed), 10);
        agree(&indexed, &plain, &resources.join("---\n"), "generated set");
    }
}
