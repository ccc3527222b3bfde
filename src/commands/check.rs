//! `pol check`: runs a policy pack over manifests and reports the findings.
//!
//! The pack comes from `--pack`, from `--policies` (compiled now), or from the bundled
//! library. Input files are read, parsed and evaluated in parallel, one file at a time per
//! worker; the report is in input order whatever the scheduling.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use pol_stdlib::host::StdHost;
use pol_stdlib::time::Time;
use pol_vm::document::{Document, Limits, LoadError, Loaded, Piece, load_pieces, split};
use pol_vm::eval::{Evaluator, Inventory, Unevaluable, resolve};
use pol_vm::interp::{EvalError, Finding as VmFinding};
use pol_vm::pack::{EditKind, Pack, PolicyMeta, Severity};

use crate::compile::{self, FrameworkArgs, SchemaArgs};
use crate::config::{Applied, Config, inline_problem, policy_names, wildcard};
use crate::files::{self, Input};
use crate::parallel::parallel_map;
use crate::report::findings::{
    Edit, Exempted, FileReport, Finding, Format, InputError, PolicyTexts, Report, Resource,
    write as write_report,
};
use crate::{Outcome, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifests: files, directories (searched for `.yaml`, `.yml`, `.json`), or `-` for
    /// standard input.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Policy files or directories to compile and run instead of the bundled library.
    /// Repeatable.
    #[arg(long = "policies", value_name = "DIR|FILE")]
    policies: Vec<PathBuf>,
    /// A compiled pack (`pol build -o`) to run instead of the bundled library.
    #[arg(long, value_name = "FILE", conflicts_with = "policies")]
    pack: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// The lowest severity that fails the check (exit code 1), or `never`.
    #[arg(long = "fail-on", default_value = "low", value_parser = ["info", "low", "medium", "high", "critical", "never"])]
    fail_on: String,
    /// Run only policies whose id, family, category or a control matches (`*` is a
    /// wildcard: `pss-*`, `pod-security`, `CIS-K8S-1.12:5.2.*`). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    select: Vec<String>,
    /// Skip policies whose id, family, category or a control matches. Repeatable.
    #[arg(long, value_name = "PATTERN")]
    ignore: Vec<String>,
    /// The configuration file (default: `pol.yaml` in the working directory, if there is one).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore `pol.yaml`.
    #[arg(long)]
    no_config: bool,
    /// List the findings that exemptions cover (they are always counted).
    #[arg(long)]
    show_exempted: bool,
    /// Print, on standard error, the policies that took the most evaluation time.
    #[arg(long)]
    profile: bool,
    #[command(flatten)]
    schema: SchemaArgs,
    #[command(flatten)]
    frameworks: FrameworkArgs,
}

/// The evaluation time: now, or `POL_NOW` (RFC 3339) so runs can be reproduced.
pub fn evaluation_time() -> Result<Time, String> {
    match std::env::var("POL_NOW") {
        Ok(text) => Time::parse(&text)
            .map_err(|error| format!("`POL_NOW={text}` is not an RFC 3339 time: {error}")),
        Err(_) => Ok(pol_stdlib::host::now()),
    }
}

/// Reads the configuration the arguments name, or `pol.yaml` here; prints its problems.
fn load_config(args: &Args) -> Result<Option<Config>, ()> {
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.config {
        Some(path) => path.clone(),
        None => {
            let default = PathBuf::from("pol.yaml");
            if !default.is_file() {
                return Ok(None);
            }
            default
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|error| {
        report::error(&format!("cannot read `{name}`: {error}"));
    })?;
    Config::parse(&name, &text).map(Some).map_err(|problems| {
        report::diagnostics(&name, &text, &problems);
    })
}

pub fn run(args: &Args) -> Outcome {
    let Ok(config) = load_config(args) else {
        return Outcome::Errors;
    };
    let Some((mut pack, sources)) = load_pack(args) else {
        return Outcome::Errors;
    };
    let now = match evaluation_time() {
        Ok(now) => now,
        Err(message) => {
            report::error(&message);
            return Outcome::Errors;
        }
    };
    let applied = match &config {
        None => Applied::none(&pack),
        Some(config) => match config.apply(&mut pack, now) {
            Ok(applied) => applied,
            Err(problems) => {
                report::diagnostics(config.file(), config.text(), &problems);
                return Outcome::Errors;
            }
        },
    };
    let host = match StdHost::new(&pack.builtins, &pack.patterns, now) {
        Ok(host) => host,
        Err(message) => {
            report::error(&format!("the pack cannot run: {message}"));
            return Outcome::Errors;
        }
    };
    let mut evaluator = Evaluator::new(&pack, &host);
    evaluator.profile = args.profile;
    // `--select` picks among all policies (naming one runs it even when the configuration or
    // the policy disables it); otherwise the configuration decides.
    let wanted: Vec<bool> = pack
        .policies
        .iter()
        .zip(&applied.enabled)
        .map(|(policy, enabled)| {
            let names = policy_names(policy);
            let hit = |patterns: &[String]| {
                patterns
                    .iter()
                    .any(|pattern| names.iter().any(|name| wildcard(pattern, name)))
            };
            let selected = if args.select.is_empty() {
                *enabled
            } else {
                hit(&args.select)
            };
            selected && !hit(&args.ignore)
        })
        .collect();
    let (inputs, walk_errors) = files::collect(&args.paths, &["yaml", "yml", "json"]);
    let mut report = Report::default();
    for failure in &walk_errors {
        report.errors.push(InputError {
            file: failure.path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read: {}", failure.error),
            policy: None,
        });
    }
    if inputs.is_empty() && walk_errors.is_empty() {
        report::error("no manifests found (`.yaml`, `.yml`, `.json`)");
        return Outcome::Errors;
    }
    report.files = check_files(&inputs, &evaluator, &wanted, &applied, &sources);
    report.policies = pack.policies.clone();
    report.warnings = applied.expired.clone();
    report.show_exempted = args.show_exempted;
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| {
                let mut out = std::io::BufWriter::new(file);
                write_report(&report, args.format, &mut out)?;
                out.flush()
            })
            .map_err(|error| format!("cannot write `{}`: {error}", path.display())),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_report(&report, args.format, &mut out)
                .and_then(|()| out.flush())
                .map_err(|error| format!("cannot write the report: {error}"))
        }
    };
    if let Err(message) = written {
        report::error(&message);
        return Outcome::Errors;
    }
    if args.profile {
        eprint!("{}", profile_table(&report, &pack));
    }
    let threshold = Severity::parse(&args.fail_on);
    let failing = report
        .findings()
        .any(|finding| threshold.is_some_and(|threshold| finding.severity >= threshold));
    if report
        .errors
        .iter()
        .chain(report.files.iter().flat_map(|file| &file.errors))
        .next()
        .is_some()
    {
        Outcome::Errors
    } else if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// `--profile`: the policies by evaluation time, most first (the first 20, and the total).
fn profile_table(report: &Report, pack: &Pack) -> String {
    let mut totals: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for (policy, (nanos, runs)) in report.files.iter().flat_map(|file| &file.profile) {
        let entry = totals.entry(*policy).or_default();
        entry.0 += nanos;
        entry.1 += runs;
    }
    let mut rows: Vec<(u32, u64, u64)> = totals
        .into_iter()
        .map(|(policy, (nanos, runs))| (policy, nanos, runs))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: u64 = rows.iter().map(|row| row.1).sum();
    let mut out = format!(
        "evaluation time by policy (all cores together: {:.1} ms in {} policies)\n{:>10}  {:>8}  {:>10}  POLICY\n",
        total as f64 / 1e6,
        rows.len(),
        "ms",
        "runs",
        "µs/run"
    );
    for (policy, nanos, runs) in rows.iter().take(20) {
        let id = pack
            .policies
            .get(*policy as usize)
            .map_or("?", |meta| meta.id.as_str());
        out.push_str(&format!(
            "{:>10.1}  {runs:>8}  {:>10.2}  {id}\n",
            *nanos as f64 / 1e6,
            *nanos as f64 / 1e3 / (*runs).max(1) as f64
        ));
    }
    out
}

/// Policy sources by file name, when the pack was compiled here.
pub(crate) type Sources = BTreeMap<String, String>;

fn load_pack(args: &Args) -> Option<(Pack, Sources)> {
    if let Some(path) = &args.pack {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                report::error(&format!("cannot read `{}`: {error}", path.display()));
                return None;
            }
        };
        return match Pack::read(&bytes) {
            Ok(pack) => Some((pack, Sources::new())),
            Err(error) => {
                report::error(&format!(
                    "`{}` is not a usable pack: {error}",
                    path.display()
                ));
                None
            }
        };
    }
    let default_schemas = args.schema.k8s_version == pol_compiler::schema::DEFAULT_VERSION
        && args.schema.crds.is_empty()
        && args.frameworks.frameworks.is_empty();
    if args.policies.is_empty()
        && default_schemas
        && let Some(pack) = crate::library::bundled_pack()
    {
        return Some((pack, compile::pol_sources(&crate::library::bundled_files())));
    }
    let schemas = compile::schemas(&args.schema)?;
    let frameworks = compile::frameworks(&args.frameworks)?;
    let compiled = if args.policies.is_empty() {
        compile::compile_sources(
            &crate::library::bundled_files(),
            &schemas,
            &frameworks,
            true,
        )
    } else {
        compile::policies(&args.policies, &schemas, &frameworks)
    };
    compiled.pack.map(|pack| (pack, compiled.sources))
}

/// One input, read and parsed, its keys interned for the pack.
struct LoadedFile {
    report: FileReport,
    loaded: Loaded,
}

/// Checks every input on every core: first every file is read and parsed, then the
/// evaluation set (for cross-resource policies) is gathered from all of them, then every
/// resource is evaluated. Reports come back in input order.
fn check_files(
    inputs: &[Input],
    evaluator: &Evaluator<'_>,
    wanted: &[bool],
    applied: &Applied,
    sources: &Sources,
) -> Vec<FileReport> {
    let mut files = load_files(inputs, evaluator);
    let inventory = evaluator.inventory(
        files
            .iter()
            .flat_map(|file| file.loaded.documents.iter().map(|document| &document.root)),
    );
    let texts = PolicyTexts::of(evaluator.pack());
    let names: Vec<Arc<str>> = files
        .iter()
        .map(|file| Arc::from(file.report.name.as_str()))
        .collect();
    // Work items: runs of documents, so that one big file still uses every core.
    const RUN: usize = 64;
    let runs: Vec<(usize, std::ops::Range<usize>)> = files
        .iter()
        .enumerate()
        .flat_map(|(index, file)| {
            let count = file.loaded.documents.len();
            (0..count)
                .step_by(RUN)
                .map(move |start| (index, start..(start + RUN).min(count)))
        })
        .collect();
    let evaluated = parallel_map(&runs, |(index, range)| {
        let file = &files[*index];
        evaluate_documents(
            &names[*index],
            &texts,
            &file.loaded.documents[range.clone()],
            evaluator,
            &inventory,
            wanted,
            applied,
            sources,
        )
    });
    drop(inventory);
    let mut reports: Vec<FileReport> = files.drain(..).map(|file| file.report).collect();
    for ((index, _), evaluated) in runs.iter().zip(evaluated) {
        let report = &mut reports[*index];
        report.resources += evaluated.resources;
        report.findings.extend(evaluated.findings);
        report.errors.extend(evaluated.errors);
        report.evaluated.extend(evaluated.evaluated);
        report.exempted.extend(evaluated.exempted);
        for (policy, (nanos, runs)) in evaluated.profile {
            let entry = report.profile.entry(policy).or_default();
            entry.0 += nanos;
            entry.1 += runs;
        }
    }
    reports
}

/// Reads one input: its report (with a read error, if any) and its bytes.
fn read_input(input: &Input) -> (FileReport, Option<Vec<u8>>) {
    let name = input.display_name();
    let mut report = FileReport {
        name: name.clone(),
        ..FileReport::default()
    };
    let read = match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
        }
        Input::File(path) => std::fs::read(path),
    };
    match read {
        Ok(bytes) => (report, Some(bytes)),
        Err(error) => {
            report
                .errors
                .push(InputError::whole(&name, format!("cannot read: {error}")));
            (report, None)
        }
    }
}

/// Reads and parses every input, the documents of all of them parsed on every core (runs of
/// documents, so one big stream is parsed in parallel too), keys interned for the pack.
fn load_files(inputs: &[Input], evaluator: &Evaluator<'_>) -> Vec<LoadedFile> {
    const RUN: usize = 32;
    let read = parallel_map(inputs, read_input);
    let split: Vec<Result<Vec<Piece<'_>>, LoadError>> = read
        .iter()
        .map(|(_, bytes)| bytes.as_deref().map_or(Ok(Vec::new()), split))
        .collect();
    let runs: Vec<(usize, &[Piece<'_>])> = split
        .iter()
        .enumerate()
        .filter_map(|(index, pieces)| Some((index, pieces.as_ref().ok()?)))
        .flat_map(|(index, pieces)| pieces.chunks(RUN).map(move |run| (index, run)))
        .collect();
    let parsed = parallel_map(&runs, |(_, pieces)| {
        let mut loaded = load_pieces(pieces, &Limits::default());
        for document in &mut loaded.documents {
            evaluator.intern(&mut document.root);
        }
        loaded
    });
    let mut parsed = runs.iter().map(|(index, _)| *index).zip(parsed).peekable();
    let mut loads: Vec<Loaded> = Vec::with_capacity(read.len());
    for (index, pieces) in split.iter().enumerate() {
        let mut loaded = Loaded::default();
        if let Err(error) = pieces {
            loaded.errors.push(error.clone());
        }
        while let Some((_, run)) = parsed.next_if(|(owner, _)| *owner == index) {
            loaded.documents.extend(run.documents);
            loaded.errors.extend(run.errors);
        }
        loads.push(loaded);
    }
    drop(parsed);
    drop(runs);
    drop(split);
    let mut files: Vec<LoadedFile> = Vec::with_capacity(read.len());
    for ((mut report, bytes), loaded) in read.into_iter().zip(loads) {
        for error in &loaded.errors {
            report.errors.push(InputError {
                file: report.name.clone(),
                line: error.position.line,
                column: error.position.column,
                message: error.message.clone(),
                policy: None,
            });
        }
        report.text = bytes.and_then(|bytes| String::from_utf8(bytes).ok());
        files.push(LoadedFile { report, loaded });
    }
    files
}

/// Evaluates some documents of one file: a partial report, without the text.
#[allow(
    clippy::too_many_arguments,
    reason = "one run of work: what it reads, what it evaluates with, what it applies"
)]
fn evaluate_documents<'d>(
    file: &Arc<str>,
    texts: &[PolicyTexts],
    documents: &'d [Document],
    evaluator: &Evaluator<'_>,
    inventory: &'d Inventory<'d>,
    wanted: &[bool],
    applied: &Applied,
    sources: &Sources,
) -> FileReport {
    let mut report = FileReport::default();
    let name = file.to_string();
    let pack = evaluator.pack();
    // Which policies ran, by index: one flag per outcome, their ids in the report at the end.
    let mut evaluated = vec![false; pack.policies.len()];
    for document in documents {
        let root = &document.root;
        let outcomes = match evaluator.evaluate_in(root, inventory, &|policy| {
            wanted.get(policy as usize).copied().unwrap_or(false)
        }) {
            Ok(outcomes) => outcomes,
            Err(Unevaluable::NotAResource) => {
                report.errors.push(InputError {
                    file: name.clone(),
                    line: root.location.start.line,
                    column: root.location.start.column,
                    message: "not a Kubernetes resource: no `apiVersion` or `kind`".to_string(),
                    policy: None,
                });
                continue;
            }
        };
        report.resources += 1;
        let resource = Arc::new(Resource::of(root));
        if applied.inline_exemptions
            && let Some((line, column, message)) = inline_problem(root)
        {
            report.errors.push(InputError {
                file: name.clone(),
                line,
                column,
                message,
                policy: None,
            });
        }
        for outcome in outcomes {
            let Some(policy) = pack.policies.get(outcome.policy as usize) else {
                continue;
            };
            if evaluator.profile {
                let entry = report.profile.entry(outcome.policy).or_default();
                entry.0 += outcome.nanos;
                entry.1 += 1;
            }
            if let Some(flag) = evaluated.get_mut(outcome.policy as usize) {
                *flag = true;
            }
            match outcome.result {
                Ok(findings) => {
                    let index = outcome.policy as usize;
                    let exemption = if findings.is_empty() {
                        None
                    } else {
                        applied.exemption(index, &policy.id, root)
                    };
                    for finding in findings {
                        let mut finding = convert(pack, texts, file, root, &resource, finding);
                        if let Some(mode) = applied.modes.get(index) {
                            finding.mode = mode.as_str();
                        }
                        match &exemption {
                            None => report.findings.push(finding),
                            Some((reason, by)) => report.exempted.push(Exempted {
                                finding,
                                reason: reason.clone(),
                                by: by.clone(),
                            }),
                        }
                    }
                }
                Err(error) => {
                    report.errors.push(InputError {
                        file: name.clone(),
                        line: root.location.start.line,
                        column: root.location.start.column,
                        message: evaluation_error(pack, policy, &resource, &error, sources),
                        policy: Some(policy.id.clone()),
                    });
                }
            }
        }
    }
    report.evaluated.extend(
        pack.policies
            .iter()
            .zip(evaluated)
            .filter(|(_, ran)| *ran)
            .map(|(policy, _)| policy.id.clone()),
    );
    report
}

/// The message of an evaluation error: the resource, what went wrong, and where in the policy.
pub(crate) fn evaluation_error(
    pack: &Pack,
    policy: &PolicyMeta,
    resource: &Resource,
    error: &EvalError,
    sources: &Sources,
) -> String {
    let span = pack
        .functions
        .get(policy.function as usize)
        .and_then(|function| function.span_at(error.pc));
    let at = span.map_or(String::new(), |(start, _)| {
        match sources.get(&policy.file) {
            Some(text) => {
                let (line, column) =
                    pol_compiler::span::LineIndex::new(text).line_column(text, start);
                format!(
                    " (policy `{}` at {}:{line}:{column})",
                    policy.id, policy.file
                )
            }
            None => format!(
                " (policy `{}`, byte {start} of `{}`)",
                policy.id, policy.file
            ),
        }
    });
    format!(
        "{} {}: {}{at}",
        resource.kind,
        resource.display_name(),
        error.message
    )
}

/// A finding of the VM as the report shows it: policy metadata, document path and position,
/// fix edits.
pub(crate) fn convert(
    pack: &Pack,
    texts: &[PolicyTexts],
    file: &Arc<str>,
    root: &pol_vm::document::Node,
    resource: &Arc<Resource>,
    finding: VmFinding<'_>,
) -> Finding {
    let site = pack.sites.get(usize::from(finding.site));
    let policy = site.and_then(|site| pack.policies.get(site.policy as usize));
    let text = site.and_then(|site| texts.get(site.policy as usize));
    let place = resolve(
        root,
        finding.place.node,
        finding.place.missing,
        site.map_or(&[][..], |site| &site.place),
    );
    let edits: Vec<Edit> = finding
        .edits
        .iter()
        .enumerate()
        .filter_map(|(index, (target, value))| {
            let edit = site?.edits.get(index)?;
            let resolved = resolve(root, target.node, target.missing, &edit.target);
            Some(Edit {
                op: match edit.kind {
                    EditKind::Set => "set",
                    EditKind::Remove => "remove",
                    EditKind::Append => "append",
                },
                path: resolved.pointer,
                value: (edit.kind != EditKind::Remove)
                    .then(|| serde_json::from_str(value).unwrap_or(serde_json::Value::Null)),
                unsafe_: edit.unsafe_,
            })
        })
        .collect();
    Finding {
        policy: text.map_or_else(|| Arc::from(""), |text| text.id.clone()),
        title: text.map_or_else(|| Arc::from(""), |text| text.title.clone()),
        severity: policy.map_or(Severity::Medium, |policy| policy.severity),
        message: finding.message,
        file: file.clone(),
        line: place.location.start.line,
        column: place.location.start.column,
        end_line: place.location.end.line,
        end_column: place.location.end.column,
        path: place.pointer,
        resource: resource.clone(),
        controls: text.map_or_else(|| Arc::from(Vec::new()), |text| text.controls.clone()),
        remediation: text.map_or_else(|| Arc::from(""), |text| text.remediation.clone()),
        fix: (!edits.is_empty()).then_some(edits),
        mode: "enforce",
    }
}
