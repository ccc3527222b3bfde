//! Generates the parser from `src/syntax/grammar.lalrpop` into `OUT_DIR`.

fn main() {
    println!("cargo:rerun-if-changed=src/syntax/grammar.lalrpop");
    if let Err(error) = lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .process()
    {
        eprintln!("error: cannot generate the parser: {error}");
        std::process::exit(1);
    }
}
