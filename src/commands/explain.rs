//! `pol explain KIND[.field.path]`: the type and documentation of a kind or a field, like
//! `kubectl explain`, from the schemas pol checks policies against.

use std::io::Write;

use pol_compiler::schema::{KindInfo, ObjectId, Schemas};
use pol_compiler::suggest::closest;
use pol_compiler::types::Ty;

use crate::compile::{self, SchemaArgs};
use crate::{Outcome, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A kind, optionally followed by a field path: `Deployment.spec.replicas`. Qualify a kind
    /// served by several groups with its API version: `networking.k8s.io/v1/Ingress.spec`.
    target: String,
    #[command(flatten)]
    schema: SchemaArgs,
}

pub fn run(args: &Args) -> Outcome {
    let Some(schemas) = compile::schemas(&args.schema) else {
        return Outcome::Errors;
    };
    match explain(&schemas, &args.target) {
        Ok(text) => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            Outcome::Clean
        }
        Err(message) => {
            report::error(&message);
            Outcome::Errors
        }
    }
}

/// The explanation of `target`, or an error message with a suggestion.
pub fn explain(schemas: &Schemas, target: &str) -> Result<String, String> {
    let (api_version, rest) = match target.rfind('/') {
        Some(slash) => (Some(&target[..slash]), &target[slash + 1..]),
        None => (None, target),
    };
    let mut segments = rest.split('.');
    let kind_name = segments.next().unwrap_or("");
    let kind = find_kind(schemas, api_version, kind_name)?;
    let mut ty = Ty::Object(kind.object);
    let mut owner: Option<(ObjectId, String)> = None;
    let mut path = Vec::new();
    for segment in segments {
        if segment.is_empty() {
            return Err(format!("empty field name in `{target}`"));
        }
        let object = match element(&ty) {
            Ty::Object(id) => *id,
            other => {
                return Err(format!(
                    "`{}` is `{}`: it has no field `{segment}`",
                    display_path(kind, &path),
                    other.display(schemas)
                ));
            }
        };
        let def = schemas.object(object);
        let Some(field) = def.field(segment) else {
            let suggestion = closest(segment, def.fields.iter().map(|field| field.name.as_str()))
                .map(|name| format!("; did you mean `{name}`?"))
                .unwrap_or_default();
            return Err(format!(
                "`{}` has no field `{segment}`{suggestion}",
                def.short_name()
            ));
        };
        let required = def.required.iter().any(|name| name == segment);
        ty = if required {
            field.ty.clone()
        } else {
            field.ty.clone().optional()
        };
        owner = Some((object, segment.to_string()));
        path.push(segment.to_string());
    }
    let mut out = String::new();
    out.push_str(&format!("KIND:     {}\n", kind.kind));
    out.push_str(&format!("VERSION:  {}\n", kind.api_version()));
    out.push_str(&format!(
        "SCOPE:    {}\n\n",
        if kind.namespaced {
            "namespaced"
        } else {
            "cluster"
        }
    ));
    if !path.is_empty() {
        out.push_str(&format!(
            "FIELD:    {} <{}>\n\n",
            path.join("."),
            ty.display(schemas)
        ));
    }
    if let Ty::Enum(values) = ty.required() {
        let quoted: Vec<String> = values.iter().map(|value| format!("\"{value}\"")).collect();
        out.push_str(&format!("VALUES:   {}\n\n", quoted.join(", ")));
    }
    let description = match &owner {
        Some((object, field)) => schemas.description(*object, Some(field)),
        None => schemas.description(kind.object, None),
    };
    out.push_str("DESCRIPTION:\n");
    match description {
        Some(text) => {
            for line in text.lines() {
                for wrapped in wrap(line, 92) {
                    out.push_str("    ");
                    out.push_str(&wrapped);
                    out.push('\n');
                }
            }
        }
        None => out.push_str("    (no description)\n"),
    }
    if let Ty::Object(id) = element(&ty) {
        let def = schemas.object(*id);
        if !def.fields.is_empty() {
            out.push_str("\nFIELDS:\n");
            let width = def
                .fields
                .iter()
                .map(|field| field.name.len())
                .max()
                .unwrap_or(0);
            for field in &def.fields {
                let required = if def.required.contains(&field.name) {
                    "  (required)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "    {:width$}  <{}>{required}\n",
                    field.name,
                    field.ty.display(schemas)
                ));
            }
        }
    }
    Ok(out)
}

/// `text` cut at spaces into lines of at most `width` characters (longer words stay whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let indent: String = text.chars().take_while(|c| *c == ' ').collect();
    let mut lines = Vec::new();
    let mut line = indent.clone();
    for word in text.split_whitespace() {
        if line.trim().is_empty() {
            line.push_str(word);
        } else if line.chars().count() + 1 + word.chars().count() <= width {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(std::mem::replace(&mut line, format!("{indent}{word}")));
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Lists and maps are explained through their items.
fn element(ty: &Ty) -> &Ty {
    match ty.required() {
        Ty::List(item) | Ty::Map(item) => element(item),
        other => other,
    }
}

fn display_path(kind: &KindInfo, path: &[String]) -> String {
    std::iter::once(kind.kind.clone())
        .chain(path.iter().cloned())
        .collect::<Vec<_>>()
        .join(".")
}

fn find_kind<'s>(
    schemas: &'s Schemas,
    api_version: Option<&str>,
    name: &str,
) -> Result<&'s KindInfo, String> {
    let candidates: Vec<&KindInfo> = schemas
        .kinds_named(name)
        .into_iter()
        .filter(|kind| api_version.is_none_or(|wanted| kind.api_version() == wanted))
        .collect();
    match candidates.as_slice() {
        [only] => Ok(only),
        [] => {
            let mut names: Vec<&str> = schemas
                .kinds()
                .iter()
                .map(|kind| kind.kind.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            let suggestion = closest(name, names)
                .map(|kind| format!("; did you mean `{kind}`?"))
                .unwrap_or_default();
            let version = api_version
                .map(|v| format!(" in `{v}`"))
                .unwrap_or_default();
            Err(format!(
                "unknown kind `{name}`{version} in Kubernetes {}{suggestion}",
                schemas.version
            ))
        }
        several => {
            let versions: Vec<String> = several
                .iter()
                .map(|kind| format!("`{}/{}`", kind.api_version(), kind.kind))
                .collect();
            Err(format!(
                "kind `{name}` is served as {}; name one of them",
                versions.join(", ")
            ))
        }
    }
}
