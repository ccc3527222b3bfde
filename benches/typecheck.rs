//! Type checking: decoding the embedded Kubernetes schemas, and checking 150 policies.
//!
//! Run with `cargo bench --bench typecheck`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::{parse, typeck};

mod support;

/// The example policies, repeated until there are at least `count` policies.
fn policies(count: usize) -> String {
    support::examples_repeated(|_, policies| policies >= count)
}

fn typecheck(c: &mut Criterion) {
    let source = policies(150);
    let parsed = parse(&source);
    assert!(!parsed.has_errors());
    let count = parsed.file.policies.len();
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    assert!(!typeck::check(&source, &parsed.file, &schemas).has_errors());
    let mut group = c.benchmark_group("typecheck");
    group.bench_function("decode schemas 1.36", |b| {
        b.iter(|| Schemas::decode_builtin(DEFAULT_VERSION).unwrap())
    });
    group.bench_function(format!("check {count} policies"), |b| {
        b.iter(|| typeck::check(&source, &parsed.file, &schemas))
    });
    group.bench_function(
        format!("decode schemas + parse + check {count} policies"),
        |b| {
            b.iter(|| {
                let schemas = Schemas::decode_builtin(DEFAULT_VERSION).unwrap();
                let parsed = parse(&source);
                typeck::check(&source, &parsed.file, &schemas)
            })
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = typecheck
}
criterion_main!(benches);
