//! The policy library: the bundled one (built into the binary by `build.rs`) or policies
//! given on the command line, as entries that commands list and show.

use std::path::PathBuf;

use pol_compiler::ast::{MatchTarget, MetaValue, Policy, PolicyItem, StringPart};
use pol_compiler::format::format_expression;
use pol_compiler::{Diagnostic, parse};

use crate::files::{self, Input};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// A source file of a library.
#[derive(Debug, Clone)]
pub struct LibraryFile {
    /// As shown to users: `pod-security/privileged.pol` for the bundled library, the path
    /// otherwise.
    pub name: String,
    pub text: String,
}

/// The bundled library compiled at build time for the default Kubernetes version and the
/// bundled frameworks; `None` when the build could not compile it or the pack does not read
/// back (then callers compile the text).
pub fn bundled_pack() -> Option<pol_vm::pack::Pack> {
    bundled::PACK.and_then(|bytes| pol_vm::pack::Pack::read(bytes).ok())
}

/// The bundled library's files (policies, test manifests, frameworks).
pub fn bundled_files() -> Vec<LibraryFile> {
    bundled::FILES
        .iter()
        .map(|(name, text)| LibraryFile {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect()
}

/// One policy of a library, described.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    /// The directory the policy lives in (`pod-security`), or `""`.
    pub family: String,
    pub file: String,
    pub title: String,
    pub severity: String,
    pub category: String,
    pub controls: Vec<String>,
    pub tags: Vec<String>,
    pub remediation: String,
    /// Runs unless configured otherwise (`enabled false` makes a policy opt-in).
    pub enabled: bool,
    pub doc: String,
    /// `name: type = default`
    pub params: Vec<(String, String, Option<String>)>,
    pub matches: Vec<String>,
    /// The test manifests beside the policy: (file, cases, expected findings).
    pub tests: Option<(String, usize, usize)>,
}

/// Files that could not be read or parsed, with their diagnostics.
pub type Problems = Vec<(LibraryFile, Vec<Diagnostic>)>;

/// Describes every policy in `files`.
pub fn entries(files: &[LibraryFile]) -> (Vec<Entry>, Problems) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for file in files.iter().filter(|file| file.name.ends_with(".pol")) {
        let parsed = parse(&file.text);
        if parsed.has_errors() {
            problems.push((file.clone(), parsed.diagnostics));
            continue;
        }
        let test_name = format!("{}.test.yaml", file.name.trim_end_matches(".pol"));
        let test_file = files.iter().find(|other| other.name == test_name);
        let cases = test_file.map_or(0, |test| {
            test.text
                .lines()
                .filter(|line| line.trim_start().starts_with("# case:"))
                .count()
        });
        for policy in &parsed.file.policies {
            let marker = format!("# expect: {}", policy.name.text);
            let tests = test_file.map(|test| {
                let expects = test
                    .text
                    .lines()
                    .filter(|line| line.contains(&marker))
                    .count();
                (test.name.clone(), cases, expects)
            });
            entries.push(describe(file, policy, tests));
        }
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    (entries, problems)
}

fn text_of(value: &MetaValue) -> String {
    text_with(value, &[])
}

/// A metadata value as text; an interpolated parameter shows its default.
fn text_with(value: &MetaValue, params: &[(String, String, Option<String>)]) -> String {
    match value {
        MetaValue::Str(lit) => lit
            .parts
            .iter()
            .map(|part| match part {
                StringPart::Text(text) => text.clone(),
                StringPart::Interp(expr) => {
                    let default = match &expr.kind {
                        pol_compiler::ast::ExprKind::Name(name) => params
                            .iter()
                            .find(|(param, _, _)| param == name)
                            .and_then(|(_, _, default)| default.as_ref()),
                        _ => None,
                    };
                    match default {
                        Some(default) => default.trim_matches('"').to_string(),
                        None => format!("{{{}}}", format_expression(expr)),
                    }
                }
            })
            .collect(),
        MetaValue::Word(word) => word.text.clone(),
        MetaValue::Int(value, _) => value.to_string(),
        MetaValue::Float(value, _) => value.to_string(),
        MetaValue::Bool(value, _) => value.to_string(),
        MetaValue::List(items, _) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
    }
}

fn list_of(value: &MetaValue) -> Vec<String> {
    match value {
        MetaValue::List(items, _) => items.iter().map(text_of).collect(),
        other => vec![text_of(other)],
    }
}

fn type_text(ty: &pol_compiler::ast::TypeExpr) -> String {
    use pol_compiler::ast::TypeKind;
    match &ty.kind {
        TypeKind::Named { name, args } if args.is_empty() => name.text.clone(),
        TypeKind::Named { name, args } => format!(
            "{}<{}>",
            name.text,
            args.iter().map(type_text).collect::<Vec<_>>().join(", ")
        ),
        TypeKind::Optional(inner) => format!("{}?", type_text(inner)),
    }
}

fn describe(file: &LibraryFile, policy: &Policy, tests: Option<(String, usize, usize)>) -> Entry {
    let mut entry = Entry {
        id: policy.name.text.clone(),
        family: file
            .name
            .rsplit_once('/')
            .map(|(dir, _)| dir.rsplit('/').next().unwrap_or(dir).to_string())
            .unwrap_or_default(),
        file: file.name.clone(),
        title: String::new(),
        severity: String::new(),
        category: String::new(),
        controls: Vec::new(),
        tags: Vec::new(),
        remediation: String::new(),
        enabled: true,
        doc: policy.doc.clone().unwrap_or_default(),
        params: Vec::new(),
        matches: Vec::new(),
        tests,
    };
    let mut title = None;
    for item in &policy.items {
        match item {
            PolicyItem::Meta(meta) => match meta.key.text.as_str() {
                "title" => title = Some(&meta.value),
                "severity" => entry.severity = text_of(&meta.value),
                "category" => entry.category = text_of(&meta.value),
                "controls" => entry.controls = list_of(&meta.value),
                "tags" => entry.tags = list_of(&meta.value),
                "remediation" => entry.remediation = text_of(&meta.value),
                "enabled" => entry.enabled = !matches!(meta.value, MetaValue::Bool(false, _)),
                _ => {}
            },
            PolicyItem::Param(param) => entry.params.push((
                param.name.text.clone(),
                type_text(&param.ty),
                param.default.as_ref().map(format_expression),
            )),
            PolicyItem::Match(found) => {
                for target in &found.targets {
                    entry.matches.push(match target {
                        MatchTarget::Workload(_) => "workload".to_string(),
                        MatchTarget::Every(_) => "*".to_string(),
                        MatchTarget::Kind { kind, .. } => kind.text.clone(),
                    });
                }
            }
            PolicyItem::Stmt(_) => {}
        }
    }
    if let Some(title) = title {
        entry.title = text_with(title, &entry.params);
    }
    entry
}

/// The files of the libraries at `paths` (`.pol`, `.test.yaml`, framework `.yaml`).
pub fn files_at(paths: &[PathBuf]) -> (Vec<LibraryFile>, Vec<String>) {
    let (inputs, walk_errors) = files::collect(paths, &["pol", "yaml"]);
    let mut errors: Vec<String> = walk_errors
        .iter()
        .map(|failure| {
            format!(
                "cannot read `{}`: {}",
                failure.path.display(),
                failure.error
            )
        })
        .collect();
    let mut out = Vec::new();
    for input in inputs {
        let Input::File(path) = &input else {
            continue;
        };
        match std::fs::read_to_string(path) {
            Ok(text) => out.push(LibraryFile {
                name: path.display().to_string(),
                text,
            }),
            Err(error) => errors.push(format!("cannot read `{}`: {error}", path.display())),
        }
    }
    (out, errors)
}
