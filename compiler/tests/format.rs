//! The formatter: layout snapshots (`format/*.pol` in, canonical text out), idempotence and
//! round trip on every `.pol` file of the repository, and the examples of the language docs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use pol_compiler::ast::normalized;
use pol_compiler::format::format_source;
use pol_compiler::parse;

#[test]
fn layout() {
    insta::glob!("format/*.pol", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let formatted = format_source(&source)
            .unwrap_or_else(|errors| panic!("{} does not parse: {errors:#?}", path.display()));
        insta::with_settings!({ description => source.clone(), omit_expression => true }, {
            insta::assert_snapshot!(formatted);
        });
        check_stable(&path.display().to_string(), &source);
    });
}

/// Formatting twice changes nothing, the formatted text parses to the same tree, and no
/// comment is lost.
fn check_stable(name: &str, source: &str) {
    let parsed = parse(source);
    assert!(!parsed.has_errors(), "{name}: {:#?}", parsed.diagnostics);
    let once = format_source(source).unwrap();
    let twice = format_source(&once).unwrap_or_else(|errors| {
        panic!("{name}: formatted text does not parse: {errors:#?}\n{once}")
    });
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    let reparsed = parse(&once);
    assert_eq!(
        normalized(&parsed.file),
        normalized(&reparsed.file),
        "{name}: formatting changed the meaning"
    );
    let before: Vec<&str> = parsed.comments.iter().map(|c| c.text.as_str()).collect();
    let after: Vec<&str> = reparsed.comments.iter().map(|c| c.text.as_str()).collect();
    let mut before_sorted = before.clone();
    let mut after_sorted = after.clone();
    before_sorted.sort_unstable();
    after_sorted.sort_unstable();
    assert_eq!(
        before_sorted, after_sorted,
        "{name}: comments lost or added"
    );
}

#[test]
fn every_policy_in_the_repository_is_stable() {
    let mut checked = 0;
    for path in common::pol_files(&[""]) {
        let source = std::fs::read_to_string(&path).unwrap();
        if parse(&source).has_errors() {
            // The error cases of the test suite.
            continue;
        }
        check_stable(&path.display().to_string(), &source);
        checked += 1;
    }
    assert!(checked > 0, "no .pol file found");
    println!("{checked} files format stably");
}

/// Every ```pol block of the docs parses and is canonically formatted; every ```pol-error
/// block fails to parse.
#[test]
fn documentation_examples() {
    let docs = common::repository_root().join("docs");
    let mut blocks = 0;
    for entry in std::fs::read_dir(&docs).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|extension| extension != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (line, fence, body) in code_blocks(&text) {
            let place = format!("{}:{line}", path.display());
            match fence.as_str() {
                "pol" => {
                    let parsed = parse(&body);
                    assert!(!parsed.has_errors(), "{place}: {:#?}", parsed.diagnostics);
                    let formatted = format_source(&body).unwrap();
                    assert_eq!(
                        formatted, body,
                        "{place}: example is not formatted as `pol fmt` would"
                    );
                    check_stable(&place, &body);
                }
                "pol-error" => {
                    assert!(
                        parse(&body).has_errors(),
                        "{place}: error example parses cleanly"
                    );
                }
                _ => continue,
            }
            blocks += 1;
        }
    }
    println!("{blocks} documentation examples checked");
}

/// `(line of the fence, fence info, body)` of each fenced block.
fn code_blocks(markdown: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    current = Some((index + 1, info.trim().to_string(), String::new()));
                }
            }
            Some((_, _, body)) => {
                if trimmed.starts_with("```") {
                    blocks.push(current.take().unwrap());
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    blocks
}
