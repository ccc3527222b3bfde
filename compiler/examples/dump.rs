fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    let parsed = pol_compiler::parse(&src);
    if std::env::var("AST").is_ok() {
        println!("{:#?}", parsed.file);
    }
    print!(
        "{}",
        pol_compiler::diagnostics::render_plain(
            pol_compiler::diagnostics::Source {
                name: &path,
                text: &src
            },
            &parsed.diagnostics
        )
    );
}
