//! Evaluation of a whole pack over resources: kind dispatch, pod-spec resolution, the budget,
//! and the resolution of findings to document paths. No I/O and no shared mutable state: one
//! [`Evaluator`] serves any number of threads.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::document::{Location, Node, Value as DocValue};
use crate::interp::{
    EvalError, Finding, Host, Prepared, Program, Scratch, Start, Value, View, entry_iter, field,
    item_iter, items, run_from, setup,
};
use crate::pack::{KeyStep, Pack, Step};

/// FNV-1a: a fast hash for short strings.
#[derive(Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Instructions one policy may execute on one resource.
pub const DEFAULT_BUDGET: u64 = 1_000_000;

/// A loaded pack, ready to evaluate resources.
pub struct Evaluator<'p> {
    pack: &'p Pack,
    host: &'p (dyn Host + Sync),
    /// Field names by text; interning every key of every document hashes a lot of short
    /// strings, so FNV-1a rather than SipHash (the keys are the pack's, not an attacker's
    /// choice: a document's keys are only looked up).
    symbols: HashMap<&'p str, u32, BuildHasherDefault<Fnv>>,
    kinds: foldhash::HashMap<(&'p str, &'p str), usize>,
    /// The entry of `match *` policies (`api_version` and `kind` both `*`), run on every
    /// resource.
    every: Option<usize>,
    /// By policy: where its runs start and the locals its setup computed (what depends only
    /// on its parameters, computed once here); `None` runs the whole function each time.
    setups: Vec<Option<Prepared>>,
    pub budget: u64,
    /// Time each policy's run ([`Outcome::nanos`]); off by default (it reads the clock twice
    /// per run).
    pub profile: bool,
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("policies", &self.pack.policies.len())
            .field("budget", &self.budget)
            .finish()
    }
}

/// The evaluation set as cross-resource expressions see it: for each query of the pack, the
/// resources that answer it (documents of the scanned files, or a cluster inventory).
#[derive(Debug, Clone, Default)]
pub struct Inventory<'d> {
    by_query: Vec<QuerySet<'d>>,
}

/// The resources that answer one query: all of them, and by namespace (`default` for
/// resources without `metadata.namespace`), which is what `others(Kind, namespace)` reads
/// without scanning the whole set.
#[derive(Debug, Clone, Default)]
pub struct QuerySet<'d> {
    pub all: Group<'d>,
    pub namespaces: foldhash::HashMap<&'d str, Group<'d>>,
}

/// Resources in evaluation-set order and, when the query has a key, their index: what
/// `OthersBy` reads instead of trying every resource.
#[derive(Debug, Clone, Default)]
pub struct Group<'d> {
    pub nodes: Vec<&'d Node>,
    /// Positions in `nodes` by indexed value ([`value_key`]; `entry_key` for map
    /// entries), ascending. Keys come from documents, so the hash is seeded per process
    /// (foldhash): crafted keys cannot be made to collide.
    keyed: foldhash::HashMap<String, Vec<u32>>,
    /// Positions of resources holding a value the index cannot file but that may equal a
    /// key (a float equals the integer of the same value), or a map entry that is not a
    /// string (`selects` fails on it): part of every lookup.
    rest: Vec<u32>,
    /// Positions of resources holding a map with no entry to file (a selector without
    /// `matchLabels`, which may select anything): part of every lookup of mode 3.
    unfiled: Vec<u32>,
}

/// What filing a resource under its query's key needs.
struct Keying<'k> {
    steps: &'k [KeyStep],
    symbols: &'k [Box<str>],
    constants: &'k [crate::interp::Constant],
    host: &'k dyn Host,
}

/// The resources a lookup found: all of them, or these positions (ascending).
#[derive(Debug)]
pub enum Candidates<'g> {
    All,
    Some(std::borrow::Cow<'g, [u32]>),
}

impl<'d> Group<'d> {
    /// Adds a resource and files it under the values at its query's key, if it has one.
    fn push(&mut self, node: &'d Node, key: &Keying<'d>) {
        let position = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(node);
        if key.steps.is_empty() {
            return;
        }
        let mut text = String::new();
        let mut rest = false;
        let mut unfiled = false;
        // The walk reads values the way the loop's condition would: a missing field is
        // absent (which a default may replace), a list that is not there has no items.
        let mut work: Vec<(Value<'d>, usize)> = vec![(Value::Doc(node), 0)];
        while let Some((value, at)) = work.pop() {
            match key.steps.get(at) {
                Some(KeyStep::Field(symbol)) => {
                    let name = key.symbols.get(*symbol as usize).map_or("", |name| &**name);
                    work.push((field(&value, *symbol, name), at + 1));
                }
                Some(KeyStep::Each) => {
                    if let View::List(_) = value.view()
                        && let Ok(items) = items(&value)
                    {
                        work.extend(items.into_iter().rev().map(|item| (item, at + 1)));
                    }
                }
                Some(KeyStep::Default(index)) => {
                    let value = match key.constants.get(*index as usize) {
                        Some(constant) if value.is_missing() => Value::Const(constant),
                        _ => value,
                    };
                    work.push((value, at + 1));
                }
                Some(KeyStep::Apply(builtin)) => match key.host.call(*builtin, &[value]) {
                    Ok(result) => work.push((result, at + 1)),
                    // The loop would fail on it, or not reach it: it stays a candidate.
                    Err(_) => rest = true,
                },
                Some(KeyStep::Entries) => {
                    let mut filed = false;
                    for (name, value) in entry_iter(&value) {
                        if let View::Str(value) = value.view() {
                            entry_key(name, value, &mut text);
                            self.file(&text, position);
                            filed = true;
                        } else {
                            // Malformed (a selector's entry must be a string): whatever
                            // `selects` makes of it, it does for every lookup.
                            rest = true;
                        }
                    }
                    // Each map counts alone: a resource holds several under `any`.
                    unfiled |= !filed;
                }
                None => match value_key(value.view(), &mut text) {
                    Keyed::Key => self.file(&text, position),
                    Keyed::Unfiled => rest = true,
                    Keyed::Never => {}
                },
            }
        }
        if rest {
            self.rest.push(position);
        } else if unfiled {
            self.unfiled.push(position);
        }
    }

    fn file(&mut self, key: &str, position: u32) {
        let positions = match self.keyed.get_mut(key) {
            Some(positions) => positions,
            None => self.keyed.entry(key.to_owned()).or_default(),
        };
        if positions.last() != Some(&position) {
            positions.push(position);
        }
    }

    fn positions(&self, key: &str) -> &[u32] {
        self.keyed.get(key).map_or(&[], Vec::as_slice)
    }

    /// The resources that may match `key` in lookup `mode` (see `OthersBy`): a superset of
    /// the ones that do, in evaluation-set order.
    pub fn lookup(&self, key: &Value<'_>, mode: u8) -> Candidates<'_> {
        // Room for the usual key (a name, a label) from the start: grown a push at a time,
        // the buffer was reallocated three or four times per lookup.
        let mut text = String::with_capacity(64);
        let found: Vec<&[u32]> = match mode {
            0 => match value_key(key.view(), &mut text) {
                Keyed::Key => vec![self.positions(&text)],
                _ => return Candidates::All,
            },
            1 => {
                if !matches!(key.view(), View::List(_)) {
                    return Candidates::All;
                }
                let Ok(items) = items(key) else {
                    return Candidates::All;
                };
                let mut found = Vec::with_capacity(items.len());
                for item in &items {
                    match value_key(item.view(), &mut text) {
                        Keyed::Key => found.push(self.positions(&text)),
                        _ => return Candidates::All,
                    }
                }
                found
            }
            3 => {
                // The indexed maps (selectors' `matchLabels`) whose every entry is in the key
                // map: each is filed under all its entries, so under one of the key's.
                // Missing labels have no entries: only the always-candidates.
                if !matches!(key.view(), View::Absent | View::Null | View::Map(_)) {
                    return Candidates::All;
                }
                let entries = entry_iter(key);
                let mut found = Vec::with_capacity(entries.len());
                for (name, value) in entries {
                    match value.view() {
                        View::Str(value) => {
                            entry_key(name, value, &mut text);
                            found.push(self.positions(&text));
                        }
                        // Labels `selects` fails on: it must meet every selector.
                        _ => return Candidates::All,
                    }
                }
                found
            }
            _ => {
                // Every entry must be there: the shortest list of one entry will do.
                if !matches!(key.view(), View::Map(_)) {
                    return Candidates::All;
                }
                let mut best: Option<&[u32]> = None;
                for (name, value) in entry_iter(key) {
                    if let View::Str(value) = value.view() {
                        entry_key(name, value, &mut text);
                        let positions = self.positions(&text);
                        if best.is_none_or(|best| positions.len() < best.len()) {
                            best = Some(positions);
                        }
                    }
                }
                match best {
                    Some(best) => vec![best],
                    None => return Candidates::All,
                }
            }
        };
        let unfiled: &[u32] = if mode == 3 { &self.unfiled } else { &[] };
        if found.len() == 1 && self.rest.is_empty() && unfiled.is_empty() {
            return Candidates::Some(std::borrow::Cow::Borrowed(found[0]));
        }
        let mut merged: Vec<u32> = found.into_iter().flatten().copied().collect();
        merged.extend_from_slice(&self.rest);
        merged.extend_from_slice(unfiled);
        merged.sort_unstable();
        merged.dedup();
        Candidates::Some(std::borrow::Cow::Owned(merged))
    }
}

/// What [`value_key`] made of a value.
enum Keyed {
    /// Its key is in the buffer.
    Key,
    /// A value that may equal a key without having one (a float, or something holding one).
    Unfiled,
    /// A value equal to no key (absent, null, a pattern, or something holding one).
    Never,
}

/// The index key of a value: values that are `equal` have the same key (a tag keeps a
/// string and a number with the same text apart; map entries are sorted, as equality ignores
/// their order). Different values may share a key: the index finds a superset. Floats have
/// none (`1.0` equals `1`), nor has anything holding one.
fn value_key(view: View<'_, '_>, out: &mut String) -> Keyed {
    out.clear();
    write_key(view, out, 0)
}

fn write_key(view: View<'_, '_>, out: &mut String, depth: usize) -> Keyed {
    use std::fmt::Write as _;
    // Document depth is bounded when it is loaded, constants when the pack is read; this
    // bound only keeps the recursion honest.
    if depth > 64 {
        return Keyed::Unfiled;
    }
    match view {
        View::Str(text) => {
            out.push('s');
            out.push_str(text);
        }
        View::Int(number) => {
            let _ = write!(out, "i{number}");
        }
        View::Bool(flag) => out.push_str(if flag { "btrue" } else { "bfalse" }),
        View::Null if depth > 0 => out.push('z'),
        View::List(list) => {
            out.push('[');
            for item in item_iter(list) {
                match write_key(item.view(), out, depth + 1) {
                    Keyed::Key => out.push(','),
                    other => return other,
                }
            }
            out.push(']');
        }
        View::Map(map) => {
            let mut fields: Vec<(&str, Value<'_>)> = entry_iter(map).collect();
            fields.sort_by_key(|(name, _)| *name);
            out.push('{');
            for (name, value) in &fields {
                out.push_str(name);
                out.push('=');
                match write_key(value.view(), out, depth + 1) {
                    Keyed::Key => out.push(','),
                    other => return other,
                }
            }
            out.push('}');
        }
        View::Float(_) => return Keyed::Unfiled,
        View::Absent | View::Null | View::Pattern(_) => return Keyed::Never,
    }
    Keyed::Key
}

/// The index key of a map entry whose value is a string.
fn entry_key(name: &str, value: &str, out: &mut String) {
    out.clear();
    out.push('e');
    out.push_str(name);
    out.push('\0');
    out.push_str(value);
}

/// The namespace a resource counts in: `metadata.namespace`, or `default` without one.
pub fn namespace_of(root: &Node) -> &str {
    root.get("metadata")
        .and_then(|metadata| metadata.get("namespace"))
        .and_then(Node::as_str)
        .unwrap_or("default")
}

impl<'d> Inventory<'d> {
    /// An evaluation set with nothing in it: `others(Kind)` is always empty.
    pub fn empty() -> Inventory<'d> {
        Inventory::default()
    }

    /// How many resources answer some query.
    pub fn len(&self) -> usize {
        self.by_query.iter().map(|set| set.all.nodes.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What one policy made of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<'d> {
    pub policy: u32,
    pub result: Result<Vec<Finding<'d>>, EvalError>,
    /// How long the run took, when the evaluator profiles; 0 otherwise.
    pub nanos: u64,
}

/// Why a document cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unevaluable {
    /// No `apiVersion` or `kind` string.
    NotAResource,
}

impl<'p> Evaluator<'p> {
    /// `pack` must have been read or prepared (its functions verified).
    pub fn new(pack: &'p Pack, host: &'p (dyn Host + Sync)) -> Evaluator<'p> {
        let symbols = pack
            .symbols
            .iter()
            .enumerate()
            .map(|(index, name)| (&**name, u32::try_from(index).unwrap_or(u32::MAX)))
            .collect();
        let kinds = pack
            .kinds
            .iter()
            .enumerate()
            .map(|(index, kind)| ((kind.api_version.as_str(), kind.kind.as_str()), index))
            .collect();
        let every = pack
            .kinds
            .iter()
            .position(|entry| entry.api_version == "*" && entry.kind == "*");
        let setups = pack
            .policies
            .iter()
            .map(|meta| {
                let function = pack.functions.get(meta.function as usize)?;
                let program = Program {
                    code: function.code.as_ref()?,
                    locals: function.locals,
                    constants: &pack.constants,
                    symbols: &pack.symbols,
                    params: &meta.params,
                    patterns: &pack.patterns,
                    inventory: &[],
                };
                // A setup that fails runs again, and fails, on each resource: its error is
                // reported where the policy applies.
                setup(&program, host, DEFAULT_BUDGET).ok().flatten()
            })
            .collect();
        Evaluator {
            pack,
            host,
            symbols,
            kinds,
            every,
            setups,
            budget: DEFAULT_BUDGET,
            profile: false,
        }
    }

    pub fn pack(&self) -> &'p Pack {
        self.pack
    }

    /// Gives every key of `root` its symbol in this pack, so field access compares numbers.
    pub fn intern(&self, root: &mut Node) {
        root.intern(&|key| self.symbols.get(key).copied());
    }

    /// The evaluation set made of `resources` (interned with [`Evaluator::intern`]): each one
    /// filed under every query of the pack it answers. Documents that are not resources are
    /// left out.
    pub fn inventory<'d>(&self, resources: impl IntoIterator<Item = &'d Node>) -> Inventory<'d>
    where
        'p: 'd,
    {
        let mut by_query: Vec<QuerySet<'d>> = vec![QuerySet::default(); self.pack.queries.len()];
        if by_query.is_empty() {
            return Inventory { by_query };
        }
        for root in resources {
            let (Some(api_version), Some(kind)) = (
                root.get("apiVersion").and_then(Node::as_str),
                root.get("kind").and_then(Node::as_str),
            ) else {
                continue;
            };
            let namespace = namespace_of(root);
            for (query, set) in self.pack.queries.iter().zip(by_query.iter_mut()) {
                if query.selects(api_version, kind) {
                    let keying = Keying {
                        steps: &query.key,
                        symbols: &self.pack.symbols,
                        constants: &self.pack.constants,
                        host: self.host,
                    };
                    set.all.push(root, &keying);
                    set.namespaces
                        .entry(namespace)
                        .or_default()
                        .push(root, &keying);
                }
            }
        }
        Inventory { by_query }
    }

    /// Runs every policy that matches the kind of `root` and that `wanted` accepts, with an
    /// empty evaluation set.
    pub fn evaluate<'d>(
        &'d self,
        root: &'d Node,
        wanted: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Outcome<'d>>, Unevaluable>
    where
        'p: 'd,
    {
        static EMPTY: Inventory<'static> = Inventory {
            by_query: Vec::new(),
        };
        self.evaluate_in(root, &EMPTY, wanted)
    }

    /// Runs every policy that matches the kind of `root` and that `wanted` accepts;
    /// `others(Kind)` reads `inventory` (which may hold `root` itself: it is skipped).
    pub fn evaluate_in<'d>(
        &'d self,
        root: &'d Node,
        inventory: &'d Inventory<'d>,
        wanted: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Outcome<'d>>, Unevaluable>
    where
        'p: 'd,
    {
        let (Some(api_version), Some(kind)) = (
            root.get("apiVersion").and_then(Node::as_str),
            root.get("kind").and_then(Node::as_str),
        ) else {
            return Err(Unevaluable::NotAResource);
        };
        let entry = self
            .kinds
            .get(&(api_version, kind))
            .filter(|index| Some(**index) != self.every)
            .and_then(|index| self.pack.kinds.get(*index));
        let every = self.every.and_then(|index| self.pack.kinds.get(index));
        if entry.is_none() && every.is_none() {
            return Ok(Vec::new());
        }
        let (pod, pod_metadata) = match entry.and_then(|entry| entry.pod_path.as_ref()) {
            Some(path) => {
                let pod = walk(root, path.iter().map(String::as_str));
                let metadata = walk(
                    root,
                    path[..path.len().saturating_sub(1)]
                        .iter()
                        .map(String::as_str)
                        .chain(["metadata"]),
                );
                (pod, metadata)
            }
            None => (Value::ABSENT, Value::ABSENT),
        };
        // `pod.allContainers`, joined once for every policy (local 3 by the compiler's
        // convention): init, regular and ephemeral containers, in that order.
        let all_containers = match &pod {
            Value::Doc(spec) => {
                let mut joined = Vec::new();
                let mut malformed = None;
                for field in ["initContainers", "containers", "ephemeralContainers"] {
                    if let Some(node) = spec.get(field) {
                        match &node.value {
                            DocValue::List(items) => joined.extend(items.iter().map(Value::Doc)),
                            DocValue::Null => {}
                            // Not a list: iterating it must fail as it would have.
                            _ => malformed = malformed.or(Some(Value::Doc(node))),
                        }
                    }
                }
                malformed.unwrap_or_else(|| Value::List(std::rc::Rc::new(joined)))
            }
            _ => Value::List(std::rc::Rc::new(Vec::new())),
        };
        let inputs = [
            (0u16, Value::Doc(root)),
            (1, pod),
            (2, pod_metadata),
            (3, all_containers),
        ];
        let policies = entry
            .into_iter()
            .chain(every)
            .flat_map(|entry| entry.policies.iter().copied());
        let mut outcomes = Vec::with_capacity(
            entry.map_or(0, |entry| entry.policies.len())
                + every.map_or(0, |entry| entry.policies.len()),
        );
        let mut scratch = Scratch::new();
        for policy in policies {
            if !wanted(policy) {
                continue;
            }
            let Some(meta) = self.pack.policies.get(policy as usize) else {
                continue;
            };
            let Some(function) = self.pack.functions.get(meta.function as usize) else {
                continue;
            };
            let Some(code) = &function.code else {
                continue;
            };
            let program = Program {
                code,
                locals: function.locals,
                constants: &self.pack.constants,
                symbols: &self.pack.symbols,
                params: &meta.params,
                patterns: &self.pack.patterns,
                inventory: &inventory.by_query,
            };
            let started = self.profile.then(std::time::Instant::now);
            let start = match self.setups.get(policy as usize) {
                Some(Some(prepared)) => prepared.start(),
                _ => Start::BEGINNING,
            };
            let result = run_from(
                &program,
                self.host,
                &inputs,
                &start,
                self.budget,
                &mut scratch,
            );
            let nanos = started.map_or(0, |started| {
                u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
            });
            outcomes.push(Outcome {
                policy,
                result,
                nanos,
            });
        }
        Ok(outcomes)
    }
}

/// The value at `path` below `root` (absent where it stops).
fn walk<'d, 'a>(root: &'d Node, path: impl Iterator<Item = &'a str>) -> Value<'d> {
    let mut node = root;
    let mut depth = 0u16;
    for step in path {
        if depth > 0 {
            depth += 1;
            continue;
        }
        match node.get(step) {
            Some(child) => node = child,
            None => depth = 1,
        }
    }
    if depth == 0 {
        Value::Doc(node)
    } else {
        Value::Absent {
            parent: Some(node),
            depth,
        }
    }
}

/// Where a finding is: the JSON pointer of the place (missing steps included, named from the
/// policy's path where known) and the location to show (the key of a map entry, the node
/// otherwise; for a missing field, its nearest existing parent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub pointer: String,
    pub location: Location,
}

/// Resolves a place (a node of `root`, and how many trailing `steps` are missing below it).
pub fn resolve(root: &Node, node: Option<&Node>, missing: u16, steps: &[Step]) -> Resolved {
    let node = node.unwrap_or(root);
    let (mut pointer, location) = locate(root, node).unwrap_or((String::new(), root.location));
    let missing = usize::from(missing);
    let known = steps.len().min(missing);
    for _ in known..missing {
        pointer.push_str("/-");
    }
    for step in &steps[steps.len() - known..] {
        pointer.push('/');
        match step {
            Step::Field(name) => escape_into(name, &mut pointer),
            Step::Index(position) => pointer.push_str(&position.to_string()),
            Step::Dynamic => pointer.push('-'),
        }
    }
    Resolved { pointer, location }
}

/// The JSON pointer of `target` in `root`, and its location (its key's, in a map).
///
/// Each finding of a scan is located this way. The node's source position says which child
/// holds it at each level ([`descend`]); a node copied from an anchor keeps the anchor's
/// positions, so when that leads nowhere a search of the whole tree by address decides
/// ([`search`]). Neither allocates per node: a search that cloned every key it passed took a
/// tenth of a whole `pol check`.
fn locate(root: &Node, target: &Node) -> Option<(String, Location)> {
    if std::ptr::eq(root, target) {
        return Some((String::new(), root.location));
    }
    descend(root, target).or_else(|| search(root, target))
}

/// [`locate`] by position: at each level, the child whose source span holds the target's
/// start. `None` when that does not lead to `target`.
fn descend(root: &Node, target: &Node) -> Option<(String, Location)> {
    let offset = target.location.start.offset;
    let holds = |node: &Node| {
        matches!(node.value, DocValue::Map(_) | DocValue::List(_))
            && node.location.start.offset <= offset
            && offset < node.location.end.offset
    };
    let mut path: Vec<(&Node, usize)> = Vec::new();
    let mut node = root;
    loop {
        let next = match &node.value {
            DocValue::Map(entries) => {
                next_step(entries.iter().map(|(_, child)| child), target, holds)
            }
            DocValue::List(items) => next_step(items.iter(), target, holds),
            _ => return None,
        };
        match next? {
            (at, None) => {
                path.push((node, at));
                return Some(pointer(&path, target));
            }
            (at, Some(child)) => {
                path.push((node, at));
                node = child;
            }
        }
    }
}

/// One level of [`descend`]: the position of `target` among `children` (with `None`), or of
/// the first child that `holds` it (with that child).
fn next_step<'n>(
    children: impl Iterator<Item = &'n Node>,
    target: &Node,
    holds: impl Fn(&Node) -> bool,
) -> Option<(usize, Option<&'n Node>)> {
    let mut below = None;
    for (at, child) in children.enumerate() {
        if std::ptr::eq(child, target) {
            return Some((at, None));
        }
        if below.is_none() && holds(child) {
            below = Some((at, Some(child)));
        }
    }
    below
}

/// [`locate`] by address: a depth-first search of the whole tree. `open` holds each
/// collection on the way down with the position of the child explored next.
fn search(root: &Node, target: &Node) -> Option<(String, Location)> {
    let mut open: Vec<(&Node, usize)> = vec![(root, 0)];
    while let Some((node, next)) = open.last_mut() {
        let at = *next;
        *next += 1;
        let child = match &node.value {
            DocValue::Map(entries) => entries.get(at).map(|(_, child)| child),
            DocValue::List(items) => items.get(at),
            _ => None,
        };
        let Some(child) = child else {
            open.pop();
            continue;
        };
        if std::ptr::eq(child, target) {
            let path: Vec<(&Node, usize)> = open
                .iter()
                .map(|(node, next)| (*node, next.saturating_sub(1)))
                .collect();
            return Some(pointer(&path, target));
        }
        if matches!(child.value, DocValue::Map(_) | DocValue::List(_)) {
            open.push((child, 0));
        }
    }
    None
}

/// The pointer of the child at the end of `path` (each collection from the root down, with
/// the position taken in it), and its location: its key's in a map, its own in a list.
fn pointer(path: &[(&Node, usize)], target: &Node) -> (String, Location) {
    use std::fmt::Write as _;
    let mut pointer = String::new();
    let mut location = target.location;
    for (node, at) in path {
        pointer.push('/');
        match &node.value {
            DocValue::Map(entries) => {
                if let Some((key, _)) = entries.get(*at) {
                    escape_into(&key.text, &mut pointer);
                    location = key.location;
                }
            }
            _ => {
                let _ = write!(pointer, "{at}");
                location = target.location;
            }
        }
    }
    (pointer, location)
}

fn escape_into(step: &str, out: &mut String) {
    for c in step.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests;
