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

/// The example policies, repeated under fresh ids until the file holds about `bytes` bytes.
fn large_file(bytes: usize) -> String {
    let examples = [
        include_str!("../examples/policies/privileged-container.pol"),
        include_str!("../examples/policies/min-replicas.pol"),
        include_str!("../examples/policies/images.pol"),
        include_str!("../examples/policies/host-namespaces.pol"),
        include_str!("../examples/policies/required-labels.pol"),
    ];
    let mut out = String::with_capacity(bytes + 4096);
    let mut copy = 0;
    while out.len() < bytes {
        for example in examples {
            // Rename every policy so that ids stay unique.
            out.push_str(&example.replace("policy ", &format!("policy copy{copy}-")));
            out.push('\n');
        }
        copy += 1;
    }
    out
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
