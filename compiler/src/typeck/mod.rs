//! The type checker: every field path, comparison, condition and call of a policy is checked
//! against the Kubernetes schemas of the kinds it matches.
//!
//! A policy that matches several kinds is checked once per kind, with `resource` typed as that
//! kind; a diagnostic that holds for only some kinds names them. Reading a Kubernetes field
//! gives an optional value (`T?`) unless the schema marks it required: equality, `in` and
//! `matches` accept optionals (absent equals nothing), while ordering, arithmetic and
//! conditions need a value, so the author must say what absent means (`x ?? default`,
//! `x == true`).

mod builtins;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::ast::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::schema::{KindInfo, ObjectId, Schemas, WORKLOADS};
use crate::span::Span;
use crate::suggest::closest;
use crate::types::Ty;
use builtins::SigTy;

pub use builtins::{named_type, parse_signature};

/// What the checker found.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub policies: Vec<PolicyInfo>,
    /// Spans of the field names that resolved against a schema (for tools and tests).
    pub schema_fields: Vec<Span>,
    /// Operations (by the span of the expression) whose operands are quantities, durations
    /// or times: the lowering calls the host for them instead of the plain instruction.
    pub classes: HashMap<Span, OpClass>,
    /// Spans of the names of `pod.allContainers` reads (the lowering joins the three lists).
    pub all_containers: HashSet<Span>,
    /// `others(Kind)` calls, by the span of the call: the API group and kind they ask for.
    pub queries: HashMap<Span, (String, String)>,
}

/// The kind of value an operation works on, when it is not plain numbers or strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpClass {
    Quantity,
    Duration,
    Time,
}

impl OpClass {
    pub fn as_str(self) -> &'static str {
        match self {
            OpClass::Quantity => "quantity",
            OpClass::Duration => "duration",
            OpClass::Time => "time",
        }
    }

    fn of(a: &Ty, b: &Ty) -> Option<OpClass> {
        [a.required(), b.required()]
            .into_iter()
            .find_map(|ty| match ty {
                Ty::Quantity => Some(OpClass::Quantity),
                Ty::Duration => Some(OpClass::Duration),
                Ty::Time => Some(OpClass::Time),
                _ => None,
            })
    }
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// A checked policy's kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    pub name: String,
    /// `(apiVersion, kind)` of every matched kind.
    pub kinds: Vec<(String, String)>,
}

/// Type-checks every policy of `file` (parsed from `source`) against `schemas`.
pub fn check(source: &str, file: &File, schemas: &Schemas) -> Checked {
    let mut checked = Checked::default();
    for policy in &file.policies {
        let mut checker = PolicyChecker {
            source,
            schemas,
            fields: Vec::new(),
            classes: Vec::new(),
            all_containers: Vec::new(),
            queries: Vec::new(),
        };
        let (diagnostics, info) = checker.policy(policy);
        checked.diagnostics.extend(diagnostics);
        checked.policies.push(info);
        checked.schema_fields.extend(checker.fields);
        checked.classes.extend(checker.classes);
        checked.all_containers.extend(checker.all_containers);
        checked.queries.extend(checker.queries);
    }
    checked
        .diagnostics
        .sort_by_key(|diagnostic| (diagnostic.primary.span.start, diagnostic.primary.span.end));
    checked.schema_fields.sort();
    checked.schema_fields.dedup();
    checked
}

/// A kind a policy matches, with where its pod spec lives.
#[derive(Debug, Clone)]
struct Target<'s> {
    kind: &'s KindInfo,
    pod_path: Option<&'static [&'static str]>,
}

struct PolicyChecker<'a> {
    source: &'a str,
    schemas: &'a Schemas,
    fields: Vec<Span>,
    classes: Vec<(Span, OpClass)>,
    all_containers: Vec<Span>,
    queries: Vec<(Span, (String, String))>,
}

impl<'a> PolicyChecker<'a> {
    fn policy(&mut self, policy: &Policy) -> (Vec<Diagnostic>, PolicyInfo) {
        let mut diagnostics = Vec::new();
        // Parameters, metadata and `match` are checked once.
        let mut base = Pass::new(self.source, self.schemas);
        let mut targets = Vec::new();
        let mut every = false;
        for item in &policy.items {
            match item {
                PolicyItem::Param(param) => base.param(param),
                PolicyItem::Match(found) => {
                    targets = self.targets(found, &mut base.diagnostics);
                    let stars: Vec<Span> = found
                        .targets
                        .iter()
                        .filter_map(|target| match target {
                            MatchTarget::Every(span) => Some(*span),
                            _ => None,
                        })
                        .collect();
                    every = !stars.is_empty();
                    if every && found.targets.len() > 1 {
                        base.diagnostics.push(
                            Diagnostic::error(
                                Code::AmbiguousKind,
                                "`*` matches every kind: it stands alone in `match`",
                                found.span,
                            )
                            .with_help("write `match *` and narrow with `when`, or list the kinds"),
                        );
                        targets.clear();
                    }
                }
                PolicyItem::Meta(_) | PolicyItem::Stmt(_) => {}
            }
        }
        // Metadata may interpolate any parameter (`title "at least {min} replicas"`).
        for item in &policy.items {
            if let PolicyItem::Meta(meta) = item {
                base.meta(meta);
            }
        }
        diagnostics.append(&mut base.diagnostics);
        let info = PolicyInfo {
            name: policy.name.text.clone(),
            kinds: if every {
                vec![("*".to_string(), "*".to_string())]
            } else {
                targets
                    .iter()
                    .map(|target| (target.kind.api_version(), target.kind.kind.clone()))
                    .collect()
            },
        };
        let guard = policy.items.iter().find_map(|item| match item {
            PolicyItem::Match(found) => found.guard.as_ref(),
            _ => None,
        });
        let setup = crate::codegen::setup::setup_lets(policy);
        // Then the rules, once per kind.
        let passes: Vec<Option<Target<'_>>> = if targets.is_empty() {
            vec![None]
        } else {
            targets.into_iter().map(Some).collect()
        };
        let kinds = passes.len();
        // In a policy that matches pod kinds and others, the others see an absent `pod`.
        let pod_types = {
            let probe = base.child();
            passes
                .iter()
                .flatten()
                .find_map(|target| probe.pod_types(target))
        };
        let mut found: BTreeMap<(u32, u32, String), (Diagnostic, Vec<String>)> = BTreeMap::new();
        for target in &passes {
            let mut pass = base.child();
            match target {
                Some(target) => pass.bind_resource(target, pod_types.as_ref()),
                None if every => {
                    // Every kind, including kinds no schema knows: fields are not checked.
                    pass.bind("resource", Ty::Any);
                }
                None => {
                    // Unknown kinds were reported; check the rest with an open `resource`.
                    pass.bind("resource", Ty::Unknown);
                    pass.bind("pod", Ty::Unknown);
                    pass.bind("podMetadata", Ty::Unknown);
                }
            }
            // The setup's lets come first, as the lowering computes them: the guard may read
            // them. Each name takes effect again where it is written.
            let mut prepared = BTreeMap::new();
            for &position in &setup {
                if let Some(PolicyItem::Stmt(Stmt::Let(binding))) = policy.items.get(position) {
                    let ty = pass.expr(&binding.value);
                    pass.bind(&binding.name.text, ty.clone());
                    prepared.insert(position, ty);
                }
            }
            if let Some(guard) = guard {
                let before = pass.diagnostics.len();
                pass.condition(guard, "the `when` guard");
                // A let computed per resource is not known yet when the guard runs.
                for diagnostic in pass.diagnostics.iter_mut().skip(before) {
                    let later = policy
                        .items
                        .iter()
                        .enumerate()
                        .find_map(|(position, item)| match item {
                            PolicyItem::Stmt(Stmt::Let(binding))
                                if !prepared.contains_key(&position)
                                    && diagnostic.message
                                        == format!("unknown name `{}`", binding.name.text) =>
                            {
                                Some(binding.name.text.as_str())
                            }
                            _ => None,
                        });
                    if let Some(name) = later {
                        diagnostic.help = Some(format!(
                            "`{name}` is computed for each resource, after the `when` guard; a guard reads parameters and the `let`s that depend only on them"
                        ));
                    }
                }
            }
            for (position, item) in policy.items.iter().enumerate() {
                match (item, prepared.get(&position)) {
                    (PolicyItem::Stmt(Stmt::Let(binding)), Some(ty)) => {
                        pass.bind(&binding.name.text, ty.clone());
                    }
                    (PolicyItem::Stmt(stmt), _) => pass.stmt(stmt),
                    _ => {}
                }
            }
            let kind_name = target
                .as_ref()
                .map(|target| target.kind.kind.clone())
                .unwrap_or_default();
            for diagnostic in pass.diagnostics {
                let key = (
                    diagnostic.primary.span.start,
                    diagnostic.primary.span.end,
                    diagnostic.message.clone(),
                );
                found
                    .entry(key)
                    .or_insert_with(|| (diagnostic, Vec::new()))
                    .1
                    .push(kind_name.clone());
            }
            self.fields.extend(pass.fields);
            self.classes.extend(pass.classes);
            self.all_containers.extend(pass.all_containers);
            self.queries.extend(pass.queries);
        }
        for (_, (mut diagnostic, in_kinds)) in found {
            if in_kinds.len() < kinds {
                let names: Vec<String> = in_kinds.iter().map(|kind| format!("`{kind}`")).collect();
                let plural = if names.len() == 1 { "kind" } else { "kinds" };
                diagnostic.message =
                    format!("{} (for {plural} {})", diagnostic.message, names.join(", "));
            }
            diagnostics.push(diagnostic);
        }
        (diagnostics, info)
    }

    fn targets(&self, found: &Match, diagnostics: &mut Vec<Diagnostic>) -> Vec<Target<'a>> {
        let mut targets: Vec<Target<'a>> = Vec::new();
        let mut push = |target: Target<'a>| {
            let duplicate = targets.iter().any(|known| {
                known.kind.kind == target.kind.kind
                    && known.kind.group == target.kind.group
                    && known.kind.version == target.kind.version
            });
            if !duplicate {
                targets.push(target);
            }
        };
        for target in &found.targets {
            match target {
                MatchTarget::Every(_) => {}
                MatchTarget::Workload(_) => {
                    for (api_version, kind, path) in WORKLOADS {
                        if let Some(info) = self.schemas.kind(api_version, kind) {
                            push(Target {
                                kind: info,
                                pod_path: Some(path),
                            });
                        }
                    }
                }
                MatchTarget::Kind {
                    kind, api_version, ..
                } => {
                    let wanted = api_version.as_ref().and_then(StringLit::as_plain);
                    let candidates: Vec<&KindInfo> = self
                        .schemas
                        .kinds_named(&kind.text)
                        .into_iter()
                        .filter(|info| !info.kind.ends_with("List"))
                        .collect();
                    let chosen = match (&wanted, candidates.as_slice()) {
                        (_, []) => {
                            let mut names: Vec<&str> = self
                                .schemas
                                .kinds()
                                .iter()
                                .map(|info| info.kind.as_str())
                                .collect();
                            names.sort_unstable();
                            names.dedup();
                            let mut diagnostic = Diagnostic::error(
                                Code::UnknownKind,
                                format!("unknown kind `{}`", kind.text),
                                kind.span,
                            )
                            .with_label(format!(
                                "not a kind of Kubernetes {}",
                                self.schemas.version
                            ));
                            diagnostic = match closest(&kind.text, names) {
                                Some(suggestion) => {
                                    diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                                }
                                None => diagnostic.with_help(
                                    "for a custom resource, load its CustomResourceDefinition with `--crd`",
                                ),
                            };
                            diagnostics.push(diagnostic);
                            continue;
                        }
                        (Some(version), candidates) => {
                            match candidates
                                .iter()
                                .find(|info| info.api_version() == *version)
                            {
                                Some(info) => *info,
                                None => {
                                    let known: Vec<String> = candidates
                                        .iter()
                                        .map(|info| format!("`{}`", info.api_version()))
                                        .collect();
                                    diagnostics.push(
                                        Diagnostic::error(
                                            Code::UnknownKind,
                                            format!("no kind `{}` in `{version}`", kind.text),
                                            target.span(),
                                        )
                                        .with_help(
                                            format!(
                                                "`{}` is served as {}",
                                                kind.text,
                                                known.join(", ")
                                            ),
                                        ),
                                    );
                                    continue;
                                }
                            }
                        }
                        (None, [only]) => *only,
                        (None, several) => {
                            // The same kind in several groups/versions: prefer the one group
                            // when only versions differ, by the API's own order.
                            let groups: Vec<&str> =
                                several.iter().map(|info| info.group.as_str()).collect();
                            if groups.iter().all(|group| *group == groups[0]) {
                                several
                                    .iter()
                                    .copied()
                                    .max_by(|a, b| api_version_order(&a.version, &b.version))
                                    .unwrap_or(several[0])
                            } else {
                                let known: Vec<String> = several
                                    .iter()
                                    .map(|info| format!("`{}`", info.api_version()))
                                    .collect();
                                diagnostics.push(
                                    Diagnostic::error(
                                        Code::AmbiguousKind,
                                        format!(
                                            "kind `{}` exists in several API groups",
                                            kind.text
                                        ),
                                        kind.span,
                                    )
                                    .with_label(known.join(", "))
                                    .with_help(format!(
                                        "say which: `{} @ \"{}\"`",
                                        kind.text,
                                        several[0].api_version()
                                    )),
                                );
                                continue;
                            }
                        }
                    };
                    let pod_path = WORKLOADS
                        .iter()
                        .find(|(api_version, name, _)| {
                            *name == chosen.kind && *api_version == chosen.api_version()
                        })
                        .map(|(_, _, path)| *path);
                    push(Target {
                        kind: chosen,
                        pod_path,
                    });
                }
            }
        }
        targets
    }
}

/// Kubernetes API version order: `v1 > v1beta2 > v1beta1 > v1alpha1`.
fn api_version_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn rank(version: &str) -> (u32, u32, u32) {
        let rest = version.strip_prefix('v').unwrap_or(version);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let major = digits.parse().unwrap_or(0);
        let rest = &rest[digits.len()..];
        let (stability, rest) = if let Some(rest) = rest.strip_prefix("alpha") {
            (0, rest)
        } else if let Some(rest) = rest.strip_prefix("beta") {
            (1, rest)
        } else {
            (2, rest)
        };
        (stability, major, rest.parse().unwrap_or(0))
    }
    let (a_stability, a_major, a_minor) = rank(a);
    let (b_stability, b_major, b_minor) = rank(b);
    (a_stability, a_major, a_minor).cmp(&(b_stability, b_major, b_minor))
}

#[derive(Debug, Clone)]
struct Binding {
    name: String,
    ty: Ty,
}

/// One walk over a policy's rules, for one kind.
struct Pass<'a> {
    source: &'a str,
    schemas: &'a Schemas,
    scopes: Vec<Vec<Binding>>,
    diagnostics: Vec<Diagnostic>,
    fields: Vec<Span>,
    classes: Vec<(Span, OpClass)>,
    all_containers: Vec<Span>,
    queries: Vec<(Span, (String, String))>,
}

impl<'a> Pass<'a> {
    /// Records that the operation at `span` works on quantities, durations or times.
    /// `others(Kind)`: the other resources of a kind in the evaluation set, typed by the kind's
    /// schema (its newest served version).
    fn others(&mut self, call: &Expr, args: &[Expr]) -> Ty {
        let kind = match args {
            [arg] | [arg, _] => match &arg.kind {
                ExprKind::Name(kind) => Some((kind.as_str(), arg.span)),
                _ => None,
            },
            _ => None,
        };
        let Some((kind, span)) = kind else {
            for arg in args {
                self.expr(arg);
            }
            self.error(
                Diagnostic::error(
                    Code::ArgumentCount,
                    "`others` takes a kind name and optionally a namespace",
                    call.span,
                )
                .with_help("name the kind without quotes: `others(PodDisruptionBudget)`, `others(Service, namespace)`"),
            );
            return Ty::Unknown;
        };
        let mut candidates: Vec<&KindInfo> = self
            .schemas
            .kinds_named(kind)
            .into_iter()
            .filter(|info| !info.kind.ends_with("List"))
            .collect();
        if candidates.is_empty() {
            let mut names: Vec<&str> = self
                .schemas
                .kinds()
                .iter()
                .map(|info| info.kind.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            let mut diagnostic =
                Diagnostic::error(Code::UnknownKind, format!("unknown kind `{kind}`"), span)
                    .with_label(format!("not a kind of Kubernetes {}", self.schemas.version));
            diagnostic = match closest(kind, names) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(
                    "for a custom resource, load its CustomResourceDefinition with `--crd`",
                ),
            };
            self.error(diagnostic);
            return Ty::Unknown;
        }
        // The core group first, then by group name; within a group the newest version.
        candidates.sort_by(|a, b| {
            (!a.group.is_empty(), &a.group)
                .cmp(&(!b.group.is_empty(), &b.group))
                .then_with(|| version_rank(&b.version).cmp(&version_rank(&a.version)))
        });
        let Some(chosen) = candidates.first() else {
            return Ty::Unknown;
        };
        if let [_, namespace] = args {
            let ty = self.expr(namespace);
            if !ty.is_lenient() && !matches!(ty.required(), Ty::String) {
                let shown = self.show(&ty);
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!("the namespace of `others` is a string, not `{shown}`"),
                        namespace.span,
                    )
                    .with_help("pass a namespace name: `others(Service, resource.metadata.namespace ?? \"default\")`"),
                );
            }
        }
        self.queries
            .push((call.span, (chosen.group.clone(), chosen.kind.clone())));
        Ty::List(Box::new(Ty::Object(chosen.object)))
    }

    fn classify(&mut self, span: Span, a: &Ty, b: &Ty) {
        if let Some(class) = OpClass::of(a, b) {
            self.classes.push((span, class));
        }
    }

    fn new(source: &'a str, schemas: &'a Schemas) -> Pass<'a> {
        Pass {
            source,
            schemas,
            scopes: vec![Vec::new()],
            diagnostics: Vec::new(),
            fields: Vec::new(),
            classes: Vec::new(),
            all_containers: Vec::new(),
            queries: Vec::new(),
        }
    }

    /// A pass that starts with this one's bindings (the parameters).
    fn child(&self) -> Pass<'a> {
        Pass {
            source: self.source,
            schemas: self.schemas,
            scopes: self.scopes.clone(),
            diagnostics: Vec::new(),
            fields: Vec::new(),
            classes: Vec::new(),
            all_containers: Vec::new(),
            queries: Vec::new(),
        }
    }

    fn bind(&mut self, name: &str, ty: Ty) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Binding {
                name: name.to_string(),
                ty,
            });
        }
    }

    /// Opens a scope that binds `name` (a loop or quantifier variable).
    fn enter(&mut self, name: &str, ty: Ty) {
        self.scopes.push(vec![Binding {
            name: name.to_string(),
            ty,
        }]);
    }

    fn lookup(&self, name: &str) -> Option<&Ty> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|binding| binding.name == name)
            .map(|binding| &binding.ty)
    }

    fn visible_names(&self) -> Vec<&str> {
        self.scopes
            .iter()
            .flat_map(|scope| scope.iter())
            .map(|binding| binding.name.as_str())
            .collect()
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn text(&self, span: Span) -> String {
        let text: String = span
            .text(self.source)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.chars().count() > 48 {
            let cut: String = text.chars().take(45).collect();
            format!("{cut}…")
        } else {
            text
        }
    }

    fn show(&self, ty: &Ty) -> String {
        ty.display(self.schemas).to_string()
    }

    /// Binds `resource`, and `pod` and `podMetadata` for pod kinds. For a kind without a pod
    /// in a policy that also matches pod kinds, `pod` and `podMetadata` are bound as optional
    /// (absent when the policy runs), with the types `elsewhere` gives.
    fn bind_resource(&mut self, target: &Target<'_>, elsewhere: Option<&(Ty, Option<Ty>)>) {
        self.bind("resource", Ty::Object(target.kind.object));
        match self.pod_types(target) {
            Some((pod, metadata)) => {
                self.bind("pod", pod);
                if let Some(metadata) = metadata {
                    self.bind("podMetadata", metadata);
                }
            }
            None => {
                if let Some((pod, metadata)) = elsewhere {
                    self.bind("pod", pod.clone().optional());
                    if let Some(metadata) = metadata {
                        self.bind("podMetadata", metadata.clone().optional());
                    }
                }
            }
        }
    }

    /// The types of `pod` and `podMetadata` for a pod kind.
    fn pod_types(&self, target: &Target<'_>) -> Option<(Ty, Option<Ty>)> {
        let path = target.pod_path?;
        let mut pod = Some(Ty::Object(target.kind.object));
        let mut metadata = None;
        for (index, step) in path.iter().enumerate() {
            let current = pod.take();
            if let Some(Ty::Object(id)) = current {
                let object = self.schemas.object(id);
                if index + 1 == path.len() {
                    metadata = object
                        .field("metadata")
                        .map(|field| field.ty.required().clone());
                }
                pod = object.field(step).map(|field| field.ty.required().clone());
            }
        }
        pod.map(|pod| (pod, metadata))
    }

    // ---- declarations ----

    fn type_expr(&mut self, ty: &TypeExpr) -> Ty {
        match &ty.kind {
            TypeKind::Optional(inner) => self.type_expr(inner).optional(),
            TypeKind::Named { name, args } => {
                let arity = |pass: &mut Pass<'_>, wanted: usize| {
                    if args.len() != wanted {
                        pass.error(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                format!(
                                    "`{}` takes {wanted} type argument{}, not {}",
                                    name.text,
                                    if wanted == 1 { "" } else { "s" },
                                    args.len()
                                ),
                                ty.span,
                            )
                            .with_help(if wanted == 1 {
                                format!("write `{}<string>`", name.text)
                            } else {
                                format!("write `{}`", name.text)
                            }),
                        );
                    }
                };
                match name.text.as_str() {
                    "list" | "map" => {
                        arity(self, 1);
                        let inner = args.first().map_or(Ty::Any, |arg| self.type_expr(arg));
                        if name.text == "list" {
                            Ty::List(Box::new(inner))
                        } else {
                            Ty::Map(Box::new(inner))
                        }
                    }
                    other => match named_type(other) {
                        Some(found) => {
                            arity(self, 0);
                            found
                        }
                        None => {
                            let mut diagnostic = Diagnostic::error(
                                Code::UnknownType,
                                format!("unknown type `{other}`"),
                                name.span,
                            )
                            .with_label("not a type");
                            diagnostic =
                                match closest(other, builtins::TYPE_NAMES.iter().copied()) {
                                    Some(suggestion) => diagnostic
                                        .with_help(format!("did you mean `{suggestion}`?")),
                                    None => diagnostic.with_help(format!(
                                        "types are {}",
                                        builtins::TYPE_NAMES.join(", ")
                                    )),
                                };
                            self.error(diagnostic);
                            Ty::Unknown
                        }
                    },
                }
            }
        }
    }

    fn param(&mut self, param: &Param) {
        let ty = self.type_expr(&param.ty);
        if let Some(default) = &param.default {
            let found = self.expr(default);
            if !assignable(&found, &ty) {
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!(
                            "default of `{}` is `{}`, not `{}`",
                            param.name.text,
                            self.show(&found),
                            self.show(&ty)
                        ),
                        default.span,
                    )
                    .with_label(format!("`{}`", self.show(&found)))
                    .with_help(format!("give {} value", a_type(&self.show(&ty)))),
                );
            }
        }
        self.bind(&param.name.text, ty);
    }

    fn meta(&mut self, meta: &Meta) {
        let mut strings = Vec::new();
        collect_meta_strings(&meta.value, &mut strings);
        for lit in strings {
            self.interpolations(lit);
        }
    }

    fn interpolations(&mut self, lit: &StringLit) {
        for part in &lit.parts {
            if let StringPart::Interp(inner) = part {
                self.expr(inner);
            }
        }
    }

    // ---- statements ----

    fn block(&mut self, block: &Block) {
        self.scopes.push(Vec::new());
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        self.scopes.pop();
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Let(binding) => {
                let ty = self.expr(&binding.value);
                self.bind(&binding.name.text, ty);
            }
            Stmt::For(each) => {
                let item = self.iterate(&each.iterable);
                self.enter(&each.binding.text, item);
                self.block(&each.body);
                self.scopes.pop();
            }
            Stmt::If(conditional) => self.if_stmt(conditional),
            Stmt::Deny(deny) => self.deny(deny),
            Stmt::Error(_) => {}
        }
    }

    fn if_stmt(&mut self, conditional: &If) {
        self.condition(&conditional.condition, "the `if` condition");
        self.block(&conditional.then);
        match &conditional.otherwise {
            Some(Else::Block(block)) => self.block(block),
            Some(Else::If(next)) => self.if_stmt(next),
            None => {}
        }
    }

    fn deny(&mut self, deny: &Deny) {
        self.condition(&deny.condition, "the `deny` condition");
        if let Some(at) = &deny.at {
            self.path(at, "`at`");
        }
        if let Some(message) = &deny.message {
            let ty = self.expr(message);
            if !ty.is_stringy() && !ty.is_lenient() {
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!("the message is `{}`, not a string", self.show(&ty)),
                        message.span,
                    )
                    .with_help("write the message as a string: `message \"… {value} …\"`"),
                );
            }
        }
        if let Some(fix) = &deny.fix {
            for edit in &fix.edits {
                self.edit(edit);
            }
        }
    }

    fn edit(&mut self, edit: &Edit) {
        match &edit.kind {
            EditKind::Set { target, value } => {
                let target_ty = self.path(target, "`set`");
                let value_ty = self.expr(value);
                self.literal_fits(target, value, target_ty.required());
                if !assignable(&value_ty, target_ty.required()) {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!(
                                "cannot set `{}` (`{}`) to {}",
                                self.text(target.span),
                                self.show(target_ty.required()),
                                a_type(&self.show(&value_ty))
                            ),
                            value.span,
                        )
                        .with_help(format!(
                            "give {} value",
                            a_type(&self.show(target_ty.required()))
                        )),
                    );
                }
            }
            EditKind::Remove { target } => {
                self.path(target, "`remove`");
            }
            EditKind::Append { value, target } => {
                let target_ty = self.path(target, "`append`");
                let value_ty = self.expr(value);
                match target_ty.required() {
                    Ty::List(item) => {
                        self.literal_fits(target, value, item);
                        if !assignable(&value_ty, item) {
                            self.error(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    format!(
                                        "cannot append {} to {}",
                                        a_type(&self.show(&value_ty)),
                                        a_type(&self.show(target_ty.required()))
                                    ),
                                    value.span,
                                )
                                .with_help(format!("append {}", a_type(&self.show(item)))),
                            );
                        }
                    }
                    other if other.is_lenient() => {}
                    other => {
                        let shown = self.show(other);
                        self.error(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                format!(
                                    "`{}` is {}, not a list",
                                    self.text(target.span),
                                    a_type(&shown)
                                ),
                                target.span,
                            )
                            .with_help(
                                "`append` adds an item to a list; use `set` for other fields",
                            ),
                        );
                    }
                }
            }
        }
    }

    /// A literal written into a field must fit it: a string into an enum is one of its
    /// values, a map into an object names its fields (and gives the required ones), and so on
    /// down nested literals. `place` names the field in messages.
    fn literal_fits(&mut self, place: &Expr, value: &Expr, target: &Ty) {
        let target = target.required();
        match (&value.kind, target) {
            (ExprKind::Str(_), Ty::Enum(values)) => self.enum_literal(place, values, value),
            (ExprKind::List(items), Ty::List(item)) => {
                for entry in items {
                    self.literal_fits(place, entry, item);
                }
            }
            (ExprKind::Map(entries), Ty::Map(item)) => {
                for entry in entries {
                    self.literal_fits(place, &entry.value, item);
                }
            }
            (ExprKind::Map(entries), Ty::Object(id)) => {
                self.object_literal(place, value, entries, *id)
            }
            _ => {}
        }
    }

    fn object_literal(&mut self, place: &Expr, value: &Expr, entries: &[MapEntry], id: ObjectId) {
        let object = self.schemas.object(id);
        if object.open {
            return;
        }
        let short = object.short_name().to_string();
        let names: Vec<String> = object
            .fields
            .iter()
            .map(|field| field.name.clone())
            .collect();
        let required = object.required.clone();
        let mut given = Vec::new();
        for entry in entries {
            let (key, span) = match &entry.key {
                MapKey::Name(name) => (name.text.clone(), name.span),
                MapKey::Str(lit) => match lit.as_plain() {
                    Some(text) => (text, lit.span),
                    None => continue,
                },
            };
            given.push(key.clone());
            let Some(field_ty) = self
                .schemas
                .object(id)
                .field(&key)
                .map(|field| field.ty.clone())
            else {
                let mut diagnostic = Diagnostic::error(
                    Code::UnknownField,
                    format!("`{short}` has no field `{key}`"),
                    span,
                )
                .with_label("unknown field");
                if let Some(suggestion) = closest(&key, names.iter().map(String::as_str)) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                self.error(diagnostic);
                continue;
            };
            if let Some(literal) = literal_type(&entry.value)
                && !assignable(&literal, field_ty.required())
            {
                let wanted = a_type(&self.show(field_ty.required()));
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!(
                            "`{key}` of `{short}` is {wanted}, not {}",
                            a_type(&self.show(&literal))
                        ),
                        entry.value.span,
                    )
                    .with_help(format!("give {wanted} value")),
                );
            }
            self.literal_fits(place, &entry.value, &field_ty);
        }
        let missing: Vec<String> = required
            .iter()
            .filter(|name| !given.contains(name))
            .map(|name| format!("`{name}`"))
            .collect();
        if !missing.is_empty() {
            self.error(
                Diagnostic::error(
                    Code::TypeMismatch,
                    format!("`{short}` needs {}", missing.join(", ")),
                    value.span,
                )
                .with_label("required fields missing")
                .with_help(format!("add {} to the map", missing.join(", "))),
            );
        }
    }

    /// A place in the resource: a name followed by fields and indexes.
    fn path(&mut self, expr: &Expr, clause: &str) -> Ty {
        let mut root = expr;
        loop {
            match &root.kind {
                ExprKind::Field { base, .. } | ExprKind::Index { base, .. } => root = base,
                ExprKind::Paren(inner) => root = inner,
                _ => break,
            }
        }
        if !matches!(root.kind, ExprKind::Name(_)) {
            self.error(
                Diagnostic::error(
                    Code::NotAPath,
                    format!("{clause} needs a field path"),
                    expr.span,
                )
                .with_label("not a place in the resource")
                .with_help("write a path such as `c.securityContext.privileged`"),
            );
            self.expr(expr);
            return Ty::Unknown;
        }
        self.expr(expr)
    }

    // ---- expressions ----

    /// Checks an expression used as a condition: it must be a `bool`, never absent.
    fn condition(&mut self, expr: &Expr, what: &str) {
        let ty = self.expr(expr);
        match &ty {
            Ty::Bool | Ty::Unknown | Ty::Any => {}
            Ty::Optional(inner) if matches!(**inner, Ty::Bool) => {
                let text = self.text(expr.span);
                self.error(
                    Diagnostic::error(
                        Code::OptionalValue,
                        format!("{what} may be absent"),
                        expr.span,
                    )
                    .with_label("this is `bool?`: the field may be missing")
                    .with_help(format!(
                        "say what absent means: `{text} == true`, or `({text} ?? false)`"
                    )),
                );
            }
            Ty::Optional(inner) if inner.is_lenient() => {}
            other => {
                let shown = self.show(other);
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!("{what} is `{shown}`, not `bool`"),
                        expr.span,
                    )
                    .with_label(format!("`{shown}`"))
                    .with_help("write a comparison, such as `x == value`"),
                );
            }
        }
    }

    /// The item type of something iterated (`for`, `any`, `all`, comprehensions). Absent
    /// lists iterate as empty ones.
    fn iterate(&mut self, expr: &Expr) -> Ty {
        let ty = self.expr(expr);
        match ty.required() {
            Ty::List(item) => (**item).clone(),
            Ty::Unknown => Ty::Unknown,
            Ty::Any => Ty::Any,
            Ty::Map(_) => {
                let text = self.text(expr.span);
                self.error(
                    Diagnostic::error(Code::NotIterable, format!("`{text}` is a map"), expr.span)
                        .with_help(format!("iterate over `keys({text})` or `values({text})`")),
                );
                Ty::Unknown
            }
            other => {
                let shown = self.show(other);
                let text = self.text(expr.span);
                self.error(
                    Diagnostic::error(
                        Code::NotIterable,
                        format!("`{text}` is `{shown}`, not a list"),
                        expr.span,
                    )
                    .with_help("`for`, `any`, `all` and comprehensions go over lists"),
                );
                Ty::Unknown
            }
        }
    }

    fn expr(&mut self, expr: &Expr) -> Ty {
        match &expr.kind {
            ExprKind::Null => Ty::Null,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Int(_) => Ty::Int,
            ExprKind::Float(_) => Ty::Float,
            ExprKind::Quantity(text) => {
                if let Err(error) = pol_stdlib::quantity::Quantity::parse(text) {
                    self.invalid_literal(expr.span, &error.to_string());
                }
                Ty::Quantity
            }
            ExprKind::Str(lit) => {
                self.interpolations(lit);
                Ty::String
            }
            ExprKind::Regex(text) => {
                if let Err(error) = pol_stdlib::pattern::regex(text) {
                    self.invalid_pattern(expr.span, &error.to_string(), "regex");
                }
                Ty::Regex
            }
            ExprKind::Glob(text) => {
                if let Err(error) = pol_stdlib::pattern::Glob::parse(text) {
                    self.invalid_pattern(expr.span, &error.to_string(), "glob");
                }
                Ty::Glob
            }
            ExprKind::Name(name) => self.name(name, expr.span),
            ExprKind::List(items) => {
                let types: Vec<Ty> = items.iter().map(|item| self.expr(item)).collect();
                Ty::List(Box::new(self.literal_items(expr, "list", &types)))
            }
            ExprKind::Map(entries) => {
                let mut types = Vec::new();
                for entry in entries {
                    if let MapKey::Str(lit) = &entry.key {
                        self.interpolations(lit);
                    }
                    types.push(self.expr(&entry.value));
                }
                Ty::Map(Box::new(self.literal_items(expr, "map", &types)))
            }
            ExprKind::Field { base, name } => {
                let base_ty = self.expr(base);
                self.field(&base_ty, base, name)
            }
            ExprKind::Index { base, index } => self.index(base, index),
            ExprKind::Call { callee, args } => self.call(expr, callee, args),
            ExprKind::Unary { op, operand } => match op {
                UnaryOp::Not => {
                    self.condition(operand, "the operand of `not`");
                    Ty::Bool
                }
                UnaryOp::Neg => {
                    let ty = self.expr(operand);
                    self.need_value(&ty, operand);
                    self.classify(expr.span, &ty, &ty);
                    match ty.required() {
                        Ty::Int | Ty::Float | Ty::Quantity | Ty::Duration => ty.required().clone(),
                        other if other.is_lenient() => other.clone(),
                        other => {
                            let shown = self.show(other);
                            self.error(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    format!("cannot negate {}", a_type(&shown)),
                                    expr.span,
                                )
                                .with_help("`-` applies to numbers, quantities and durations"),
                            );
                            Ty::Unknown
                        }
                    }
                }
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(expr, *op, lhs, rhs),
            ExprKind::Quantifier {
                binding,
                iterable,
                condition,
                ..
            } => {
                let item = self.iterate(iterable);
                self.enter(&binding.text, item);
                self.condition(condition, "the condition of `any`/`all`");
                self.scopes.pop();
                Ty::Bool
            }
            ExprKind::Comprehension {
                element,
                binding,
                iterable,
                filter,
            } => {
                let item = self.iterate(iterable);
                self.enter(&binding.text, item);
                if let Some(filter) = filter {
                    self.condition(filter, "the filter");
                }
                let element = self.expr(element);
                self.scopes.pop();
                Ty::List(Box::new(element))
            }
            ExprKind::Conditional {
                condition,
                then,
                otherwise,
            } => {
                self.condition(condition, "the condition of `if`");
                let a = self.expr(then);
                let b = self.expr(otherwise);
                unify(&a, &b).unwrap_or(Ty::Any)
            }
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Error => Ty::Unknown,
        }
    }

    fn name(&mut self, name: &str, span: Span) -> Ty {
        if let Some(ty) = self.lookup(name) {
            return ty.clone();
        }
        let builtin = !builtins::signatures(name).is_empty();
        let mut diagnostic = if builtin {
            Diagnostic::error(Code::UnknownName, format!("`{name}` is a function"), span)
                .with_help(format!("call it: `{name}(…)`"))
        } else {
            Diagnostic::error(Code::UnknownName, format!("unknown name `{name}`"), span)
                .with_label("not declared")
        };
        if !builtin {
            let mut candidates = self.visible_names();
            candidates.extend(["resource", "pod", "podMetadata"]);
            diagnostic = match closest(name, candidates) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None if matches!(name, "pod" | "podMetadata") => diagnostic.with_help(
                    "`pod` exists when the policy matches pods or pod controllers: `match workload`",
                ),
                None => diagnostic.with_help(
                    "names come from `let`, `for`, `param`, `resource` and, with `match workload`, `pod`",
                ),
            };
        }
        self.error(diagnostic);
        Ty::Unknown
    }

    fn field(&mut self, base_ty: &Ty, base: &Expr, name: &Name) -> Ty {
        let optional = base_ty.is_optional();
        let result = match base_ty.required() {
            Ty::Unknown => return Ty::Unknown,
            Ty::Any => return Ty::Any,
            Ty::Object(id) => self.object_field(*id, name),
            Ty::Map(_) => {
                let text = self.text(base.span);
                self.error(
                    Diagnostic::error(
                        Code::UnknownField,
                        format!("`{text}` is a map: `.{}` does not look up a key", name.text),
                        name.span,
                    )
                    .with_help(format!("write `{text}[\"{}\"]`", name.text)),
                );
                return Ty::Unknown;
            }
            other => {
                let shown = self.show(other);
                let text = self.text(base.span);
                let help = if matches!(other, Ty::List(_)) {
                    format!(
                        "go over the items: `for x in {text} {{ … }}`, `any x in {text}: …`, or take one: `{text}[0]`"
                    )
                } else {
                    format!("{} has no fields", a_type(&shown))
                };
                self.error(
                    Diagnostic::error(
                        Code::UnknownField,
                        format!("`{text}` is `{shown}`: it has no field `{}`", name.text),
                        name.span,
                    )
                    .with_help(help),
                );
                return Ty::Unknown;
            }
        };
        if optional { result.optional() } else { result }
    }

    fn object_field(&mut self, id: ObjectId, name: &Name) -> Ty {
        let object = self.schemas.object(id);
        if object.name == "core.v1.PodSpec" && name.text == "allContainers" {
            // initContainers + containers + ephemeralContainers, as Pod Security does.
            self.fields.push(name.span);
            self.all_containers.push(name.span);
            return match object
                .field("containers")
                .map(|field| field.ty.required().clone())
            {
                Some(list @ Ty::List(_)) => list,
                _ => Ty::Any,
            };
        }
        if let Some(field) = object.field(&name.text) {
            self.fields.push(name.span);
            // A resource reaches a policy through its `apiVersion` and `kind`: on a kind's
            // root object they are always present.
            let dispatched = matches!(name.text.as_str(), "apiVersion" | "kind")
                && self.schemas.kinds().iter().any(|kind| kind.object == id);
            let required = dispatched || object.required.contains(&name.text);
            let ty = field.ty.clone();
            return if required { ty } else { ty.optional() };
        }
        if let Some(rest) = &object.rest {
            return rest.clone().optional();
        }
        if object.open {
            return Ty::Any;
        }
        let short = object.short_name().to_string();
        let mut candidates: Vec<&str> = object
            .fields
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        if object.name == "core.v1.PodSpec" {
            candidates.push("allContainers");
        }
        let mut diagnostic = Diagnostic::error(
            Code::UnknownField,
            format!("`{short}` has no field `{}`", name.text),
            name.span,
        )
        .with_label("unknown field");
        diagnostic = match closest(&name.text, candidates.iter().copied()) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            None => {
                let mut listed: Vec<&str> = candidates.clone();
                listed.truncate(12);
                let more = if candidates.len() > 12 { ", …" } else { "" };
                diagnostic.with_help(format!(
                    "`{short}` has {}{more}",
                    listed
                        .iter()
                        .map(|field| format!("`{field}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        };
        self.error(diagnostic);
        Ty::Unknown
    }

    fn index(&mut self, base: &Expr, index: &Expr) -> Ty {
        let base_ty = self.expr(base);
        let optional = base_ty.is_optional();
        let result = match base_ty.required() {
            Ty::Unknown => {
                self.expr(index);
                return Ty::Unknown;
            }
            Ty::Any => {
                self.expr(index);
                return Ty::Any;
            }
            Ty::List(item) => {
                let index_ty = self.expr(index);
                if !matches!(index_ty.required(), Ty::Int) && !index_ty.is_lenient() {
                    let shown = self.show(&index_ty);
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("a list index is an `int`, not `{shown}`"),
                            index.span,
                        )
                        .with_help("index lists by position: `xs[0]`"),
                    );
                }
                self.need_value(&index_ty, index);
                (**item).clone().optional()
            }
            Ty::Map(value) => {
                let key_ty = self.expr(index);
                if !key_ty.is_stringy() && !key_ty.is_lenient() {
                    let shown = self.show(&key_ty);
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("map keys are strings, not `{shown}`"),
                            index.span,
                        )
                        .with_help("look up a key: `labels[\"app\"]`"),
                    );
                }
                (**value).clone().optional()
            }
            Ty::Object(id) => {
                // `metadata["name"]` reads a field.
                if let ExprKind::Str(lit) = &index.kind
                    && let Some(text) = lit.as_plain()
                {
                    let name = Name {
                        text,
                        span: index.span,
                    };
                    self.object_field(*id, &name)
                } else {
                    self.expr(index);
                    let shown = self.show(base_ty.required());
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("`{shown}` fields are read by name"),
                            index.span,
                        )
                        .with_help("write `x.field`, or `x[\"field\"]` with a literal name"),
                    );
                    return Ty::Unknown;
                }
            }
            other => {
                self.expr(index);
                let shown = self.show(other);
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!("cannot index {}", a_type(&shown)),
                        base.span,
                    )
                    .with_help("only lists, maps and objects can be indexed"),
                );
                return Ty::Unknown;
            }
        };
        if optional { result.optional() } else { result }
    }

    fn call(&mut self, call: &Expr, callee: &Expr, args: &[Expr]) -> Ty {
        if let ExprKind::Name(name) = &callee.kind
            && name == "others"
            && self.lookup(name).is_none()
        {
            return self.others(call, args);
        }
        let (name, name_span, receiver, method) = match &callee.kind {
            ExprKind::Name(name) => {
                if self.lookup(name).is_some() {
                    for arg in args {
                        self.expr(arg);
                    }
                    self.error(
                        Diagnostic::error(
                            Code::NotCallable,
                            format!("`{name}` is a value, not a function"),
                            callee.span,
                        )
                        .with_help("only builtins can be called; see docs/stdlib.md"),
                    );
                    return Ty::Unknown;
                }
                (name.as_str(), callee.span, None, false)
            }
            ExprKind::Field { base, name } => {
                (name.text.as_str(), name.span, Some(base.as_ref()), true)
            }
            _ => {
                self.expr(callee);
                for arg in args {
                    self.expr(arg);
                }
                self.error(
                    Diagnostic::error(
                        Code::NotCallable,
                        "only builtins can be called",
                        callee.span,
                    )
                    .with_help("call a builtin by name: `lower(x)` or `x.lower()`"),
                );
                return Ty::Unknown;
            }
        };
        let mut arg_types = Vec::with_capacity(args.len() + 1);
        let mut arg_spans = Vec::with_capacity(args.len() + 1);
        if let Some(receiver) = receiver {
            let receiver_ty = self.expr(receiver);
            if let Ty::Object(id) = receiver_ty.required()
                && self.schemas.object(*id).field(name).is_some()
            {
                for arg in args {
                    self.expr(arg);
                }
                self.error(
                    Diagnostic::error(
                        Code::NotCallable,
                        format!("`{name}` is a field, not a function"),
                        name_span,
                    )
                    .with_help(format!("read it without parentheses: `.{name}`")),
                );
                return Ty::Unknown;
            }
            arg_types.push(receiver_ty);
            arg_spans.push(receiver.span);
        }
        for arg in args {
            arg_types.push(self.expr(arg));
            arg_spans.push(arg.span);
        }
        let signatures = builtins::signatures(name);
        if signatures.is_empty() {
            let names = builtins::names();
            let mut diagnostic = Diagnostic::error(
                Code::UnknownBuiltin,
                format!("unknown function `{name}`"),
                name_span,
            )
            .with_label("not a builtin");
            diagnostic = match closest(name, names.iter().copied()) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help("docs/stdlib.md lists every builtin"),
            };
            self.error(diagnostic);
            return Ty::Unknown;
        }
        if method && signatures.iter().all(|signature| !signature.builtin.method) {
            self.error(
                Diagnostic::error(
                    Code::NotCallable,
                    format!("`{name}` cannot be called as a method"),
                    name_span,
                )
                .with_help(format!("call it as a function: `{name}(…)`")),
            );
            return Ty::Unknown;
        }
        let fitting: Vec<&builtins::Signature> = signatures
            .iter()
            .filter(|signature| signature.params.len() == arg_types.len())
            .collect();
        if fitting.is_empty() {
            let counts: Vec<String> = signatures
                .iter()
                .map(|signature| signature.params.len().to_string())
                .collect();
            let given = arg_types.len();
            self.error(
                Diagnostic::error(
                    Code::ArgumentCount,
                    format!(
                        "`{name}` takes {} argument{}, {given} given",
                        counts.join(" or "),
                        if counts == ["1"] { "" } else { "s" }
                    ),
                    call.span,
                )
                .with_help(format!("`{name}`: {}", signatures[0].builtin.signature)),
            );
            return Ty::Unknown;
        }
        // A literal argument of a parsing builtin is read now, not at run time.
        if let [arg] = args
            && let ExprKind::Str(lit) = &arg.kind
            && let Some(text) = lit.as_plain()
        {
            let problem = match name {
                "quantity" => pol_stdlib::quantity::Quantity::parse(&text)
                    .err()
                    .map(|e| e.to_string()),
                "duration" => pol_stdlib::duration::Duration::parse(&text)
                    .err()
                    .map(|e| e.to_string()),
                _ => None,
            };
            if let Some(problem) = problem {
                self.invalid_literal(arg.span, &problem);
            }
        }
        // Collections of quantities, durations and times order by value, not by text.
        if matches!(name, "min" | "max" | "sort" | "sum")
            && let Some(Ty::List(item)) = arg_types.first().map(Ty::required)
        {
            self.classify(call.span, item, item);
        }
        for signature in &fitting {
            if let Some(result) = apply(signature, &arg_types, false) {
                return result;
            }
        }
        // Would it fit with values instead of optionals? Then absence is the problem.
        for signature in &fitting {
            if let Some(result) = apply(signature, &arg_types, true) {
                for ((ty, span), param) in arg_types.iter().zip(&arg_spans).zip(&signature.params) {
                    // Only the arguments whose parameter does not take an absent value.
                    let mut variable = None;
                    if ty.is_optional() && !ty.is_lenient() && !fits(ty, param, &mut variable) {
                        let text = self.text(*span);
                        self.error(
                            Diagnostic::error(
                                Code::OptionalValue,
                                format!("`{text}` may be absent"),
                                *span,
                            )
                            .with_label(format!("`{}`", self.show(ty)))
                            .with_help(format!(
                                "`{name}` needs a value: give a default, `({text} ?? …)`"
                            )),
                        );
                    }
                }
                return result;
            }
        }
        let given: Vec<String> = arg_types
            .iter()
            .map(|ty| format!("`{}`", self.show(ty)))
            .collect();
        let known: Vec<&str> = fitting
            .iter()
            .map(|signature| signature.builtin.signature)
            .collect();
        self.error(
            Diagnostic::error(
                Code::TypeMismatch,
                format!(
                    "`{name}` cannot take {}",
                    if given.is_empty() {
                        "no arguments".to_string()
                    } else {
                        given.join(", ")
                    }
                ),
                call.span,
            )
            .with_help(format!("`{name}` is {}", known.join(" or "))),
        );
        Ty::Unknown
    }

    fn invalid_pattern(&mut self, span: Span, problem: &str, kind: &str) {
        let help = if kind == "regex" {
            "regexes use the syntax of the Rust `regex` crate (RE2-like; no look-around or back-references)"
        } else {
            "globs have `*`, `?`, `[a-z]`, `[!a-z]`; write `\\` before a literal `*`, `?` or `[`"
        };
        self.error(
            Diagnostic::error(Code::InvalidPattern, problem.to_string(), span)
                .with_label(format!("this {kind} does not compile"))
                .with_help(help),
        );
    }

    fn invalid_literal(&mut self, span: Span, problem: &str) {
        self.error(
            Diagnostic::error(Code::InvalidLiteral, problem.to_string(), span)
                .with_label("cannot be read")
                .with_help("quantities are written like `500m`, `1.5Gi`, `2e3`; durations like `90s`, `1h30m`"),
        );
    }

    /// Reports `value` when it may be absent where a value is needed.
    fn need_value(&mut self, ty: &Ty, expr: &Expr) -> bool {
        if ty.is_optional() && !ty.is_lenient() {
            let text = self.text(expr.span);
            self.error(
                Diagnostic::error(
                    Code::OptionalValue,
                    format!("`{text}` may be absent"),
                    expr.span,
                )
                .with_label(format!("`{}`", self.show(ty)))
                .with_help(format!("say what absent means: `({text} ?? default)`")),
            );
            return false;
        }
        true
    }

    fn binary(&mut self, expr: &Expr, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Ty {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let word = if op == BinaryOp::And { "and" } else { "or" };
                self.condition(lhs, &format!("the left side of `{word}`"));
                self.condition(rhs, &format!("the right side of `{word}`"));
                Ty::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                if !matches!(a, Ty::Null) && !matches!(b, Ty::Null) {
                    self.classify(expr.span, &a, &b);
                }
                self.compare_equal(expr, op, lhs, &a, rhs, &b);
                Ty::Bool
            }
            BinaryOp::In | BinaryOp::NotIn => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                match b.required() {
                    Ty::List(item) => {
                        if !comparable(&a, item) {
                            self.mismatch(expr, "look for", &a, &b);
                        } else if let Ty::Enum(values) = a.required()
                            && let ExprKind::List(items) = &rhs.kind
                        {
                            for item in items {
                                self.enum_literal(lhs, values, item);
                            }
                        }
                    }
                    Ty::Map(_) | Ty::String | Ty::Enum(_) => {
                        if !a.is_stringy() && !a.is_lenient() && !matches!(a, Ty::Null) {
                            self.mismatch(expr, "look for", &a, &b);
                        }
                    }
                    other if other.is_lenient() => {}
                    _ => {
                        let shown = self.show(&b);
                        self.error(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                format!("`in` needs a list, a map or a string, not `{shown}`"),
                                rhs.span,
                            )
                            .with_help("write `x in [\"a\", \"b\"]`"),
                        );
                    }
                }
                Ty::Bool
            }
            BinaryOp::Matches => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                if !a.is_stringy() && !a.is_lenient() && !matches!(a.required(), Ty::Null) {
                    let shown = self.show(&a);
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("`matches` tests strings, not `{shown}`"),
                            lhs.span,
                        )
                        .with_help("convert it first: `string(x) matches …`"),
                    );
                }
                if !matches!(b.required(), Ty::Regex | Ty::Glob | Ty::String) && !b.is_lenient() {
                    let shown = self.show(&b);
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("`matches` needs a regex or a glob, not `{shown}`"),
                            rhs.span,
                        )
                        .with_help("write `x matches r\"^a.*$\"` or `x matches g\"a*\"`"),
                    );
                }
                self.need_value(&b, rhs);
                // A plain string after `matches` is a regex: check it now.
                if let ExprKind::Str(lit) = &rhs.kind
                    && let Some(text) = lit.as_plain()
                    && let Err(error) = pol_stdlib::pattern::regex(&text)
                {
                    self.invalid_pattern(rhs.span, &error.to_string(), "regex");
                }
                Ty::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                let values = self.need_value(&a, lhs) & self.need_value(&b, rhs);
                self.classify(expr.span, &a, &b);
                if values && !ordered(&a, &b) {
                    self.mismatch(expr, "order", &a, &b);
                }
                Ty::Bool
            }
            BinaryOp::Coalesce => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                match &a {
                    Ty::Optional(inner) => match unify(inner, &b) {
                        Some(ty) => ty,
                        None => {
                            let (value, default) = (self.show(inner), self.show(&b));
                            let text = self.text(lhs.span);
                            self.error(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    format!(
                                        "the default is {}, but `{text}` is {}",
                                        a_type(&default),
                                        a_type(&value)
                                    ),
                                    rhs.span,
                                )
                                .with_label(format!("`{default}`"))
                                .with_help(format!(
                                    "give {} default, or convert the value first: `string({text}) ?? …`",
                                    a_type(&value)
                                )),
                            );
                            Ty::Unknown
                        }
                    },
                    Ty::Null => b,
                    // An untyped value may be anything, the default included: still untyped
                    // (`untyped(x).items ?? []` is not a list of nothing).
                    other if other.is_lenient() => other.clone(),
                    other => {
                        let text = self.text(lhs.span);
                        self.diagnostics.push(
                            Diagnostic::warning(
                                Code::NeverAbsent,
                                format!("`{text}` is never absent"),
                                lhs.span,
                            )
                            .with_label(format!("`{}`, not optional", self.show(other)))
                            .with_help("the default after `??` is never used; remove it"),
                        );
                        a.clone()
                    }
                }
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                if !(self.need_value(&a, lhs) & self.need_value(&b, rhs)) {
                    return Ty::Unknown;
                }
                self.classify(expr.span, &a, &b);
                match arithmetic(op, a.required(), b.required()) {
                    Some(ty) => ty,
                    None => {
                        let verb = match op {
                            BinaryOp::Add => "add",
                            BinaryOp::Sub => "subtract",
                            BinaryOp::Mul => "multiply",
                            _ => "divide",
                        };
                        self.mismatch(expr, verb, &a, &b);
                        Ty::Unknown
                    }
                }
            }
        }
    }

    /// The item type of a literal list or map; items of different types make it `any`, whose
    /// fields are not checked, so that is said.
    fn literal_items(&mut self, expr: &Expr, what: &str, types: &[Ty]) -> Ty {
        let joined = unify_all(types);
        if matches!(joined, Ty::Any) && !types.iter().any(|ty| ty.required().is_lenient()) {
            let mut shown: Vec<String> = Vec::new();
            for ty in types {
                let text = format!("`{}`", self.show(ty));
                if !shown.contains(&text) {
                    shown.push(text);
                }
            }
            self.diagnostics.push(
                Diagnostic::warning(
                    Code::MixedLiteral,
                    format!(
                        "the items of this {what} have different types: {}",
                        shown.join(", ")
                    ),
                    expr.span,
                )
                .with_label("what is read from it is not type-checked")
                .with_help("keep one type per list or map: bind the parts with separate `let`s"),
            );
        }
        joined
    }

    fn mismatch(&mut self, expr: &Expr, verb: &str, a: &Ty, b: &Ty) {
        let int_or_string = [a, b]
            .iter()
            .any(|ty| matches!(ty.required(), Ty::IntOrString));
        let (a, b) = (self.show(a), self.show(b));
        let help = if int_or_string {
            "read an `int-or-string` with `int(x)` (absent for names and percentages) or `scaledValue(x, total, round_up)`"
        } else {
            "convert one side, or compare values of the same type"
        };
        self.error(
            Diagnostic::error(
                Code::TypeMismatch,
                format!("cannot {verb} `{a}` and `{b}`"),
                expr.span,
            )
            .with_label(format!("`{a}` and `{b}`"))
            .with_help(help),
        );
    }

    fn compare_equal(&mut self, expr: &Expr, op: BinaryOp, lhs: &Expr, a: &Ty, rhs: &Expr, b: &Ty) {
        if !comparable(a, b) {
            self.mismatch(expr, "compare", a, b);
            return;
        }
        // `x == null` where `x` is never absent.
        for (side, side_ty, other_ty) in [(lhs, a, b), (rhs, b, a)] {
            if matches!(other_ty, Ty::Null) && !side_ty.is_optional() && !side_ty.is_lenient() {
                let text = self.text(side.span);
                let outcome = if op == BinaryOp::Eq { "false" } else { "true" };
                self.diagnostics.push(
                    Diagnostic::warning(
                        Code::AlwaysSame,
                        format!("this comparison is always {outcome}"),
                        expr.span,
                    )
                    .with_secondary(side.span, format!("`{text}` is never absent"))
                    .with_help("remove the comparison, or compare with a value"),
                );
            }
        }
        if let Ty::Enum(values) = a.required() {
            self.enum_literal(lhs, values, rhs);
        }
        if let Ty::Enum(values) = b.required() {
            self.enum_literal(rhs, values, lhs);
        }
    }

    /// A string literal compared with an enum field must be one of its values.
    fn enum_literal(&mut self, field: &Expr, values: &[String], literal: &Expr) {
        let ExprKind::Str(lit) = &literal.kind else {
            return;
        };
        let Some(text) = lit.as_plain() else {
            return;
        };
        // The API reads `""` as "not set" for enum strings (a toleration's `effect: ""` means
        // every effect), so comparing with it is always meaningful.
        if text.is_empty() || values.contains(&text) {
            return;
        }
        let field_text = self.text(field.span);
        let allowed: Vec<String> = values.iter().map(|value| format!("`{value}`")).collect();
        let mut diagnostic = Diagnostic::error(
            Code::EnumValue,
            format!("`{field_text}` is never `\"{text}\"`"),
            literal.span,
        )
        .with_label(format!("one of {}", allowed.join(", ")));
        if let Some(suggestion) = closest(&text, values.iter().map(String::as_str)) {
            diagnostic = diagnostic.with_help(format!("did you mean `\"{suggestion}\"`?"));
        } else {
            diagnostic = diagnostic.with_help(format!("the values are {}", allowed.join(", ")));
        }
        self.error(diagnostic);
    }
}

/// The type of a scalar literal, for checking it against a field.
fn literal_type(expr: &Expr) -> Option<Ty> {
    Some(match &expr.kind {
        ExprKind::Null => Ty::Null,
        ExprKind::Bool(_) => Ty::Bool,
        ExprKind::Int(_) => Ty::Int,
        ExprKind::Float(_) => Ty::Float,
        ExprKind::Quantity(_) => Ty::Quantity,
        ExprKind::Str(_) => Ty::String,
        _ => return None,
    })
}

/// "an `int`", "a `string`".
fn a_type(shown: &str) -> String {
    let article = if shown.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} `{shown}`")
}

fn collect_meta_strings<'v>(value: &'v MetaValue, out: &mut Vec<&'v StringLit>) {
    match value {
        MetaValue::Str(lit) => out.push(lit),
        MetaValue::List(items, _) => items
            .iter()
            .for_each(|item| collect_meta_strings(item, out)),
        _ => {}
    }
}

/// Whether values of these types can be equal (absent aside).
fn comparable(a: &Ty, b: &Ty) -> bool {
    let (a, b) = (a.required(), b.required());
    if a.is_lenient()
        || b.is_lenient()
        || matches!(a, Ty::Null | Ty::Empty)
        || matches!(b, Ty::Null | Ty::Empty)
    {
        return true;
    }
    match (a, b) {
        (Ty::List(x), Ty::List(y)) | (Ty::Map(x), Ty::Map(y)) => comparable(x, y),
        (Ty::Object(x), Ty::Object(y)) => x == y,
        (Ty::IntOrString, other) | (other, Ty::IntOrString) => {
            matches!(other, Ty::Int | Ty::IntOrString) || other.is_stringy()
        }
        (Ty::Quantity, other) | (other, Ty::Quantity) => {
            matches!(other, Ty::Quantity | Ty::Int | Ty::Float) || other.is_stringy()
        }
        _ if a.is_numeric() && b.is_numeric() => true,
        _ if a.is_stringy() && b.is_stringy() => true,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// Whether `<` applies to these (present) values.
fn ordered(a: &Ty, b: &Ty) -> bool {
    let (a, b) = (a.required(), b.required());
    if a.is_lenient() || b.is_lenient() {
        return true;
    }
    match (a, b) {
        _ if a.is_numeric() && b.is_numeric() => true,
        (Ty::Quantity, other) | (other, Ty::Quantity) => {
            matches!(other, Ty::Quantity | Ty::Int | Ty::Float)
        }
        (Ty::Duration, Ty::Duration) | (Ty::Time, Ty::Time) => true,
        (Ty::String | Ty::Enum(_), Ty::String | Ty::Enum(_)) => true,
        _ => false,
    }
}

fn arithmetic(op: BinaryOp, a: &Ty, b: &Ty) -> Option<Ty> {
    if a.is_lenient() || b.is_lenient() {
        return Some(Ty::Any);
    }
    match (op, a, b) {
        (_, Ty::Int, Ty::Int) => Some(Ty::Int),
        (_, x, y) if x.is_numeric() && y.is_numeric() => Some(Ty::Float),
        (BinaryOp::Add, x, y) if x.is_stringy() && y.is_stringy() => Some(Ty::String),
        (BinaryOp::Add, Ty::List(x), Ty::List(y)) => Some(Ty::List(Box::new(unify(x, y)?))),
        (BinaryOp::Add | BinaryOp::Sub, Ty::Quantity, Ty::Quantity | Ty::Int | Ty::Float)
        | (BinaryOp::Add | BinaryOp::Sub, Ty::Int | Ty::Float, Ty::Quantity) => Some(Ty::Quantity),
        (BinaryOp::Mul | BinaryOp::Div, Ty::Quantity, Ty::Int | Ty::Float)
        | (BinaryOp::Mul, Ty::Int | Ty::Float, Ty::Quantity) => Some(Ty::Quantity),
        (BinaryOp::Div, Ty::Quantity, Ty::Quantity) => Some(Ty::Float),
        (BinaryOp::Add | BinaryOp::Sub, Ty::Duration, Ty::Duration) => Some(Ty::Duration),
        (BinaryOp::Add | BinaryOp::Sub, Ty::Time, Ty::Duration) => Some(Ty::Time),
        (BinaryOp::Sub, Ty::Time, Ty::Time) => Some(Ty::Duration),
        _ => None,
    }
}

/// The type of a value that may be either, if there is one.
fn unify(a: &Ty, b: &Ty) -> Option<Ty> {
    if a == b {
        return Some(a.clone());
    }
    let optional = a.is_optional() || b.is_optional();
    let (x, y) = (a.required(), b.required());
    let joined = match (x, y) {
        (Ty::Empty, other) | (other, Ty::Empty) => other.clone(),
        (Ty::Null, other) | (other, Ty::Null) => return Some(other.clone().optional()),
        (Ty::Unknown, _) | (_, Ty::Unknown) => Ty::Unknown,
        (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
        _ if x == y => x.clone(),
        (Ty::Int, Ty::Float) | (Ty::Float, Ty::Int) => Ty::Float,
        (Ty::Quantity, other) | (other, Ty::Quantity)
            if other.is_numeric() || other.is_stringy() =>
        {
            Ty::Quantity
        }
        (Ty::IntOrString, other) | (other, Ty::IntOrString)
            if matches!(other, Ty::Int) || other.is_stringy() =>
        {
            Ty::IntOrString
        }
        _ if x.is_stringy() && y.is_stringy() => Ty::String,
        (Ty::List(p), Ty::List(q)) => Ty::List(Box::new(unify(p, q)?)),
        (Ty::Map(p), Ty::Map(q)) => Ty::Map(Box::new(unify(p, q)?)),
        _ => return None,
    };
    Some(if optional { joined.optional() } else { joined })
}

/// The item type of a literal list or map: the join of its items, `any` when they differ.
fn unify_all(types: &[Ty]) -> Ty {
    let mut iter = types.iter();
    let Some(first) = iter.next() else {
        return Ty::Empty;
    };
    iter.try_fold(first.clone(), |joined, next| unify(&joined, next))
        .unwrap_or(Ty::Any)
}

/// Whether a value of type `value` may be stored where `target` is expected.
fn assignable(value: &Ty, target: &Ty) -> bool {
    if value.is_lenient() || target.is_lenient() || matches!(value, Ty::Empty) {
        return true;
    }
    match (value, target) {
        (Ty::Null, target) => target.is_optional(),
        (value, Ty::Optional(inner)) => assignable(value.required(), inner),
        (Ty::Optional(_), _) => false,
        (Ty::Int, Ty::Float | Ty::Quantity | Ty::IntOrString) => true,
        (Ty::Float, Ty::Quantity) => true,
        (Ty::String, Ty::Quantity | Ty::IntOrString | Ty::Time | Ty::Bytes) => true,
        (Ty::Enum(_), Ty::String) => true,
        (Ty::String, Ty::Enum(_)) => true,
        (Ty::List(x), Ty::List(y)) | (Ty::Map(x), Ty::Map(y)) => assignable(x, y),
        (Ty::Map(_), Ty::Object(_)) => true,
        _ => value == target,
    }
}

/// Matches argument types against a signature; `relax_optional` treats optional arguments as
/// present (to tell "absent" apart from "wrong type").
fn apply(signature: &builtins::Signature, args: &[Ty], relax_optional: bool) -> Option<Ty> {
    let mut variable: Option<Ty> = None;
    for (arg, param) in args.iter().zip(&signature.params) {
        let arg = if relax_optional {
            arg.required().clone()
        } else {
            arg.clone()
        };
        if !fits(&arg, param, &mut variable) {
            return None;
        }
    }
    Some(substitute(&signature.result, variable.as_ref()))
}

fn fits(arg: &Ty, param: &SigTy, variable: &mut Option<Ty>) -> bool {
    if arg.is_lenient() {
        if matches!(param, SigTy::Var) && variable.is_none() {
            *variable = Some(Ty::Any);
        }
        return true;
    }
    match param {
        SigTy::Var => match variable {
            Some(bound) => match unify(bound, arg) {
                Some(joined) => {
                    *variable = Some(joined);
                    true
                }
                None => false,
            },
            None => {
                *variable = Some(arg.clone());
                true
            }
        },
        SigTy::Optional(inner) => match arg {
            Ty::Null => true,
            Ty::Optional(value) => fits(value, inner, variable),
            other => fits(other, inner, variable),
        },
        _ if arg.is_optional() => false,
        SigTy::Concrete(ty) => assignable(arg, ty),
        SigTy::List(item) => match arg {
            Ty::List(value) => fits(value, item, variable),
            _ => false,
        },
        SigTy::Map(item) => match arg {
            Ty::Map(value) => fits(value, item, variable),
            _ => false,
        },
    }
}

fn substitute(sig: &SigTy, variable: Option<&Ty>) -> Ty {
    match sig {
        SigTy::Concrete(ty) => ty.clone(),
        SigTy::Var => variable.cloned().unwrap_or(Ty::Any),
        SigTy::List(item) => Ty::List(Box::new(substitute(item, variable))),
        SigTy::Map(item) => Ty::Map(Box::new(substitute(item, variable))),
        SigTy::Optional(inner) => substitute(inner, variable).optional(),
    }
}

/// Orders Kubernetes API versions: `v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1`.
fn version_rank(version: &str) -> (u32, u32, u32) {
    let digits = |text: &str| -> (u32, usize) {
        let end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        (text[..end].parse().unwrap_or(0), end)
    };
    let rest = version.strip_prefix('v').unwrap_or(version);
    let (major, end) = digits(rest);
    let rest = &rest[end..];
    if let Some(beta) = rest.strip_prefix("beta") {
        (major, 1, digits(beta).0)
    } else if let Some(alpha) = rest.strip_prefix("alpha") {
        (major, 0, digits(alpha).0)
    } else {
        (major, 2, 0)
    }
}
