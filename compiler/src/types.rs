//! The types of pol values, as the type checker sees them.

use std::fmt;

use crate::schema::{ObjectId, Schemas};

/// A type. Kubernetes fields are nearly all optional: reading one gives `Optional(T)`, and the
/// checker makes the author say what absent means before ordering, arithmetic or a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// The type of an expression that already has an error: accepted everywhere, so one
    /// mistake is reported once.
    Unknown,
    /// Open data (`x-kubernetes-preserve-unknown-fields`, RawExtension, JSON parsed at run
    /// time): any field may be read, any operation is checked at run time.
    Any,
    /// The literal `null`: absent.
    Null,
    /// The items of an empty literal (`[]`, `{}`): fits every type without weakening it, so
    /// `rules ?? []` keeps the type of `rules`.
    Empty,
    Bool,
    Int,
    Float,
    String,
    /// A Kubernetes resource quantity (`500m`, `1Gi`): written as a string or a number.
    Quantity,
    /// A duration (`30s`, `1h30m`).
    Duration,
    /// An RFC 3339 timestamp, written as a string.
    Time,
    /// Base64 data, written as a string.
    Bytes,
    /// A field that holds an integer or a string (`maxSurge`, `targetPort`).
    IntOrString,
    /// A string with a known set of values.
    Enum(Vec<String>),
    Regex,
    Glob,
    List(Box<Ty>),
    /// A map from string keys (labels, annotations, resource lists).
    Map(Box<Ty>),
    /// A Kubernetes object type from the schemas.
    Object(ObjectId),
    /// A value that may be absent.
    Optional(Box<Ty>),
}

impl Ty {
    pub fn optional(self) -> Ty {
        match self {
            Ty::Optional(_) | Ty::Unknown | Ty::Any | Ty::Null => self,
            other => Ty::Optional(Box::new(other)),
        }
    }

    /// The type without its optionality.
    pub fn required(&self) -> &Ty {
        match self {
            Ty::Optional(inner) => inner,
            other => other,
        }
    }

    pub fn is_optional(&self) -> bool {
        matches!(self, Ty::Optional(_) | Ty::Null)
    }

    /// Types that accept anything without complaint.
    pub fn is_lenient(&self) -> bool {
        matches!(self.required(), Ty::Unknown | Ty::Any)
    }

    pub fn is_stringy(&self) -> bool {
        matches!(
            self.required(),
            Ty::String | Ty::Enum(_) | Ty::Time | Ty::Bytes
        )
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self.required(), Ty::Int | Ty::Float)
    }

    /// A printable name, resolving object names through `schemas`.
    pub fn display<'a>(&'a self, schemas: &'a Schemas) -> TyDisplay<'a> {
        TyDisplay { ty: self, schemas }
    }
}

#[derive(Debug)]
pub struct TyDisplay<'a> {
    ty: &'a Ty,
    schemas: &'a Schemas,
}

impl fmt::Display for TyDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ty {
            Ty::Unknown => f.write_str("unknown"),
            Ty::Any => f.write_str("any"),
            Ty::Null => f.write_str("null"),
            Ty::Empty => f.write_str("nothing"),
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Float => f.write_str("float"),
            Ty::String => f.write_str("string"),
            Ty::Quantity => f.write_str("quantity"),
            Ty::Duration => f.write_str("duration"),
            Ty::Time => f.write_str("time"),
            Ty::Bytes => f.write_str("bytes"),
            Ty::IntOrString => f.write_str("int-or-string"),
            Ty::Enum(_) => f.write_str("string"),
            Ty::Regex => f.write_str("regex"),
            Ty::Glob => f.write_str("glob"),
            Ty::List(item) => write!(f, "list<{}>", item.display(self.schemas)),
            Ty::Map(value) => write!(f, "map<{}>", value.display(self.schemas)),
            Ty::Object(id) => f.write_str(self.schemas.object(*id).short_name()),
            Ty::Optional(inner) => write!(f, "{}?", inner.display(self.schemas)),
        }
    }
}
