//! Front-end throughput: parsing and formatting a large generated policy file.
//!
//! Run with `cargo bench --bench parse`; criterion reports MB/s (`thrpt`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pol_compiler::format::format;
use pol_compiler::parse;

mod support;

/// The example policies, repeated until the file holds about `bytes` bytes.
fn large_file(bytes: usize) -> String {
    support::examples_repeated(|text, _| text.len() >= bytes)
}

fn front_end(c: &mut Criterion) {
    let mut group = c.benchmark_group("front-end");
    for size in [64 * 1024, 4 * 1024 * 1024] {
        let source = large_file(size);
        let parsed = parse(&source);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics.first());
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse", size), &source, |b, source| {
            b.iter(|| parse(source))
        });
        group.bench_with_input(BenchmarkId::new("format", size), &source, |b, source| {
            b.iter(|| format(source, &parsed))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = front_end
}
criterion_main!(benches);
