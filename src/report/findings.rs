//! Reports of `pol check`: the model (owned, ordered) and its formats — text for people,
//! JSON for tools (documented in `docs/output.md`), SARIF 2.1.0 for code scanning, JUnit XML
//! for CI test reports, and GitHub Actions workflow commands.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use pol_vm::document::Node;
use pol_vm::pack::{Pack, PolicyMeta, Severity};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Problems not tied to one file (paths that cannot be walked).
    pub errors: Vec<InputError>,
    /// The policies of the pack (for SARIF rules).
    pub policies: Vec<PolicyMeta>,
    /// Things the user should know that are not errors (expired exemptions).
    pub warnings: Vec<String>,
    /// Whether exempted findings are listed (they are always counted).
    pub show_exempted: bool,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|file| &file.findings)
    }

    pub fn exempted_count(&self) -> usize {
        self.files.iter().map(|file| file.exempted.len()).sum()
    }

    fn all_errors(&self) -> impl Iterator<Item = &InputError> {
        self.errors
            .iter()
            .chain(self.files.iter().flat_map(|file| &file.errors))
    }
}

/// What one input file held.
#[derive(Debug, Default)]
pub struct FileReport {
    pub name: String,
    /// The text, for showing lines (absent when it is not UTF-8).
    pub text: Option<String>,
    pub resources: usize,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    /// Ids of the policies that ran on at least one resource of the file.
    pub evaluated: BTreeSet<String>,
    pub exempted: Vec<Exempted>,
    /// With `--profile`: evaluation time (ns) and runs, by policy index.
    pub profile: BTreeMap<u32, (u64, u64)>,
}

/// What every finding of one policy shows of it, shared rather than copied per finding.
#[derive(Debug, Clone)]
pub struct PolicyTexts {
    pub id: Arc<str>,
    pub title: Arc<str>,
    pub controls: Arc<[String]>,
    pub remediation: Arc<str>,
}

impl PolicyTexts {
    /// One per policy of `pack`, by policy index.
    pub fn of(pack: &Pack) -> Vec<PolicyTexts> {
        pack.policies
            .iter()
            .map(|policy| PolicyTexts {
                id: Arc::from(policy.id.as_str()),
                title: Arc::from(policy.title.as_str()),
                controls: Arc::from(policy.controls.as_slice()),
                remediation: Arc::from(policy.remediation.as_str()),
            })
            .collect()
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Resource {
    pub fn of(root: &Node) -> Resource {
        let text = |node: Option<&Node>| node.and_then(Node::as_str).map(str::to_string);
        let metadata = root.get("metadata");
        Resource {
            api_version: text(root.get("apiVersion")).unwrap_or_default(),
            kind: text(root.get("kind")).unwrap_or_default(),
            namespace: text(metadata.and_then(|m| m.get("namespace"))),
            name: text(
                metadata
                    .and_then(|m| m.get("name"))
                    .or_else(|| metadata.and_then(|m| m.get("generateName"))),
            ),
        }
    }

    /// `namespace/name`, or `name`.
    pub fn display_name(&self) -> String {
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        match &self.namespace {
            Some(namespace) => format!("{namespace}/{name}"),
            None => name.to_string(),
        }
    }
}

/// One edit of a fix: a JSON-Patch-like operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub op: &'static str,
    pub path: String,
    pub value: Option<Value>,
    pub unsafe_: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Shared by every finding of the policy (a scan may report a hundred thousand).
    pub policy: Arc<str>,
    pub title: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// JSON pointer of the offending field.
    pub path: String,
    /// Shared by every finding on the resource.
    pub resource: Arc<Resource>,
    pub controls: Arc<[String]>,
    pub remediation: Arc<str>,
    pub fix: Option<Vec<Edit>>,
    /// How the policy is enforced at admission: `enforce`, `warn` or `audit`.
    pub mode: &'static str,
}

/// A finding an exemption covers: counted, listed on request, never failing the check.
#[derive(Debug, Clone, PartialEq)]
pub struct Exempted {
    pub finding: Finding,
    pub reason: String,
    /// Where the exemption is written (`pol.yaml:12`, or the annotation).
    pub by: String,
}

/// A manifest that could not be read or evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based; 0 when the error is about the whole file.
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// The policy that failed, for evaluation errors.
    pub policy: Option<String>,
}

impl InputError {
    pub fn whole(file: &str, message: String) -> InputError {
        InputError {
            file: file.to_string(),
            line: 0,
            column: 0,
            message,
            policy: None,
        }
    }

    fn place(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// Writes the report in `format` to `out`. JSON and SARIF go out piece by piece: their
/// findings are rendered in chunks on every core, and the chunks are written in order, each
/// freed once written, so the whole report (a hundred megabytes for 100,000 findings) is
/// never joined into one string.
pub fn write(report: &Report, format: Format, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Text => out.write_all(text(report).as_bytes()),
        Format::Json => json_report(report, out),
        Format::Sarif => sarif(report, out),
        Format::Junit => out.write_all(junit(report).as_bytes()),
        Format::Github => out.write_all(github(report).as_bytes()),
    }
}

// ---- text ----

fn text(report: &Report) -> String {
    let mut out = String::new();
    for file in &report.files {
        // Line starts, computed once per file: findings show their line.
        let lines: Vec<&str> = file
            .text
            .as_deref()
            .map(|text| text.lines().collect())
            .unwrap_or_default();
        for finding in &file.findings {
            let _ = writeln!(
                out,
                "{}[{}]: {}",
                finding.severity.as_str(),
                finding.policy,
                finding.message
            );
            let _ = writeln!(
                out,
                "  --> {}:{}:{}",
                finding.file, finding.line, finding.column
            );
            if let Some(line) = lines.get(finding.line.saturating_sub(1) as usize) {
                let number = finding.line.to_string();
                let gutter = " ".repeat(number.len());
                let width =
                    if finding.end_line == finding.line && finding.end_column > finding.column {
                        (finding.end_column - finding.column) as usize
                    } else {
                        1
                    };
                let _ = writeln!(out, "{gutter} |");
                let _ = writeln!(out, "{number} | {}", line.trim_end());
                let _ = writeln!(
                    out,
                    "{gutter} | {}{}",
                    " ".repeat(finding.column.saturating_sub(1) as usize),
                    "^".repeat(width)
                );
                let _ = writeln!(
                    out,
                    "{gutter} = resource: {} {}",
                    finding.resource.kind,
                    finding.resource.display_name()
                );
                if !finding.remediation.is_empty() {
                    let _ = writeln!(out, "{gutter} = help: {}", finding.remediation);
                }
            }
            out.push('\n');
        }
    }
    if report.show_exempted {
        for exempted in report.files.iter().flat_map(|file| &file.exempted) {
            let finding = &exempted.finding;
            let _ = writeln!(
                out,
                "exempted[{}]: {}\n  --> {}:{}:{}\n  = resource: {} {}\n  = exempted by {}: {}\n",
                finding.policy,
                finding.message,
                finding.file,
                finding.line,
                finding.column,
                finding.resource.kind,
                finding.resource.display_name(),
                exempted.by,
                exempted.reason
            );
        }
    }
    for error in report.all_errors() {
        let _ = writeln!(out, "error: {}: {}", error.place(), error.message);
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    let exempted = report.exempted_count();
    let findings = report.findings().count();
    let resources: usize = report.files.iter().map(|file| file.resources).sum();
    let mut counts = Vec::new();
    for severity in Severity::ALL.iter().rev() {
        let count = report
            .findings()
            .filter(|finding| finding.severity == *severity)
            .count();
        if count > 0 {
            counts.push(format!("{count} {}", severity.as_str()));
        }
    }
    let errors = report.all_errors().count();
    let _ = writeln!(
        out,
        "{findings} finding{} in {resources} resource{} ({} file{}){}{}",
        plural(findings),
        plural(resources),
        report.files.len(),
        plural(report.files.len()),
        if counts.is_empty() {
            String::new()
        } else {
            format!(": {}", counts.join(", "))
        },
        if errors == 0 {
            String::new()
        } else {
            format!("; {errors} error{}", plural(errors))
        }
    );
    if exempted > 0 {
        let _ = writeln!(
            out,
            "{exempted} finding{} exempted{}",
            plural(exempted),
            if report.show_exempted {
                ""
            } else {
                " (list them with --show-exempted)"
            }
        );
    }
    out
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

// ---- JSON ----

fn finding_json(finding: &Finding) -> Value {
    let mut value = json!({
        "policy": &*finding.policy,
        "title": &*finding.title,
        "severity": finding.severity.as_str(),
        "message": finding.message,
        "file": &*finding.file,
        "line": finding.line,
        "column": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "path": finding.path,
        "resource": {
            "apiVersion": finding.resource.api_version,
            "kind": finding.resource.kind,
            "namespace": finding.resource.namespace,
            "name": finding.resource.name,
        },
        "controls": &*finding.controls,
        "remediation": &*finding.remediation,
        "mode": finding.mode,
    });
    if let (Some(edits), Some(object)) = (&finding.fix, value.as_object_mut()) {
        let edits: Vec<Value> = edits
            .iter()
            .map(|edit| {
                let mut entry = json!({"op": edit.op, "path": edit.path, "unsafe": edit.unsafe_});
                if let (Some(value), Some(object)) = (&edit.value, entry.as_object_mut()) {
                    object.insert("value".to_string(), value.clone());
                }
                entry
            })
            .collect();
        object.insert("fix".to_string(), Value::Array(edits));
    }
    value
}

/// Where a big array goes in a document printed by [`spliced`].
const SPLICE: &str = "@@pol-splice@@";

/// Writes `value` pretty-printed, with the string [`SPLICE`] under `key` replaced by the
/// array of `items`, each rendered by `render` on every core, then a newline. Same text as
/// printing the whole tree (the items are indented to their depth), without building and
/// printing a tree of every finding on one core (a scan with 100,000 findings spent seconds
/// and a gigabyte there), and without joining the pieces into one string.
fn spliced<T: Sync>(
    value: &Value,
    key: &str,
    items: &[T],
    render: impl Fn(&T) -> Value + Sync,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    // Strings in the output have their quotes escaped, so this is the key's own line.
    let marker = format!("\"{key}\": \"{SPLICE}\"");
    let Some(at) = text.find(&marker) else {
        out.write_all(text.as_bytes())?;
        return out.write_all(b"\n");
    };
    let line_start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
    let indent = " ".repeat(at - line_start + 2);
    let chunks: Vec<&[T]> = items.chunks(256).collect();
    let rendered = crate::parallel::parallel_map(&chunks, |chunk| {
        let mut text = String::new();
        for item in *chunk {
            if !text.is_empty() {
                text.push_str(",\n");
            }
            let pretty = serde_json::to_string_pretty(&render(item)).unwrap_or_default();
            for (index, line) in pretty.lines().enumerate() {
                if index > 0 {
                    text.push('\n');
                }
                text.push_str(&indent);
                text.push_str(line);
            }
        }
        text
    });
    let start = at + key.len() + 4;
    let rest = at + marker.len();
    out.write_all(&text.as_bytes()[..start])?;
    if items.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[\n")?;
        // Each piece is freed once written.
        for (index, piece) in rendered.into_iter().enumerate() {
            if index > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(piece.as_bytes())?;
        }
        out.write_all(b"\n")?;
        out.write_all(&indent.as_bytes()[..indent.len() - 2])?;
        out.write_all(b"]")?;
    }
    out.write_all(&text.as_bytes()[rest..])?;
    out.write_all(b"\n")
}

fn json_report(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let findings: Vec<&Finding> = report.findings().collect();
    let errors: Vec<Value> = report
        .all_errors()
        .map(|error| {
            json!({
                "file": error.file,
                "line": error.line,
                "column": error.column,
                "message": error.message,
                "policy": error.policy,
            })
        })
        .collect();
    let mut by_severity = serde_json::Map::new();
    for severity in Severity::ALL {
        let count = report
            .findings()
            .filter(|finding| finding.severity == severity)
            .count();
        by_severity.insert(severity.as_str().to_string(), json!(count));
    }
    let mut value = json!({
        "version": 1,
        "findings": SPLICE,
        "errors": errors,
        "warnings": report.warnings,
        "summary": {
            "files": report.files.len(),
            "resources": report.files.iter().map(|file| file.resources).sum::<usize>(),
            "findings": report.findings().count(),
            "exempted": report.exempted_count(),
            "errors": report.all_errors().count(),
            "bySeverity": by_severity,
        },
    });
    if report.show_exempted
        && let Some(object) = value.as_object_mut()
    {
        let exempted: Vec<Value> = report
            .files
            .iter()
            .flat_map(|file| &file.exempted)
            .map(|exempted| {
                let mut entry = finding_json(&exempted.finding);
                if let Some(fields) = entry.as_object_mut() {
                    fields.insert(
                        "exemption".to_string(),
                        json!({"reason": exempted.reason, "by": exempted.by}),
                    );
                }
                entry
            })
            .collect();
        object.insert("exempted".to_string(), Value::Array(exempted));
    }
    spliced(
        &value,
        "findings",
        &findings,
        |finding| finding_json(finding),
        out,
    )
}

// ---- SARIF 2.1.0 ----

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` (a CVSS-like score).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn sarif(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let reported: std::collections::HashSet<&str> =
        report.findings().map(|finding| &*finding.policy).collect();
    let mut used: Vec<&PolicyMeta> = report
        .policies
        .iter()
        .filter(|policy| reported.contains(policy.id.as_str()))
        .collect();
    used.sort_by(|a, b| a.id.cmp(&b.id));
    used.dedup_by(|a, b| a.id == b.id);
    let rules: Vec<Value> = used
        .iter()
        .map(|policy| {
            let mut tags = vec!["security".to_string(), "kubernetes".to_string()];
            tags.extend(policy.controls.iter().cloned());
            json!({
                "id": policy.id,
                "name": policy.id,
                "shortDescription": {"text": policy.title},
                "fullDescription": {"text": if policy.description.is_empty() { &policy.title } else { &policy.description }},
                "help": {"text": if policy.remediation.is_empty() { &policy.title } else { &policy.remediation }},
                "defaultConfiguration": {"level": sarif_level(policy.severity)},
                "properties": {
                    "tags": tags,
                    "security-severity": security_severity(policy.severity),
                },
            })
        })
        .collect();
    let findings: Vec<&Finding> = report.findings().collect();
    let result = |finding: &&Finding| {
        let index = used.iter().position(|policy| *policy.id == *finding.policy);
        let mut region = json!({
            "startLine": finding.line.max(1),
            "startColumn": finding.column.max(1),
        });
        if finding.end_line >= finding.line
            && (finding.end_line > finding.line || finding.end_column > finding.column)
            && let Some(object) = region.as_object_mut()
        {
            object.insert("endLine".to_string(), json!(finding.end_line));
            object.insert("endColumn".to_string(), json!(finding.end_column));
        }
        let mut result = json!({
            "ruleId": &*finding.policy,
            "level": sarif_level(finding.severity),
            "message": {"text": format!(
                "{} ({} {})",
                finding.message,
                finding.resource.kind,
                finding.resource.display_name()
            )},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(&finding.file)},
                    "region": region,
                },
                "logicalLocations": [{
                    "fullyQualifiedName": format!("{}/{}{}", finding.resource.kind, finding.resource.display_name(), finding.path),
                    "kind": "resource",
                }],
            }],
            "partialFingerprints": {
                "polFinding/v1": format!("{}:{}/{}:{}", finding.policy, finding.resource.kind, finding.resource.display_name(), finding.path),
            },
        });
        if let (Some(index), Some(object)) = (index, result.as_object_mut()) {
            object.insert("ruleIndex".to_string(), json!(index));
        }
        result
    };
    let notifications: Vec<Value> = report
        .all_errors()
        .map(|error| {
            let mut notification = json!({
                "level": "error",
                "message": {"text": error.message},
            });
            if let Some(object) = notification.as_object_mut() {
                let mut location = json!({"artifactLocation": {"uri": uri(&error.file)}});
                if error.line > 0
                    && let Some(inner) = location.as_object_mut()
                {
                    inner.insert(
                        "region".to_string(),
                        json!({"startLine": error.line, "startColumn": error.column.max(1)}),
                    );
                }
                object.insert(
                    "locations".to_string(),
                    json!([{"physicalLocation": location}]),
                );
            }
            notification
        })
        .collect();
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pol",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/pol-policy/pol",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.all_errors().next().is_none(),
                "toolExecutionNotifications": notifications,
            }],
            "results": SPLICE,
        }],
    });
    spliced(&value, "results", &findings, result, out)
}

/// A relative URI for a path (SARIF wants forward slashes and percent-encoding).
fn uri(path: &str) -> String {
    let mut out = String::new();
    for byte in path.trim_start_matches("./").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            b'\\' => out.push('/'),
            other => {
                let _ = write!(out, "%{other:02X}");
            }
        }
    }
    out
}

// ---- JUnit XML ----

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn junit(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = report.files.iter().map(|file| file.evaluated.len()).sum();
    let failures: usize = report
        .files
        .iter()
        .map(|file| {
            file.evaluated
                .iter()
                .filter(|id| file.findings.iter().any(|finding| *finding.policy == ***id))
                .count()
        })
        .sum();
    let errors = report.all_errors().count();
    let _ = writeln!(
        out,
        "<testsuites name=\"pol\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for file in &report.files {
        let failed: Vec<&String> = file
            .evaluated
            .iter()
            .filter(|id| file.findings.iter().any(|finding| *finding.policy == ***id))
            .collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            xml(&file.name),
            file.evaluated.len(),
            failed.len(),
            file.errors.len()
        );
        for id in &file.evaluated {
            let findings: Vec<&Finding> = file
                .findings
                .iter()
                .filter(|finding| *finding.policy == **id)
                .collect();
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\"",
                xml(id),
                xml(&file.name)
            );
            if findings.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let body: Vec<String> = findings
                .iter()
                .map(|finding| {
                    format!(
                        "{}:{}:{}: {} {}: {}",
                        finding.file,
                        finding.line,
                        finding.column,
                        finding.resource.kind,
                        finding.resource.display_name(),
                        finding.message
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                findings[0].severity.as_str(),
                xml(&findings[0].message),
                xml(&body.join("\n"))
            );
            out.push_str("    </testcase>\n");
        }
        for error in &file.errors {
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\">\n      <error message=\"{}\"/>\n    </testcase>",
                xml(&format!("load {}", error.place())),
                xml(&file.name),
                xml(&error.message)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

// ---- GitHub Actions ----

/// Escapes a workflow command's data (`%`, CR, LF) or property (also `:` and `,`).
fn github_escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

fn github(report: &Report) -> String {
    let mut out = String::new();
    for finding in report.findings() {
        let command = match finding.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            github_escape(&finding.file, true),
            finding.line,
            finding.column,
            github_escape(
                &format!("{} ({})", finding.policy, finding.severity.as_str()),
                true
            ),
            github_escape(
                &format!(
                    "{} ({} {})",
                    finding.message,
                    finding.resource.kind,
                    finding.resource.display_name()
                ),
                false
            )
        );
    }
    for error in report.all_errors() {
        let location = if error.line > 0 {
            format!(",line={},col={}", error.line, error.column)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "::error file={}{location}::{}",
            github_escape(&error.file, true),
            github_escape(&error.message, false)
        );
    }
    out
}
