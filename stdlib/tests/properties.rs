//! Property tests: round trips, agreement with straightforward reference implementations,
//! and no panics on arbitrary input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use pol_stdlib::duration::Duration;
use pol_stdlib::image::ImageRef;
use pol_stdlib::net::{Cidr, parse_ip};
use pol_stdlib::quantity::Quantity;
use pol_stdlib::selector::{LabelSelector, Operator, Requirement, parse_selector_string};
use pol_stdlib::version::{Version, compare_kube_versions};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Quantities

/// Any quantity, with extra weight on round numbers and the extremes.
fn quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        any::<i128>().prop_map(Quantity::from_nanos),
        (any::<i64>(), 0u32..=6)
            .prop_map(|(v, k)| { Quantity::from_nanos(i128::from(v) * 1000i128.pow(k)) }),
        (any::<i32>(), 0u32..=6).prop_map(|(v, k)| {
            Quantity::from_nanos(i128::from(v) * 1_000_000_000 * 1024i128.pow(k))
        }),
        Just(Quantity::from_nanos(i128::MIN)),
        Just(Quantity::from_nanos(i128::MAX)),
        Just(Quantity::ZERO),
    ]
}

/// (string, suffix power of ten, suffix power of two)
fn suffix() -> impl Strategy<Value = (&'static str, i32, u32)> {
    prop::sample::select(vec![
        ("", 0, 0),
        ("n", -9, 0),
        ("u", -6, 0),
        ("m", -3, 0),
        ("k", 3, 0),
        ("M", 6, 0),
        ("G", 9, 0),
        ("T", 12, 0),
        ("P", 15, 0),
        ("E", 18, 0),
        ("Ki", 0, 10),
        ("Mi", 0, 20),
        ("Gi", 0, 30),
        ("Ti", 0, 40),
        ("Pi", 0, 50),
        ("Ei", 0, 60),
        ("e-12", -12, 0),
        ("e-1", -1, 0),
        ("e2", 2, 0),
        ("E7", 7, 0),
    ])
}

/// The value of `[-]INT.FRAC SUFFIX` in nano-units, rounded up in magnitude, computed the
/// long way round as ceil(numerator / denominator); `None` if the reference overflows.
fn reference_nanos(negative: bool, int: u64, frac: &str, pow10: i32, pow2: u32) -> Option<i128> {
    let frac_len = u32::try_from(frac.len()).ok()?;
    let frac_value: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let mantissa = u128::from(int)
        .checked_mul(10u128.checked_pow(frac_len)?)?
        .checked_add(frac_value)?;
    let mut numerator = mantissa.checked_mul(1u128 << pow2)?;
    let mut denominator = 10u128.pow(frac_len);
    let exponent = 9 + pow10;
    if exponent >= 0 {
        numerator = numerator.checked_mul(10u128.checked_pow(exponent.unsigned_abs())?)?;
    } else {
        denominator = denominator.checked_mul(10u128.checked_pow(exponent.unsigned_abs())?)?;
    }
    let magnitude = numerator.div_ceil(denominator);
    let magnitude = i128::try_from(magnitude).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

proptest! {
    /// A float becomes the quantity its text (`{:e}`) parses to, whether or not it takes the
    /// shortcut for integral floats.
    #[test]
    fn quantity_from_float_agrees_with_its_text(
        value in prop_oneof![
            any::<f64>(),
            (-1e16f64..1e16).prop_map(f64::trunc),
            (-1000i64..1000).prop_map(|n| n as f64 / 8.0),
        ]
    ) {
        let direct = Quantity::from_f64(value).map_err(|e| e.to_string());
        let text = if value.is_finite() {
            Quantity::parse(&format!("{value:e}")).map_err(|e| e.to_string())
        } else {
            direct.clone()
        };
        prop_assert_eq!(direct, text, "{}", value);
    }

    #[test]
    fn quantity_canonical_round_trip(q in quantity()) {
        let canonical = q.to_canonical_string();
        prop_assert_eq!(Quantity::parse(&canonical).unwrap(), q, "{}", canonical);
        prop_assert_eq!(q.to_string(), canonical);
        let decimal = q.to_decimal_string();
        prop_assert_eq!(Quantity::parse(&decimal).unwrap(), q, "{}", decimal);
    }

    #[test]
    fn quantity_parse_agrees_with_exact_arithmetic(
        negative in any::<bool>(),
        int in prop_oneof![0u64..2000, any::<u64>()],
        frac in "[0-9]{0,12}",
        (text, pow10, pow2) in suffix(),
    ) {
        let input = format!(
            "{}{int}{}{text}",
            if negative { "-" } else { "" },
            if frac.is_empty() { String::new() } else { format!(".{frac}") },
        );
        if let Some(expected) = reference_nanos(negative, int, &frac, pow10, pow2) {
            prop_assert_eq!(Quantity::parse(&input).unwrap().nanos(), expected, "{}", input);
        } else {
            // The reference overflowed: the parser must not panic, and an accepted value
            // must at least have the right sign.
            if let Ok(q) = Quantity::parse(&input) {
                prop_assert!(q.nanos() == 0 || q.is_negative() == negative);
            }
        }
    }

    #[test]
    fn quantity_order_agrees_with_subtraction(a in quantity(), b in quantity()) {
        if let Some(difference) = a.checked_sub(b) {
            prop_assert_eq!(a.cmp(&b), difference.nanos().cmp(&0));
            prop_assert_eq!(difference.checked_add(b), Some(a));
        }
        prop_assert_eq!(a.checked_add(b), b.checked_add(a));
        prop_assert_eq!(a == b, a.to_canonical_string() == b.to_canonical_string());
        if let Some(r) = a.ratio(b) {
            if a.nanos() != 0 {
                prop_assert_eq!(r > 0.0, a.is_negative() == b.is_negative());
            }
        } else {
            prop_assert!(b.is_zero());
        }
    }

    #[test]
    fn quantity_mul_agrees_with_repeated_addition(q in quantity(), n in -5i64..=5) {
        let mut sum = Some(Quantity::ZERO);
        for _ in 0..n.unsigned_abs() {
            sum = sum.and_then(|s| if n < 0 { s.checked_sub(q) } else { s.checked_add(q) });
        }
        if let Some(sum) = sum {
            prop_assert_eq!(q.checked_mul_int(n), Some(sum));
        }
    }

    #[test]
    fn quantity_parse_never_panics(s in "[-+ 0-9.eEnumkKMGTPi]{0,24}") {
        let _ = Quantity::parse(&s);
    }

    #[test]
    fn quantity_parse_any_string_never_panics(s in any::<String>()) {
        let _ = Quantity::parse(&s);
    }

    #[test]
    fn quantity_from_f64_never_panics(v in any::<f64>()) {
        if let Ok(q) = Quantity::from_f64(v) {
            // Exact where the float is a whole number of nano-units in range.
            let back = q.as_f64();
            prop_assert!((back - v).abs() <= 1e-9 + v.abs() * 1e-15, "{} {}", v, back);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Image references

fn path_component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,4}((\\.|_|__|-{1,3})[a-z0-9]{1,4}){0,2}"
}

fn registry() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("docker.io"),
        Some("index.docker.io"),
        Some("localhost"),
        Some("localhost:5000"),
        Some("gcr.io"),
        Some("registry.example.com:443"),
        Some("127.0.0.1:5000"),
        Some("[::1]:5000"),
        Some("Upper"),
    ])
}

const DIGEST: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

proptest! {
    #[test]
    fn image_round_trip(
        registry in registry(),
        path in prop::collection::vec(path_component(), 1..4),
        tag in prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}"),
        digest in any::<bool>(),
    ) {
        // Without a registry, a first component with a dot would be taken as one.
        prop_assume!(registry.is_some() || path.len() == 1 || !path[0].contains('.'));
        let path = path.join("/");
        let mut input = match registry {
            Some(r) => format!("{r}/{path}"),
            None => path.clone(),
        };
        if let Some(tag) = &tag {
            input = format!("{input}:{tag}");
        }
        if digest {
            input = format!("{input}@{DIGEST}");
        }
        // A 64-character hexadecimal string is an image id; the generator cannot make one
        // of that length with a hex-only alphabet in practice, but stay exact.
        prop_assume!(!(input.len() == 64 && input.bytes().all(|b| b.is_ascii_hexdigit())));
        let parsed = ImageRef::parse(&input).unwrap();

        // The reference normalisation.
        let expected_registry = match registry {
            None | Some("index.docker.io") => "docker.io",
            Some(r) => r,
        };
        let expected_repository = if expected_registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.clone()
        };
        prop_assert_eq!(parsed.registry(), expected_registry);
        prop_assert_eq!(parsed.repository(), expected_repository.as_str());
        prop_assert_eq!(parsed.tag(), tag.as_deref());
        prop_assert_eq!(parsed.digest(), digest.then_some(DIGEST));
        let effective = tag.as_deref().or(if digest { None } else { Some("latest") });
        prop_assert_eq!(parsed.effective_tag(), effective);

        let normalized = parsed.to_normalized_string();
        let again = ImageRef::parse(&normalized).unwrap();
        prop_assert_eq!(again.to_normalized_string(), normalized.clone());
        prop_assert_eq!(again.registry(), parsed.registry());
        prop_assert_eq!(again.repository(), parsed.repository());
        prop_assert_eq!(again.effective_tag(), parsed.effective_tag());
        prop_assert_eq!(again.digest(), parsed.digest());
        let familiar = ImageRef::parse(&parsed.familiar()).unwrap();
        prop_assert_eq!(familiar.to_normalized_string(), normalized);
    }

    #[test]
    fn image_parse_never_panics_and_round_trips(s in "[a-zA-Z0-9./:@_\\-\\[\\]]{0,30}") {
        if let Ok(r) = ImageRef::parse(&s) {
            let normalized = r.to_normalized_string();
            prop_assert_eq!(ImageRef::parse(&normalized).unwrap().to_normalized_string(), normalized);
        }
    }

    #[test]
    fn image_parse_any_string_never_panics(s in any::<String>()) {
        let _ = ImageRef::parse(&s);
    }
}

// ---------------------------------------------------------------------------------------
// Label selectors

const KEYS: [&str; 3] = ["a", "b", "example.com/c"];
const VALUES: [&str; 4] = ["x", "y", "z", ""];

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS.to_vec()).prop_map(str::to_owned)
}

fn value() -> impl Strategy<Value = String> {
    prop::sample::select(VALUES.to_vec()).prop_map(str::to_owned)
}

fn requirement() -> impl Strategy<Value = Requirement> {
    let operator = prop::sample::select(vec![
        Operator::In,
        Operator::NotIn,
        Operator::Exists,
        Operator::DoesNotExist,
    ]);
    (key(), operator, prop::collection::vec(value(), 1..4)).prop_map(|(key, operator, values)| {
        let values = match operator {
            Operator::In | Operator::NotIn => values,
            Operator::Exists | Operator::DoesNotExist => Vec::new(),
        };
        Requirement {
            key,
            operator,
            values,
        }
    })
}

fn selector() -> impl Strategy<Value = LabelSelector> {
    (
        prop::collection::btree_map(key(), value(), 0..3),
        prop::collection::vec(requirement(), 0..4),
    )
        .prop_map(|(match_labels, match_expressions)| LabelSelector {
            match_labels,
            match_expressions,
        })
}

fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(key(), value(), 0..4)
}

/// The reference: each condition checked by scanning the labels as a list of pairs.
fn reference_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let pairs: Vec<(&String, &String)> = labels.iter().collect();
    let lookup = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| *v)
    };
    for (key, value) in &selector.match_labels {
        if lookup(key) != Some(value) {
            return false;
        }
    }
    for r in &selector.match_expressions {
        let found = lookup(&r.key);
        let holds = match r.operator {
            Operator::In => match found {
                None => false,
                Some(v) => r.values.iter().any(|x| x == v),
            },
            Operator::NotIn => match found {
                None => true,
                Some(v) => r.values.iter().all(|x| x != v),
            },
            Operator::Exists => found.is_some(),
            Operator::DoesNotExist => found.is_none(),
        };
        if !holds {
            return false;
        }
    }
    true
}

proptest! {
    #[test]
    fn selector_matches_reference(selector in selector(), labels in labels()) {
        prop_assert!(selector.validate().is_ok());
        prop_assert_eq!(selector.matches(&labels), reference_matches(&selector, &labels));
    }

    #[test]
    fn selector_string_form_is_equivalent(selector in selector(), labels in labels()) {
        let text = selector.to_string();
        let parsed = parse_selector_string(&text).unwrap();
        prop_assert_eq!(parsed.matches(&labels), selector.matches(&labels), "{}", text);
        prop_assert_eq!(parsed.to_string(), parse_selector_string(&parsed.to_string()).unwrap().to_string());
    }

    #[test]
    fn selector_parse_never_panics(s in "[a-z!=(), /.<>\\-]{0,30}") {
        let _ = parse_selector_string(&s);
    }

    #[test]
    fn selector_parse_any_string_never_panics(s in any::<String>()) {
        let _ = parse_selector_string(&s);
    }
}

// ---------------------------------------------------------------------------------------
// Networks

/// (first, last) of a block, by integer arithmetic.
fn range_v4(addr: u32, prefix: u8) -> (u64, u64) {
    let size = 1u64 << (32 - u32::from(prefix));
    let start = u64::from(addr) / size * size;
    (start, start + size - 1)
}

fn range_v6(addr: u128, prefix: u8) -> (u128, u128) {
    let host_bits = 128 - u32::from(prefix);
    if host_bits == 128 {
        return (0, u128::MAX);
    }
    let size = 1u128 << host_bits;
    let start = addr / size * size;
    (start, start + (size - 1))
}

fn not_mapped(x: u128) -> bool {
    x >> 32 != 0xffff
}

proptest! {
    #[test]
    fn cidr_v4_agrees_with_ranges(
        a in any::<u32>(), pa in 0u8..=32,
        b in any::<u32>(), pb in 0u8..=32,
        offset in any::<u32>(), near in any::<bool>(),
    ) {
        let ip = if near { a ^ (offset >> pa.min(31)) } else { offset };
        let ca = Cidr::new(IpAddr::V4(Ipv4Addr::from(a)), pa).unwrap();
        let cb = Cidr::new(IpAddr::V4(Ipv4Addr::from(if near { a ^ (b >> pb.min(31)) } else { b })), pb).unwrap();
        let (sa, ea) = range_v4(a, pa);
        let ip64 = u64::from(ip);
        prop_assert_eq!(ca.contains_ip(IpAddr::V4(Ipv4Addr::from(ip))), sa <= ip64 && ip64 <= ea);
        // The same address, IPv4-mapped.
        prop_assert_eq!(
            ca.contains_ip(IpAddr::V6(Ipv4Addr::from(ip).to_ipv6_mapped())),
            sa <= ip64 && ip64 <= ea
        );
        let IpAddr::V4(b_addr) = cb.addr() else { unreachable!() };
        let (sb, eb) = range_v4(u32::from(b_addr), pb);
        prop_assert_eq!(ca.contains_cidr(&cb), sa <= sb && eb <= ea);
        prop_assert_eq!(ca.overlaps(&cb), sa <= eb && sb <= ea);
        prop_assert_eq!(Cidr::parse(&ca.to_string()).unwrap(), ca);
        prop_assert_eq!(ca.is_canonical(), u64::from(a) == sa);
    }

    #[test]
    fn cidr_v6_agrees_with_ranges(
        a in any::<u128>(), pa in 0u8..=128,
        b in any::<u128>(), pb in 0u8..=128,
        offset in any::<u128>(), near in any::<bool>(),
    ) {
        let ip = if near { a ^ (offset >> pa.min(127)) } else { offset };
        let b = if near { a ^ (b >> pb.min(127)) } else { b };
        let ca = Cidr::new(IpAddr::V6(Ipv6Addr::from(a)), pa).unwrap();
        let cb = Cidr::new(IpAddr::V6(Ipv6Addr::from(b)), pb).unwrap();
        let (sa, ea) = range_v6(a, pa);
        let (sb, eb) = range_v6(b, pb);
        // Mapped addresses and blocks follow the IPv4 rules, tested above and in the cases.
        prop_assume!(not_mapped(ip) && not_mapped(sa) && not_mapped(sb));
        prop_assert_eq!(ca.contains_ip(IpAddr::V6(Ipv6Addr::from(ip))), sa <= ip && ip <= ea);
        prop_assert_eq!(ca.contains_cidr(&cb), sa <= sb && eb <= ea);
        prop_assert_eq!(ca.overlaps(&cb), sa <= eb && sb <= ea);
        prop_assert_eq!(Cidr::parse(&ca.to_string()).unwrap(), ca);
        prop_assert_eq!(ca.network(), IpAddr::V6(Ipv6Addr::from(sa)));
        prop_assert_eq!(ca.last(), IpAddr::V6(Ipv6Addr::from(ea)));
    }

    #[test]
    fn net_parse_never_panics(s in "[0-9a-f:./%]{0,45}") {
        let _ = Cidr::parse(&s);
        let _ = parse_ip(&s);
    }

    #[test]
    fn net_parse_any_string_never_panics(s in any::<String>()) {
        let _ = Cidr::parse(&s);
        let _ = parse_ip(&s);
    }
}

// ---------------------------------------------------------------------------------------
// Durations

fn unit() -> impl Strategy<Value = (&'static str, u128)> {
    prop::sample::select(vec![
        ("ns", 1),
        ("us", 1_000),
        ("\u{b5}s", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
    ])
}

proptest! {
    #[test]
    fn duration_display_round_trip(nanos in any::<i64>()) {
        let d = Duration::from_nanos(nanos);
        let shown = d.to_string();
        prop_assert_eq!(Duration::parse(&shown).unwrap(), d, "{}", shown);
    }

    #[test]
    fn duration_parse_agrees_with_exact_arithmetic(
        negative in any::<bool>(),
        parts in prop::collection::vec((0u64..1_000_000_000_000, unit()), 1..5),
    ) {
        let mut text = String::from(if negative { "-" } else { "" });
        let mut total: u128 = 0;
        for (n, (unit, per)) in &parts {
            text.push_str(&format!("{n}{unit}"));
            total += u128::from(*n) * per;
        }
        let limit = if negative { 1u128 << 63 } else { (1u128 << 63) - 1 };
        match Duration::parse(&text) {
            Ok(d) => {
                prop_assert!(total <= limit);
                prop_assert_eq!(i128::from(d.as_nanos()), if negative { -(total as i128) } else { total as i128 });
            }
            Err(e) => {
                prop_assert!(total > limit, "{} {}", text, e);
            }
        }
    }

    #[test]
    fn duration_parse_never_panics(s in "[-+0-9.a-z\u{b5} ]{0,20}") {
        let _ = Duration::parse(&s);
    }

    #[test]
    fn duration_parse_any_string_never_panics(s in any::<String>()) {
        let _ = Duration::parse(&s);
    }
}

// ---------------------------------------------------------------------------------------
// Versions

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof!["0|[1-9][0-9]{0,3}", "[a-zA-Z-][0-9a-zA-Z-]{0,4}"]
}

fn version() -> impl Strategy<Value = (u64, u64, u64, Vec<String>, Vec<String>)> {
    (
        0u64..4,
        0u64..4,
        0u64..4,
        prop::collection::vec(identifier(), 0..3),
        prop::collection::vec("[0-9a-zA-Z-]{1,4}", 0..2),
    )
}

fn version_text(
    (major, minor, patch, pre, build): &(u64, u64, u64, Vec<String>, Vec<String>),
) -> String {
    let mut s = format!("{major}.{minor}.{patch}");
    if !pre.is_empty() {
        s = format!("{s}-{}", pre.join("."));
    }
    if !build.is_empty() {
        s = format!("{s}+{}", build.join("."));
    }
    s
}

proptest! {
    #[test]
    fn version_round_trip_and_order(a in version(), b in version(), c in version()) {
        let (ta, tb, tc) = (version_text(&a), version_text(&b), version_text(&c));
        let va = Version::parse(&ta).unwrap();
        let vb = Version::parse(&tb).unwrap();
        let vc = Version::parse(&tc).unwrap();
        prop_assert_eq!(va.to_string(), ta.clone());
        prop_assert_eq!(Version::parse(&format!("v{ta}")).unwrap(), va.clone());
        prop_assert_eq!(va.cmp(&vb), vb.cmp(&va).reverse());
        if va <= vb && vb <= vc {
            prop_assert!(va <= vc);
        }
        // Releases order as (major, minor, patch) tuples.
        if a.3.is_empty() && b.3.is_empty() {
            prop_assert_eq!(va.cmp(&vb), (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        }
        // A pre-release is below its release.
        if !a.3.is_empty() {
            prop_assert!(va < Version::new(a.0, a.1, a.2));
        }
    }

    #[test]
    fn kube_compare_is_antisymmetric(a in "v?[0-9]{0,2}(alpha|beta|x)?[0-9]{0,2}", b in "v?[0-9]{0,2}(alpha|beta|x)?[0-9]{0,2}") {
        prop_assert_eq!(compare_kube_versions(&a, &b), compare_kube_versions(&b, &a).reverse());
    }

    #[test]
    fn version_parse_any_string_never_panics(s in any::<String>()) {
        let _ = Version::parse(&s);
        let _ = compare_kube_versions(&s, "v1");
    }
}
