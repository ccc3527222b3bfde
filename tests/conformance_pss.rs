//! Pod Security Standards conformance: the library's `policies/pod-security/*.pol` against the
//! upstream Pod Security Admission fixtures (`../shared/conformance/pss`, described in its
//! `FORMAT.md`: `<level>/<version>/<pass|fail>/<name>.yaml`, one Pod each, listed in
//! `cases.jsonl`).
//!
//! Every case is evaluated in-process with the policies of its level: `baseline` runs the
//! policies whose `controls` name `PSS-baseline`, `restricted` runs those plus the ones naming
//! `PSS-restricted`. Any finding means "rejected"; the verdict is compared with the
//! directory's (`fail/` = rejected). Two runs:
//!
//! - **latest**: the newest version's cases with the policies as shipped (`version` parameter
//!   left at its default, `latest`). Every case must agree; the test fails otherwise and
//!   prints each disagreeing case (file, check, expected, actual, findings or errors).
//! - **all versions**: every case, with each policy's `version` parameter pinned to the
//!   case's version (as `pod-security.kubernetes.io/enforce-version` would). Policies without
//!   a `version` parameter run unchanged.
//!
//! No case is skipped: the fixture files and `cases.jsonl` must list the same files, and a
//! case that fails to load or to evaluate counts as a disagreement.
//!
//! The figures (agreeing cases / cases, per scope and level; and `named_check`: rejected
//! `fail/` cases where a policy implementing the check the file is named after reported, per
//! the table `CHECKS`, so a right verdict for the wrong reason shows) are printed (run with
//! `-- --nocapture` to see them) and kept in the ratchet `tests/conformance/pss-ratchet.json`.
//! The test fails when a figure falls below the ratchet, when it rises above it (raise the
//! ratchet, so that the gain is kept), and when the number of cases differs from the one
//! recorded (the fixtures changed). `POL_RATCHET_UPDATE=1 cargo test --test conformance_pss`
//! rewrites the ratchet with the current figures instead of comparing; commit the result.
//!
//! The fixtures must be at `../shared/conformance/pss` relative to the repository (CI checks
//! `../shared` out beside the clone); without them the test fails and says so.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pol_compiler::codegen::PackBuilder;
use pol_compiler::diagnostics::{Source, render_plain};
use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::{parse, typeck};
use pol_stdlib::host::StdHost;
use pol_vm::document::{Limits, load};
use pol_vm::eval::{Evaluator, resolve};
use pol_vm::interp::Constant;
use pol_vm::pack::Pack;

/// Where the fixtures are, relative to the repository.
const FIXTURES: &str = "../shared/conformance/pss";
/// The policies under test, relative to the repository.
const POLICIES: &str = "policies/pod-security";
/// The committed figures, relative to the repository.
const RATCHET: &str = "tests/conformance/pss-ratchet.json";
/// Set to `1` to rewrite the ratchet instead of comparing with it.
const UPDATE_VAR: &str = "POL_RATCHET_UPDATE";

const LEVELS: [&str; 2] = ["baseline", "restricted"];

/// Which policies implement each upstream check. Used only to say whether a rejected `fail/`
/// case was rejected for the check it is named after (a verdict can be right for the wrong
/// reason); the verdict itself never depends on it.
const CHECKS: &[(&str, &[&str])] = &[
    (
        "allowPrivilegeEscalation",
        &["pss-allow-privilege-escalation"],
    ),
    ("appArmorProfile", &["pss-apparmor"]),
    ("capabilities_baseline", &["pss-capabilities-baseline"]),
    (
        "capabilities_restricted",
        &[
            "pss-drop-all-capabilities",
            "pss-restricted-capabilities-add",
        ],
    ),
    (
        "hostNamespaces",
        &["pss-host-ipc", "pss-host-network", "pss-host-pid"],
    ),
    ("hostPathVolumes", &["pss-host-path-volumes"]),
    ("hostPorts", &["pss-host-ports"]),
    ("hostProbesAndHostLifecycle", &["pss-probe-lifecycle-host"]),
    ("privileged", &["pss-privileged"]),
    ("procMount", &["pss-proc-mount"]),
    ("procMount_restricted", &["pss-proc-mount-restricted"]),
    ("restrictedVolumes", &["pss-volume-types"]),
    ("runAsNonRoot", &["pss-run-as-non-root"]),
    ("runAsUser", &["pss-run-as-user-non-zero"]),
    ("seLinuxOptions", &["pss-selinux"]),
    ("seccompProfile_baseline", &["pss-seccomp-baseline"]),
    ("seccompProfile_restricted", &["pss-seccomp-restricted"]),
    ("sysctls", &["pss-sysctls"]),
    ("windowsHostProcess", &["pss-host-process"]),
];

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One fixture file, as `cases.jsonl` lists it.
#[derive(Debug, Clone)]
struct Case {
    /// Relative to the fixture directory, e.g. `restricted/v1.37/fail/runasnonroot2.yaml`.
    file: String,
    /// The upstream check id, or `*` for the minimal pods.
    check: String,
    level: &'static str,
    version: String,
    /// `fail/`: the pod must be rejected.
    rejected: bool,
}

/// `v1.37` → `(1, 37)`.
fn version_key(version: &str) -> (u32, u32) {
    let parse = || {
        let (major, minor) = version.strip_prefix('v')?.split_once('.')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    };
    parse().unwrap_or_else(|| panic!("`{version}` is not a version of the form vMAJOR.MINOR"))
}

fn read_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read `{}`: {error}", path.display()));
    let field = |entry: &serde_json::Value, name: &str, line: usize| -> String {
        entry[name]
            .as_str()
            .unwrap_or_else(|| panic!("{}:{line}: no string `{name}`", path.display()))
            .to_string()
    };
    let mut cases = Vec::new();
    for (number, line) in (1..).zip(text.lines()) {
        if line.trim().is_empty() {
            continue;
        }
        let entry: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("{}:{number}: {error}", path.display()));
        let file = field(&entry, "file", number);
        let level = field(&entry, "level", number);
        let level = LEVELS
            .into_iter()
            .find(|known| *known == level)
            .unwrap_or_else(|| panic!("{}:{number}: unknown level `{level}`", path.display()));
        let version = field(&entry, "version", number);
        version_key(&version);
        let expect = field(&entry, "expect", number);
        let rejected = match expect.as_str() {
            "fail" => true,
            "pass" => false,
            other => panic!("{}:{number}: unknown verdict `{other}`", path.display()),
        };
        // The directory is the expectation: the entry must agree with its path.
        assert!(
            file.starts_with(&format!("{level}/{version}/{expect}/")) && file.ends_with(".yaml"),
            "{}:{number}: `{file}` is not under `{level}/{version}/{expect}/`",
            path.display()
        );
        assert_eq!(
            entry["level_expect"].as_str(),
            Some(expect.as_str()),
            "{}:{number}: `level_expect` differs from `expect`",
            path.display()
        );
        cases.push(Case {
            file,
            check: field(&entry, "check", number),
            level,
            version,
            rejected,
        });
    }
    cases
}

/// Every `.yaml` file below the level directories, relative to `root`.
fn fixture_files(root: &Path) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    let mut pending: Vec<PathBuf> = LEVELS.iter().map(|level| root.join(level)).collect();
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("cannot read `{}`: {error}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "yaml") {
                let relative = path.strip_prefix(root).unwrap();
                files.insert(relative.to_str().unwrap().replace('\\', "/"));
            }
        }
    }
    files
}

/// The pod-security policies, compiled into one pack.
fn compile_policies() -> Pack {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let mut builder = PackBuilder::new("conformance", &schemas);
    let dir = repository().join(POLICIES);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read `{}`: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pol"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no `.pol` files in `{}`", dir.display());
    for path in &paths {
        let name = format!("{POLICIES}/{}", path.file_name().unwrap().to_str().unwrap());
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = parse(&text);
        let source = Source {
            name: &name,
            text: &text,
        };
        assert!(
            !parsed.has_errors(),
            "`{name}` does not parse:\n{}",
            render_plain(source, &parsed.diagnostics)
        );
        let checked = typeck::check(&text, &parsed.file, &schemas);
        assert!(
            !checked.has_errors(),
            "`{name}` does not type-check:\n{}",
            render_plain(source, &checked.diagnostics)
        );
        builder.add_file(&name, &parsed.file, &checked);
    }
    builder.finish().unwrap()
}

/// The policies each level runs: baseline = `PSS-baseline`; restricted = `PSS-baseline` plus
/// `PSS-restricted`.
fn level_policies(pack: &Pack) -> BTreeMap<&'static str, BTreeSet<u32>> {
    let mut levels: BTreeMap<&'static str, BTreeSet<u32>> = BTreeMap::new();
    for (index, policy) in (0u32..).zip(&pack.policies) {
        let baseline = policy.controls.iter().any(|c| c == "PSS-baseline");
        let restricted = policy.controls.iter().any(|c| c == "PSS-restricted");
        assert!(
            baseline || restricted,
            "`{}` ({}) names neither `PSS-baseline` nor `PSS-restricted` in its controls",
            policy.id,
            policy.file
        );
        if baseline {
            levels.entry("baseline").or_default().insert(index);
        }
        levels.entry("restricted").or_default().insert(index);
    }
    levels
}

/// `pack` with every policy's `version` parameter set to `version`.
fn pinned(pack: &Pack, version: &str) -> Pack {
    let mut pack = pack.clone();
    for policy in &mut pack.policies {
        if let Some(index) = policy.param_names.iter().position(|name| name == "version") {
            assert_eq!(
                policy.param_types.get(index).map(String::as_str),
                Some("string"),
                "`{}`: the `version` parameter is not a string",
                policy.id
            );
            policy.params[index] = Constant::Str(version.into());
        }
    }
    pack
}

/// What the policies made of one case.
#[derive(Debug, Default)]
struct Verdict {
    /// `policy-id at /json/pointer: message`, one per finding.
    findings: Vec<String>,
    /// The ids of the policies that reported.
    policies: BTreeSet<String>,
    /// Evaluation errors: a case with one never agrees.
    errors: Vec<String>,
}

impl Verdict {
    fn rejected(&self) -> bool {
        !self.findings.is_empty()
    }
}

fn evaluate(evaluator: &Evaluator<'_>, policies: &BTreeSet<u32>, bytes: &[u8]) -> Verdict {
    let pack = evaluator.pack();
    let mut verdict = Verdict::default();
    let mut loaded = load(bytes, &Limits::default());
    verdict
        .errors
        .extend(loaded.errors.iter().map(|error| format!("load: {error}")));
    if loaded.documents.len() != 1 {
        verdict.errors.push(format!(
            "expected one document, found {}",
            loaded.documents.len()
        ));
    }
    for document in &mut loaded.documents {
        evaluator.intern(&mut document.root);
    }
    for document in &loaded.documents {
        let root = &document.root;
        let wanted = |policy: u32| policies.contains(&policy);
        let outcomes = match evaluator.evaluate(root, &wanted) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                verdict.errors.push(format!("not evaluated: {error:?}"));
                continue;
            }
        };
        if outcomes.is_empty() {
            verdict
                .errors
                .push("no policy of the level runs on this resource".to_string());
        }
        for outcome in outcomes {
            let id = &pack.policies[outcome.policy as usize].id;
            match outcome.result {
                Ok(findings) => {
                    for finding in findings {
                        let place = pack.sites.get(usize::from(finding.site)).map_or_else(
                            || "?".to_string(),
                            |site| {
                                resolve(
                                    root,
                                    finding.place.node,
                                    finding.place.missing,
                                    &site.place,
                                )
                                .pointer
                            },
                        );
                        verdict
                            .findings
                            .push(format!("{id} at {place}: {}", finding.message));
                        verdict.policies.insert(id.clone());
                    }
                }
                Err(error) => verdict.errors.push(format!("{id}: {error}")),
            }
        }
    }
    verdict
}

/// Agreeing cases out of all cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Score {
    agree: usize,
    cases: usize,
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.agree, self.cases)
    }
}

/// The scores of one run, and its disagreements as printable blocks.
#[derive(Debug, Default)]
struct Run {
    by_level: BTreeMap<&'static str, Score>,
    by_version: BTreeMap<(u32, u32), Score>,
    disagreements: Vec<String>,
    /// `fail/` cases rejected by a policy of the check they are named after, out of the
    /// `fail/` cases rejected.
    named: Score,
    /// Rejected `fail/` cases where no policy of the named check reported.
    other_reason: Vec<String>,
}

impl Run {
    fn total(&self) -> Score {
        self.by_level
            .values()
            .fold(Score::default(), |sum, score| Score {
                agree: sum.agree + score.agree,
                cases: sum.cases + score.cases,
            })
    }

    fn levels(&self) -> String {
        LEVELS
            .iter()
            .map(|level| format!("{level} {}", self.by_level[level]))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Evaluates `cases`, each with the evaluator `evaluator_for` gives for its version.
fn run<'e>(
    root: &Path,
    cases: &[&Case],
    levels: &BTreeMap<&'static str, BTreeSet<u32>>,
    evaluator_for: &dyn Fn(&str) -> &'e Evaluator<'e>,
) -> Run {
    let mut result = Run::default();
    for level in LEVELS {
        result.by_level.insert(level, Score::default());
    }
    for case in cases {
        let path = root.join(&case.file);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|error| panic!("cannot read `{}`: {error}", path.display()));
        let verdict = evaluate(evaluator_for(&case.version), &levels[case.level], &bytes);
        let agrees = verdict.errors.is_empty() && verdict.rejected() == case.rejected;
        for score in [
            result.by_level.get_mut(case.level).unwrap(),
            result
                .by_version
                .entry(version_key(&case.version))
                .or_default(),
        ] {
            score.cases += 1;
            score.agree += usize::from(agrees);
        }
        if agrees && case.rejected {
            let (_, implementing) = CHECKS
                .iter()
                .find(|(check, _)| *check == case.check)
                .unwrap_or_else(|| {
                    panic!(
                        "{}: no policies known for the check `{}`",
                        case.file, case.check
                    )
                });
            let named = implementing.iter().any(|id| verdict.policies.contains(*id));
            result.named.cases += 1;
            result.named.agree += usize::from(named);
            if !named {
                result.other_reason.push(format!(
                    "  {} (check {}): rejected by {}\n",
                    case.file,
                    case.check,
                    verdict
                        .policies
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if !agrees {
            let word = |rejected: bool| if rejected { "rejected" } else { "admitted" };
            let mut block = format!(
                "  {} (check {}): expected {}, actual {}\n",
                case.file,
                case.check,
                word(case.rejected),
                if verdict.errors.is_empty() {
                    word(verdict.rejected())
                } else {
                    "error"
                }
            );
            for line in verdict.findings.iter().chain(&verdict.errors) {
                writeln!(block, "      {line}").unwrap();
            }
            result.disagreements.push(block);
        }
    }
    result
}

/// The ratchet's content for these runs: per scope, the agreement of each level, and
/// `named_check`: the rejected `fail/` cases that a policy of the named check rejected.
fn figures(latest: &Run, all: &Run) -> serde_json::Value {
    let score = |score: &Score| serde_json::json!({"agree": score.agree, "cases": score.cases});
    let scope = |run: &Run| {
        let mut map: serde_json::Map<String, serde_json::Value> = run
            .by_level
            .iter()
            .map(|(level, value)| ((*level).to_string(), score(value)))
            .collect();
        map.insert("named_check".to_string(), score(&run.named));
        serde_json::Value::Object(map)
    };
    serde_json::json!({"latest": scope(latest), "all_versions": scope(all)})
}

/// Compares the figures with the ratchet; the problems, if any.
fn check_ratchet(current: &serde_json::Value, ratchet: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    for scope in ["latest", "all_versions"] {
        for figure in LEVELS.into_iter().chain(["named_check"]) {
            let now = &current[scope][figure];
            let then = &ratchet[scope][figure];
            let (Some(agree), Some(cases)) = (then["agree"].as_u64(), then["cases"].as_u64())
            else {
                problems.push(format!("the ratchet has no `{scope}.{figure}` figures"));
                continue;
            };
            let now_agree = now["agree"].as_u64().unwrap();
            let now_cases = now["cases"].as_u64().unwrap();
            if now_cases != cases {
                problems.push(format!(
                    "{scope} {figure}: {now_cases} cases, the ratchet records {cases}: the fixtures changed"
                ));
            } else if now_agree < agree {
                problems.push(format!(
                    "{scope} {figure}: {now_agree}/{now_cases}, below the ratchet's {agree}"
                ));
            } else if now_agree > agree {
                problems.push(format!(
                    "{scope} {figure}: {now_agree}/{now_cases}, above the ratchet's {agree}: raise the ratchet"
                ));
            }
        }
    }
    problems
}

#[test]
fn pod_security_policies_agree_with_the_admission_fixtures() {
    let root = repository().join(FIXTURES);
    assert!(
        root.join("cases.jsonl").is_file(),
        "the Pod Security Admission fixtures are missing: expected `{}` with `cases.jsonl` \
         (the shared data directory `../shared` must be checked out beside the repository)",
        root.display()
    );

    // Every fixture file is a listed case and every listed case a file: none is skipped.
    let cases = read_cases(&root.join("cases.jsonl"));
    let listed: BTreeSet<String> = cases.iter().map(|case| case.file.clone()).collect();
    assert_eq!(
        listed.len(),
        cases.len(),
        "`cases.jsonl` lists a file twice"
    );
    let files = fixture_files(&root);
    let unlisted: Vec<_> = files.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&files).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "`cases.jsonl` and the fixture files differ: not listed {unlisted:?}; no file {missing:?}"
    );
    let latest = cases
        .iter()
        .map(|case| case.version.as_str())
        .max_by_key(|version| version_key(version))
        .expect("no cases")
        .to_string();
    let latest_cases: Vec<&Case> = cases.iter().filter(|c| c.version == latest).collect();
    let latest_listed: BTreeSet<String> = read_cases(&root.join("cases_latest.jsonl"))
        .into_iter()
        .map(|case| case.file)
        .collect();
    assert_eq!(
        latest_listed,
        latest_cases.iter().map(|case| case.file.clone()).collect(),
        "`cases_latest.jsonl` is not the {latest} subset of `cases.jsonl`"
    );

    let pack = compile_policies();
    let levels = level_policies(&pack);
    let unversioned: Vec<&str> = pack
        .policies
        .iter()
        .filter(|policy| !policy.param_names.iter().any(|name| name == "version"))
        .map(|policy| policy.id.as_str())
        .collect();
    let host = StdHost::new(&pack.builtins, &pack.patterns, pol_stdlib::host::now()).unwrap();

    // Latest: the policies as shipped.
    let shipped = Evaluator::new(&pack, &host);
    let latest_run = run(&root, &latest_cases, &levels, &|_| &shipped);

    // All versions: pinned to each case's version.
    let versions: BTreeSet<&str> = cases.iter().map(|case| case.version.as_str()).collect();
    let packs: BTreeMap<&str, Pack> = versions
        .iter()
        .map(|version| (*version, pinned(&pack, version)))
        .collect();
    let evaluators: BTreeMap<&str, Evaluator<'_>> = packs
        .iter()
        .map(|(version, pack)| (*version, Evaluator::new(pack, &host)))
        .collect();
    let all_cases: Vec<&Case> = cases.iter().collect();
    let all_run = run(&root, &all_cases, &levels, &|version| &evaluators[version]);
    // For comparison only: every version with the policies as shipped, to show what pinning
    // is worth.
    let unpinned_run = run(&root, &all_cases, &levels, &|_| &shipped);

    let mut out = String::new();
    writeln!(
        out,
        "Pod Security Standards conformance: {} policies of {POLICIES} ({} baseline, {} restricted \
         with baseline), fixtures {FIXTURES}",
        pack.policies.len(),
        levels["baseline"].len(),
        levels["restricted"].len(),
    )
    .unwrap();
    writeln!(
        out,
        "  latest ({latest}, unpinned):       {} ({})",
        latest_run.total(),
        latest_run.levels()
    )
    .unwrap();
    writeln!(
        out,
        "  all versions (version pinned): {} ({})",
        all_run.total(),
        all_run.levels()
    )
    .unwrap();
    for ((major, minor), score) in &all_run.by_version {
        if score.agree != score.cases {
            writeln!(out, "    v{major}.{minor}: {score}").unwrap();
        }
    }
    writeln!(
        out,
        "  all versions, not pinned (for comparison): {} ({})",
        unpinned_run.total(),
        unpinned_run.levels()
    )
    .unwrap();
    writeln!(
        out,
        "  rejected fail cases with a finding of the named check's policies: latest {}, all versions {}",
        latest_run.named, all_run.named
    )
    .unwrap();
    writeln!(
        out,
        "  policies without a `version` parameter (the same at every version): {}",
        unversioned.join(", ")
    )
    .unwrap();
    if !latest_run.disagreements.is_empty() {
        writeln!(out, "\nDisagreements at {latest} (unpinned):").unwrap();
        out.extend(latest_run.disagreements.iter().map(String::as_str));
    }
    if !all_run.disagreements.is_empty() {
        writeln!(out, "\nDisagreements over all versions (pinned):").unwrap();
        out.extend(all_run.disagreements.iter().map(String::as_str));
    }
    if !all_run.other_reason.is_empty() {
        writeln!(
            out,
            "\nFail cases rejected, but not by the named check's policies (pinned):"
        )
        .unwrap();
        out.extend(all_run.other_reason.iter().map(String::as_str));
    }
    print!("{out}");

    let mut problems = Vec::new();
    if !latest_run.disagreements.is_empty() {
        problems.push(format!(
            "{} of the {latest} cases disagree with the fixtures (listed above); 100% is required",
            latest_run.disagreements.len()
        ));
    }
    let current = figures(&latest_run, &all_run);
    let ratchet_path = repository().join(RATCHET);
    if std::env::var(UPDATE_VAR).is_ok_and(|value| value == "1") {
        let text = serde_json::to_string_pretty(&current).unwrap() + "\n";
        std::fs::create_dir_all(ratchet_path.parent().unwrap()).unwrap();
        std::fs::write(&ratchet_path, text).unwrap();
        println!("{UPDATE_VAR}=1: wrote the figures to {RATCHET}");
    } else {
        match std::fs::read_to_string(&ratchet_path) {
            Ok(text) => {
                let ratchet: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|error| panic!("`{RATCHET}`: {error}"));
                problems.extend(check_ratchet(&current, &ratchet));
            }
            Err(error) => problems.push(format!("cannot read `{RATCHET}`: {error}")),
        }
        if problems
            .iter()
            .any(|problem| problem.contains("below the ratchet"))
        {
            problems.push(
                "a figure fell: fix the policies (the disagreeing cases are listed above)"
                    .to_string(),
            );
        }
        let record = ["raise the ratchet", "fixtures changed", RATCHET];
        if problems
            .iter()
            .any(|problem| record.iter().any(|word| problem.contains(word)))
        {
            problems.push(format!(
                "to record the current figures: {UPDATE_VAR}=1 cargo test --test conformance_pss, \
                 and commit {RATCHET}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
