//! Evaluation against parsing, on seeded realistic manifests (`support/manifests.rs`) of 1k and
//! 10k resources, with the bundled library (`policies/`) as it runs by default (the policies
//! that ship off are left out):
//!
//! - `parse/N`: the YAML loader alone (spans on every node);
//! - `evaluate/N`: every policy over every resource it matches, documents pre-parsed (the
//!   throughput is resources per second);
//! - `evaluate-pairs/N`: the same run counted per (resource, policy) pair that ran;
//! - `check/N`: `pol check` end to end as a user runs it (process start, loading the prebuilt
//!   library, reading, parsing, evaluating on every core, rendering JSON).
//!
//! - `evaluate-dense/10000`: `evaluate` on 10k resources of ten applications only
//!   (`manifests::dense_stream`), each ten times denser than at 1k: the cross-resource
//!   policies' quadratic worst case (a Service selects about forty Deployments).
//!
//! The streams grow as clusters do: ten times the resources, ten times the applications
//! (`manifests::stream`). `cargo bench --bench eval`. The goal to steer by: `evaluate` costs
//! less than `parse`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark code: a failed expectation is a failed run"
)]

#[path = "support/library.rs"]
mod library;
#[path = "support/manifests.rs"]
mod manifests;

/// The binary's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pol_stdlib::host::StdHost;
use pol_vm::document::{Limits, load};
use pol_vm::eval::Evaluator;

const SIZES: [usize; 2] = [1_000, 10_000];
const SEED: u64 = 42;

fn benches(c: &mut Criterion) {
    let pack = library::library();
    let host = StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()).unwrap();
    let evaluator = Evaluator::new(&pack, &host);
    // What runs by default: the policies that do not ship off.
    let enabled = library::enabled(&pack);
    let work = std::env::temp_dir().join(format!("pol-bench-eval-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    for n in SIZES {
        let yaml = manifests::stream(n, SEED);
        let documents = library::documents(&evaluator, &yaml);
        assert_eq!(documents.len(), n);
        let inventory = evaluator.inventory(documents.iter().map(|d| &d.root));
        // Untimed pass: how many (resource, policy) pairs run, and nothing fails.
        let (mut pairs, mut findings) = (0u64, 0usize);
        for document in &documents {
            for outcome in evaluator
                .evaluate_in(&document.root, &inventory, &enabled)
                .unwrap()
            {
                pairs += 1;
                findings += outcome.result.expect("no evaluation error").len();
            }
        }
        eprintln!(
            "n={n}: {:.1} MB of YAML, {} policies ({} on by default), {pairs} resource-policy pairs, {findings} findings",
            yaml.len() as f64 / 1e6,
            pack.policies.len(),
            pack.policies.iter().filter(|meta| meta.enabled).count()
        );

        let mut group = c.benchmark_group("parse");
        group.sample_size(10);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(n.to_string(), |b| {
            b.iter(|| black_box(load(yaml.as_bytes(), &Limits::default())));
        });
        group.finish();

        let run_all = || {
            black_box(library::evaluate_all(
                &evaluator, &documents, &inventory, &enabled,
            ))
        };
        let mut group = c.benchmark_group("evaluate");
        group.sample_size(10);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(n.to_string(), |b| b.iter(run_all));
        group.finish();
        let mut group = c.benchmark_group("evaluate-pairs");
        group.sample_size(10);
        group.throughput(Throughput::Elements(pairs));
        group.bench_function(n.to_string(), |b| b.iter(run_all));
        group.finish();

        let file = work.join(format!("n{n}.yaml"));
        std::fs::write(&file, &yaml).unwrap();
        let mut group = c.benchmark_group("check");
        group.sample_size(10);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(n.to_string(), |b| {
            b.iter(|| {
                let output = Command::new(env!("CARGO_BIN_EXE_pol"))
                    .args(["check", "--format", "json", "--fail-on", "never", "-o"])
                    .arg(work.join("report.json"))
                    .arg(&file)
                    .output()
                    .unwrap();
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            });
        });
        group.finish();
    }
    std::fs::remove_dir_all(&work).ok();

    let n = 10_000;
    let yaml = manifests::dense_stream(n, SEED);
    let documents = library::documents(&evaluator, &yaml);
    let inventory = evaluator.inventory(documents.iter().map(|d| &d.root));
    let mut group = c.benchmark_group("evaluate-dense");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(n.to_string(), |b| {
        b.iter(|| {
            black_box(library::evaluate_all(
                &evaluator, &documents, &inventory, &enabled,
            ))
        });
    });
    group.finish();
}

criterion_group!(eval, benches);
criterion_main!(eval);
