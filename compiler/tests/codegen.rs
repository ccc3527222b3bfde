#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Lowering: every policy of the repository compiles to a pack that verifies and round-trips
//! through its file format; the code of the examples is snapshot as a disassembly.

mod common;

use pol_compiler::codegen::PackBuilder;
use pol_compiler::schema::Schemas;
use pol_compiler::{parse, typeck};
use pol_vm::bytecode::disassemble;
use pol_vm::pack::Pack;

fn pack_of(dirs: &[&str]) -> Pack {
    let schemas = Schemas::builtin("1.36").unwrap();
    let mut builder = PackBuilder::new("test", &schemas);
    let root = common::repository_root();
    let mut files = common::pol_files(dirs);
    for dir in dirs.iter().filter(|dir| dir.ends_with(".pol")) {
        files.push(root.join(dir));
    }
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&source);
        assert!(!parsed.has_errors(), "{}", path.display());
        let checked = typeck::check(&source, &parsed.file, &schemas);
        if checked.has_errors() {
            continue; // files that demonstrate errors
        }
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        builder.add_file(&name, &parsed.file, &checked);
    }
    builder.finish().unwrap()
}

#[test]
fn the_library_compiles_to_a_verified_pack_that_round_trips() {
    let pack = pack_of(&["policies", "examples"]);
    assert!(
        pack.policies.len() >= 27,
        "{} policies",
        pack.policies.len()
    );
    let bytes = pack.write();
    let read = Pack::read(&bytes).unwrap();
    assert_eq!(read, pack);
    // Every policy is dispatched from at least one kind.
    for (index, policy) in pack.policies.iter().enumerate() {
        assert!(
            pack.kinds
                .iter()
                .any(|kind| kind.policies.contains(&(index as u32))),
            "`{}` runs on no kind",
            policy.id
        );
    }
}

#[test]
fn example_code_is_readable() {
    let pack = pack_of(&["examples/policies/privileged-container.pol"]);
    let policy = &pack.policies[0];
    let function = &pack.functions[policy.function as usize];
    let describe = |op: &pol_vm::bytecode::Op| match *op {
        pol_vm::bytecode::Op::Field { symbol } | pol_vm::bytecode::Op::LoadField { symbol, .. } => {
            pack.symbols
                .get(symbol as usize)
                .map(|name| name.to_string())
        }
        pol_vm::bytecode::Op::Const { index } => {
            pack.constants.get(index as usize).map(|c| format!("{c:?}"))
        }
        _ => None,
    };
    insta::assert_snapshot!(disassemble(&function.bytes, &describe));
    insta::assert_debug_snapshot!(pack.sites);
}

/// Compiles one policy source into a pack.
fn pack_of_source(source: &str) -> Pack {
    let schemas = Schemas::builtin("1.36").unwrap();
    let parsed = parse(source);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let checked = typeck::check(source, &parsed.file, &schemas);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let mut builder = PackBuilder::new("test", &schemas);
    builder.add_file("test.pol", &parsed.file, &checked);
    builder.finish().unwrap()
}

/// The standard host for `pack`, at a fixed time.
fn host_for(pack: &Pack) -> pol_stdlib::host::StdHost {
    pol_stdlib::host::StdHost::new(
        &pack.builtins,
        &pack.patterns,
        pol_stdlib::time::Time::parse("2026-01-01T00:00:00Z").unwrap(),
    )
    .unwrap()
}

/// Runs `pack` over the first `limit` documents of `yaml` with all of them as the evaluation
/// set; returns per document the number of findings, or the error message.
fn run_over(pack: &Pack, yaml: &str, limit: usize) -> Vec<Result<usize, String>> {
    use pol_vm::document::{Limits, load};
    use pol_vm::eval::Evaluator;
    let host = host_for(pack);
    let evaluator = Evaluator::new(pack, &host);
    let mut loaded = load(
        yaml.as_bytes(),
        &Limits {
            max_nodes: 10_000_000,
            ..Limits::default()
        },
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    for document in &mut loaded.documents {
        evaluator.intern(&mut document.root);
    }
    let inventory = evaluator.inventory(loaded.documents.iter().map(|document| &document.root));
    loaded
        .documents
        .iter()
        .take(limit)
        .map(|document| {
            let outcomes = evaluator
                .evaluate_in(&document.root, &inventory, &|_| true)
                .unwrap();
            let mut found = 0;
            for outcome in outcomes {
                match outcome.result {
                    Ok(findings) => found += findings.len(),
                    Err(error) => return Err(error.message),
                }
            }
            Ok(found)
        })
        .collect()
}

#[test]
fn others_sees_the_evaluation_set_but_not_the_resource_itself() {
    let pack = pack_of_source(
        r#"policy unique-service-name {
  title "Service names are unique"
  severity low
  match Service
  deny any s in others(Service): s.metadata.name == resource.metadata.name
    message "another Service is called {resource.metadata.name ?? ""}"
}
"#,
    );
    assert_eq!(pack.queries.len(), 1);
    assert_eq!(pack.queries[0].kind, "Service");
    assert_eq!(pack.queries[0].group, "");
    let service =
        |name: &str| format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n");
    let alone = service("a");
    assert_eq!(run_over(&pack, &alone, 9), vec![Ok(0)]);
    let twins = format!("{}---\n{}---\n{}", service("a"), service("a"), service("b"));
    assert_eq!(run_over(&pack, &twins, 9), vec![Ok(1), Ok(1), Ok(0)]);
    // A Deployment is not a Service: it is not in the set (group and kind both count).
    let other_kind = format!(
        "{}---\napiVersion: apps/v1\nkind: Service\nmetadata:\n  name: a\n",
        service("a")
    );
    assert_eq!(run_over(&pack, &other_kind, 9)[0], Ok(0));
}

#[test]
fn a_quadratic_scan_of_the_evaluation_set_exhausts_the_budget() {
    let pack = pack_of_source(
        r#"policy quadratic {
  title "Every pair of ConfigMaps"
  severity low
  match ConfigMap
  for a in others(ConfigMap) {
    for b in others(ConfigMap) {
      deny a.metadata.name == "never" and b.metadata.name == "never"
        message "never"
    }
  }
}
"#,
    );
    let many: String = (0..1500)
        .map(|index| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{index}\n---\n"))
        .collect();
    let results = run_over(&pack, &many[..many.len() - 4], 2);
    assert!(
        results
            .iter()
            .all(|result| matches!(result, Err(message) if message.contains("budget"))),
        "{:?}",
        &results[..3]
    );
}

#[test]
fn all_containers_joins_the_three_lists_and_rejects_a_malformed_one() {
    let pack = pack_of_source(
        r#"policy named-app {
  title "A container is called app"
  severity low
  match workload
  for c in pod.allContainers {
    deny c.name == "app" message "found app"
  }
}
"#,
    );
    let pod =
        |spec: &str| format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{spec}");
    let all = pod(
        "  initContainers: [{name: app}]\n  containers: [{name: app}, {name: b}]\n  ephemeralContainers: [{name: app}]\n",
    );
    assert_eq!(run_over(&pack, &all, 9), vec![Ok(3)]);
    let none = pod("  containers: null\n");
    assert_eq!(run_over(&pack, &none, 9), vec![Ok(0)]);
    // A map where a list belongs is an evaluation error, never a silent pass.
    let malformed = pod("  containers: {name: app}\n");
    assert!(
        matches!(&run_over(&pack, &malformed, 9)[0], Err(message) if message.contains("only lists"))
    );
}

/// Runs `pack` over each document of `yaml` alone, with `budget` instructions per run; per
/// document, the findings' messages or the error message.
fn run_with_budget(pack: &Pack, yaml: &str, budget: u64) -> Vec<Result<Vec<String>, String>> {
    use pol_vm::document::{Limits, load};
    use pol_vm::eval::Evaluator;
    let host = host_for(pack);
    let mut evaluator = Evaluator::new(pack, &host);
    evaluator.budget = budget;
    let mut loaded = load(yaml.as_bytes(), &Limits::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    for document in &mut loaded.documents {
        evaluator.intern(&mut document.root);
    }
    loaded
        .documents
        .iter()
        .map(|document| {
            let mut messages = Vec::new();
            for outcome in evaluator.evaluate(&document.root, &|_| true).unwrap() {
                let findings = outcome.result.map_err(|error| error.message)?;
                messages.extend(findings.into_iter().map(|finding| finding.message));
            }
            Ok(messages)
        })
        .collect()
}

#[test]
fn a_setup_runs_once_when_the_pack_is_loaded() {
    // The setup lowers 300 words (thousands of instructions); each run may execute 200.
    let words: Vec<String> = (0..300).map(|index| format!("\"Word{index}\"")).collect();
    let source = format!(
        r#"policy reserved-names {{
  title "Reserved names"
  severity low
  param words: list<string> = [{}]
  match ConfigMap
  let lowered = [lower(w) for w in words]
  deny (resource.metadata.name ?? "") in lowered
    at resource.metadata.name
    message "{{resource.metadata.name}} is reserved ({{len(lowered)}} words)"
}}
"#,
        words.join(", ")
    );
    let pack = pack_of_source(&source);
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: word299\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Word299\n";
    assert_eq!(
        run_with_budget(&pack, yaml, 200),
        [
            Ok(vec!["word299 is reserved (300 words)".to_string()]),
            Ok(Vec::new())
        ]
    );
}

#[test]
fn a_failing_setup_is_an_error_wherever_the_policy_applies() {
    let pack = pack_of_source(
        r#"policy pinned-version {
  title "Pinned version"
  severity low
  param version: string = "not a version"
  match ConfigMap when resource.metadata.name == "checked"
  let recent = semverCompare(version, "1.25.0") >= 0
  deny recent
    message "recent"
}
"#,
    );
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: checked\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: checked\n";
    let results = run_with_budget(&pack, yaml, pol_vm::eval::DEFAULT_BUDGET);
    // The setup comes before the `when` guard: both ConfigMaps see its error; the Secret is
    // not matched.
    for result in &results[..2] {
        assert!(
            matches!(result, Err(message) if message.contains("not a version")),
            "{results:?}"
        );
    }
    assert_eq!(results[2], Ok(Vec::new()));
}

#[test]
fn a_let_that_may_fail_is_computed_even_when_nothing_reads_it() {
    // `len` of a number fails: the `let` stays where it stands, and its error is the
    // policy's, though no rule reads it. The `let` that cannot fail and is never read costs
    // nothing and changes nothing.
    let pack = pack_of_source(
        r#"policy sizes {
  title "Sizes"
  severity low
  match ConfigMap
  let size = len(untyped(resource).spec.items)
  let unused = untyped(resource).spec.items.first
  deny resource.data["flag"] == "set"
    message "flagged"
}
"#,
    );
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nspec:\n  items: 3\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\nspec:\n  items: [1]\ndata:\n  flag: set\n";
    let results = run_with_budget(&pack, yaml, pol_vm::eval::DEFAULT_BUDGET);
    assert!(
        matches!(&results[0], Err(message) if message.contains("`len`")),
        "{results:?}"
    );
    assert_eq!(results[1], Ok(vec!["flagged".to_string()]));
}

#[test]
fn lazy_lets_read_twice_in_a_chain_do_not_double_the_code() {
    // Each read of a lazy `let` carries its value's code: without a bound, each link of this
    // chain would double the function (2^24 copies of the first value).
    let mut source = String::from(
        "policy chain {\n  title \"Chain\"\n  severity low\n  match ConfigMap\n  let v0 = resource.metadata.name\n",
    );
    for link in 1..=24 {
        let previous = link - 1;
        source.push_str(&format!(
            "  let v{link} = \"{{v{previous}}}-{{v{previous}}}-{{resource.metadata.name}}\"\n"
        ));
    }
    source.push_str("  deny v24 == \"x\"\n    message \"{v24}\"\n}\n");
    let pack = pack_of_source(&source);
    let bytes = pack.functions[0].bytes.len();
    assert!(bytes < 8_192, "{bytes} bytes of code");
}

#[test]
fn a_place_through_a_let_reads_the_names_the_let_saw() {
    // `m` is rebound after `place` is written: the finding's place (a missing field) is the
    // path `place` reads, through the first `m`, whether the `let` is lazy or not.
    let source = r#"policy tier {
  title "Tier"
  severity low
  match ConfigMap
  let m = untyped(resource).spec.template
  let place = m.labels["tier"]
  let m = resource.data
  deny place == null and m != null
    at place
    message "no tier"
}
"#;
    let yaml =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {}\ndata:\n  x: y\n";
    for lazy_lets in [true, false] {
        let schemas = Schemas::builtin("1.36").unwrap();
        let parsed = parse(source);
        let checked = typeck::check(source, &parsed.file, &schemas);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let mut builder = PackBuilder::new("test", &schemas);
        builder.lazy_lets = lazy_lets;
        builder.add_file("test.pol", &parsed.file, &checked);
        let pack = builder.finish().unwrap();
        let host = host_for(&pack);
        let evaluator = pol_vm::eval::Evaluator::new(&pack, &host);
        let mut loaded = pol_vm::document::load(yaml.as_bytes(), &Default::default());
        let root = &mut loaded.documents[0].root;
        evaluator.intern(root);
        let outcomes = evaluator.evaluate(root, &|_| true).unwrap();
        let findings = outcomes[0].result.as_ref().unwrap();
        assert_eq!(findings.len(), 1, "lazy: {lazy_lets}");
        let finding = &findings[0];
        let site = &pack.sites[usize::from(finding.site)];
        let place =
            pol_vm::eval::resolve(root, finding.place.node, finding.place.missing, &site.place);
        assert_eq!(
            place.pointer, "/spec/template/labels/tier",
            "lazy: {lazy_lets}"
        );
    }
}

#[test]
fn a_long_chain_of_lets_compiles_in_bounded_space_and_depth() {
    // Each `let` reads the one before: lowering one inside the other would recurse once per
    // link, and a copy of the scopes per `let` would take quadratic memory.
    let mut source = String::from(
        "policy chain {\n  title \"Chain\"\n  severity low\n  match ConfigMap\n  let v0 = resource.metadata.name\n",
    );
    for link in 1..=5_000 {
        source.push_str(&format!("  let v{link} = v{} ?? \"-\"\n", link - 1));
    }
    source.push_str("  deny v5000 == \"x\"\n    message \"chain\"\n}\n");
    let pack = pack_of_source(&source);
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n";
    assert_eq!(
        run_with_budget(&pack, yaml, pol_vm::eval::DEFAULT_BUDGET),
        vec![Ok(vec!["chain".to_string()]), Ok(Vec::new())]
    );
}

#[test]
fn a_setup_let_takes_effect_where_it_is_written() {
    // `v` reads the parameter `q`; the setup `let q` written after it does not change it.
    let pack = pack_of_source(
        r#"policy named {
  title "Named"
  severity low
  param q: string = "a"
  match ConfigMap
  let v = resource.metadata.name == q
  let q = "{q}-x"
  deny v
    message "named {q}"
}
"#,
    );
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a-x\n";
    assert_eq!(
        run_with_budget(&pack, yaml, pol_vm::eval::DEFAULT_BUDGET),
        vec![Ok(vec!["named a-x".to_string()]), Ok(Vec::new())]
    );
}

#[test]
fn a_loop_that_compares_resources_whole_reads_no_index() {
    // `c == value` has no path below `c` to file resources by: the loop reads them all.
    let pack = pack_of_source(
        r#"policy twin {
  title "Twin"
  severity low
  match ConfigMap
  deny any c in others(ConfigMap): c == untyped(resource)
    message "twin"
}
"#,
    );
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    assert_eq!(
        run_with_budget(&pack, yaml, pol_vm::eval::DEFAULT_BUDGET),
        vec![Ok(Vec::new())]
    );
}
