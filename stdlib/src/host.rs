//! The runtime side of the builtins: [`StdHost`] implements the VM's [`Host`] trait.
//!
//! When a pack is loaded, [`StdHost::new`] binds every builtin the pack names (by name and
//! arity) and compiles every pattern, so that a pack from another version of pol fails then,
//! not halfway through an evaluation. Each call dispatches on the runtime view of its
//! arguments (overloads share a name: `len` of a string, a list or a map).
//!
//! # Runtime representations
//!
//! The compiler emits, and these functions take and return:
//!
//! - a **quantity** as a string (`"500m"`, from a policy literal or the document) or a number
//!   (an integer or a float from the document); results are strings in canonical form
//!   ([`Quantity::to_canonical_string`]: `"1Gi"`, `"500m"`);
//! - a **duration** as a string in Go's syntax (`"1h30m"`); results are in the form of Go's
//!   `Duration.String` (`"1h30m0s"`, `"1.5s"`, `"0s"`). The integer `0` is the zero duration
//!   (the compiler negates `d` as `0 - d`);
//! - a **time** as an RFC 3339 string; results are in UTC (`"2026-01-02T03:04:05Z"`, with a
//!   fraction only when it is not zero);
//! - a **regex** argument as a compiled pattern constant, or as a string compiled at the call.
//!
//! Operators the checker classified go through the host too, under reserved names:
//! `$eq:C`, `$cmp:C` (-1, 0 or 1), `$add:C`, `$sub:C`, `$mul:C` and `$div:C` for a class `C` of
//! `quantity`, `duration` or `time`, and `min:C`, `max:C`, `sort:C` (and `sum:C` for
//! quantities and durations) for lists of them. The query index files a selector by
//! `$selectorLabels` (its `matchLabels` once the whole selector is valid; null otherwise).
//!
//! # Failures
//!
//! Every failure is an `Err` with a one-line lowercase message that names the function (or
//! the operator) and shows the offending value in backticks; nothing here panics.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::{Arc, RwLock};

use pol_vm::document::{self, Limits, Node, Value as DocValue};
use pol_vm::interp::{
    Constant, Host, Value, View, any_item, compare, display_with, entries, entry_iter, equal,
    has_key, items, json, size,
};
use pol_vm::pack::{BuiltinRef, PatternDef, PatternKind};
use regex::Regex;

use crate::duration::Duration;
use crate::error::quote;
use crate::image::ImageRef;
use crate::net::{Cidr, parse_ip};
use crate::pattern::{self, Glob};
use crate::quantity::Quantity;
use crate::selector::{LabelSelector, Operator, Requirement};
pub use crate::time::Time;
use crate::version::{Version, compare_kube_versions};

/// Regexes given at run time that are kept compiled; the cache is emptied when it is full.
const DYNAMIC_CACHE_SIZE: usize = 64;
const NANO: i128 = 1_000_000_000;

/// The standard library, bound to one pack. `Send + Sync`: one host serves every thread.
#[derive(Debug)]
pub struct StdHost {
    /// Indexed like the pack's builtin table.
    builtins: Vec<Bound>,
    /// Indexed like the pack's pattern table.
    patterns: Vec<Pattern>,
    /// The patterns' source text, which `string` and `format` show.
    pattern_texts: Vec<PatternDef>,
    now: Time,
    /// Shared, not cloned: a cloned `Regex` starts with no match caches of its own, and
    /// building them costs more than most matches.
    /// Few (a policy's setup joins its words into one regex), so found by a scan that
    /// compares lengths first: no hashing of a long pattern on every match.
    dynamic: RwLock<Vec<(String, Arc<Regex>)>>,
}

/// A builtin of the pack, bound.
#[derive(Debug, Clone)]
struct Bound {
    func: Func,
    arity: u8,
    /// How messages name it: "`len`", "`+` on quantities".
    label: String,
}

#[derive(Debug)]
enum Pattern {
    Regex(Arc<Regex>),
    Glob(Glob),
}

/// The current time, from the system clock (the Unix epoch if the clock is set before it).
pub fn now() -> Time {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|since| {
            Time::from_unix(i64::try_from(since.as_secs()).ok()?, since.subsec_nanos())
        })
        .unwrap_or(Time::UNIX_EPOCH)
}

impl StdHost {
    /// Binds every builtin by (name, arity) and compiles every pattern. An unknown builtin
    /// (a pack from another version of pol may name builtins this one lacks) or an invalid
    /// pattern is an error naming it. `now` is what `now()` returns.
    pub fn new(
        builtins: &[BuiltinRef],
        patterns: &[PatternDef],
        now: Time,
    ) -> Result<StdHost, String> {
        let builtins = builtins
            .iter()
            .map(|builtin| {
                let func = Func::resolve(&builtin.name, builtin.arity).ok_or_else(|| {
                    format!(
                        "unknown builtin `{}` with {} argument{} (the pack may come from another version of pol)",
                        builtin.name,
                        builtin.arity,
                        if builtin.arity == 1 { "" } else { "s" }
                    )
                })?;
                Ok(Bound {
                    label: func.label(&builtin.name),
                    func,
                    arity: builtin.arity,
                })
            })
            .collect::<Result<_, String>>()?;
        let pattern_texts = patterns.to_vec();
        let patterns = patterns
            .iter()
            .map(|definition| match definition.kind {
                PatternKind::Regex => {
                    pattern::regex(&definition.text).map(|regex| Pattern::Regex(Arc::new(regex)))
                }
                PatternKind::Glob => Glob::parse(&definition.text).map(Pattern::Glob),
            })
            .collect::<Result<_, _>>()
            .map_err(|error| error.to_string())?;
        Ok(StdHost {
            builtins,
            patterns,
            pattern_texts,
            now,
            dynamic: RwLock::new(Vec::new()),
        })
    }

    /// A regex given at run time, compiled once.
    fn dynamic_regex(&self, text: &str) -> Result<Arc<Regex>, String> {
        if let Some((_, regex)) = self
            .dynamic
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(known, _)| known.len() == text.len() && known == text)
        {
            return Ok(Arc::clone(regex));
        }
        let regex = Arc::new(pattern::regex(text).map_err(|error| error.to_string())?);
        let mut cache = self
            .dynamic
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= DYNAMIC_CACHE_SIZE {
            cache.clear();
        }
        if !cache.iter().any(|(known, _)| known == text) {
            cache.push((text.to_owned(), Arc::clone(&regex)));
        }
        Ok(regex)
    }

    /// A regex argument: a compiled pattern constant, or a string to compile.
    fn regex_arg(&self, value: &Value<'_>) -> Result<Arc<Regex>, String> {
        if let Value::Const(Constant::Pattern(id)) = value {
            return match usize::try_from(*id)
                .ok()
                .and_then(|id| self.patterns.get(id))
            {
                Some(Pattern::Regex(regex)) => Ok(Arc::clone(regex)),
                Some(Pattern::Glob(_)) => Err("expected a regex, found a glob".to_owned()),
                None => Err(format!("the pack has no pattern {id}")),
            };
        }
        self.dynamic_regex(string(value)?)
    }

    fn apply<'d>(&self, func: Func, args: &[Value<'d>]) -> Result<Value<'d>, String> {
        use Func as F;
        match (func, args) {
            (F::Len, [a]) => len(a),
            (F::Lower, [a]) => Ok(text(string(a)?.to_lowercase())),
            (F::Upper, [a]) => Ok(text(string(a)?.to_uppercase())),
            (F::Trim, [a]) => Ok(text(string(a)?.trim())),
            (F::StartsWith, [a, b]) => Ok(Value::Bool(string(a)?.starts_with(string(b)?))),
            (F::EndsWith, [a, b]) => Ok(Value::Bool(string(a)?.ends_with(string(b)?))),
            (F::Contains, [a, b]) => contains(a, b),
            (F::Split, [a, b]) => Ok(split(string(a)?, string(b)?)),
            (F::Join, [a, b]) => join(a, string(b)?),
            (F::Replace, [a, b, c]) => Ok(text(string(a)?.replace(string(b)?, string(c)?))),
            (F::Substring, [a, b, c]) => substring(string(a)?, int(b)?, int(c)?),
            (F::String, [a]) => Ok(text(display_with(a, &self.pattern_texts))),
            (F::Format, [template, values @ ..]) => {
                format_values(string(template)?, values, &self.pattern_texts).map(text)
            }
            (F::Untyped, [a]) => Ok(a.clone()),
            (F::Find, [a, b]) => Ok(self
                .regex_arg(b)?
                .find(string(a)?)
                .map_or(Value::ABSENT, |found| text(found.as_str()))),
            (F::Captures, [a, b]) => Ok(captures(self.regex_arg(b)?.as_ref(), string(a)?)),
            (F::RegexEscape, [a]) => Ok(text(regex::escape(string(a)?))),
            (F::Quantity, [a]) => quantity_of(a).map(quantity_value),
            (F::Duration, [a]) => duration_of(a).map(duration_value),
            (F::Time, [a]) => time_of(a).map(time_value),
            (F::Now, []) => Ok(time_value(self.now)),
            (F::Image(part), [a]) => image(part, string(a)?),
            (F::Selects, [a, b]) => selects(a, b),
            (F::SelectorLabels, [a]) => selector_labels(a),
            (F::CidrContains, [a, b]) => cidr_contains(string(a)?, string(b)?),
            (F::CidrOverlaps, [a, b]) => {
                let (a, b) = (cidr(string(a)?)?, cidr(string(b)?)?);
                Ok(Value::Bool(a.overlaps(&b)))
            }
            (F::IsIp, [a]) => Ok(Value::Bool(parse_ip(string(a)?).is_ok())),
            (F::Int, [a]) => Ok(match a.view() {
                View::Int(number) => Value::Int(number),
                View::Str(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                    text.parse().map_or(Value::ABSENT, Value::Int)
                }
                View::Str(_) => Value::ABSENT,
                _ => return Err(unexpected("an integer or a string", a)),
            }),
            (F::ScaledValue, [a, b, c]) => scaled_value(a, int(b)?, boolean(c)?),
            (F::SemverCompare, [a, b]) => {
                let (a, b) = (semver(string(a)?)?, semver(string(b)?)?);
                Ok(ordering(a.cmp(&b)))
            }
            (F::ApiVersionCompare, [a, b]) => {
                Ok(ordering(compare_kube_versions(string(a)?, string(b)?)))
            }
            (F::Base64Decode, [a]) => Ok(base64_decode(string(a)?)?.map_or(Value::ABSENT, text)),
            (F::ParseJson | F::ParseYaml, [a]) => parse_document(string(a)?),
            (F::Keys, [a]) => {
                if !matches!(a.view(), View::Map(_)) {
                    return Err(unexpected("a map", a));
                }
                let mut keys: Vec<&str> = entry_iter(a).map(|(key, _)| key).collect();
                keys.sort_unstable();
                keys.dedup();
                Ok(list(keys.into_iter().map(text).collect()))
            }
            (F::Values, [a]) => Ok(list(sorted_entries(a)?.into_values().collect())),
            (F::Sum, [a]) => sum(a),
            (F::Count, [a]) => {
                let mut trues = 0i64;
                for item in list_items(a)? {
                    match item.view() {
                        View::Bool(flag) => trues += i64::from(flag),
                        _ => return Err(unexpected("a list of booleans", &item)),
                    }
                }
                Ok(Value::Int(trues))
            }
            (F::Count, [a, b]) => {
                let matching = list_items(a)?.iter().filter(|item| equal(item, b)).count();
                Ok(Value::Int(i64::try_from(matching).unwrap_or(i64::MAX)))
            }
            (F::Min, [a]) => Ok(extreme(orderable(a)?, Ordering::Less)),
            (F::Max, [a]) => Ok(extreme(orderable(a)?, Ordering::Greater)),
            (F::Sort, [a]) => {
                let mut items = orderable(a)?;
                items.sort_by(|x, y| compare(x, y).unwrap_or(Ordering::Equal));
                Ok(list(items))
            }
            (F::Unique, [a]) => Ok(list(unique(list_items(a)?))),
            (F::Merge, [a, b]) => merge(a, b),
            (F::Has, [a, b]) => has(a, string(b)?),
            (F::Op(class, op), [a, b]) => operator(class, op, a, b),
            (F::Collect(class, collect), [a]) => collection(class, collect, a),
            _ => Err(format!(
                "internal error: no implementation for {} arguments",
                args.len()
            )),
        }
    }
}

impl Host for StdHost {
    fn call<'d>(&self, builtin: u16, args: &[Value<'d>]) -> Result<Value<'d>, String> {
        let bound = self
            .builtins
            .get(usize::from(builtin))
            .ok_or_else(|| format!("the pack has no builtin {builtin}"))?;
        if args.len() != usize::from(bound.arity) {
            return Err(format!(
                "{} takes {} argument{}, not {}",
                bound.label,
                bound.arity,
                if bound.arity == 1 { "" } else { "s" },
                args.len()
            ));
        }
        self.apply(bound.func, args)
            .map_err(|message| format!("{}: {message}", bound.label))
    }

    fn matches(&self, pattern: u32, text: &str) -> bool {
        match usize::try_from(pattern)
            .ok()
            .and_then(|pattern| self.patterns.get(pattern))
        {
            Some(Pattern::Regex(regex)) => regex.is_match(text),
            Some(Pattern::Glob(glob)) => glob.matches(text),
            None => false,
        }
    }

    fn matches_dynamic(&self, pattern: &str, text: &str) -> Result<bool, String> {
        Ok(self.dynamic_regex(pattern)?.is_match(text))
    }
}

// ---------------------------------------------------------------------------------------
// Binding

/// What a builtin of the pack does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Len,
    Lower,
    Upper,
    Trim,
    StartsWith,
    EndsWith,
    Contains,
    Split,
    Join,
    Replace,
    Substring,
    String,
    Format,
    Untyped,
    Find,
    Captures,
    RegexEscape,
    Quantity,
    Duration,
    Time,
    Now,
    Image(ImagePart),
    Selects,
    SelectorLabels,
    CidrContains,
    CidrOverlaps,
    IsIp,
    Int,
    ScaledValue,
    SemverCompare,
    ApiVersionCompare,
    Base64Decode,
    ParseJson,
    ParseYaml,
    Keys,
    Values,
    Sum,
    Count,
    Min,
    Max,
    Sort,
    Unique,
    Merge,
    Has,
    /// An operator on a class of values: `$add:quantity`.
    Op(Class, Op),
    /// A collection builtin on a list of a class of values: `min:quantity`.
    Collect(Class, Collect),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImagePart {
    Registry,
    Repository,
    Tag,
    Digest,
}

/// The kinds of values whose operators the host implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Quantity,
    Duration,
    Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Cmp,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collect {
    Min,
    Max,
    Sort,
    Sum,
}

/// The plain builtins, by name and arity.
const TABLE: &[(&str, u8, Func)] = &[
    ("len", 1, Func::Len),
    ("lower", 1, Func::Lower),
    ("upper", 1, Func::Upper),
    ("trim", 1, Func::Trim),
    ("startsWith", 2, Func::StartsWith),
    ("endsWith", 2, Func::EndsWith),
    ("contains", 2, Func::Contains),
    ("split", 2, Func::Split),
    ("join", 2, Func::Join),
    ("replace", 3, Func::Replace),
    ("substring", 3, Func::Substring),
    ("string", 1, Func::String),
    ("format", 2, Func::Format),
    ("format", 3, Func::Format),
    ("format", 4, Func::Format),
    ("format", 5, Func::Format),
    ("untyped", 1, Func::Untyped),
    ("find", 2, Func::Find),
    ("captures", 2, Func::Captures),
    ("regexEscape", 1, Func::RegexEscape),
    ("quantity", 1, Func::Quantity),
    ("duration", 1, Func::Duration),
    ("time", 1, Func::Time),
    ("now", 0, Func::Now),
    ("imageRegistry", 1, Func::Image(ImagePart::Registry)),
    ("imageRepository", 1, Func::Image(ImagePart::Repository)),
    ("imageTag", 1, Func::Image(ImagePart::Tag)),
    ("imageDigest", 1, Func::Image(ImagePart::Digest)),
    ("selects", 2, Func::Selects),
    ("cidrContains", 2, Func::CidrContains),
    ("cidrOverlaps", 2, Func::CidrOverlaps),
    ("isIP", 1, Func::IsIp),
    ("int", 1, Func::Int),
    ("scaledValue", 3, Func::ScaledValue),
    ("semverCompare", 2, Func::SemverCompare),
    ("apiVersionCompare", 2, Func::ApiVersionCompare),
    ("base64Decode", 1, Func::Base64Decode),
    ("parseJson", 1, Func::ParseJson),
    ("parseYaml", 1, Func::ParseYaml),
    ("keys", 1, Func::Keys),
    ("values", 1, Func::Values),
    ("sum", 1, Func::Sum),
    ("count", 1, Func::Count),
    ("count", 2, Func::Count),
    ("min", 1, Func::Min),
    ("max", 1, Func::Max),
    ("sort", 1, Func::Sort),
    ("unique", 1, Func::Unique),
    ("merge", 2, Func::Merge),
    ("has", 2, Func::Has),
    ("$selectorLabels", 1, Func::SelectorLabels),
];

impl Func {
    /// The builtin called `name` with `arity` arguments, if this version has it.
    fn resolve(name: &str, arity: u8) -> Option<Func> {
        if let Some((verb, class)) = name.strip_prefix('$').and_then(|op| op.split_once(':')) {
            let op = match verb {
                "eq" => Op::Eq,
                "cmp" => Op::Cmp,
                "add" => Op::Add,
                "sub" => Op::Sub,
                "mul" => Op::Mul,
                "div" => Op::Div,
                _ => return None,
            };
            let class = Class::parse(class)?;
            let defined = class != Class::Time || !matches!(op, Op::Mul | Op::Div);
            return (arity == 2 && defined).then_some(Func::Op(class, op));
        }
        if let Some((base, class)) = name.split_once(':') {
            let collect = match base {
                "min" => Collect::Min,
                "max" => Collect::Max,
                "sort" => Collect::Sort,
                "sum" => Collect::Sum,
                _ => return None,
            };
            let class = Class::parse(class)?;
            let defined = !(class == Class::Time && collect == Collect::Sum);
            return (arity == 1 && defined).then_some(Func::Collect(class, collect));
        }
        TABLE
            .iter()
            .find(|(known, known_arity, _)| *known == name && *known_arity == arity)
            .map(|(_, _, func)| *func)
    }

    /// How messages name the builtin called `name`.
    fn label(self, name: &str) -> String {
        match self {
            Func::Op(class, op) => {
                let plural = class.plural();
                match op {
                    Op::Eq => format!("`==` on {plural}"),
                    Op::Cmp => format!("comparing {plural}"),
                    Op::Add => format!("`+` on {plural}"),
                    Op::Sub => format!("`-` on {plural}"),
                    Op::Mul => format!("`*` on {plural}"),
                    Op::Div => format!("`/` on {plural}"),
                }
            }
            _ => format!("`{}`", name.split(':').next().unwrap_or(name)),
        }
    }
}

impl Class {
    fn parse(name: &str) -> Option<Class> {
        match name {
            "quantity" => Some(Class::Quantity),
            "duration" => Some(Class::Duration),
            "time" => Some(Class::Time),
            _ => None,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Class::Quantity => "quantities",
            Class::Duration => "durations",
            Class::Time => "times",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Arguments and results

/// "expected a string, found an integer `42`"
fn unexpected(expected: &str, value: &Value<'_>) -> String {
    format!("expected {expected}, found {}", described(value))
}

/// "an integer `42`", "an absent value": a value's kind, and the value itself in backticks.
fn described(value: &Value<'_>) -> String {
    let view = value.view();
    match view {
        View::Absent | View::Null => view.kind().to_owned(),
        _ => format!("{} {}", view.kind(), quote(&json(value))),
    }
}

fn string<'v>(value: &'v Value<'_>) -> Result<&'v str, String> {
    value.as_str().ok_or_else(|| unexpected("a string", value))
}

fn int(value: &Value<'_>) -> Result<i64, String> {
    match value.view() {
        View::Int(number) => Ok(number),
        _ => Err(unexpected("an integer", value)),
    }
}

fn boolean(value: &Value<'_>) -> Result<bool, String> {
    match value.view() {
        View::Bool(flag) => Ok(flag),
        _ => Err(unexpected("a boolean", value)),
    }
}

/// `format`: `%v` the next value as messages show it, `%q` that text quoted, `%%` a percent.
fn format_values(
    template: &str,
    values: &[Value<'_>],
    patterns: &[PatternDef],
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut next = values.iter();
    let mut chars = template.chars();
    let mut used = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('v' | 'q')) => {
                let Some(value) = next.next() else {
                    return Err(format!(
                        "the template {} has more placeholders than the {} value(s) given",
                        quote(template),
                        values.len()
                    ));
                };
                used += 1;
                if verb == 'v' {
                    out.push_str(&display_with(value, patterns));
                } else {
                    out.push_str(&json(&text(display_with(value, patterns))));
                }
            }
            Some(other) => {
                return Err(format!(
                    "the template {} has `%{other}`: use `%v`, `%q` or `%%`",
                    quote(template)
                ));
            }
            None => {
                return Err(format!(
                    "the template {} ends with `%`: write `%%` for a percent sign",
                    quote(template)
                ));
            }
        }
    }
    if used < values.len() {
        return Err(format!(
            "the template {} has {used} placeholder(s) for {} values",
            quote(template),
            values.len()
        ));
    }
    Ok(out)
}

/// `value` (an integer, or a percentage of `total`) as Kubernetes scales `maxUnavailable`.
fn scaled_value(value: &Value<'_>, total: i64, round_up: bool) -> Result<Value<'static>, String> {
    match value.view() {
        View::Int(number) => Ok(Value::Int(number)),
        View::Str(text) => {
            let percent: i64 = text
                .strip_suffix('%')
                .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse().ok())
                .ok_or_else(|| format!("`{text}` is neither an integer nor a percentage"))?;
            let product = i128::from(percent) * i128::from(total);
            let scaled = if round_up {
                product.div_euclid(100) + i128::from(product.rem_euclid(100) != 0)
            } else {
                product.div_euclid(100)
            };
            i64::try_from(scaled)
                .map(Value::Int)
                .map_err(|_| format!("{percent}% of {total} is out of range"))
        }
        _ => Err(unexpected("an integer or a percentage", value)),
    }
}

/// The items of a list argument.
fn list_items<'d>(value: &Value<'d>) -> Result<Vec<Value<'d>>, String> {
    match value.view() {
        View::List(list) => items(list),
        _ => Err(unexpected("a list", value)),
    }
}

/// The entries of a map argument.
fn map_entries<'d>(value: &Value<'d>) -> Result<Vec<(Rc<str>, Value<'d>)>, String> {
    match value.view() {
        View::Map(map) => Ok(entries(map)),
        _ => Err(unexpected("a map", value)),
    }
}

/// The entries of a map argument, by key.
fn sorted_entries<'d>(value: &Value<'d>) -> Result<BTreeMap<Rc<str>, Value<'d>>, String> {
    map_entries(value).map(|entries| entries.into_iter().collect())
}

fn text<'d>(text: impl Into<String>) -> Value<'d> {
    Value::Str(Rc::new(text.into()))
}

fn list(items: Vec<Value<'_>>) -> Value<'_> {
    Value::List(Rc::new(items))
}

fn count(n: usize) -> Value<'static> {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn ordering(order: Ordering) -> Value<'static> {
    Value::Int(order as i64)
}

fn out_of_range() -> String {
    "the result is out of range".to_owned()
}

fn division_by_zero() -> String {
    "division by zero".to_owned()
}

// ---------------------------------------------------------------------------------------
// Strings

fn len<'d>(value: &Value<'d>) -> Result<Value<'d>, String> {
    match value.view() {
        View::Str(text) => Ok(count(text.chars().count())),
        View::List(list) | View::Map(list) => Ok(count(size(list).unwrap_or(0))),
        _ => Err(unexpected("a string, a list or a map", value)),
    }
}

fn contains<'d>(haystack: &Value<'d>, needle: &Value<'d>) -> Result<Value<'d>, String> {
    match haystack.view() {
        View::Str(text) => Ok(Value::Bool(text.contains(string(needle)?))),
        View::List(list) => Ok(Value::Bool(any_item(list, |item| equal(item, needle))?)),
        _ => Err(unexpected("a string or a list", haystack)),
    }
}

/// Pieces between separators; an empty separator splits into characters, as Go does.
fn split<'d>(text: &str, separator: &str) -> Value<'d> {
    let pieces = if separator.is_empty() {
        text.chars().map(|c| self::text(c.to_string())).collect()
    } else {
        text.split(separator).map(self::text).collect()
    };
    list(pieces)
}

fn join<'d>(value: &Value<'d>, separator: &str) -> Result<Value<'d>, String> {
    let pieces = list_items(value)?;
    let pieces = pieces
        .iter()
        .map(|piece| {
            piece
                .as_str()
                .ok_or_else(|| unexpected("a list of strings", piece))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(text(pieces.join(separator)))
}

/// Characters `start..end`; a range outside the string is an error.
fn substring<'d>(text: &str, start: i64, end: i64) -> Result<Value<'d>, String> {
    let length = text.chars().count();
    let bounds = usize::try_from(start).ok().zip(usize::try_from(end).ok());
    match bounds {
        Some((from, to)) if from <= to && to <= length => Ok(self::text(
            text.chars().skip(from).take(to - from).collect::<String>(),
        )),
        _ => Err(format!(
            "the range {start}..{end} is outside `0..{length}` (a string of {length} character{})",
            if length == 1 { "" } else { "s" }
        )),
    }
}

/// The groups of the first match (an unmatched group is `""`), or absent.
fn captures<'d>(regex: &Regex, text: &str) -> Value<'d> {
    regex.captures(text).map_or(Value::ABSENT, |groups| {
        list(
            groups
                .iter()
                .skip(1)
                .map(|group| self::text(group.map_or("", |found| found.as_str())))
                .collect(),
        )
    })
}

// ---------------------------------------------------------------------------------------
// Quantities, durations, times

fn quantity_of(value: &Value<'_>) -> Result<Quantity, String> {
    match value.view() {
        View::Str(text) => Quantity::parse(text),
        View::Int(number) => Ok(Quantity::from_i64(number)),
        View::Float(number) => Quantity::from_f64(number),
        _ => return Err(unexpected("a quantity", value)),
    }
    .map_err(|error| error.to_string())
}

fn duration_of(value: &Value<'_>) -> Result<Duration, String> {
    match value.view() {
        View::Str(text) => Duration::parse(text).map_err(|error| error.to_string()),
        View::Int(0) => Ok(Duration::ZERO),
        _ => Err(unexpected("a duration", value)),
    }
}

fn time_of(value: &Value<'_>) -> Result<Time, String> {
    match value.view() {
        View::Str(text) => Time::parse(text).map_err(|error| error.to_string()),
        _ => Err(unexpected("a time", value)),
    }
}

fn quantity_value(quantity: Quantity) -> Value<'static> {
    text(quantity.to_canonical_string())
}

fn duration_value(duration: Duration) -> Value<'static> {
    text(duration.to_string())
}

fn time_value(time: Time) -> Value<'static> {
    text(time.to_string())
}

/// A value of a class, ordered within the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Measure {
    Quantity(Quantity),
    Duration(Duration),
    Time(Time),
}

impl Measure {
    fn of(class: Class, value: &Value<'_>) -> Result<Measure, String> {
        match class {
            Class::Quantity => quantity_of(value).map(Measure::Quantity),
            Class::Duration => duration_of(value).map(Measure::Duration),
            Class::Time => time_of(value).map(Measure::Time),
        }
    }

    /// The zero of a class whose values add up (not times).
    fn zero(class: Class) -> Option<Measure> {
        match class {
            Class::Quantity => Some(Measure::Quantity(Quantity::ZERO)),
            Class::Duration => Some(Measure::Duration(Duration::ZERO)),
            Class::Time => None,
        }
    }

    /// The sum of two quantities or two durations; `None` out of range (or for times).
    fn checked_add(self, other: Measure) -> Option<Measure> {
        match (self, other) {
            (Measure::Quantity(a), Measure::Quantity(b)) => a.checked_add(b).map(Measure::Quantity),
            (Measure::Duration(a), Measure::Duration(b)) => a.checked_add(b).map(Measure::Duration),
            _ => None,
        }
    }

    /// The difference of two quantities or two durations; `None` out of range (or for times).
    fn checked_sub(self, other: Measure) -> Option<Measure> {
        match (self, other) {
            (Measure::Quantity(a), Measure::Quantity(b)) => a.checked_sub(b).map(Measure::Quantity),
            (Measure::Duration(a), Measure::Duration(b)) => a.checked_sub(b).map(Measure::Duration),
            _ => None,
        }
    }

    /// The value in its runtime representation (a canonical string).
    fn value(self) -> Value<'static> {
        match self {
            Measure::Quantity(quantity) => quantity_value(quantity),
            Measure::Duration(duration) => duration_value(duration),
            Measure::Time(time) => time_value(time),
        }
    }
}

fn operator<'d>(class: Class, op: Op, a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let measure = |value| Measure::of(class, value);
    match (op, class) {
        (Op::Eq, _) if a.is_missing() || b.is_missing() => Ok(Value::Bool(equal(a, b))),
        (Op::Eq, _) => Ok(Value::Bool(measure(a)? == measure(b)?)),
        (Op::Cmp, _) => Ok(ordering(measure(a)?.cmp(&measure(b)?))),
        (Op::Add, Class::Quantity | Class::Duration) => measure(a)?
            .checked_add(measure(b)?)
            .map(Measure::value)
            .ok_or_else(out_of_range),
        (Op::Sub, Class::Quantity | Class::Duration) => measure(a)?
            .checked_sub(measure(b)?)
            .map(Measure::value)
            .ok_or_else(out_of_range),
        (Op::Mul, Class::Quantity) => quantity_times(a, b),
        (Op::Div, Class::Quantity) => quantity_divided(a, b),
        (Op::Mul, Class::Duration) => duration_times(a, b),
        (Op::Div, Class::Duration) => duration_divided(a, b),
        (Op::Add, Class::Time) => time_of(a)?
            .checked_add(duration_of(b)?)
            .map(time_value)
            .ok_or_else(out_of_range),
        (Op::Sub, Class::Time) => time_minus(a, b),
        (Op::Mul | Op::Div, Class::Time) => Err("times cannot be multiplied or divided".to_owned()),
    }
}

/// A number (not a quantity): an integer, or a float as an exact number of nano-units.
#[derive(Debug, Clone, Copy)]
enum Factor {
    Int(i64),
    Nanos(i128),
}

impl Factor {
    fn of(value: &Value<'_>) -> Result<Factor, String> {
        match value.view() {
            View::Int(number) => Ok(Factor::Int(number)),
            View::Float(number) => Quantity::from_f64(number)
                .map(|exact| Factor::Nanos(exact.nanos()))
                .map_err(|error| error.to_string()),
            _ => Err(unexpected("a number", value)),
        }
    }
}

fn is_number(value: &Value<'_>) -> bool {
    matches!(value.view(), View::Int(_) | View::Float(_))
}

/// `quantity × number`, in either order. A float factor counts to the nano-unit.
fn quantity_times<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let (quantity, factor) = if is_number(b) { (a, b) } else { (b, a) };
    let nanos = quantity_of(quantity)?.nanos();
    let product = match Factor::of(factor)? {
        Factor::Int(factor) => nanos.checked_mul(i128::from(factor)),
        Factor::Nanos(factor) => mul_div_away(nanos, factor, NANO),
    };
    product
        .map(|nanos| quantity_value(Quantity::from_nanos(nanos)))
        .ok_or_else(out_of_range)
}

/// `quantity ÷ quantity` is a float; `quantity ÷ number` a quantity, rounded up in magnitude
/// to the nano-unit. At run time an integer or a float from the document may be a quantity
/// or a plain number: a string divisor is a quantity (a float results); a number divisor of
/// a string is a plain number (a quantity results); two numbers give a float, right either
/// way, since a float is a quantity too.
fn quantity_divided<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let dividend = quantity_of(a)?;
    if !is_number(b) || is_number(a) {
        return dividend
            .ratio(quantity_of(b)?)
            .map(Value::Float)
            .ok_or_else(division_by_zero);
    }
    let nanos = dividend.nanos();
    let quotient = match Factor::of(b)? {
        Factor::Int(0) | Factor::Nanos(0) => return Err(division_by_zero()),
        Factor::Int(divisor) => div_away(nanos, i128::from(divisor)),
        Factor::Nanos(divisor) => mul_div_away(nanos, NANO, divisor),
    };
    quotient
        .map(|nanos| quantity_value(Quantity::from_nanos(nanos)))
        .ok_or_else(out_of_range)
}

/// `n / d`, rounded away from zero; `None` on overflow or a zero divisor.
fn div_away(n: i128, d: i128) -> Option<i128> {
    let quotient = n.checked_div(d)?;
    if n.checked_rem(d)? == 0 {
        Some(quotient)
    } else if (n < 0) == (d < 0) {
        quotient.checked_add(1)
    } else {
        quotient.checked_sub(1)
    }
}

/// `a · b / d`, rounded away from zero, without overflowing when only `a · b` would.
fn mul_div_away(a: i128, b: i128, d: i128) -> Option<i128> {
    if let Some(product) = a.checked_mul(b) {
        return div_away(product, d);
    }
    // a = high·d + low, and low·b/d has the sign of the whole: round it alone.
    let (high, low) = (a.checked_div(d)?, a.checked_rem(d)?);
    high.checked_mul(b)?
        .checked_add(div_away(low.checked_mul(b)?, d)?)
}

/// A float as whole nanoseconds (truncated toward zero, as duration fractions are), if it
/// fits in a duration.
fn float_nanos(value: f64) -> Result<Duration, String> {
    // 2⁶³ is exactly representable; every float below it in magnitude fits in an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let value = value.trunc();
    if value.is_finite() && (-LIMIT..LIMIT).contains(&value) {
        Ok(Duration::from_nanos(value as i64))
    } else {
        Err(out_of_range())
    }
}

/// `duration × number`, in either order.
fn duration_times<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let (duration, factor) = if is_number(b) { (a, b) } else { (b, a) };
    let nanos = duration_of(duration)?.as_nanos();
    let product = match factor.view() {
        View::Int(factor) => nanos
            .checked_mul(factor)
            .map(Duration::from_nanos)
            .ok_or_else(out_of_range)?,
        View::Float(factor) => float_nanos(nanos as f64 * factor)?,
        _ => return Err(unexpected("a number", factor)),
    };
    Ok(duration_value(product))
}

/// `duration ÷ duration` is a float; `duration ÷ number` a duration (truncated, as Go does).
fn duration_divided<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let nanos = duration_of(a)?.as_nanos();
    let quotient = match b.view() {
        View::Int(0) => return Err(division_by_zero()),
        View::Int(divisor) => nanos
            .checked_div(divisor)
            .map(Duration::from_nanos)
            .ok_or_else(out_of_range)?,
        View::Float(0.0) => return Err(division_by_zero()),
        View::Float(divisor) => float_nanos(nanos as f64 / divisor)?,
        _ => {
            let divisor = duration_of(b)?.as_nanos();
            if divisor == 0 {
                return Err(division_by_zero());
            }
            return Ok(Value::Float(nanos as f64 / divisor as f64));
        }
    };
    Ok(duration_value(quotient))
}

/// `time − time` is a duration; `time − duration` a time.
fn time_minus<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let time = time_of(a)?;
    if let Some(earlier) = b.as_str().and_then(|text| Time::parse(text).ok()) {
        return time
            .since(earlier)
            .map(duration_value)
            .ok_or_else(out_of_range);
    }
    let duration = duration_of(b).map_err(|_| unexpected("a time or a duration", b))?;
    time.checked_sub(duration)
        .map(time_value)
        .ok_or_else(out_of_range)
}

/// `min:C`, `max:C`, `sort:C`, `sum:C`: items ordered (or added) as values of the class; min,
/// max and sort give back the items themselves.
fn collection<'d>(class: Class, collect: Collect, value: &Value<'d>) -> Result<Value<'d>, String> {
    let items = list_items(value)?;
    let mut keyed = items
        .into_iter()
        .map(|item| Ok((Measure::of(class, &item)?, item)))
        .collect::<Result<Vec<_>, String>>()?;
    let best = |wanted: Ordering, keyed: Vec<(Measure, Value<'d>)>| {
        keyed
            .into_iter()
            .reduce(|best, next| {
                if next.0.cmp(&best.0) == wanted {
                    next
                } else {
                    best
                }
            })
            .map_or(Value::ABSENT, |(_, item)| item)
    };
    match collect {
        Collect::Min => Ok(best(Ordering::Less, keyed)),
        Collect::Max => Ok(best(Ordering::Greater, keyed)),
        Collect::Sort => {
            keyed.sort_by_key(|(measure, _)| *measure);
            Ok(list(keyed.into_iter().map(|(_, item)| item).collect()))
        }
        Collect::Sum => total(class, keyed.into_iter().map(|(measure, _)| measure)),
    }
}

/// The sum of quantities or durations.
fn total<'d>(
    class: Class,
    measures: impl IntoIterator<Item = Measure>,
) -> Result<Value<'d>, String> {
    let zero = Measure::zero(class).ok_or_else(|| format!("{} cannot be added", class.plural()))?;
    measures
        .into_iter()
        .try_fold(zero, Measure::checked_add)
        .map(Measure::value)
        .ok_or_else(out_of_range)
}

// ---------------------------------------------------------------------------------------
// Images, selectors, networks, versions

/// An image reference's parts, ready to be values.
#[derive(Clone)]
struct ImageParts {
    registry: Rc<String>,
    repository: Rc<String>,
    tag: Option<Rc<String>>,
    digest: Option<Rc<String>>,
}

/// Images parsed on this thread, by reference: the same few images are read by many
/// policies of every workload. Emptied when full.
const IMAGE_CACHE_SIZE: usize = 1024;

thread_local! {
    static IMAGES: std::cell::RefCell<foldhash::HashMap<Box<str>, Result<ImageParts, String>>> =
        std::cell::RefCell::new(foldhash::HashMap::default());
}

fn image<'d>(part: ImagePart, reference: &str) -> Result<Value<'d>, String> {
    // Only the part asked for is copied out of the cache (one reference count, not four).
    let pick = |parsed: &Result<ImageParts, String>| -> Result<Value<'d>, String> {
        let parts = parsed.as_ref().map_err(Clone::clone)?;
        let found = match part {
            ImagePart::Registry => Some(&parts.registry),
            ImagePart::Repository => Some(&parts.repository),
            ImagePart::Tag => parts.tag.as_ref(),
            ImagePart::Digest => parts.digest.as_ref(),
        };
        Ok(found.map_or(Value::ABSENT, |text| Value::Str(Rc::clone(text))))
    };
    IMAGES.with(|cache| {
        if let Some(found) = cache.borrow().get(reference) {
            return pick(found);
        }
        let parsed = ImageRef::parse(reference)
            .map(|image| ImageParts {
                registry: Rc::new(image.registry().to_string()),
                repository: Rc::new(image.repository().to_string()),
                tag: image.tag().map(|tag| Rc::new(tag.to_string())),
                digest: image.digest().map(|digest| Rc::new(digest.to_string())),
            })
            .map_err(|error| error.to_string());
        let value = pick(&parsed);
        let mut cache = cache.borrow_mut();
        if cache.len() >= IMAGE_CACHE_SIZE {
            cache.clear();
        }
        cache.insert(reference.into(), parsed);
        value
    })
}

/// Whether a label selector selects the labels. As in Kubernetes, a null selector selects
/// nothing and an empty one everything; absent labels are no labels.
fn selects<'d>(selector: &Value<'d>, labels: &Value<'d>) -> Result<Value<'d>, String> {
    if selector.is_missing() {
        return Ok(Value::Bool(false));
    }
    if let Some(found) = selects_by_labels(selector, labels) {
        return Ok(Value::Bool(found));
    }
    let selector = label_selector(selector)?;
    let labels = if labels.is_missing() {
        BTreeMap::new()
    } else {
        string_map(labels, "labels")?
    };
    Ok(Value::Bool(selector.matches(&labels)))
}

/// `selects` for the common case, without building a selector or a label map (cross-resource
/// policies call it for every pair): a valid selector with only `matchLabels`, and labels that
/// are a document map of strings or missing. `None` leaves every other case, and every error,
/// to the general path.
fn selects_by_labels(selector: &Value<'_>, labels: &Value<'_>) -> Option<bool> {
    let labels: &[(document::Key, Node)] = match labels {
        Value::Doc(node) => match &node.value {
            DocValue::Map(entries) => entries,
            DocValue::Null => &[],
            _ => return None,
        },
        other if other.is_missing() => &[],
        _ => return None,
    };
    if labels
        .iter()
        .any(|(_, value)| !matches!(value.value, DocValue::String(_)))
    {
        return None;
    }
    let has = |key: &str, wanted: &str| {
        labels.iter().any(|(label, value)| {
            label.text == key && matches!(&value.value, DocValue::String(text) if text == wanted)
        })
    };
    let valid = |key: &str, wanted: &str| {
        crate::selector::validate_label_key(key).is_ok()
            && crate::selector::validate_label_value(wanted).is_ok()
    };
    // A selector from the document (the common case): read in place.
    if let Value::Doc(node) = selector {
        let match_labels = document_match_labels(node)?;
        return Some(
            match_labels
                .iter()
                .all(|(key, wanted)| wanted.as_str().is_some_and(|wanted| has(&key.text, wanted))),
        );
    }
    // A selector the policy built (`{matchLabels: resource.spec.selector}`).
    if !matches!(selector.view(), View::Map(_)) {
        return None;
    }
    let mut match_labels = None;
    for (key, value) in entry_iter(selector) {
        match key {
            "matchLabels" if !value.is_missing() => match_labels = Some(value),
            "matchLabels" | "matchExpressions" if value.is_missing() => {}
            _ => return None,
        }
    }
    let match_labels = match_labels?;
    if !matches!(match_labels.view(), View::Map(_)) {
        return None;
    }
    let mut all = true;
    for (key, wanted) in entry_iter(&match_labels) {
        let wanted = wanted.as_str()?;
        if !valid(key, wanted) {
            return None;
        }
        all = all && has(key, wanted);
    }
    Some(all)
}

/// What the query index files a selector under, and looks one up by: its `matchLabels`, once
/// the whole selector is valid; null for a selector `selects` would fail on (a candidate of
/// every lookup, and a lookup of every resource); no entries for a missing one. Never fails:
/// a lookup value is computed before its loop.
fn selector_labels<'d>(selector: &Value<'d>) -> Result<Value<'d>, String> {
    if selector.is_missing() {
        return Ok(Value::Map(Rc::new(Vec::new())));
    }
    if let Some(labels) = document_selector_labels(selector) {
        return Ok(labels);
    }
    let Ok(selector) = label_selector(selector) else {
        return Ok(Value::Null);
    };
    Ok(Value::Map(Rc::new(
        selector
            .match_labels
            .into_iter()
            .map(|(key, value)| (Rc::from(key.as_str()), text(value)))
            .collect(),
    )))
}

/// `selector_labels` for the common case, read in place ([`document_match_labels`]). The
/// labels come out in key order, as from the general path, with the document's strings as
/// values. `None` leaves every other case to the general path.
fn document_selector_labels<'d>(selector: &Value<'d>) -> Option<Value<'d>> {
    let Value::Doc(node) = selector else {
        return None;
    };
    let mut labels: Vec<(Rc<str>, Value<'d>)> = document_match_labels(node)?
        .iter()
        .map(|(key, wanted)| (Rc::from(key.text.as_str()), Value::Doc(wanted)))
        .collect();
    labels.sort_by(|(a, _), (b, _)| a.cmp(b));
    Some(Value::Map(Rc::new(labels)))
}

/// The `matchLabels` of a document selector that has nothing else (null fields aside), every
/// label a valid string pair; none (an empty list) when it has no labels. What `selects` and
/// `$selectorLabels` read in place; `None` leaves the selector to the general path, which
/// raises the errors.
fn document_match_labels(node: &Node) -> Option<&[(document::Key, Node)]> {
    let DocValue::Map(fields) = &node.value else {
        return None;
    };
    let mut match_labels: &[(document::Key, Node)] = &[];
    for (key, value) in fields {
        match (key.text.as_str(), &value.value) {
            ("matchLabels" | "matchExpressions", DocValue::Null) => {}
            ("matchLabels", DocValue::Map(entries)) => match_labels = entries,
            _ => return None,
        }
    }
    let valid = |(key, wanted): &(document::Key, Node)| {
        wanted.as_str().is_some_and(|wanted| {
            crate::selector::validate_label_key(&key.text).is_ok()
                && crate::selector::validate_label_value(wanted).is_ok()
        })
    };
    match_labels.iter().all(valid).then_some(match_labels)
}

/// A `LabelSelector` object (`matchLabels`, `matchExpressions`), validated as the API server
/// validates it.
fn label_selector(value: &Value<'_>) -> Result<LabelSelector, String> {
    let fields = sorted_entries(value)?;
    let field = |name: &str| fields.get(name).filter(|value| !value.is_missing());
    let match_labels = match field("matchLabels") {
        Some(labels) => string_map(labels, "matchLabels")?,
        None => BTreeMap::new(),
    };
    let match_expressions = match field("matchExpressions") {
        Some(expressions) => list_items(expressions)?
            .iter()
            .map(requirement)
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let selector = LabelSelector {
        match_labels,
        match_expressions,
    };
    selector.validate().map_err(|error| error.to_string())?;
    Ok(selector)
}

/// One `matchExpressions` entry: `{key, operator, values}`.
fn requirement(value: &Value<'_>) -> Result<Requirement, String> {
    let fields = sorted_entries(value)?;
    let field = |name: &str| {
        fields
            .get(name)
            .ok_or_else(|| format!("a match expression has no `{name}`"))
    };
    let values = match fields.get("values").filter(|values| !values.is_missing()) {
        Some(values) => list_items(values)?
            .iter()
            .map(|value| string(value).map(str::to_owned))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(Requirement {
        key: string(field("key")?)?.to_owned(),
        operator: Operator::parse(string(field("operator")?)?)
            .map_err(|error| error.to_string())?,
        values,
    })
}

/// A map whose values are strings (labels).
fn string_map(value: &Value<'_>, what: &str) -> Result<BTreeMap<String, String>, String> {
    map_entries(value)?
        .iter()
        .map(|(key, value)| match value.as_str() {
            Some(text) => Ok((key.to_string(), text.to_owned())),
            None => Err(format!(
                "{what} {}: {}",
                quote(key),
                unexpected("a string", value)
            )),
        })
        .collect()
}

fn cidr(text: &str) -> Result<Cidr, String> {
    Cidr::parse(text).map_err(|error| error.to_string())
}

/// Whether the block contains an address, or every address of another block.
fn cidr_contains<'d>(outer: &str, inner: &str) -> Result<Value<'d>, String> {
    let outer = cidr(outer)?;
    let inside = if inner.contains('/') {
        outer.contains_cidr(&cidr(inner)?)
    } else {
        outer.contains_ip(parse_ip(inner).map_err(|error| error.to_string())?)
    };
    Ok(Value::Bool(inside))
}

fn semver(text: &str) -> Result<Version, String> {
    Version::parse(text).map_err(|error| error.to_string())
}

// ---------------------------------------------------------------------------------------
// Encodings

/// Standard base64 with padding; line breaks are ignored, as Go's decoder ignores them. The
/// decoded bytes must be UTF-8 text.
/// The text `encoded` decodes to; `None` for bytes that are not UTF-8 text.
fn base64_decode(encoded: &str) -> Result<Option<String>, String> {
    let symbols: Vec<(usize, u8)> = encoded
        .bytes()
        .enumerate()
        .filter(|(_, byte)| !matches!(byte, b'\r' | b'\n'))
        .collect();
    if !symbols.len().is_multiple_of(4) {
        return Err(format!(
            "invalid base64 {}: the length is not a multiple of 4 (missing `=` padding?)",
            quote(encoded)
        ));
    }
    let groups = symbols.len() / 4;
    let mut bytes = Vec::with_capacity(groups * 3);
    for (group, chunk) in symbols.chunks_exact(4).enumerate() {
        let last = group + 1 == groups;
        let mut bits: u32 = 0;
        let mut padding = 0;
        for (position, &(offset, symbol)) in chunk.iter().enumerate() {
            let value = match symbol {
                b'=' if last && position >= 2 => {
                    padding += 1;
                    0
                }
                _ if padding > 0 => return Err(bad_base64(encoded, offset)),
                _ => base64_value(symbol).ok_or_else(|| bad_base64(encoded, offset))?,
            };
            bits = bits << 6 | u32::from(value);
        }
        let [_, first, second, third] = bits.to_be_bytes();
        bytes.extend([first, second, third].into_iter().take(3 - padding));
    }
    Ok(String::from_utf8(bytes).ok())
}

fn bad_base64(encoded: &str, offset: usize) -> String {
    let found: String = encoded
        .get(offset..)
        .unwrap_or_default()
        .chars()
        .take(1)
        .collect();
    format!(
        "invalid base64 {}: unexpected {} at byte {offset}",
        quote(encoded),
        quote(&found)
    )
}

fn base64_value(symbol: u8) -> Option<u8> {
    match symbol {
        b'A'..=b'Z' => Some(symbol - b'A'),
        b'a'..=b'z' => Some(symbol - b'a' + 26),
        b'0'..=b'9' => Some(symbol - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// The one YAML (or JSON) document of `text`, as data: a map, a list or a scalar.
///
/// The manifest loader does the parsing, so that values resolve as they do in manifests
/// (YAML 1.1). It wants Kubernetes objects (a map at the top, `kind: List` expanded), so the
/// document is read as the value of a key: every non-empty line indented by two spaces
/// under `v:`, its `---` marker blanked. The text as given is loaded too, to count its
/// documents and to report errors at their place in it.
fn parse_document<'d>(text: &str) -> Result<Value<'d>, String> {
    let limits = Limits::default();
    let plain = document::load(text.as_bytes(), &limits);
    let found: BTreeSet<usize> = plain
        .documents
        .iter()
        .map(|document| document.index)
        .chain(plain.errors.iter().filter_map(|error| error.document))
        .collect();
    if found.len() > 1 {
        return Err(format!("the text holds {} documents, not one", found.len()));
    }
    if found.is_empty() && plain.errors.is_empty() && is_blank(text) {
        return Err("the text holds no document".to_owned());
    }
    let wrapped = document::load(wrap(text).as_bytes(), &limits);
    match (wrapped.documents.as_slice(), wrapped.errors.first()) {
        ([document], None) => Ok(document.root.get("v").map_or(Value::Null, owned)),
        (_, error) => Err(plain
            .errors
            .first()
            .map(|error| {
                format!(
                    "line {}, column {}: {}",
                    error.position.line, error.position.column, error.message
                )
            })
            .or_else(|| error.map(|error| error.message.clone()))
            .unwrap_or_else(|| "not a YAML or JSON document".to_owned())),
    }
}

/// Whether a YAML text holds nothing but white space and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    })
}

/// `text` as the value of the key `v`; see [`parse_document`].
fn wrap(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 8);
    out.push_str("v:\n");
    for line in text.split('\n') {
        let marker = |mark: &str| {
            line.strip_prefix(mark)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
        };
        if marker("...") || line.starts_with('%') {
            // The end of the document, or a directive: nothing of the content.
        } else if marker("---") {
            out.push_str("     ");
            out.push_str(line.get(3..).unwrap_or_default());
        } else if !line.is_empty() {
            out.push_str("  ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// A document node as an owned value (the depth of documents is bounded by the loader).
fn owned<'d>(node: &Node) -> Value<'d> {
    match &node.value {
        DocValue::Null => Value::Null,
        DocValue::Bool(flag) => Value::Bool(*flag),
        DocValue::Int(number) => Value::Int(*number),
        DocValue::Float(number) => Value::Float(*number),
        DocValue::String(string) => text(string.as_str()),
        DocValue::List(nodes) => list(nodes.iter().map(owned).collect()),
        DocValue::Map(pairs) => Value::Map(Rc::new(
            pairs
                .iter()
                .map(|(key, node)| (Rc::from(key.text.as_str()), owned(node)))
                .collect(),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Collections

/// `sum` of a list: integers add up to an integer, numbers with a float to a float, and a
/// list with a string in it is a list of quantities.
fn sum<'d>(value: &Value<'d>) -> Result<Value<'d>, String> {
    let items = list_items(value)?;
    if items.iter().any(|item| matches!(item.view(), View::Str(_))) {
        let measures = items
            .iter()
            .map(|item| quantity_of(item).map(Measure::Quantity))
            .collect::<Result<Vec<_>, _>>()?;
        return total(Class::Quantity, measures);
    }
    let mut total = Value::Int(0);
    for item in &items {
        total = match (total.view(), item.view()) {
            (View::Int(x), View::Int(y)) => Value::Int(
                x.checked_add(y)
                    .ok_or_else(|| "integer overflow".to_owned())?,
            ),
            (View::Int(x), View::Float(y)) => Value::Float(x as f64 + y),
            (View::Float(x), View::Int(y)) => Value::Float(x + y as f64),
            (View::Float(x), View::Float(y)) => Value::Float(x + y),
            _ => return Err(unexpected("a list of numbers", item)),
        };
    }
    Ok(total)
}

/// The items of a list that can be ordered: all numbers (NaN excepted) or all strings.
fn orderable<'d>(value: &Value<'d>) -> Result<Vec<Value<'d>>, String> {
    let items = list_items(value)?;
    let mut kinds = items.iter().map(|item| match item.view() {
        View::Int(_) => Ok(true),
        View::Float(number) if !number.is_nan() => Ok(true),
        View::Str(_) => Ok(false),
        _ => Err(format!("cannot order {}", described(item))),
    });
    if let Some(first) = kinds.next().transpose()? {
        for (kind, item) in kinds.zip(items.iter().skip(1)) {
            if kind? != first {
                return Err(format!(
                    "cannot order a list of both numbers and strings: {}",
                    described(item)
                ));
            }
        }
    }
    Ok(items)
}

/// The first smallest (`Less`) or largest (`Greater`) item, or absent.
fn extreme(items: Vec<Value<'_>>, wanted: Ordering) -> Value<'_> {
    items
        .into_iter()
        .reduce(|best, next| {
            if compare(&next, &best) == Ok(wanted) {
                next
            } else {
                best
            }
        })
        .unwrap_or(Value::ABSENT)
}

/// What an item hashes by: equal items (by [`equal`]) have the same bucket.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Bucket<'v> {
    Missing,
    Bool(bool),
    /// A number's value as a float's bits (`-0.0` as `0.0`).
    Number(u64),
    Str(&'v str),
    Collection,
}

fn bucket<'v>(item: &'v Value<'_>) -> Bucket<'v> {
    let number = |value: f64| Bucket::Number(if value == 0.0 { 0 } else { value.to_bits() });
    match item.view() {
        View::Absent | View::Null => Bucket::Missing,
        View::Bool(flag) => Bucket::Bool(flag),
        View::Int(value) => number(value as f64),
        View::Float(value) => number(value),
        View::Str(text) => Bucket::Str(text),
        View::List(_) | View::Map(_) | View::Pattern(_) => Bucket::Collection,
    }
}

/// The items without repeats (by [`equal`]), first occurrences kept, in order.
/// Lists up to this long are made unique by comparing each item with those kept: no hashing
/// and no allocation but the result (most lists a policy makes unique are a handful of names).
const SMALL_UNIQUE: usize = 16;

fn unique(items: Vec<Value<'_>>) -> Vec<Value<'_>> {
    if items.len() <= SMALL_UNIQUE {
        let mut kept: Vec<Value<'_>> = Vec::with_capacity(items.len());
        for item in items {
            if !kept.iter().any(|earlier| equal(earlier, &item)) {
                kept.push(item);
            }
        }
        return kept;
    }
    let mut kept: Vec<usize> = Vec::new();
    let mut seen: HashMap<Bucket<'_>, Vec<usize>> = HashMap::new();
    for (at, item) in items.iter().enumerate() {
        let same = seen.entry(bucket(item)).or_default();
        if !same.iter().any(|&earlier| {
            items
                .get(earlier)
                .is_some_and(|earlier| equal(earlier, item))
        }) {
            same.push(at);
            kept.push(at);
        }
    }
    kept.into_iter()
        .filter_map(|at| items.get(at).cloned())
        .collect()
}

/// Both maps; the second's values win, in the first's places; its new keys come after.
fn merge<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<Value<'d>, String> {
    let mut merged = map_entries(a)?;
    let mut places: HashMap<Rc<str>, usize> = merged
        .iter()
        .enumerate()
        .map(|(at, (key, _))| (key.clone(), at))
        .collect();
    for (key, value) in map_entries(b)? {
        match places.get(&key).and_then(|&at| merged.get_mut(at)) {
            Some(entry) => entry.1 = value,
            None => {
                places.insert(key.clone(), merged.len());
                merged.push((key, value));
            }
        }
    }
    Ok(Value::Map(Rc::new(merged)))
}

fn has<'d>(map: &Value<'d>, key: &str) -> Result<Value<'d>, String> {
    match map.view() {
        View::Absent | View::Null => Ok(Value::Bool(false)),
        View::Map(map) => Ok(Value::Bool(has_key(map, key))),
        _ => Err(unexpected("a map", map)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "test code: a failed unwrap is a failed test"
    )]

    use super::*;
    use proptest::collection::btree_map;
    use proptest::prelude::*;

    fn yaml_map(map: &BTreeMap<String, String>) -> String {
        let items: Vec<String> = map
            .iter()
            .map(|(key, value)| format!("{key:?}: {value:?}"))
            .collect();
        format!("{{{}}}", items.join(", "))
    }

    /// The answer of `image` for a reference, computed without the cache.
    fn uncached(part: ImagePart, reference: &str) -> Result<Option<String>, String> {
        let image = ImageRef::parse(reference).map_err(|error| error.to_string())?;
        Ok(match part {
            ImagePart::Registry => Some(image.registry().to_string()),
            ImagePart::Repository => Some(image.repository().to_string()),
            ImagePart::Tag => image.tag().map(str::to_string),
            ImagePart::Digest => image.digest().map(str::to_string),
        })
    }

    fn cached(part: ImagePart, reference: &str) -> Result<Option<String>, String> {
        image(part, reference).map(|value| value.as_str().map(str::to_string))
    }

    proptest! {
        /// Parts of image references read through the thread's cache are the parts parsed
        /// afresh, errors included, however often and in whatever order they are read, and
        /// after the cache has been emptied for being full.
        #[test]
        fn cached_images_are_parsed_images(
            reads in prop::collection::vec(
                (0..4usize, "(ghcr\\.io/|localhost:5000/)?(acme/)?[a-c]{1,2}(:v[0-9]|@sha256:[0-9a-f]{64}|:)?|UPPER|"),
                1..40,
            ),
            fill in 0..2usize,
        ) {
            if fill == 1 {
                for index in 0..IMAGE_CACHE_SIZE {
                    let _ = image(ImagePart::Tag, &format!("filler{index}:1"));
                }
            }
            let parts = [ImagePart::Registry, ImagePart::Repository, ImagePart::Tag, ImagePart::Digest];
            for (part, reference) in &reads {
                let part = parts[*part];
                prop_assert_eq!(cached(part, reference), uncached(part, reference));
                prop_assert_eq!(cached(part, reference), uncached(part, reference));
            }
        }

        /// The allocation-free path of `selects` agrees with the general one wherever it
        /// answers, and answers for every valid `matchLabels` selector over document labels.
        #[test]
        fn the_match_labels_fast_path_agrees(
            wanted in btree_map("[a-c]{1,2}|bad key|-x", "[x-z]{0,2}|bad value!", 0..3),
            labels in btree_map("[a-c]{1,2}", "[x-z]{0,2}", 0..4),
        ) {
            let text = format!(
                "selector: {{matchLabels: {}}}\nlabels: {}\n",
                yaml_map(&wanted),
                yaml_map(&labels)
            );
            let loaded = document::load(text.as_bytes(), &Limits::default());
            let root = &loaded.documents[0].root;
            let selector = Value::Doc(root.get("selector").unwrap());
            let labels_value = Value::Doc(root.get("labels").unwrap());
            let general = label_selector(&selector)
                .map(|parsed| parsed.matches(&string_map(&labels_value, "labels").unwrap()));
            match selects_by_labels(&selector, &labels_value) {
                Some(found) => prop_assert_eq!(Ok(found), general.clone()),
                None => prop_assert!(general.is_err(), "valid selector left to the general path"),
            }
            // The same selector built by a policy (`{matchLabels: …}`) rather than read.
            let built = Value::Map(Rc::new(vec![(
                Rc::from("matchLabels"),
                Value::Doc(root.get("selector").unwrap().get("matchLabels").unwrap()),
            )]));
            match selects_by_labels(&built, &labels_value) {
                Some(found) => prop_assert_eq!(Ok(found), general),
                None => prop_assert!(general.is_err(), "valid selector left to the general path"),
            }
        }
    }
}
