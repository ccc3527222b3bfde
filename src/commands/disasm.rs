//! `pol disasm`: a pack, readably: header, policies, dispatch table, deny sites and the code
//! of every function with constants and symbols named.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use pol_vm::bytecode::{Op, disassemble};
use pol_vm::interp::Constant;
use pol_vm::pack::{KeyStep, Pack, Query};

use crate::{Outcome, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack (`pol build -o FILE`).
    pack: PathBuf,
}

pub fn run(args: &Args) -> Outcome {
    let bytes = match std::fs::read(&args.pack) {
        Ok(bytes) => bytes,
        Err(error) => {
            report::error(&format!("cannot read `{}`: {error}", args.pack.display()));
            return Outcome::Errors;
        }
    };
    match Pack::read(&bytes) {
        Ok(pack) => {
            let _ = std::io::stdout().write_all(listing(&pack).as_bytes());
            Outcome::Clean
        }
        Err(error) => {
            report::error(&format!(
                "`{}` is not a usable pack: {error}",
                args.pack.display()
            ));
            Outcome::Errors
        }
    }
}

fn constant(value: &Constant) -> String {
    match value {
        Constant::Null => "null".to_string(),
        Constant::Bool(flag) => flag.to_string(),
        Constant::Int(number) => number.to_string(),
        Constant::Float(number) => format!("{number:?}"),
        Constant::Str(text) => format!("{text:?}"),
        Constant::Pattern(id) => format!("pattern {id}"),
        Constant::List(items) => format!(
            "[{}]",
            items.iter().map(constant).collect::<Vec<_>>().join(", ")
        ),
        Constant::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(key, value)| format!("{key:?}: {}", constant(value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The listing of a whole pack.
pub fn listing(pack: &Pack) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pack: pol {}, Kubernetes {}, schema fingerprint {:016x}",
        pack.compiler, pack.k8s_version, pack.schema_fingerprint
    );
    let _ = writeln!(
        out,
        "{} policies, {} functions, {} constants, {} symbols, {} builtins, {} patterns, {} deny sites\n",
        pack.policies.len(),
        pack.functions.len(),
        pack.constants.len(),
        pack.symbols.len(),
        pack.builtins.len(),
        pack.patterns.len(),
        pack.sites.len()
    );
    out.push_str("kinds:\n");
    for kind in &pack.kinds {
        let ids: Vec<&str> = kind
            .policies
            .iter()
            .filter_map(|index| pack.policies.get(*index as usize))
            .map(|policy| policy.id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  {} {}: {}",
            kind.api_version,
            kind.kind,
            ids.join(", ")
        );
    }
    for (index, policy) in pack.policies.iter().enumerate() {
        let _ = writeln!(
            out,
            "\npolicy {index} `{}` ({}, {}) from {}",
            policy.id,
            policy.severity.as_str(),
            policy.title,
            policy.file
        );
        for (name, value) in policy.param_names.iter().zip(&policy.params) {
            let _ = writeln!(out, "  param {name} = {}", constant(value));
        }
        let Some(function) = pack.functions.get(policy.function as usize) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  function {}: {} bytes, {} locals, stack {}",
            policy.function,
            function.bytes.len(),
            function.locals,
            function.max_stack
        );
        let describe = |op: &Op| -> Option<String> {
            match *op {
                Op::Const { index } => pack.constants.get(index as usize).map(constant),
                Op::Matches { pattern } => match pack.constants.get(pattern as usize) {
                    Some(Constant::Pattern(id)) => pack
                        .patterns
                        .get(*id as usize)
                        .map(|pattern| format!("{:?} {:?}", pattern.kind, pattern.text)),
                    _ => None,
                },
                Op::Param { index } => policy.param_names.get(usize::from(index)).cloned(),
                Op::Field { symbol } | Op::LoadField { symbol, .. } => {
                    pack.symbols.get(symbol as usize).map(|s| s.to_string())
                }
                Op::Call { builtin, .. } => pack
                    .builtins
                    .get(usize::from(builtin))
                    .map(|builtin| builtin.name.clone()),
                Op::Others { query }
                | Op::OthersIn { query }
                | Op::OthersBy { query, .. }
                | Op::OthersInBy { query, .. } => pack
                    .queries
                    .get(usize::from(query))
                    .map(|query| query_text(pack, query)),
                Op::Deny { site, .. } => pack
                    .sites
                    .get(usize::from(site))
                    .map(|site| format!("deny at bytes {}..{}", site.span.0, site.span.1)),
                _ => None,
            }
        };
        for line in disassemble(&function.bytes, &describe).lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// `apps/Deployment`, with the path of its index: `rbac.authorization.k8s.io/RoleBinding by
/// subjects[].name`, `apps/Deployment by spec.template.metadata.labels{}` (map entries),
/// `networking.k8s.io/Ingress by spec.rules[].host ?? "*" |> lower` (a default, a builtin).
fn query_text(pack: &Pack, query: &Query) -> String {
    let mut text = if query.group.is_empty() {
        query.kind.clone()
    } else {
        format!("{}/{}", query.group, query.kind)
    };
    for (at, step) in query.key.iter().enumerate() {
        text.push_str(if at == 0 { " by " } else { "" });
        match step {
            KeyStep::Field(symbol) => {
                if at > 0 {
                    text.push('.');
                }
                text.push_str(pack.symbols.get(*symbol as usize).map_or("?", |name| name));
            }
            KeyStep::Each => text.push_str("[]"),
            KeyStep::Entries => text.push_str("{}"),
            KeyStep::Default(index) => {
                text.push_str(" ?? ");
                text.push_str(
                    &pack
                        .constants
                        .get(*index as usize)
                        .map_or("?".to_string(), constant),
                );
            }
            KeyStep::Apply(builtin) => {
                text.push_str(" |> ");
                text.push_str(
                    pack.builtins
                        .get(usize::from(*builtin))
                        .map_or("?", |b| &b.name),
                );
            }
        }
    }
    text
}
