//! `pol test`: runs each policy's own cases.
//!
//! Beside `NAME.pol` lives `NAME.test.yaml`, a stream of documents. A `# case: …` comment
//! starts a case (documents without one belong to the case before them, so a case can hold
//! several resources); a `# expect: ID[, ID…]` comment marks the line where a policy of
//! `NAME.pol` is expected to report a finding — where the offending field is absent, the line
//! of its nearest existing parent. A case expects exactly the marked findings: no more, no
//! fewer. The evaluation set of a case (what `others(Kind)` sees) is the case's documents. Every policy needs at least one case where it reports and one where it does not.
//! A `# param: NAME = VALUE` comment in a case (VALUE in YAML flow style, checked against the
//! parameter's type as `pol.yaml` values are) runs that case with the parameter set, for every
//! policy of the file that has it; `# param: POLICY-ID.NAME = VALUE` for one policy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pol_stdlib::host::StdHost;
use pol_vm::document::{Document, Limits, document_lines, load};
use pol_vm::eval::{Evaluator, Unevaluable};
use pol_vm::pack::Pack;
use std::sync::Arc;

use crate::commands::check::{Sources, convert, evaluation_error};
use crate::compile::{self, FrameworkArgs, SchemaArgs};
use crate::library::{LibraryFile, files_at};
use crate::report::findings::{PolicyTexts, Resource};
use crate::{Outcome, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories; each `NAME.pol` is tested with its `NAME.test.yaml`.
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Print only failing cases and the summary.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    schema: SchemaArgs,
    #[command(flatten)]
    frameworks: FrameworkArgs,
}

/// One case of a test file.
#[derive(Debug)]
struct Case {
    name: String,
    line: u32,
    /// Document indices (as `Document::index`) that belong to the case.
    chunks: std::ops::Range<usize>,
    /// (policy id, line), sorted.
    expected: Vec<(String, u32)>,
    /// `# param:` settings: (name, value text, line).
    params: Vec<(String, String, u32)>,
}

/// What one case found.
#[derive(Debug, Default)]
struct Verdict {
    /// (policy id, line, message), sorted.
    actual: Vec<(String, u32, String)>,
    errors: Vec<String>,
}

pub fn run(args: &Args) -> Outcome {
    let (files, read_errors) = files_at(&args.paths);
    for error in &read_errors {
        report::error(error);
    }
    let Some(schemas) = compile::schemas(&args.schema) else {
        return Outcome::Errors;
    };
    let Some(frameworks) = compile::frameworks(&args.frameworks) else {
        return Outcome::Errors;
    };
    let sources: Vec<LibraryFile> = files
        .iter()
        .filter(|file| file.name.ends_with(".pol"))
        .cloned()
        .collect();
    if sources.is_empty() {
        report::error("no `.pol` files found");
        return Outcome::Errors;
    }
    let compiled = compile::compile_sources(&sources, &schemas, &frameworks, true);
    let Some(pack) = compiled.pack else {
        return Outcome::Errors;
    };
    if !read_errors.is_empty() {
        return Outcome::Errors;
    }
    let host = match StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()) {
        Ok(host) => host,
        Err(message) => {
            report::error(&format!("the pack cannot run: {message}"));
            return Outcome::Errors;
        }
    };
    let evaluator = Evaluator::new(&pack, &host);
    let texts = PolicyTexts::of(&pack);
    let mut totals = Totals::default();
    let mut out = String::new();
    for source in &sources {
        let test_name = test_file_name(&source.name);
        let text = files
            .iter()
            .find(|file| file.name == test_name)
            .map(|file| Ok(file.text.clone()))
            .unwrap_or_else(|| std::fs::read_to_string(Path::new(&test_name)));
        let policies: Vec<u32> = (0u32..)
            .zip(&pack.policies)
            .filter(|(_, policy)| policy.file == source.name)
            .map(|(index, _)| index)
            .collect();
        if policies.is_empty() {
            continue;
        }
        let text = match text {
            Ok(text) => text,
            Err(_) => {
                totals.problems += 1;
                out.push_str(&format!(
                    "FAIL {}: no test file `{test_name}`\n",
                    source.name
                ));
                continue;
            }
        };
        test_file(
            &test_name,
            &text,
            &Runner {
                evaluator: &evaluator,
                sources: &compiled.sources,
                texts: &texts,
            },
            &policies,
            args.quiet,
            &mut totals,
            &mut out,
        );
    }
    out.push_str(&format!(
        "\n{} case{} in {} file{}: {} passed, {} failed{}\n",
        totals.cases,
        plural(totals.cases),
        totals.files,
        plural(totals.files),
        totals.cases - totals.failed,
        totals.failed,
        if totals.problems > 0 {
            format!(
                "; {} problem{} with the test files",
                totals.problems,
                plural(totals.problems)
            )
        } else {
            String::new()
        },
    ));
    print!("{out}");
    if totals.failed > 0 || totals.problems > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

#[derive(Debug, Default)]
struct Totals {
    files: usize,
    cases: usize,
    failed: usize,
    problems: usize,
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// `dir/name.pol` → `dir/name.test.yaml`.
fn test_file_name(policy_file: &str) -> String {
    format!(
        "{}.test.yaml",
        policy_file.strip_suffix(".pol").unwrap_or(policy_file)
    )
}

/// What runs cases: the evaluator, and the policy sources for positions in errors.
struct Runner<'a> {
    evaluator: &'a Evaluator<'a>,
    sources: &'a Sources,
    /// The policies' texts findings show (by policy index).
    texts: &'a [PolicyTexts],
}

fn test_file(
    name: &str,
    text: &str,
    runner: &Runner<'_>,
    policies: &[u32],
    quiet: bool,
    totals: &mut Totals,
    out: &mut String,
) {
    let evaluator = runner.evaluator;
    let pack = evaluator.pack();
    let ids: Vec<&str> = policies
        .iter()
        .filter_map(|&index| pack.policies.get(index as usize))
        .map(|policy| policy.id.as_str())
        .collect();
    let (cases, problems) = cases_of(text, &ids);
    let mut loaded = load(text.as_bytes(), &Limits::default());
    for document in &mut loaded.documents {
        evaluator.intern(&mut document.root);
    }
    totals.files += 1;
    let mut lines = Vec::new();
    for problem in &problems {
        lines.push(format!("  FAIL {problem}"));
    }
    totals.problems += problems.len();
    // Which policies reported in some case, and which stayed quiet in some case.
    let mut reported: BTreeMap<&str, (bool, bool)> =
        ids.iter().map(|id| (*id, (false, false))).collect();
    for case in &cases {
        totals.cases += 1;
        let verdict = run_case(case, &loaded, runner, policies, name);
        for id in &ids {
            let fired = verdict.actual.iter().any(|(policy, ..)| policy == id);
            if let Some(entry) = reported.get_mut(id) {
                if fired {
                    entry.0 = true;
                } else {
                    entry.1 = true;
                }
            }
        }
        let diff = diff(&case.expected, &verdict.actual);
        let passed = diff.is_empty() && verdict.errors.is_empty();
        if passed {
            if !quiet {
                lines.push(format!("  ok   {} (line {})", case.name, case.line));
            }
            continue;
        }
        totals.failed += 1;
        lines.push(format!("  FAIL {} (line {})", case.name, case.line));
        for error in &verdict.errors {
            lines.push(format!("       error: {error}"));
        }
        lines.extend(diff.into_iter().map(|line| format!("       {line}")));
    }
    for (id, (fired, quiet_case)) in &reported {
        if !fired {
            totals.problems += 1;
            lines.push(format!(
                "  FAIL `{id}` has no case where it reports a finding (mark one with `# expect: {id}`)"
            ));
        }
        if !quiet_case {
            totals.problems += 1;
            lines.push(format!(
                "  FAIL `{id}` has no case where it passes (add a compliant document)"
            ));
        }
    }
    if !lines.is_empty() {
        out.push_str(name);
        out.push('\n');
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// The cases of a test file, and problems with its markers.
fn cases_of(text: &str, ids: &[&str]) -> (Vec<Case>, Vec<String>) {
    let starts = document_lines(text);
    let chunk_of = |line: u32| starts.iter().rposition(|start| *start <= line).unwrap_or(0);
    let mut cases: Vec<Case> = Vec::new();
    let mut problems = Vec::new();
    let mut expectations: Vec<(usize, String, u32)> = Vec::new();
    let mut settings: Vec<(usize, String, String, u32)> = Vec::new();
    let mut names: BTreeMap<usize, (String, u32)> = BTreeMap::new();
    for (number, line) in (1u32..).zip(text.lines()) {
        let trimmed = line.trim_start();
        if let Some(name) = trimmed.strip_prefix("# case:") {
            names
                .entry(chunk_of(number))
                .or_insert_with(|| (name.trim().to_string(), number));
        }
        if let Some(setting) = trimmed.strip_prefix("# param:") {
            match setting.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() && !value.trim().is_empty() => {
                    settings.push((
                        chunk_of(number),
                        name.trim().to_string(),
                        value.trim().to_string(),
                        number,
                    ));
                }
                _ => problems.push(format!(
                    "line {number}: `# param:` needs `NAME = VALUE`, as in `# param: min_replicas = 3`"
                )),
            }
        }
        if let Some(at) = comment_marker(line, "# expect:") {
            for id in line[at..]
                .split([',', ' ', '\t'])
                .filter(|id| !id.is_empty())
            {
                if !ids.contains(&id) {
                    let suggestion = pol_compiler::suggest::closest(id, ids.iter().copied())
                        .map_or(String::new(), |best| format!(" (did you mean `{best}`?)"));
                    problems.push(format!(
                        "line {number}: `# expect: {id}` names no policy of this file{suggestion}"
                    ));
                    continue;
                }
                expectations.push((chunk_of(number), id.to_string(), number));
            }
        }
    }
    for chunk in 0..starts.len() {
        let line = starts.get(chunk).copied().unwrap_or(1);
        match names.get(&chunk) {
            Some((name, at)) => cases.push(Case {
                name: name.clone(),
                line: *at,
                chunks: chunk..chunk + 1,
                expected: Vec::new(),
                params: Vec::new(),
            }),
            None => match cases.last_mut() {
                Some(case) => case.chunks.end = chunk + 1,
                None => cases.push(Case {
                    name: format!("document at line {line}"),
                    line,
                    chunks: chunk..chunk + 1,
                    expected: Vec::new(),
                    params: Vec::new(),
                }),
            },
        }
    }
    for (chunk, id, line) in expectations {
        if let Some(case) = cases.iter_mut().find(|case| case.chunks.contains(&chunk)) {
            case.expected.push((id, line));
        }
    }
    for (chunk, name, value, line) in settings {
        if let Some(case) = cases.iter_mut().find(|case| case.chunks.contains(&chunk)) {
            case.params.push((name, value, line));
        }
    }
    for case in &mut cases {
        case.expected.sort();
    }
    (cases, problems)
}

/// The byte offset just after `marker` when it starts a comment on `line`.
fn comment_marker(line: &str, marker: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = line[from..].find(marker) {
        let at = from + found;
        let starts_comment = at == 0 || line[..at].ends_with([' ', '\t']);
        if starts_comment {
            return Some(at + marker.len());
        }
        from = at + marker.len();
    }
    None
}

fn run_case(
    case: &Case,
    loaded: &pol_vm::document::Loaded,
    runner: &Runner<'_>,
    policies: &[u32],
    file: &str,
) -> Verdict {
    let mut verdict = Verdict::default();
    if !case.params.is_empty() {
        let mut pack = runner.evaluator.pack().clone();
        if let Err(problem) = set_params(&mut pack, policies, &case.params) {
            verdict.errors.push(problem);
            return verdict;
        }
        let host = match StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()) {
            Ok(host) => host,
            Err(error) => {
                verdict.errors.push(error.to_string());
                return verdict;
            }
        };
        let evaluator = Evaluator::new(&pack, &host);
        let with_params = Runner {
            evaluator: &evaluator,
            sources: runner.sources,
            texts: runner.texts,
        };
        return evaluate_case(case, loaded, &with_params, policies, file, verdict);
    }
    evaluate_case(case, loaded, runner, policies, file, verdict)
}

/// Sets the `# param:` values of a case on `policies` of `pack`: each names a parameter of
/// at least one of them, and its value has the parameter's type.
fn set_params(
    pack: &mut Pack,
    policies: &[u32],
    params: &[(String, String, u32)],
) -> Result<(), String> {
    for (setting, text, line) in params {
        // `policy-id.name` sets one policy's parameter; a bare name, every policy's.
        let (only, name) = match setting.rsplit_once('.') {
            Some((policy, name)) => (Some(policy), name),
            None => (None, setting.as_str()),
        };
        // A document is a map: the value is read as the value of a key.
        let loaded = load(format!("value: {text}\n").as_bytes(), &Limits::default());
        let node = match (loaded.errors.first(), loaded.documents.first()) {
            (None, Some(document)) => document.root.get("value").cloned(),
            _ => None,
        };
        let Some(node) = node else {
            return Err(format!("line {line}: `{text}` is not a YAML value"));
        };
        let mut used = false;
        for &index in policies {
            let Some(policy) = pack.policies.get(index as usize) else {
                continue;
            };
            if only.is_some_and(|id| id != policy.id) {
                continue;
            }
            let Some(slot) = policy.param_names.iter().position(|known| known == name) else {
                continue;
            };
            let ty = policy
                .param_types
                .get(slot)
                .cloned()
                .unwrap_or_else(|| "any".to_string());
            let value = crate::config::constant(&node, &ty, &mut pack.patterns)
                .map_err(|(_, message)| format!("line {line}: `{name}`: {message}"))?;
            if let Some(policy) = pack.policies.get_mut(index as usize)
                && let Some(current) = policy.params.get_mut(slot)
            {
                *current = value;
                used = true;
            }
        }
        if !used {
            return Err(format!(
                "line {line}: `# param: {setting}` names no parameter of the policies of this file"
            ));
        }
    }
    Ok(())
}

fn evaluate_case(
    case: &Case,
    loaded: &pol_vm::document::Loaded,
    runner: &Runner<'_>,
    policies: &[u32],
    file: &str,
    mut verdict: Verdict,
) -> Verdict {
    let evaluator = runner.evaluator;
    let pack: &Pack = evaluator.pack();
    let texts = runner.texts;
    let file: Arc<str> = Arc::from(file);
    for error in &loaded.errors {
        if error
            .document
            .is_none_or(|index| case.chunks.contains(&index))
        {
            verdict.errors.push(format!(
                "line {}, column {}: {}",
                error.position.line, error.position.column, error.message
            ));
        }
    }
    let wanted = |policy: u32| policies.contains(&policy);
    let documents: Vec<&Document> = loaded
        .documents
        .iter()
        .filter(|document| case.chunks.contains(&document.index))
        .collect();
    // The evaluation set of a case is its own documents.
    let inventory = evaluator.inventory(documents.iter().map(|document| &document.root));
    for document in documents {
        let root = &document.root;
        let outcomes = match evaluator.evaluate_in(root, &inventory, &wanted) {
            Ok(outcomes) => outcomes,
            Err(Unevaluable::NotAResource) => {
                verdict.errors.push(format!(
                    "line {}: not a Kubernetes resource: no `apiVersion` or `kind`",
                    root.location.start.line
                ));
                continue;
            }
        };
        let resource = Arc::new(Resource::of(root));
        for outcome in outcomes {
            let Some(policy) = pack.policies.get(outcome.policy as usize) else {
                continue;
            };
            match outcome.result {
                Ok(findings) => {
                    for finding in findings {
                        let finding = convert(pack, texts, &file, root, &resource, finding);
                        verdict.actual.push((
                            finding.policy.to_string(),
                            finding.line,
                            finding.message,
                        ));
                    }
                }
                Err(error) => verdict.errors.push(evaluation_error(
                    pack,
                    policy,
                    &resource,
                    &error,
                    runner.sources,
                )),
            }
        }
    }
    verdict.actual.sort();
    verdict
}

/// Lines that explain how `actual` differs from `expected` (both sorted); empty when they agree.
fn diff(expected: &[(String, u32)], actual: &[(String, u32, String)]) -> Vec<String> {
    let mut missing: Vec<&(String, u32)> = Vec::new();
    let mut unexpected: Vec<&(String, u32, String)> = Vec::new();
    let mut left = expected.iter().peekable();
    let mut right = actual.iter().peekable();
    loop {
        match (left.peek(), right.peek()) {
            (Some(want), Some(got)) => {
                match (want.0.as_str(), want.1).cmp(&(got.0.as_str(), got.1)) {
                    std::cmp::Ordering::Equal => {
                        left.next();
                        right.next();
                    }
                    std::cmp::Ordering::Less => missing.extend(left.next()),
                    std::cmp::Ordering::Greater => unexpected.extend(right.next()),
                }
            }
            (Some(_), None) => missing.extend(left.next()),
            (None, Some(_)) => unexpected.extend(right.next()),
            (None, None) => break,
        }
    }
    let mut lines: Vec<(u32, String)> = missing
        .into_iter()
        .map(|(id, line)| {
            (
                *line,
                format!("- line {line}: expected `{id}`, which did not report"),
            )
        })
        .chain(unexpected.into_iter().map(|(id, line, message)| {
            (
                *line,
                format!("+ line {line}: `{id}` reported unexpectedly: {message}"),
            )
        }))
        .collect();
    lines.sort();
    lines.into_iter().map(|(_, line)| line).collect()
}
