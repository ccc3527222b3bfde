//! Custom resources: the `openAPIV3Schema` of each served version of a
//! CustomResourceDefinition becomes object types, so that policies matching custom kinds are
//! checked like built-in ones.
//!
//! CRD schemas are structural: no `$ref`, types given inline. Fields below
//! `x-kubernetes-preserve-unknown-fields: true` (without properties), `x-kubernetes-embedded-resource`
//! objects without properties, and schemas with no type are open (`any`).

use pol_vm::document::{Document, Node, Position, Value};

use super::{FieldDef, KindInfo, ObjectDef, Schemas};
use crate::types::Ty;

/// A CRD that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrdError {
    pub message: String,
    pub position: Position,
}

/// How many custom kinds were added.
#[derive(Debug, Clone, Default)]
pub struct CrdLoad {
    pub kinds: usize,
    pub errors: Vec<CrdError>,
}

/// Adds the kinds of every CustomResourceDefinition among `documents` to `schemas`. Other
/// documents are skipped.
pub fn load_crds(schemas: &mut Schemas, documents: &[Document]) -> CrdLoad {
    let mut load = CrdLoad::default();
    for document in documents {
        let root = &document.root;
        if root.get("kind").and_then(Node::as_str) != Some("CustomResourceDefinition") {
            continue;
        }
        if let Err(error) = load_crd(schemas, root, &mut load) {
            load.errors.push(error);
        }
    }
    load
}

fn error(node: &Node, message: impl Into<String>) -> CrdError {
    CrdError {
        message: message.into(),
        position: node.location.start,
    }
}

/// The string at `path` below `node`; `prefix` is the path of `node` itself, for messages.
fn text<'a>(node: &'a Node, prefix: &str, path: &[&str]) -> Result<&'a str, CrdError> {
    let full = format!("{prefix}.{}", path.join("."));
    let mut current = node;
    for key in path {
        current = current
            .get(key)
            .ok_or_else(|| error(current, format!("the CRD has no `{full}`")))?;
    }
    current
        .as_str()
        .ok_or_else(|| error(current, format!("`{full}` is not a string")))
}

fn load_crd(schemas: &mut Schemas, root: &Node, load: &mut CrdLoad) -> Result<(), CrdError> {
    let spec = root
        .get("spec")
        .ok_or_else(|| error(root, "the CRD has no `spec`"))?;
    let group = text(spec, "spec", &["group"])?.to_string();
    let kind = text(spec, "spec", &["names", "kind"])?.to_string();
    let plural = text(spec, "spec", &["names", "plural"])?.to_string();
    let namespaced = spec.get("scope").and_then(Node::as_str) != Some("Cluster");
    let versions = spec
        .get("versions")
        .and_then(Node::as_list)
        .ok_or_else(|| error(spec, "the CRD has no `spec.versions`"))?;
    for version in versions {
        if matches!(
            version.get("served").map(|node| &node.value),
            Some(Value::Bool(false))
        ) {
            continue;
        }
        let name = text(version, "spec.versions[]", &["name"])?.to_string();
        let path = format!("{group}/{name}:{kind}");
        if schemas.kind(&format!("{group}/{name}"), &kind).is_some() {
            return Err(error(
                version,
                format!("`{group}/{name}` `{kind}` is defined twice"),
            ));
        }
        let object = match version
            .get("schema")
            .and_then(|schema| schema.get("openAPIV3Schema"))
        {
            Some(schema) => match convert(schemas, &path, schema, 0)? {
                Ty::Object(id) => id,
                _ => open_object(schemas, &path),
            },
            // No schema: anything goes below the object.
            None => open_object(schemas, &path),
        };
        schemas.push_kind(KindInfo {
            group: group.clone(),
            version: name,
            kind: kind.clone(),
            object,
            namespaced,
            plural: plural.clone(),
            custom: true,
        });
        load.kinds += 1;
    }
    Ok(())
}

fn open_object(schemas: &mut Schemas, path: &str) -> super::ObjectId {
    schemas.push_object(ObjectDef {
        name: path.to_string(),
        fields: Vec::new(),
        required: Vec::new(),
        open: true,
        rest: None,
        described: false,
        docs: None,
    })
}

/// Schemas nest at most this deep.
const MAX_DEPTH: usize = 64;

fn flag(schema: &Node, key: &str) -> bool {
    matches!(
        schema.get(key).map(|node| &node.value),
        Some(Value::Bool(true))
    )
}

fn convert(schemas: &mut Schemas, path: &str, schema: &Node, depth: usize) -> Result<Ty, CrdError> {
    if depth > MAX_DEPTH {
        return Err(error(schema, "the schema nests too deeply"));
    }
    if flag(schema, "x-kubernetes-int-or-string") {
        return Ok(Ty::IntOrString);
    }
    let kind = schema.get("type").and_then(Node::as_str);
    if let Some(values) = schema.get("enum").and_then(Node::as_list)
        && kind == Some("string")
    {
        return Ok(Ty::Enum(
            values
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect(),
        ));
    }
    Ok(match kind {
        Some("string") => match schema.get("format").and_then(Node::as_str) {
            Some("date-time") => Ty::Time,
            Some("byte") => Ty::Bytes,
            _ => Ty::String,
        },
        Some("integer") => Ty::Int,
        Some("number") => Ty::Float,
        Some("boolean") => Ty::Bool,
        Some("array") => match schema.get("items") {
            Some(items) => Ty::List(Box::new(convert(schemas, path, items, depth + 1)?)),
            None => Ty::List(Box::new(Ty::Any)),
        },
        Some("object") | None => {
            let properties = schema.get("properties");
            let additional = schema.get("additionalProperties");
            let preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
            match (properties, additional) {
                (None, Some(additional)) if !matches!(additional.value, Value::Bool(_)) => {
                    Ty::Map(Box::new(convert(schemas, path, additional, depth + 1)?))
                }
                (
                    None,
                    Some(Node {
                        value: Value::Bool(true),
                        ..
                    }),
                ) => Ty::Map(Box::new(Ty::Any)),
                // Free-form: no properties, or unknown fields preserved.
                (None, _) => Ty::Any,
                (Some(properties), additional) => {
                    let Value::Map(entries) = &properties.value else {
                        return Err(error(properties, "`properties` is not a map"));
                    };
                    let mut fields = Vec::with_capacity(entries.len());
                    let mut docs = std::collections::HashMap::new();
                    if let Some(text) = schema.get("description").and_then(Node::as_str) {
                        docs.insert(String::new(), text.to_string());
                    }
                    for (key, field) in entries {
                        if let Some(text) = field.get("description").and_then(Node::as_str) {
                            docs.insert(key.text.clone(), text.to_string());
                        }
                        let ty =
                            convert(schemas, &format!("{path}.{}", key.text), field, depth + 1)?;
                        fields.push(FieldDef {
                            name: key.text.clone(),
                            ty,
                        });
                    }
                    fields.sort_by(|a, b| a.name.cmp(&b.name));
                    let required = schema
                        .get("required")
                        .and_then(Node::as_list)
                        .map(|names| {
                            names
                                .iter()
                                .filter_map(Node::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    let rest = match additional {
                        Some(node) if !matches!(node.value, Value::Bool(_)) => {
                            Some(convert(schemas, path, node, depth + 1)?)
                        }
                        Some(Node {
                            value: Value::Bool(true),
                            ..
                        }) => Some(Ty::Any),
                        _ => None,
                    };
                    // A custom object always has apiVersion, kind and metadata, whether the
                    // schema lists them or not.
                    if depth == 0 {
                        for (name, ty) in [("apiVersion", Ty::String), ("kind", Ty::String)] {
                            if !fields.iter().any(|field| field.name == name) {
                                fields.push(FieldDef {
                                    name: name.to_string(),
                                    ty,
                                });
                            }
                        }
                        if !fields.iter().any(|field| field.name == "metadata")
                            && let Some(meta) = schemas.object_named("meta.v1.ObjectMeta")
                        {
                            fields.push(FieldDef {
                                name: "metadata".to_string(),
                                ty: Ty::Object(meta),
                            });
                        }
                        fields.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                    Ty::Object(schemas.push_object(ObjectDef {
                        name: path.to_string(),
                        fields,
                        required,
                        open: preserve,
                        rest,
                        described: false,
                        docs: (!docs.is_empty()).then(|| std::sync::Arc::new(docs)),
                    }))
                }
            }
        }
        Some(other) => return Err(error(schema, format!("unknown schema type `{other}`"))),
    })
}
