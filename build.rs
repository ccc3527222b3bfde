//! Bundles the policy library into the binary: every `policies/**/*.pol` and its
//! `*.test.yaml`, as text, and the library compiled into a pack for the default Kubernetes
//! version, so `pol check` starts without compiling it. When the library does not compile
//! (a policy being edited), no pack is bundled and the CLI compiles the text at run time,
//! with its diagnostics.

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
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let pack_path = out_dir.join("bundled.polpack");
    let written = prebuild(&library, &files).and_then(|bytes| {
        std::fs::write(&pack_path, bytes).map_err(|error| format!("cannot write the pack: {error}"))
    });
    match written {
        Ok(()) => {
            let _ = writeln!(
                out,
                "/// The library compiled for the default Kubernetes version.\npub static PACK: Option<&[u8]> = Some(include_bytes!({:?}));",
                pack_path.display().to_string()
            );
        }
        Err(problem) => {
            println!("cargo:warning=the bundled library is compiled at run time: {problem}");
            out.push_str("pub static PACK: Option<&[u8]> = None;\n");
        }
    }
    let target = out_dir.join("bundled.rs");
    if let Err(error) = std::fs::write(&target, out) {
        eprintln!("error: cannot write {}: {error}", target.display());
        std::process::exit(1);
    }
}

/// The library compiled into pack bytes, or why not.
fn prebuild(library: &Path, files: &[PathBuf]) -> Result<Vec<u8>, String> {
    let mut sources = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|error| error.to_string())?;
        let relative = file
            .strip_prefix(library)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        sources.push((relative, text));
    }
    let (frameworks, errors) = pol_compiler::frameworks::Frameworks::from_files(
        sources
            .iter()
            .filter(|(name, _)| name.starts_with("frameworks/") && name.ends_with(".yaml"))
            .map(|(name, text)| (name.as_str(), text.as_str())),
    );
    if let Some(error) = errors.first() {
        return Err(error.to_string());
    }
    let schemas = pol_compiler::schema::Schemas::builtin(pol_compiler::schema::DEFAULT_VERSION)
        .map_err(|error| error.to_string())?;
    let built = pol_compiler::build::build(
        sources
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
        &std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        &schemas,
        &frameworks,
    );
    match built.pack {
        Some(pack) => Ok(pack.write()),
        None => Err(format!(
            "{} error(s) in the library; `pol test policies` shows them",
            built.errors
        )),
    }
}
