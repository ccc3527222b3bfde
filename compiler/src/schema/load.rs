//! Decoding the embedded schema data (format: `docs/schemas.md`).

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::{FieldDef, KindInfo, ObjectDef, Schemas, VERSIONS};
use crate::types::Ty;

/// Why schemas could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaError {
    UnknownVersion(String),
    /// The embedded data or a CRD does not have the expected shape.
    Malformed(String),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::UnknownVersion(version) => write!(
                f,
                "no schemas for Kubernetes `{version}`; known versions: {}",
                VERSIONS.join(", ")
            ),
            SchemaError::Malformed(detail) => write!(f, "malformed schema data: {detail}"),
        }
    }
}

fn embedded_types(version: &str) -> Option<&'static str> {
    match version {
        "1.34" => Some(include_str!("../../schemas/k8s-1.34.json")),
        "1.35" => Some(include_str!("../../schemas/k8s-1.35.json")),
        "1.36" => Some(include_str!("../../schemas/k8s-1.36.json")),
        _ => None,
    }
}

fn embedded_descriptions(version: &str) -> Option<&'static [u8]> {
    match version {
        "1.34" => Some(include_bytes!("../../schemas/k8s-1.34.desc.json.gz")),
        "1.35" => Some(include_bytes!("../../schemas/k8s-1.35.desc.json.gz")),
        "1.36" => Some(include_bytes!("../../schemas/k8s-1.36.desc.json.gz")),
        _ => None,
    }
}

fn malformed(detail: impl Into<String>) -> SchemaError {
    SchemaError::Malformed(detail.into())
}

pub(super) fn embedded(version: &str) -> Result<Schemas, SchemaError> {
    let text =
        embedded_types(version).ok_or_else(|| SchemaError::UnknownVersion(version.to_string()))?;
    let root: Value = serde_json::from_str(text).map_err(|error| malformed(error.to_string()))?;
    decode(version, &root)
}

fn decode(version: &str, root: &Value) -> Result<Schemas, SchemaError> {
    let kubernetes = root
        .get("kubernetes")
        .and_then(Value::as_str)
        .unwrap_or(version)
        .to_string();
    let defs = root
        .get("defs")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("no `defs`"))?;
    let mut schemas = Schemas {
        kubernetes,
        version: version.to_string(),
        objects: Vec::new(),
        kinds: Vec::new(),
        by_name: HashMap::new(),
    };
    // First give every object definition an id, so that references (recursive ones
    // included) resolve; then fill them in.
    let mut pending = Vec::new();
    for (name, value) in defs {
        if value.get("object").is_some() {
            let id = schemas.push_object(ObjectDef {
                name: name.clone(),
                fields: Vec::new(),
                required: Vec::new(),
                open: false,
                rest: None,
                described: true,
                docs: None,
            });
            pending.push((id, value));
        }
    }
    let mut decoder = Decoder {
        defs,
        aliases: HashMap::new(),
    };
    for (id, value) in pending {
        let name = schemas.object(id).name.clone();
        let object = decoder.object(&mut schemas, &name, value, 0)?;
        let slot = &mut schemas.objects[id.0 as usize];
        slot.fields = object.fields;
        slot.required = object.required;
        slot.open = object.open;
        slot.rest = object.rest;
    }
    for kind in root
        .get("kinds")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no `kinds`"))?
    {
        let text = |key: &str| {
            kind.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let def = text("def");
        let Some(object) = schemas.object_named(&def) else {
            return Err(malformed(format!(
                "kind refers to unknown definition `{def}`"
            )));
        };
        schemas.push_kind(KindInfo {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            object,
            namespaced: kind
                .get("namespaced")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            plural: text("plural"),
            custom: false,
        });
    }
    Ok(schemas)
}

/// References and inline objects nest at most this deep in one definition.
const MAX_DEPTH: usize = 64;

struct Decoder<'a> {
    defs: &'a Map<String, Value>,
    /// Definitions that are not objects (a list, a string…), decoded once.
    aliases: HashMap<String, Ty>,
}

impl Decoder<'_> {
    fn object(
        &mut self,
        schemas: &mut Schemas,
        path: &str,
        value: &Value,
        depth: usize,
    ) -> Result<ObjectDef, SchemaError> {
        let properties = value
            .get("object")
            .and_then(Value::as_object)
            .ok_or_else(|| malformed(format!("`{path}` is not an object")))?;
        let mut fields = Vec::with_capacity(properties.len());
        for (name, field) in properties {
            let ty = self.ty(schemas, &format!("{path}.{name}"), field, depth + 1)?;
            fields.push(FieldDef {
                name: name.clone(),
                ty,
            });
        }
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        let required = value
            .get("required")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let rest = match value.get("rest") {
            Some(rest) => Some(self.ty(schemas, &format!("{path}.*"), rest, depth + 1)?),
            None => None,
        };
        Ok(ObjectDef {
            name: path.to_string(),
            fields,
            required,
            open: value.get("open").and_then(Value::as_bool).unwrap_or(false),
            rest,
            described: false,
            docs: None,
        })
    }

    fn ty(
        &mut self,
        schemas: &mut Schemas,
        path: &str,
        value: &Value,
        depth: usize,
    ) -> Result<Ty, SchemaError> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!("`{path}` nests too deeply")));
        }
        if let Some(name) = value.as_str() {
            return primitive(name)
                .ok_or_else(|| malformed(format!("unknown type `{name}` at `{path}`")));
        }
        if let Some(values) = value.get("enum").and_then(Value::as_array) {
            return Ok(Ty::Enum(
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ));
        }
        if let Some(name) = value.get("ref").and_then(Value::as_str) {
            if let Some(id) = schemas.object_named(name) {
                return Ok(Ty::Object(id));
            }
            if let Some(alias) = self.aliases.get(name) {
                return Ok(alias.clone());
            }
            let target = self
                .defs
                .get(name)
                .ok_or_else(|| malformed(format!("`{path}` refers to unknown `{name}`")))?;
            let ty = self.ty(schemas, name, target, depth + 1)?;
            self.aliases.insert(name.to_string(), ty.clone());
            return Ok(ty);
        }
        if let Some(item) = value.get("list") {
            return Ok(Ty::List(Box::new(self.ty(
                schemas,
                path,
                item,
                depth + 1,
            )?)));
        }
        if let Some(entry) = value.get("map") {
            return Ok(Ty::Map(Box::new(self.ty(
                schemas,
                path,
                entry,
                depth + 1,
            )?)));
        }
        if value.get("object").is_some() {
            let object = self.object(schemas, path, value, depth)?;
            return Ok(Ty::Object(schemas.push_object(object)));
        }
        Err(malformed(format!("unknown type encoding at `{path}`")))
    }
}

fn primitive(name: &str) -> Option<Ty> {
    Some(match name {
        "string" => Ty::String,
        "boolean" => Ty::Bool,
        "int32" | "int64" => Ty::Int,
        "number" => Ty::Float,
        "bytes" => Ty::Bytes,
        "time" => Ty::Time,
        "int-or-string" => Ty::IntOrString,
        "quantity" => Ty::Quantity,
        "any" => Ty::Any,
        _ => return None,
    })
}

type Descriptions = HashMap<String, HashMap<String, String>>;

/// The description of `field` (or of the definition itself for `""`) of definition `def`.
pub(super) fn description(version: &str, def: &str, field: &str) -> Option<String> {
    static CACHE: [OnceLock<Option<Descriptions>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = VERSIONS.iter().position(|known| *known == version)?;
    let table = CACHE.get(index)?.get_or_init(|| {
        let bytes = embedded_descriptions(version)?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .ok()?;
        let root: Value = serde_json::from_str(&text).ok()?;
        let defs = root.get("defs")?.as_object()?;
        Some(
            defs.iter()
                .map(|(name, fields)| {
                    let fields = fields
                        .as_object()
                        .map(|fields| {
                            fields
                                .iter()
                                .filter_map(|(key, text)| {
                                    Some((key.clone(), text.as_str()?.to_string()))
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.clone(), fields)
                })
                .collect(),
        )
    });
    table.as_ref()?.get(def)?.get(field).cloned()
}
