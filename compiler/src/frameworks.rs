//! Compliance frameworks as data (`policies/frameworks/*.yaml`): their controls, so that a
//! policy naming a control no framework defines does not compile.
//!
//! A control string is `PREFIX:ID` (`CIS-K8S-1.12:5.2.2`, `MITRE:T1611`), or `PREFIX-ID` for a
//! framework whose file sets `separator: "-"` (`PSS-baseline`).

use std::collections::BTreeMap;

use pol_vm::document::{Limits, Node, Value, load};

use crate::ast::{File, MetaValue, PolicyItem};
use crate::diagnostics::{Code, Diagnostic};
use crate::suggest::closest;

/// One framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    pub id: String,
    pub prefix: String,
    pub title: String,
    /// Control string → control title.
    pub controls: BTreeMap<String, String>,
}

/// Every known framework.
#[derive(Debug, Clone, Default)]
pub struct Frameworks {
    pub frameworks: Vec<Framework>,
}

/// A framework file that could not be read: file name, line, column, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for FrameworkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl Frameworks {
    /// Reads framework files given as `(name, text)`.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Frameworks, Vec<FrameworkError>) {
        let mut frameworks = Frameworks::default();
        let mut errors = Vec::new();
        for (name, text) in files {
            let loaded = load(text.as_bytes(), &Limits::default());
            for error in loaded.errors {
                errors.push(FrameworkError {
                    file: name.to_string(),
                    line: error.position.line,
                    column: error.position.column,
                    message: error.message,
                });
            }
            for document in loaded.documents {
                match framework(&document.root) {
                    Ok(framework) => frameworks.frameworks.push(framework),
                    Err((node, message)) => errors.push(FrameworkError {
                        file: name.to_string(),
                        line: node.location.start.line,
                        column: node.location.start.column,
                        message,
                    }),
                }
            }
        }
        // Deterministic whatever order the files came in.
        frameworks.frameworks.sort_by(|a, b| a.id.cmp(&b.id));
        (frameworks, errors)
    }

    /// The title of a control string, when a framework defines it.
    pub fn control(&self, control: &str) -> Option<(&Framework, &str)> {
        self.frameworks.iter().find_map(|framework| {
            framework
                .controls
                .get(control)
                .map(|title| (framework, title.as_str()))
        })
    }

    /// Errors for every control string in `file` that no framework defines.
    pub fn check(&self, file: &File) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        for policy in &file.policies {
            for item in &policy.items {
                let PolicyItem::Meta(meta) = item else {
                    continue;
                };
                if meta.key.text != "controls" {
                    continue;
                }
                let MetaValue::List(items, _) = &meta.value else {
                    continue;
                };
                for item in items {
                    let MetaValue::Str(lit) = item else {
                        continue;
                    };
                    let Some(control) = lit.as_plain() else {
                        continue;
                    };
                    if self.control(&control).is_some() {
                        continue;
                    }
                    diagnostics.push(self.unknown(&control, lit.span));
                }
            }
        }
        diagnostics
    }

    fn unknown(&self, control: &str, span: crate::Span) -> Diagnostic {
        let all = self
            .frameworks
            .iter()
            .flat_map(|framework| framework.controls.keys().map(String::as_str));
        let mut diagnostic = Diagnostic::error(
            Code::UnknownControl,
            format!("unknown control `{control}`"),
            span,
        )
        .with_label("no framework defines it");
        let prefix_known = self
            .frameworks
            .iter()
            .find(|framework| control.starts_with(framework.prefix.as_str()));
        diagnostic = match (closest(control, all), prefix_known) {
            (Some(suggestion), _) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            (None, Some(framework)) => diagnostic.with_help(format!(
                "{} defines no such control; the frameworks are in policies/frameworks/{}.yaml",
                framework.title, framework.id
            )),
            (None, None) => diagnostic.with_help(format!(
                "control strings start with a framework prefix: {}",
                self.frameworks
                    .iter()
                    .map(|framework| format!("`{}`", framework.prefix))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        diagnostic
    }
}

fn text<'a>(node: &'a Node, key: &str) -> Result<&'a str, (&'a Node, String)> {
    node.get(key)
        .and_then(|value| match &value.value {
            Value::String(text) => Some(text.as_str()),
            _ => None,
        })
        .ok_or_else(|| (node, format!("the framework has no `{key}` text")))
}

fn scalar(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(text) => Some(text.clone()),
        Value::Int(value) => Some(value.to_string()),
        Value::Float(value) => Some(value.to_string()),
        _ => None,
    }
}

fn framework(root: &Node) -> Result<Framework, (&Node, String)> {
    let id = text(root, "id")?.to_string();
    let prefix = text(root, "prefix")?.to_string();
    let title = text(root, "title")?.to_string();
    let separator = root
        .get("separator")
        .and_then(Node::as_str)
        .unwrap_or(":")
        .to_string();
    let list = root
        .get("controls")
        .and_then(Node::as_list)
        .ok_or_else(|| (root, "the framework has no `controls` list".to_string()))?;
    let mut controls = BTreeMap::new();
    for control in list {
        let control_id = control
            .get("id")
            .and_then(scalar)
            .ok_or_else(|| (control, "a control has no `id`".to_string()))?;
        let control_title = control
            .get("title")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let full = format!("{prefix}{separator}{control_id}");
        if controls.insert(full.clone(), control_title).is_some() {
            return Err((control, format!("control `{full}` is defined twice")));
        }
    }
    Ok(Framework {
        id,
        prefix,
        title,
        controls,
    })
}
