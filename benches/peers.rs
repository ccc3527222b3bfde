//! The ten peer checks (`benches/peers/checks.pol`) over a corpus of `../shared/peers`, timed
//! like `regorus-bench` times regorus (median of runs over the whole corpus, after an untimed
//! pass that checks the findings against the corpus's `expected.json`), after 0.3 s of
//! warm-up per measurement.
//!
//! `cargo bench --bench peers -- CORPUS_DIR [--runs N]`; `benches/peers.sh` runs it beside
//! regorus and prints the ratios.
//!
//! Both engines run with the system allocator here, so that the comparison is of engines
//! (the `pol` binary uses mimalloc, which loads YAML about a fifth faster but lays documents
//! out less favourably for this evaluation).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark code: a failed expectation is a failed run"
)]

use std::collections::BTreeMap;
use std::time::Instant;

use pol_compiler::codegen::PackBuilder;
use pol_compiler::schema::Schemas;
use pol_compiler::{parse, typeck};
use pol_stdlib::host::StdHost;
use pol_vm::document::{Limits, load};
use pol_vm::eval::Evaluator;

const CHECKS: &str = include_str!("peers/checks.pol");
const POLICIES: f64 = 10.0;

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    }
}

fn time(name: &str, runs: usize, resources: usize, mut f: impl FnMut()) -> f64 {
    // Warm up first, as criterion does: on the 2-core machine the first runs of a few
    // milliseconds each are twice as slow as the ones after the first ~50 ms (regorus's runs
    // are long enough that only its first one is).
    let warm = Instant::now();
    while warm.elapsed().as_secs_f64() < 0.3 {
        f();
    }
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        f();
        times.push(start.elapsed().as_secs_f64());
    }
    let (min, max) = times
        .iter()
        .fold((f64::MAX, 0f64), |(a, b), &x| (a.min(x), b.max(x)));
    let m = median(times);
    let n = resources as f64;
    println!(
        "{name:<34} median {m:8.4} s  min {min:8.4}  max {max:8.4}  {:10.0} res/s  {:9.2} us/res  {:7.3} us/res/policy",
        n / m,
        m / n * 1e6,
        m / n / POLICIES * 1e6
    );
    m
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: cargo bench --bench peers -- CORPUS_DIR [--runs N]");
        std::process::exit(2);
    };
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|at| args.get(at + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let yaml = std::fs::read(format!("{dir}/all.yaml")).expect("all.yaml");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/expected.json")).expect("expected.json"),
    )
    .expect("expected.json is JSON");

    let schemas = Schemas::builtin("1.36").expect("schemas");
    let parsed = parse(CHECKS);
    let checked = typeck::check(CHECKS, &parsed.file, &schemas);
    assert!(
        !parsed.has_errors() && !checked.has_errors(),
        "the checks compile"
    );
    let mut builder = PackBuilder::new("bench", &schemas);
    builder.add_file("checks.pol", &parsed.file, &checked);
    let pack = builder.finish().expect("the pack verifies");
    let host = StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()).expect("host");
    let evaluator = Evaluator::new(&pack, &host);

    let mut loaded = load(&yaml, &Limits::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    for document in &mut loaded.documents {
        evaluator.intern(&mut document.root);
    }
    let n = loaded.documents.len();
    println!(
        "pol {} corpus={dir} n={n} yaml={:.2} MB runs={runs}",
        env!("CARGO_PKG_VERSION"),
        yaml.len() as f64 / 1e6
    );

    // Correctness first: counts per check against the reference.
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for document in &loaded.documents {
        for outcome in evaluator
            .evaluate(&document.root, &|_| true)
            .expect("resources")
        {
            let findings = outcome.result.expect("no evaluation error");
            let id = pack.policies[outcome.policy as usize].id.replace('-', "_");
            *counts.entry(id).or_default() += findings.len() as u64;
        }
    }
    let wanted: BTreeMap<String, u64> = expected["findings_per_check"]
        .as_object()
        .expect("findings_per_check")
        .iter()
        .map(|(check, count)| (check.clone(), count.as_u64().unwrap_or(0)))
        .collect();
    counts.retain(|_, count| *count > 0);
    println!("match_expected={}", counts == wanted);
    if counts != wanted {
        println!("  expected {wanted:?}\n  pol      {counts:?}");
        std::process::exit(1);
    }

    println!("-- parse only (to pol documents) --");
    time("parse yaml stream (pol loader)", runs, n, || {
        std::hint::black_box(load(&yaml, &Limits::default()));
    });
    println!("-- eval only (pre-parsed input) --");
    time("pol vm evaluate", runs, n, || {
        for document in &loaded.documents {
            std::hint::black_box(evaluator.evaluate(&document.root, &|_| true).ok());
        }
    });
    println!("-- end to end (parse + eval) --");
    time("yaml stream + pol vm", runs, n, || {
        let mut fresh = load(&yaml, &Limits::default());
        for document in &mut fresh.documents {
            evaluator.intern(&mut document.root);
            std::hint::black_box(evaluator.evaluate(&document.root, &|_| true).ok());
        }
    });
}
