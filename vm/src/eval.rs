//! Evaluation of a whole pack over resources: kind dispatch, pod-spec resolution, the budget,
//! and the resolution of findings to document paths. No I/O and no shared mutable state: one
//! [`Evaluator`] serves any number of threads.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::document::{Location, Node, Value as DocValue};
use crate::interp::{EvalError, Finding, Host, Program, Scratch, Value, run_in};
use crate::pack::{Pack, Step};

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
    kinds: HashMap<(&'p str, &'p str), usize>,
    /// The entry of `match *` policies (`api_version` and `kind` both `*`), run on every
    /// resource.
    every: Option<usize>,
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
    by_query: Vec<Vec<&'d Node>>,
    /// The same, by namespace (`default` for resources without `metadata.namespace`): what
    /// `others(Kind, namespace)` reads without scanning the whole set.
    by_namespace: Vec<Namespaces<'d>>,
}

/// Resources by namespace.
pub type Namespaces<'d> = HashMap<&'d str, Vec<&'d Node>>;

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
        self.by_query.iter().map(Vec::len).sum()
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
        Evaluator {
            pack,
            host,
            symbols,
            kinds,
            every,
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
    pub fn inventory<'d>(&self, resources: impl IntoIterator<Item = &'d Node>) -> Inventory<'d> {
        let mut by_query: Vec<Vec<&'d Node>> = vec![Vec::new(); self.pack.queries.len()];
        let mut by_namespace: Vec<Namespaces<'d>> = vec![HashMap::new(); self.pack.queries.len()];
        if by_query.is_empty() {
            return Inventory {
                by_query,
                by_namespace,
            };
        }
        for root in resources {
            let (Some(api_version), Some(kind)) = (
                root.get("apiVersion").and_then(Node::as_str),
                root.get("kind").and_then(Node::as_str),
            ) else {
                continue;
            };
            let namespace = namespace_of(root);
            for ((query, list), namespaces) in self
                .pack
                .queries
                .iter()
                .zip(by_query.iter_mut())
                .zip(by_namespace.iter_mut())
            {
                if query.selects(api_version, kind) {
                    list.push(root);
                    namespaces.entry(namespace).or_default().push(root);
                }
            }
        }
        Inventory {
            by_query,
            by_namespace,
        }
    }

    /// Runs every policy that matches the kind of `root` and that `wanted` accepts, with an
    /// empty evaluation set.
    pub fn evaluate<'d>(
        &self,
        root: &'d Node,
        wanted: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Outcome<'d>>, Unevaluable>
    where
        'p: 'd,
    {
        static EMPTY: Inventory<'static> = Inventory {
            by_query: Vec::new(),
            by_namespace: Vec::new(),
        };
        self.evaluate_in(root, &EMPTY, wanted)
    }

    /// Runs every policy that matches the kind of `root` and that `wanted` accepts;
    /// `others(Kind)` reads `inventory` (which may hold `root` itself: it is skipped).
    pub fn evaluate_in<'d>(
        &self,
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
        let mut outcomes = Vec::new();
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
                namespaces: &inventory.by_namespace,
            };
            let started = self.profile.then(std::time::Instant::now);
            let result = run_in(&program, self.host, &inputs, self.budget, &mut scratch);
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
fn locate(root: &Node, target: &Node) -> Option<(String, Location)> {
    if std::ptr::eq(root, target) {
        return Some((String::new(), root.location));
    }
    // Iterative depth-first search; the path is rebuilt from the parents kept on the stack.
    let mut stack: Vec<(&Node, usize)> = vec![(root, 0)];
    let mut path: Vec<(String, Location)> = Vec::new();
    while let Some((node, next)) = stack.pop() {
        path.truncate(stack.len());
        let child = match &node.value {
            DocValue::Map(entries) => entries
                .get(next)
                .map(|(key, child)| (child, key.text.clone(), key.location)),
            DocValue::List(items) => items
                .get(next)
                .map(|child| (child, next.to_string(), child.location)),
            _ => None,
        };
        let Some((child, step, location)) = child else {
            continue;
        };
        stack.push((node, next + 1));
        path.push((step, location));
        if std::ptr::eq(child, target) {
            let mut pointer = String::new();
            for (step, _) in &path {
                pointer.push('/');
                escape_into(step, &mut pointer);
            }
            return Some((pointer, location));
        }
        stack.push((child, 0));
    }
    None
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
