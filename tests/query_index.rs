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
#[path = "../benches/support/files.rs"]
mod tree;

use std::path::Path;

use pol_compiler::codegen::PackBuilder;
use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::{parse, typeck};
use pol_stdlib::host::StdHost;
use pol_vm::bytecode::{Op, decode};
use pol_vm::document::{Document, Limits, load};
use pol_vm::eval::{Evaluator, resolve};
use pol_vm::pack::Pack;
use proptest::prelude::*;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `sources` compiled into one pack, with or without indexed loops.
fn compile(sources: &[(String, String)], index_queries: bool) -> Pack {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let mut builder = PackBuilder::new("test", &schemas);
    builder.index_queries = index_queries;
    for (name, text) in sources {
        let parsed = parse(text);
        assert!(!parsed.has_errors(), "`{name}` does not parse");
        let checked = typeck::check(text, &parsed.file, &schemas);
        assert!(!checked.has_errors(), "`{name}` does not type-check");
        builder.add_file(name, &parsed.file, &checked);
    }
    builder.finish().unwrap()
}

fn library() -> Vec<(String, String)> {
    tree::ending_with(&repository().join("policies"), ".pol")
        .iter()
        .map(|path| {
            (
                path.display().to_string(),
                std::fs::read_to_string(path).unwrap(),
            )
        })
        .collect()
}

/// How many loops of the pack read an index.
fn indexed_loops(pack: &Pack) -> usize {
    pack.functions
        .iter()
        .map(|function| {
            decode(&function.bytes)
                .unwrap()
                .iter()
                .filter(|(_, op)| matches!(op, Op::OthersBy { .. } | Op::OthersInBy { .. }))
                .count()
        })
        .sum()
}

/// Everything `pack` makes of `documents` taken as one evaluation set, one line per outcome:
/// resource, policy, and its findings (site, message, JSON pointer) or its error.
fn outcomes(pack: &Pack, documents: &mut [Document]) -> Vec<String> {
    let host = StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()).unwrap();
    let evaluator = Evaluator::new(pack, &host);
    for document in documents.iter_mut() {
        evaluator.intern(&mut document.root);
    }
    let inventory = evaluator.inventory(documents.iter().map(|document| &document.root));
    let mut lines = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        let Ok(results) = evaluator.evaluate_in(&document.root, &inventory, &|_| true) else {
            continue;
        };
        for outcome in results {
            let policy = &pack.policies[outcome.policy as usize].id;
            match outcome.result {
                Ok(findings) => {
                    for finding in findings {
                        let site = &pack.sites[usize::from(finding.site)];
                        let place = resolve(
                            &document.root,
                            finding.place.node,
                            finding.place.missing,
                            &site.place,
                        );
                        lines.push(format!(
                            "{index} {policy} {} {:?} {}",
                            finding.site, finding.message, place.pointer
                        ));
                    }
                }
                Err(error) => lines.push(format!("{index} {policy} error {}", error.message)),
            }
        }
    }
    lines
}

/// Both packs over the same YAML; the documents are loaded once per pack (interning writes
/// the pack's symbols into them).
fn agree(indexed: &Pack, plain: &Pack, yaml: &str, what: &str) -> usize {
    let mut first = load(yaml.as_bytes(), &Limits::default()).documents;
    let mut second = load(yaml.as_bytes(), &Limits::default()).documents;
    let with_index = outcomes(indexed, &mut first);
    let without = outcomes(plain, &mut second);
    if with_index != without {
        let missing: Vec<&String> = without
            .iter()
            .filter(|line| !with_index.contains(line))
            .collect();
        let extra: Vec<&String> = with_index
            .iter()
            .filter(|line| !without.contains(line))
            .collect();
        panic!(
            "{what}: the indexed loops disagree\n  missing: {:#?}\n  extra: {:#?}",
            &missing[..missing.len().min(10)],
            &extra[..extra.len().min(10)]
        );
    }
    with_index.len()
}

#[test]
fn the_library_finds_the_same_with_and_without_indexes() {
    let sources = library();
    let indexed = compile(&sources, true);
    let plain = compile(&sources, false);
    assert_eq!(indexed_loops(&plain), 0);
    assert!(
        indexed_loops(&indexed) >= 30,
        "only {} loops of the library read an index",
        indexed_loops(&indexed)
    );

    // Generated manifests: dense namespaces, shared labels, every kind the generator makes.
    let yaml = manifests::stream(1_200, 7);
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

fn config_map() -> impl Strategy<Value = String> {
    (
        0..6usize,
        prop::option::of(prop::sample::select(vec!["ns1", "ns2"])),
        labels(),
        labels(),
        scalar(),
        prop::option::of(0..6usize),
        prop::collection::vec((0..6usize, prop::sample::select(vec!["ConfigMap", "Secret"])), 0..3),
        prop::sample::select(vec!["a", "b", "a,b", "", "c,a"]),
    )
        .prop_map(|(name, namespace, labels, annotations, value, peer, refs, wanted)| {
            let namespace = namespace.map_or(String::new(), |ns| format!("\n  namespace: {ns}"));
            let peer = peer.map_or(String::new(), |peer| format!("\n  peer: cm{peer}"));
            let refs: Vec<String> = refs
                .iter()
                .map(|(name, kind)| format!("{{name: cm{name}, kind: {kind}}}"))
                .collect();
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{name}{namespace}\n  labels: {labels}\n  annotations: {annotations}\nspec:\n  value: {value}\nrefs: [{}]\ndata:\n  wanted: \"{wanted}\"{peer}\n",
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
        let indexed = compile(&sources, true);
        let plain = compile(&sources, false);
        prop_assert_eq!(indexed_loops(&indexed), 7);
        agree(&indexed, &plain, &resources.join("---\n"), "generated set");
    }
}
