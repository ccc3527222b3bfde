//! Mutation test of the type checker's central promise: a typo in a field path is a compile
//! error at the typo. Every field name that resolves against a schema, in every policy of the
//! repository, is mutated three ways (one character changed, dropped, doubled); each mutant
//! must fail to type-check with an error whose span is exactly the mutated name.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::{Span, parse, typeck};

/// The three mutants of the name at `span`: one character changed, dropped, doubled.
fn mutants(source: &str, span: Span) -> Vec<(String, Span)> {
    let name = span.text(source);
    let chars: Vec<char> = name.chars().collect();
    let middle = chars.len() / 2;
    let mut out = Vec::new();
    let rebuild = |name: String| {
        let mut text = String::with_capacity(source.len() + 1);
        text.push_str(&source[..span.start as usize]);
        text.push_str(&name);
        text.push_str(&source[span.end as usize..]);
        let span = Span::new(span.start, span.start + name.len() as u32);
        (text, span)
    };
    let mut changed = chars.clone();
    changed[middle] = if changed[middle] == 'q' { 'z' } else { 'q' };
    out.push(rebuild(changed.into_iter().collect()));
    if chars.len() > 1 {
        let mut dropped = chars.clone();
        dropped.remove(middle);
        out.push(rebuild(dropped.into_iter().collect()));
    }
    let mut doubled = chars.clone();
    doubled.insert(middle, chars[middle]);
    out.push(rebuild(doubled.into_iter().collect()));
    out
}

#[test]
fn every_field_typo_is_a_compile_error_at_the_typo() {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let (mut mutated, mut caught, mut suggested) = (0, 0, 0);
    let mut missed = Vec::new();
    for path in common::pol_files(&["examples", "policies"]) {
        let source = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&source);
        if parsed.has_errors() {
            continue;
        }
        let checked = typeck::check(&source, &parsed.file, &schemas);
        assert!(!checked.has_errors(), "{} does not check", path.display());
        for field in &checked.schema_fields {
            for (text, span) in mutants(&source, *field) {
                mutated += 1;
                let parsed = parse(&text);
                let checked = typeck::check(&text, &parsed.file, &schemas);
                let error = checked
                    .diagnostics
                    .iter()
                    .find(|diagnostic| diagnostic.is_error() && diagnostic.primary.span == span);
                match error {
                    Some(error) => {
                        caught += 1;
                        if error
                            .help
                            .as_deref()
                            .is_some_and(|help| help.contains("did you mean"))
                        {
                            suggested += 1;
                        }
                    }
                    None => missed.push(format!(
                        "{}: `{}` → `{}`",
                        path.display(),
                        field.text(&source),
                        span.text(&text)
                    )),
                }
            }
        }
    }
    println!(
        "field paths mutated: {mutated}, caught: {caught}, caught with a suggestion: {suggested}"
    );
    assert!(mutated > 0, "no field path found to mutate");
    assert!(
        missed.is_empty(),
        "typos that compile:\n{}",
        missed.join("\n")
    );
}
