//! Builtin signatures, read from the stdlib registry (`pol_stdlib::registry`).

use pol_stdlib::registry::{self, Builtin};

use crate::types::Ty;

/// A signature type: a concrete type or the type variable `T`.
#[derive(Debug, Clone, PartialEq)]
pub enum SigTy {
    Concrete(Ty),
    Var,
    List(Box<SigTy>),
    Map(Box<SigTy>),
    Optional(Box<SigTy>),
}

#[derive(Debug, Clone)]
pub struct Signature {
    pub builtin: &'static Builtin,
    pub params: Vec<SigTy>,
    pub result: SigTy,
}

/// The parsed overloads of `name` (empty when there is no such builtin).
pub fn signatures(name: &str) -> Vec<Signature> {
    registry::overloads(name)
        .filter_map(|builtin| {
            let (params, result) = parse_signature(builtin.signature)?;
            Some(Signature {
                builtin,
                params,
                result,
            })
        })
        .collect()
}

pub fn names() -> Vec<&'static str> {
    registry::names()
}

/// `fn(A, B) -> R`
pub fn parse_signature(text: &str) -> Option<(Vec<SigTy>, SigTy)> {
    let rest = text.trim().strip_prefix("fn(")?;
    let close = matching_paren(rest)?;
    let params_text = &rest[..close];
    let result_text = rest[close + 1..].trim().strip_prefix("->")?.trim();
    let params = split_top_level(params_text)
        .into_iter()
        .filter(|param| !param.trim().is_empty())
        .map(|param| parse_type(param.trim()))
        .collect::<Option<Vec<_>>>()?;
    Some((params, parse_type(result_text)?))
}

fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' if depth == 0 => return Some(index),
            ')' | '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                pieces.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// One type of pol's type syntax, with `T` as the type variable.
pub fn parse_type(text: &str) -> Option<SigTy> {
    let text = text.trim();
    if let Some(inner) = text.strip_suffix('?') {
        return Some(SigTy::Optional(Box::new(parse_type(inner)?)));
    }
    if let Some(inner) = text
        .strip_prefix("list<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return Some(SigTy::List(Box::new(parse_type(inner)?)));
    }
    if let Some(inner) = text
        .strip_prefix("map<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return Some(SigTy::Map(Box::new(parse_type(inner)?)));
    }
    if text == "T" {
        return Some(SigTy::Var);
    }
    if text == "int-or-string" {
        return Some(SigTy::Concrete(Ty::IntOrString));
    }
    named_type(text).map(SigTy::Concrete)
}

/// The named types of the language (`param x: NAME`).
pub fn named_type(name: &str) -> Option<Ty> {
    Some(match name {
        "bool" => Ty::Bool,
        "int" => Ty::Int,
        "float" => Ty::Float,
        "string" => Ty::String,
        "quantity" => Ty::Quantity,
        "duration" => Ty::Duration,
        "time" => Ty::Time,
        "regex" => Ty::Regex,
        "glob" => Ty::Glob,
        "any" => Ty::Any,
        _ => return None,
    })
}

pub const TYPE_NAMES: &[&str] = &[
    "bool", "int", "float", "string", "quantity", "duration", "time", "regex", "glob", "any",
    "list", "map",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_signature_parses() {
        for builtin in registry::BUILTINS {
            assert!(
                parse_signature(builtin.signature).is_some(),
                "{}: {}",
                builtin.name,
                builtin.signature
            );
        }
    }
}
