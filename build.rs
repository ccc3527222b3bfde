//! Bundles the policy library into the binary: every `policies/**/*.pol` and its
//! `*.test.yaml`, as text. The library is parsed only when a command needs it, so start-up
//! does not pay for it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, found);
        } else if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| {
                name.ends_with(".pol") || name.ends_with(".test.yaml") || name.ends_with(".yaml")
            })
        {
            found.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let library = root.join("policies");
    println!("cargo:rerun-if-changed=policies");
    let mut files = Vec::new();
    collect(&library, &mut files);
    files.sort();
    let mut out = String::from(
        "/// The bundled library: (path below `policies/`, text).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file
            .strip_prefix(&library)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            out,
            "    ({relative:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("bundled.rs");
    if let Err(error) = std::fs::write(&target, out) {
        eprintln!("error: cannot write {}: {error}", target.display());
        std::process::exit(1);
    }
}
