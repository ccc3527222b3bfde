#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]
//! Lowering: every policy of the repository compiles to a pack that verifies and round-trips
//! through its file format; the code of the examples is snapshot as a disassembly.

mod common;

use pol_compiler::codegen::PackBuilder;
use pol_compiler::schema::Schemas;
use pol_compiler::{parse, typeck};
use pol_vm::bytecode::disassemble;
use pol_vm::pack::Pack;

fn pack_of(dirs: &[&str]) -> Pack {
    let schemas = Schemas::builtin("1.36").unwrap();
    let mut builder = PackBuilder::new("test", &schemas);
    let root = common::repository_root();
    let mut files = common::pol_files(dirs);
    for dir in dirs.iter().filter(|dir| dir.ends_with(".pol")) {
        files.push(root.join(dir));
    }
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&source);
        assert!(!parsed.has_errors(), "{}", path.display());
        let checked = typeck::check(&source, &parsed.file, &schemas);
        if checked.has_errors() {
            continue; // files that demonstrate errors
        }
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        builder.add_file(&name, &parsed.file, &checked);
    }
    builder.finish().unwrap()
}

#[test]
fn the_library_compiles_to_a_verified_pack_that_round_trips() {
    let pack = pack_of(&["policies", "examples"]);
    assert!(
        pack.policies.len() >= 27,
        "{} policies",
        pack.policies.len()
    );
    let bytes = pack.write();
    let read = Pack::read(&bytes).unwrap();
    assert_eq!(read, pack);
    // Every policy is dispatched from at least one kind.
    for (index, policy) in pack.policies.iter().enumerate() {
        assert!(
            pack.kinds
                .iter()
                .any(|kind| kind.policies.contains(&(index as u32))),
            "`{}` runs on no kind",
            policy.id
        );
    }
}

#[test]
fn example_code_is_readable() {
    let pack = pack_of(&["examples/policies/privileged-container.pol"]);
    let policy = &pack.policies[0];
    let function = &pack.functions[policy.function as usize];
    let describe = |op: &pol_vm::bytecode::Op| match *op {
        pol_vm::bytecode::Op::Field { symbol } => pack
            .symbols
            .get(symbol as usize)
            .map(|name| name.to_string()),
        pol_vm::bytecode::Op::Const { index } => {
            pack.constants.get(index as usize).map(|c| format!("{c:?}"))
        }
        _ => None,
    };
    insta::assert_snapshot!(disassemble(&function.bytes, &describe));
    insta::assert_debug_snapshot!(pack.sites);
}
