//! `pol.yaml`: what a team changes without editing policies.
//!
//! ```yaml
//! disable: [pss-host-ports, networking, "CIS-K8S-1.12:5.7.*"]  # ids, globs, families, categories, controls
//! enable: [some-policy-shipped-disabled]
//! severity:
//!   pss-host-ports: low
//! parameters:
//!   pss-host-ports:
//!     allowed_host_ports: [8080]
//! enforcement:
//!   default: enforce          # enforce | warn | audit
//!   policies:
//!     "pss-*": warn
//! exemptions:
//!   - policies: [pss-host-network]
//!     namespaces: [kube-system]
//!     names: ["cilium-*"]
//!     kinds: [DaemonSet]
//!     labels: {k8s-app: cilium}
//!     reason: the CNI agent needs the host network
//!     expires: 2027-06-30
//! inlineExemptions: true      # honour the `pol.dev/exempt` annotation
//! ```
//!
//! Everything is checked: unknown keys, policies, parameters and controls, bad severities,
//! modes, dates and parameter values are errors at their line and column with "did you
//! mean". An exemption applies to the findings of a resource that every given field matches;
//! once its date has passed it stops applying and is reported.

use std::collections::BTreeMap;

use pol_compiler::diagnostics::Code;
use pol_compiler::suggest::closest;
use pol_compiler::{Diagnostic, Span};
use pol_stdlib::time::Time;
use pol_vm::document::{Limits, Node, Value, load};
use pol_vm::interp::Constant;
use pol_vm::pack::{Pack, PatternDef, PatternKind, PolicyMeta, Severity};

/// The annotation that exempts a resource from policies: `"id, id…"` (ids or globs).
pub const EXEMPT_ANNOTATION: &str = "pol.dev/exempt";
/// The annotation that says why; an inline exemption without it does not apply.
pub const EXEMPT_REASON_ANNOTATION: &str = "pol.dev/exempt-reason";

/// How a finding is enforced at admission (`pol serve`); reported by `pol check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Enforce,
    Warn,
    Audit,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }

    fn parse(text: &str) -> Option<Mode> {
        match text {
            "enforce" => Some(Mode::Enforce),
            "warn" => Some(Mode::Warn),
            "audit" => Some(Mode::Audit),
            _ => None,
        }
    }
}

/// A string of the file with where it is.
#[derive(Debug, Clone)]
struct Spanned {
    text: String,
    span: Span,
}

#[derive(Debug, Clone)]
pub struct Exemption {
    /// Where it is written, as `file:line`.
    pub origin: String,
    policies: Vec<Spanned>,
    namespaces: Vec<String>,
    names: Vec<String>,
    kinds: Vec<String>,
    labels: BTreeMap<String, String>,
    pub reason: String,
    /// The last day it applies (`YYYY-MM-DD`), and the end of that day.
    expires: Option<(String, Time, Span)>,
}

/// A parsed, not yet validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    file: String,
    text: String,
    disable: Vec<Spanned>,
    enable: Vec<Spanned>,
    severity: Vec<(Spanned, Severity)>,
    parameters: Vec<(Spanned, Spanned, Node)>,
    default_mode: Mode,
    modes: Vec<(Spanned, Mode)>,
    exemptions: Vec<Exemption>,
    inline_exemptions: bool,
}

/// A configuration applied to a pack.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Which policies run, by policy index.
    pub enabled: Vec<bool>,
    /// The enforcement mode of each policy.
    pub modes: Vec<Mode>,
    /// Exemptions in force, each with the policies it covers.
    pub exemptions: Vec<(Exemption, Vec<bool>)>,
    /// Exemptions whose date has passed: `file:line` and the date.
    pub expired: Vec<String>,
    pub inline_exemptions: bool,
}

impl Applied {
    /// Everything enabled as the policies say, nothing exempted: no configuration.
    pub fn none(pack: &Pack) -> Applied {
        Applied {
            enabled: pack.policies.iter().map(|policy| policy.enabled).collect(),
            modes: vec![Mode::Enforce; pack.policies.len()],
            exemptions: Vec::new(),
            expired: Vec::new(),
            inline_exemptions: true,
        }
    }

    /// Why the finding of `policy` on `root` is exempted, if it is: the reason and where the
    /// exemption is written.
    pub fn exemption(&self, policy: usize, id: &str, root: &Node) -> Option<(String, String)> {
        let metadata = root.get("metadata");
        let field = |name: &str| metadata.and_then(|m| m.get(name)).and_then(Node::as_str);
        let namespace = field("namespace").unwrap_or("default");
        let name = field("name").unwrap_or("");
        let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
        let labels = metadata.and_then(|m| m.get("labels"));
        for (exemption, covers) in &self.exemptions {
            if !covers.get(policy).copied().unwrap_or(false) {
                continue;
            }
            let any = |patterns: &[String], value: &str| {
                patterns.is_empty() || patterns.iter().any(|p| wildcard(p, value))
            };
            let labelled = exemption.labels.iter().all(|(key, value)| {
                labels.and_then(|l| l.get(key)).and_then(Node::as_str) == Some(value.as_str())
            });
            if any(&exemption.namespaces, namespace)
                && any(&exemption.names, name)
                && any(&exemption.kinds, kind)
                && labelled
            {
                return Some((exemption.reason.clone(), exemption.origin.clone()));
            }
        }
        if self.inline_exemptions {
            let annotations = metadata.and_then(|m| m.get("annotations"));
            let annotation =
                |key: &str| annotations.and_then(|a| a.get(key)).and_then(Node::as_str);
            if let (Some(listed), Some(reason)) = (
                annotation(EXEMPT_ANNOTATION),
                annotation(EXEMPT_REASON_ANNOTATION),
            ) && !reason.trim().is_empty()
                && listed
                    .split([',', ' '])
                    .filter(|entry| !entry.is_empty())
                    .any(|pattern| wildcard(pattern, id))
            {
                return Some((
                    reason.trim().to_string(),
                    format!("annotation `{EXEMPT_ANNOTATION}`"),
                ));
            }
        }
        None
    }
}

/// An inline exemption that cannot apply because it gives no reason: where, and what to say.
pub fn inline_problem(root: &Node) -> Option<(u32, u32, String)> {
    let annotations = root.get("metadata")?.get("annotations")?;
    let listed = annotations.get(EXEMPT_ANNOTATION)?;
    let reason = annotations
        .get(EXEMPT_REASON_ANNOTATION)
        .and_then(Node::as_str)
        .unwrap_or("");
    if !reason.trim().is_empty() {
        return None;
    }
    Some((
        listed.location.start.line,
        listed.location.start.column,
        format!(
            "the annotation `{EXEMPT_ANNOTATION}` needs a reason in `{EXEMPT_REASON_ANNOTATION}`: the exemption does not apply"
        ),
    ))
}

fn error(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::Config, message, span)
}

fn span_of(node: &Node) -> Span {
    Span::new(node.location.start.offset, node.location.end.offset)
}

fn describe(node: &Node) -> &'static str {
    match &node.value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
    }
}

/// Reads the entries of a map node, reporting keys outside `known`.
fn entries<'n>(
    node: &'n Node,
    what: &str,
    known: &[&str],
    problems: &mut Vec<Diagnostic>,
) -> Vec<(&'n str, Span, &'n Node)> {
    let Value::Map(map) = &node.value else {
        problems.push(
            error(
                span_of(node),
                format!("{what} must be a map, not {}", describe(node)),
            )
            .with_help("write `key: value` lines below it"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map {
        let span = Span::new(key.location.start.offset, key.location.end.offset);
        if !known.is_empty() && !known.contains(&key.text.as_str()) {
            let mut problem = error(span, format!("unknown key `{}` in {what}", key.text));
            problem = match closest(&key.text, known.iter().copied()) {
                Some(best) => problem.with_help(format!("did you mean `{best}`?")),
                None => problem.with_help(format!("the keys are {}", quoted(known))),
            };
            problems.push(problem);
            continue;
        }
        out.push((key.text.as_str(), span, value));
    }
    out
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn string(node: &Node, what: &str, problems: &mut Vec<Diagnostic>) -> Option<Spanned> {
    match &node.value {
        Value::String(text) => Some(Spanned {
            text: text.clone(),
            span: span_of(node),
        }),
        _ => {
            problems.push(
                error(
                    span_of(node),
                    format!("{what} must be a string, not {}", describe(node)),
                )
                .with_help("quote it if YAML reads it as something else"),
            );
            None
        }
    }
}

/// A list of strings (a single string is a list of one).
fn strings(node: &Node, what: &str, problems: &mut Vec<Diagnostic>) -> Vec<Spanned> {
    match &node.value {
        Value::List(items) => items
            .iter()
            .filter_map(|item| string(item, what, problems))
            .collect(),
        Value::String(_) => string(node, what, problems).into_iter().collect(),
        _ => {
            problems.push(
                error(
                    span_of(node),
                    format!("{what} must be a list of strings, not {}", describe(node)),
                )
                .with_help("write `[a, b]` or one `- item` per line"),
            );
            Vec::new()
        }
    }
}

/// `YYYY-MM-DD`, a real day.
fn date(text: &str) -> Option<Time> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !shaped {
        return None;
    }
    Time::parse(&format!("{text}T23:59:59Z")).ok()
}

impl Config {
    /// Parses `text` (the file `file`). Structural problems only; names are checked by
    /// [`Config::apply`].
    pub fn parse(file: &str, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let loaded = load(text.as_bytes(), &Limits::default());
        if let Some(first) = loaded.errors.first() {
            let offset = first.position.offset;
            return Err(vec![
                error(Span::new(offset, offset), first.message.clone())
                    .with_help("pol.yaml must be valid YAML"),
            ]);
        }
        let mut config = Config {
            file: file.to_string(),
            text: text.to_string(),
            disable: Vec::new(),
            enable: Vec::new(),
            severity: Vec::new(),
            parameters: Vec::new(),
            default_mode: Mode::Enforce,
            modes: Vec::new(),
            exemptions: Vec::new(),
            inline_exemptions: true,
        };
        let Some(root) = loaded.documents.first().map(|document| &document.root) else {
            return Ok(config);
        };
        if loaded.documents.len() > 1 {
            problems.push(
                error(
                    span_of(&loaded.documents[1].root),
                    "pol.yaml holds more than one document",
                )
                .with_help("keep one configuration per file"),
            );
        }
        const KEYS: &[&str] = &[
            "disable",
            "enable",
            "severity",
            "parameters",
            "enforcement",
            "exemptions",
            "inlineExemptions",
        ];
        for (key, _, value) in entries(root, "the configuration", KEYS, &mut problems) {
            match key {
                "disable" => config.disable = strings(value, "`disable`", &mut problems),
                "enable" => config.enable = strings(value, "`enable`", &mut problems),
                "severity" => {
                    for (id, span, level) in entries(value, "`severity`", &[], &mut problems) {
                        let Some(level_text) = string(level, "a severity", &mut problems) else {
                            continue;
                        };
                        match Severity::parse(&level_text.text) {
                            Some(severity) => config.severity.push((
                                Spanned {
                                    text: id.to_string(),
                                    span,
                                },
                                severity,
                            )),
                            None => problems.push(
                                error(
                                    level_text.span,
                                    format!("unknown severity `{}`", level_text.text),
                                )
                                .with_help("use info, low, medium, high or critical"),
                            ),
                        }
                    }
                }
                "parameters" => {
                    for (id, span, values) in entries(value, "`parameters`", &[], &mut problems) {
                        let policy = Spanned {
                            text: id.to_string(),
                            span,
                        };
                        let what = format!("the parameters of `{id}`");
                        for (name, name_span, setting) in entries(values, &what, &[], &mut problems)
                        {
                            config.parameters.push((
                                policy.clone(),
                                Spanned {
                                    text: name.to_string(),
                                    span: name_span,
                                },
                                setting.clone(),
                            ));
                        }
                    }
                }
                "enforcement" => config.enforcement(value, &mut problems),
                "exemptions" => config.exemptions(value, &mut problems),
                "inlineExemptions" => match value.value {
                    Value::Bool(flag) => config.inline_exemptions = flag,
                    _ => problems.push(
                        error(
                            span_of(value),
                            format!(
                                "`inlineExemptions` must be true or false, not {}",
                                describe(value)
                            ),
                        )
                        .with_help("write `inlineExemptions: false` to ignore the annotation"),
                    ),
                },
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    fn enforcement(&mut self, node: &Node, problems: &mut Vec<Diagnostic>) {
        let mode = |value: &Node, problems: &mut Vec<Diagnostic>| {
            let text = string(value, "a mode", problems)?;
            let found = Mode::parse(&text.text);
            if found.is_none() {
                let mut problem = error(text.span, format!("unknown mode `{}`", text.text));
                problem = match closest(&text.text, ["enforce", "warn", "audit"]) {
                    Some(best) => problem.with_help(format!("did you mean `{best}`?")),
                    None => problem.with_help("use enforce, warn or audit"),
                };
                problems.push(problem);
            }
            found
        };
        for (key, _, value) in entries(node, "`enforcement`", &["default", "policies"], problems) {
            if key == "default" {
                if let Some(found) = mode(value, problems) {
                    self.default_mode = found;
                }
                continue;
            }
            for (pattern, span, value) in entries(value, "`enforcement.policies`", &[], problems) {
                if let Some(found) = mode(value, problems) {
                    self.modes.push((
                        Spanned {
                            text: pattern.to_string(),
                            span,
                        },
                        found,
                    ));
                }
            }
        }
    }

    fn exemptions(&mut self, node: &Node, problems: &mut Vec<Diagnostic>) {
        let Value::List(items) = &node.value else {
            problems.push(
                error(span_of(node), "`exemptions` must be a list")
                    .with_help("write one `- policies: […]` entry per exemption"),
            );
            return;
        };
        const KEYS: &[&str] = &[
            "policies",
            "namespaces",
            "names",
            "kinds",
            "labels",
            "reason",
            "expires",
        ];
        for item in items {
            let line = item.location.start.line;
            // Where to point at the exemption as a whole: its first key.
            let head = match &item.value {
                Value::Map(entries) => entries.first().map_or(span_of(item), |(key, _)| {
                    Span::new(key.location.start.offset, key.location.end.offset)
                }),
                _ => span_of(item),
            };
            let mut exemption = Exemption {
                origin: format!("{}:{line}", self.file),
                policies: Vec::new(),
                namespaces: Vec::new(),
                names: Vec::new(),
                kinds: Vec::new(),
                labels: BTreeMap::new(),
                reason: String::new(),
                expires: None,
            };
            let texts = |spanned: Vec<Spanned>| spanned.into_iter().map(|s| s.text).collect();
            for (key, _, value) in entries(item, "an exemption", KEYS, problems) {
                match key {
                    "policies" => exemption.policies = strings(value, "`policies`", problems),
                    "namespaces" => {
                        exemption.namespaces = texts(strings(value, "`namespaces`", problems));
                    }
                    "names" => exemption.names = texts(strings(value, "`names`", problems)),
                    "kinds" => exemption.kinds = texts(strings(value, "`kinds`", problems)),
                    "labels" => {
                        for (label, _, value) in entries(value, "`labels`", &[], problems) {
                            if let Some(text) = string(value, "a label value", problems) {
                                exemption.labels.insert(label.to_string(), text.text);
                            }
                        }
                    }
                    "reason" => {
                        if let Some(text) = string(value, "`reason`", problems) {
                            exemption.reason = text.text.trim().to_string();
                        }
                    }
                    "expires" => {
                        // YAML 1.1 may read a bare date as a string; either way, the text.
                        if let Some(text) = string(value, "`expires`", problems) {
                            match date(&text.text) {
                                Some(end) => exemption.expires = Some((text.text, end, text.span)),
                                None => problems.push(
                                    error(text.span, format!("`{}` is not a date", text.text))
                                        .with_help("write the last day it applies as YYYY-MM-DD"),
                                ),
                            }
                        }
                    }
                    _ => {}
                }
            }
            if exemption.reason.is_empty() {
                problems.push(
                    error(head, "an exemption without a `reason`")
                        .with_help("say why in `reason:`: exemptions are reviewed"),
                );
            }
            if exemption.policies.is_empty() {
                problems.push(
                    error(head, "an exemption without `policies`").with_help(
                        "name the policies it exempts (ids, globs, families or controls)",
                    ),
                );
            }
            self.exemptions.push(exemption);
        }
    }

    /// Checks every name against `pack`, sets severities and parameters in it, and says
    /// what runs, how, and what is exempted at `now`.
    pub fn apply(&self, pack: &mut Pack, now: Time) -> Result<Applied, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let names: Vec<Vec<&str>> = pack.policies.iter().map(policy_names).collect();
        let vocabulary: Vec<&str> = {
            let mut all: Vec<&str> = names.iter().flatten().copied().collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let select = |pattern: &Spanned, problems: &mut Vec<Diagnostic>| -> Vec<bool> {
            let hits: Vec<bool> = names
                .iter()
                .map(|names| names.iter().any(|name| wildcard(&pattern.text, name)))
                .collect();
            if !hits.contains(&true) {
                let what = if pattern.text.contains(':') {
                    "control"
                } else {
                    "policy"
                };
                let mut problem = error(
                    pattern.span,
                    format!("`{}` matches no {what} of the library", pattern.text),
                );
                problem = match closest(&pattern.text, vocabulary.iter().copied()) {
                    Some(best) => problem.with_help(format!("did you mean `{best}`?")),
                    None => problem.with_help(
                        "name policy ids, globs (`pss-*`), families, categories or controls; `pol policies list` shows them",
                    ),
                };
                problems.push(problem);
            }
            hits
        };
        let mut applied = Applied::none(pack);
        applied.inline_exemptions = self.inline_exemptions;
        for pattern in &self.enable {
            for (enabled, hit) in applied
                .enabled
                .iter_mut()
                .zip(select(pattern, &mut problems))
            {
                *enabled |= hit;
            }
        }
        for pattern in &self.disable {
            for (enabled, hit) in applied
                .enabled
                .iter_mut()
                .zip(select(pattern, &mut problems))
            {
                *enabled &= !hit;
            }
        }
        applied.modes = vec![self.default_mode; pack.policies.len()];
        for (pattern, mode) in &self.modes {
            for (slot, hit) in applied.modes.iter_mut().zip(select(pattern, &mut problems)) {
                if hit {
                    *slot = *mode;
                }
            }
        }
        let ids: Vec<&str> = pack
            .policies
            .iter()
            .map(|policy| policy.id.as_str())
            .collect();
        let find = |id: &Spanned, problems: &mut Vec<Diagnostic>| -> Option<usize> {
            let found = ids.iter().position(|known| *known == id.text);
            if found.is_none() {
                let mut problem = error(id.span, format!("unknown policy `{}`", id.text));
                problem = match closest(&id.text, ids.iter().copied()) {
                    Some(best) => problem.with_help(format!("did you mean `{best}`?")),
                    None => problem.with_help("`pol policies list` shows the policy ids"),
                };
                problems.push(problem);
            }
            found
        };
        let mut severities = Vec::new();
        for (id, severity) in &self.severity {
            if let Some(index) = find(id, &mut problems) {
                severities.push((index, *severity));
            }
        }
        let mut values = Vec::new();
        for (id, name, node) in &self.parameters {
            let Some(index) = find(id, &mut problems) else {
                continue;
            };
            let policy = &pack.policies[index];
            let Some(slot) = policy
                .param_names
                .iter()
                .position(|known| *known == name.text)
            else {
                let mut problem = error(
                    name.span,
                    format!("`{}` has no parameter `{}`", policy.id, name.text),
                );
                let known: Vec<&str> = policy.param_names.iter().map(String::as_str).collect();
                problem = match (closest(&name.text, known.iter().copied()), known.is_empty()) {
                    (Some(best), _) => problem.with_help(format!("did you mean `{best}`?")),
                    (None, true) => {
                        problem.with_help(format!("`{}` takes no parameters", policy.id))
                    }
                    (None, false) => {
                        problem.with_help(format!("its parameters are {}", quoted(&known)))
                    }
                };
                problems.push(problem);
                continue;
            };
            let ty = policy.param_types.get(slot).map_or("any", String::as_str);
            match constant(node, ty, &mut pack.patterns) {
                Ok(value) => values.push((index, slot, value)),
                Err((span, message)) => problems.push(
                    error(span, format!("`{}.{}`: {message}", policy.id, name.text))
                        .with_help(format!("give a value of type `{ty}`")),
                ),
            }
        }
        for exemption in &self.exemptions {
            let mut covers = vec![false; pack.policies.len()];
            for pattern in &exemption.policies {
                for (slot, hit) in covers.iter_mut().zip(select(pattern, &mut problems)) {
                    *slot |= hit;
                }
            }
            match &exemption.expires {
                Some((text, end, _)) if *end < now => applied.expired.push(format!(
                    "the exemption at {} expired on {text} and no longer applies",
                    exemption.origin
                )),
                _ => applied.exemptions.push((exemption.clone(), covers)),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        for (index, severity) in severities {
            pack.policies[index].severity = severity;
        }
        for (index, slot, value) in values {
            if let Some(param) = pack.policies[index].params.get_mut(slot) {
                *param = value;
            }
        }
        Ok(applied)
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The names a policy answers to in patterns: its id, its family (directory), its category
/// and its controls.
pub fn policy_names(policy: &PolicyMeta) -> Vec<&str> {
    [
        policy.id.as_str(),
        family_of(&policy.file),
        policy.category.as_str(),
    ]
    .into_iter()
    .filter(|name| !name.is_empty())
    .chain(policy.controls.iter().map(String::as_str))
    .collect()
}

/// The directory a policy file is in: its family.
pub fn family_of(file: &str) -> &str {
    let parent = file.rsplit_once('/').map_or("", |(dir, _)| dir);
    parent.rsplit_once('/').map_or(parent, |(_, last)| last)
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A configuration value as a parameter of type `ty` (as written in the policy). Globs and
/// regexes are checked here and added to the pack's `patterns`. An error names the innermost
/// value at fault.
pub(crate) fn constant(
    node: &Node,
    ty: &str,
    patterns: &mut Vec<PatternDef>,
) -> Result<Constant, (Span, String)> {
    let ty = ty.trim();
    if let Some(inner) = ty.strip_suffix('?') {
        return match node.value {
            Value::Null => Ok(Constant::Null),
            _ => constant(node, inner, patterns),
        };
    }
    let generic = |name: &str| {
        ty.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('<'))
            .and_then(|rest| rest.strip_suffix('>'))
    };
    let wrong = || {
        (
            span_of(node),
            format!("expected `{ty}`, found {}", describe(node)),
        )
    };
    if let Some(item) = generic("list") {
        let Value::List(items) = &node.value else {
            return Err(wrong());
        };
        return items
            .iter()
            .map(|item_node| constant(item_node, item, patterns))
            .collect::<Result<_, _>>()
            .map(Constant::List);
    }
    if let Some(item) = generic("map") {
        let Value::Map(entries) = &node.value else {
            return Err(wrong());
        };
        return entries
            .iter()
            .map(|(key, value)| {
                Ok((
                    key.text.clone().into_boxed_str(),
                    constant(value, item, patterns)?,
                ))
            })
            .collect::<Result<_, _>>()
            .map(Constant::Map);
    }
    scalar(node, ty, patterns).map_err(|message| (span_of(node), message))
}

/// A configuration value as a parameter of a type that is not a list or a map.
fn scalar(node: &Node, ty: &str, patterns: &mut Vec<PatternDef>) -> Result<Constant, String> {
    let wrong = || format!("expected `{ty}`, found {}", describe(node));
    match (ty, &node.value) {
        ("any", _) => Ok(any(node)),
        ("int", Value::Int(number)) => Ok(Constant::Int(*number)),
        ("float", Value::Int(number)) => Ok(Constant::Float(*number as f64)),
        ("float", Value::Float(number)) => Ok(Constant::Float(*number)),
        ("bool", Value::Bool(flag)) => Ok(Constant::Bool(*flag)),
        ("string", Value::String(text)) => Ok(Constant::Str(text.clone().into_boxed_str())),
        ("quantity", Value::String(text)) => pol_stdlib::quantity::Quantity::parse(text)
            .map(|_| Constant::Str(text.clone().into_boxed_str()))
            .map_err(|problem| format!("`{text}` is not a quantity: {problem}")),
        ("quantity", Value::Int(number)) => Ok(Constant::Int(*number)),
        ("duration", Value::String(text)) => pol_stdlib::duration::Duration::parse(text)
            .map(|_| Constant::Str(text.clone().into_boxed_str()))
            .map_err(|problem| format!("`{text}` is not a duration: {problem}")),
        ("glob" | "regex", Value::String(text)) => {
            let kind = if ty == "glob" {
                pol_stdlib::pattern::Glob::parse(text).map_err(|problem| problem.to_string())?;
                PatternKind::Glob
            } else {
                pol_stdlib::pattern::regex(text).map_err(|problem| problem.to_string())?;
                PatternKind::Regex
            };
            let id = match patterns
                .iter()
                .position(|known| known.kind == kind && known.text == *text)
            {
                Some(id) => id,
                None => {
                    patterns.push(PatternDef {
                        kind,
                        text: text.clone(),
                    });
                    patterns.len() - 1
                }
            };
            u32::try_from(id)
                .map(Constant::Pattern)
                .map_err(|_| "too many patterns".to_owned())
        }
        ("int" | "float" | "bool" | "string" | "quantity" | "duration" | "glob" | "regex", _) => {
            Err(wrong())
        }
        _ => Err(format!(
            "parameters of type `{ty}` cannot be set from a configuration file"
        )),
    }
}

fn any(node: &Node) -> Constant {
    match &node.value {
        Value::Null => Constant::Null,
        Value::Bool(flag) => Constant::Bool(*flag),
        Value::Int(number) => Constant::Int(*number),
        Value::Float(number) => Constant::Float(*number),
        Value::String(text) => Constant::Str(text.clone().into_boxed_str()),
        Value::List(items) => Constant::List(items.iter().map(any).collect()),
        Value::Map(entries) => Constant::Map(
            entries
                .iter()
                .map(|(key, value)| (key.text.clone().into_boxed_str(), any(value)))
                .collect(),
        ),
    }
}
