//! One evaluation pass of the bundled library over a seeded stream (`support/manifests.rs`),
//! for counting machine instructions rather than timing them: `bash benches/instructions.sh`
//! runs it under callgrind, counting only inside `evaluate_all` (`support/library.rs`: what
//! `evaluate` times in `benches/eval.rs`). The count is exact
//! and repeatable on a machine whose timings move by ten percent in an hour, so it tells
//! changes of a percent or two apart; it does not see memory stalls or mispredictions, so a
//! change is confirmed by timing (`cargo bench --bench eval`) too.
//!
//! `cargo bench --bench instructions -- N [dense]` evaluates N resources (default 1,000; the
//! dense stream with `dense`) once and prints what ran.

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

use pol_stdlib::host::StdHost;
use pol_vm::eval::Evaluator;

fn main() {
    // Cargo passes `--bench` to bench targets; a number is the stream's size.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args
        .iter()
        .find_map(|arg| arg.parse::<usize>().ok())
        .unwrap_or(1_000);
    let dense = args.iter().any(|arg| arg == "dense");
    let pack = library::library();
    let host = StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()).unwrap();
    let evaluator = Evaluator::new(&pack, &host);
    let enabled = library::enabled(&pack);
    let yaml = if dense {
        manifests::dense_stream(n, 42)
    } else {
        manifests::stream(n, 42)
    };
    let documents = library::documents(&evaluator, &yaml);
    let inventory = evaluator.inventory(documents.iter().map(|d| &d.root));
    let findings = library::evaluate_all(&evaluator, &documents, &inventory, &enabled);
    let stream = if dense { "dense stream" } else { "stream" };
    println!("evaluated {n} resources ({stream}) once: {findings} findings");
}
