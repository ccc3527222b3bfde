//! `pol policies list|show`: the library by id, family, severity and controls.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;

use crate::config::wildcard;
use crate::library::{self, Entry};
use crate::{Outcome, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// Policy files or directories instead of the bundled library. Repeatable.
    #[arg(long = "policies", value_name = "DIR|FILE", global = true)]
    policies: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", global = true)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Lists policies (the default), filtered by the options.
    List(Filter),
    /// Shows one policy: documentation, metadata, parameters and test cases.
    Show {
        /// The policy id.
        id: String,
    },
}

#[derive(Debug, Default, clap::Args)]
struct Filter {
    /// Only this family (directory), e.g. `pod-security` (`*` is a wildcard).
    #[arg(long)]
    family: Option<String>,
    /// Only policies at or above this severity (info, low, medium, high, critical).
    #[arg(long)]
    severity: Option<String>,
    /// Only policies mapped to a control, or to any control starting with this text
    /// (`PSS-restricted`, `CIS-K8S-1.12:5.2`, `MITRE:`), or matching a glob (`CIS-*:5.2.*`).
    #[arg(long)]
    control: Option<String>,
    /// Only policies whose id matches this text.
    #[arg(long)]
    id: Option<String>,
}

const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];

fn rank(severity: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|known| *known == severity)
        .unwrap_or(0)
}

pub fn run(args: &Args) -> Outcome {
    let files = if args.policies.is_empty() {
        library::bundled_files()
    } else {
        let (files, errors) = library::files_at(&args.policies);
        for error in &errors {
            report::error(error);
        }
        if !errors.is_empty() {
            return Outcome::Errors;
        }
        files
    };
    let (entries, problems) = library::entries(&files);
    for (file, diagnostics) in &problems {
        report::diagnostics(&file.name, &file.text, diagnostics);
    }
    let outcome = if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Errors
    };
    let default_filter = Filter::default();
    match &args.action {
        None => list(&entries, &default_filter, args.format).max(outcome),
        Some(Action::List(filter)) => list(&entries, filter, args.format).max(outcome),
        Some(Action::Show { id }) => show(&entries, id, args.format).max(outcome),
    }
}

fn list(entries: &[Entry], filter: &Filter, format: Format) -> Outcome {
    if let Some(severity) = &filter.severity
        && !SEVERITIES.contains(&severity.as_str())
    {
        report::error(&format!(
            "unknown severity `{severity}`; severities are {}",
            SEVERITIES.join(", ")
        ));
        return Outcome::Errors;
    }
    let selected: Vec<&Entry> = entries
        .iter()
        .filter(|entry| {
            filter
                .family
                .as_ref()
                .is_none_or(|family| wildcard(family, &entry.family))
        })
        .filter(|entry| {
            filter
                .severity
                .as_ref()
                .is_none_or(|min| rank(&entry.severity) >= rank(min))
        })
        .filter(|entry| {
            filter.control.as_ref().is_none_or(|control| {
                entry
                    .controls
                    .iter()
                    .any(|known| known.starts_with(control.as_str()) || wildcard(control, known))
            })
        })
        .filter(|entry| {
            filter
                .id
                .as_ref()
                .is_none_or(|id| entry.id.contains(id.as_str()))
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let value: Vec<_> = selected
                .iter()
                .map(|entry| entry_json(entry, false))
                .collect();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Text => {
            let width = selected
                .iter()
                .map(|entry| entry.id.len())
                .max()
                .unwrap_or(2)
                .max(2);
            let family_width = selected
                .iter()
                .map(|entry| entry.family.len())
                .max()
                .unwrap_or(6)
                .max(6);
            let _ = writeln!(
                out,
                "{:width$}  {:8}  {:family_width$}  {:3}  TITLE",
                "ID", "SEVERITY", "FAMILY", "ON"
            );
            for entry in &selected {
                let _ = writeln!(
                    out,
                    "{:width$}  {:8}  {:family_width$}  {:3}  {}",
                    entry.id,
                    entry.severity,
                    entry.family,
                    if entry.enabled { "yes" } else { "no" },
                    entry.title
                );
            }
            let off = selected.iter().filter(|entry| !entry.enabled).count();
            let _ = writeln!(
                out,
                "{} of {} policies ({off} off by default: turn them on with `enable` in pol.yaml)",
                selected.len(),
                entries.len()
            );
        }
    }
    Outcome::Clean
}

fn entry_json(entry: &Entry, full: bool) -> serde_json::Value {
    let mut value = json!({
        "id": entry.id,
        "title": entry.title,
        "severity": entry.severity,
        "enabled": entry.enabled,
        "category": entry.category,
        "family": entry.family,
        "controls": entry.controls,
        "tags": entry.tags,
        "file": entry.file,
        "match": entry.matches,
    });
    if full && let Some(object) = value.as_object_mut() {
        object.insert("remediation".into(), json!(entry.remediation));
        object.insert("doc".into(), json!(entry.doc));
        object.insert(
            "params".into(),
            json!(
                entry
                    .params
                    .iter()
                    .map(
                        |(name, ty, default)| json!({"name": name, "type": ty, "default": default})
                    )
                    .collect::<Vec<_>>()
            ),
        );
        object.insert(
            "tests".into(),
            match &entry.tests {
                Some((file, cases, expects)) => {
                    json!({"file": file, "cases": cases, "expected_findings": expects})
                }
                None => serde_json::Value::Null,
            },
        );
    }
    value
}

fn show(entries: &[Entry], id: &str, format: Format) -> Outcome {
    let Some(entry) = entries.iter().find(|entry| entry.id == id) else {
        let suggestion =
            pol_compiler::suggest::closest(id, entries.iter().map(|entry| entry.id.as_str()))
                .map(|known| format!("; did you mean `{known}`?"))
                .unwrap_or_default();
        report::error(&format!("no policy `{id}`{suggestion}"));
        return Outcome::Errors;
    };
    let mut out = std::io::stdout().lock();
    if let Format::Json = format {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&entry_json(entry, true)).unwrap_or_default()
        );
        return Outcome::Clean;
    }
    let mut text = String::new();
    text.push_str(&format!(
        "{}  ({}, {})\n{}\n\n",
        entry.id, entry.severity, entry.family, entry.title
    ));
    if !entry.doc.is_empty() {
        text.push_str(&entry.doc);
        text.push_str("\n\n");
    }
    text.push_str(&format!("Matches:      {}\n", entry.matches.join(", ")));
    text.push_str(&format!("Category:     {}\n", entry.category));
    if !entry.enabled {
        text.push_str("Enabled:      no (turn it on with `enable` in pol.yaml)\n");
    }
    text.push_str(&format!("Controls:     {}\n", entry.controls.join(", ")));
    if !entry.remediation.is_empty() {
        text.push_str(&format!("Remediation:  {}\n", entry.remediation));
    }
    if !entry.params.is_empty() {
        text.push_str("Parameters:\n");
        for (name, ty, default) in &entry.params {
            match default {
                Some(default) => text.push_str(&format!("  {name}: {ty} = {default}\n")),
                None => text.push_str(&format!("  {name}: {ty} (no default)\n")),
            }
        }
    }
    match &entry.tests {
        Some((file, cases, expects)) => text.push_str(&format!(
            "Tests:        {file}: {cases} cases, {expects} expected findings\n"
        )),
        None => text.push_str("Tests:        none\n"),
    }
    text.push_str(&format!("Source:       {}\n", entry.file));
    let _ = out.write_all(text.as_bytes());
    Outcome::Clean
}
