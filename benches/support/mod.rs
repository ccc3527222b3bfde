//! Inputs shared by the benchmarks.

/// The example policies, repeated under fresh ids, until `enough` says the text is long
/// enough (it gets the text so far and the number of policies in it).
pub fn examples_repeated(enough: impl Fn(&str, usize) -> bool) -> String {
    let examples = [
        include_str!("../../examples/policies/privileged-container.pol"),
        include_str!("../../examples/policies/min-replicas.pol"),
        include_str!("../../examples/policies/images.pol"),
        include_str!("../../examples/policies/host-namespaces.pol"),
        include_str!("../../examples/policies/required-labels.pol"),
    ];
    let mut out = String::new();
    let mut policies = 0;
    let mut copy = 0;
    while !enough(&out, policies) {
        for example in examples {
            // Rename every policy so that ids stay unique.
            out.push_str(&example.replace("policy ", &format!("policy copy{copy}-")));
            out.push('\n');
            policies += example
                .lines()
                .filter(|line| line.starts_with("policy "))
                .count();
        }
        copy += 1;
    }
    out
}
