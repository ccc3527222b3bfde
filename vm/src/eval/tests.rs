use super::*;
use crate::document::{Limits, load};

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx
          securityContext: {}
        - name: b/c~d
          image: envoy
";

#[test]
fn pointers_name_existing_and_missing_fields() {
    let loaded = load(DEPLOYMENT.as_bytes(), &Limits::default());
    let root = &loaded.documents[0].root;
    let containers = walk(root, ["spec", "template", "spec", "containers"].into_iter());
    let Value::Doc(containers) = containers else {
        panic!("containers are there");
    };
    let first = &containers.as_list().unwrap()[0];
    let context = first.get("securityContext").unwrap();
    // An existing field: its pointer, and its key's place.
    let found = resolve(root, Some(context), 0, &[]);
    assert_eq!(
        found.pointer,
        "/spec/template/spec/containers/0/securityContext"
    );
    assert_eq!(
        (found.location.start.line, found.location.start.column),
        (13, 11)
    );
    // A missing field below it, named by the policy's path.
    let steps = [
        Step::Field("securityContext".to_string()),
        Step::Field("runAsNonRoot".to_string()),
    ];
    let missing = resolve(root, Some(context), 1, &steps);
    assert_eq!(
        missing.pointer,
        "/spec/template/spec/containers/0/securityContext/runAsNonRoot"
    );
    assert_eq!(missing.location.start.line, 13);
    // More missing steps than the policy's path names: unnamed steps are `-`.
    let unnamed = resolve(root, Some(first), 2, &steps[1..]);
    assert_eq!(
        unnamed.pointer,
        "/spec/template/spec/containers/0/-/runAsNonRoot"
    );
    // Special characters are escaped.
    let second = &containers.as_list().unwrap()[1];
    let name = second.get("name").unwrap();
    assert_eq!(
        resolve(root, Some(name), 0, &[]).pointer,
        "/spec/template/spec/containers/1/name"
    );
    let mut escaped = String::new();
    escape_into("b/c~d", &mut escaped);
    assert_eq!(escaped, "b~1c~0d");
    // The resource itself.
    assert_eq!(resolve(root, None, 0, &[]).pointer, "");
}

#[test]
fn nodes_copied_from_an_anchor_and_list_items_are_located() {
    // A node under an alias keeps the anchor's positions: the search by position leads into
    // the anchor, and the search of the whole tree finds the copy.
    let yaml =
        "base: &b\n  x:\n    y: 1\ncopy: *b\nlist:\n  - [a, {k: v}]\n  - b\nflow: {p: [1, 2]}\n";
    let loaded = load(yaml.as_bytes(), &Limits::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let root = &loaded.documents[0].root;
    let at = |node: &Node| {
        let resolved = resolve(root, Some(node), 0, &[]);
        (
            resolved.pointer,
            resolved.location.start.line,
            resolved.location.start.column,
        )
    };
    let original = root
        .get("base")
        .unwrap()
        .get("x")
        .unwrap()
        .get("y")
        .unwrap();
    let copied = root
        .get("copy")
        .unwrap()
        .get("x")
        .unwrap()
        .get("y")
        .unwrap();
    assert_eq!(at(original), ("/base/x/y".to_string(), 3, 5));
    assert_eq!(at(copied), ("/copy/x/y".to_string(), 3, 5));
    let list = root.get("list").unwrap().as_list().unwrap();
    let inner = list[0].as_list().unwrap();
    assert_eq!(at(&inner[0]), ("/list/0/0".to_string(), 6, 6));
    assert_eq!(
        at(inner[1].get("k").unwrap()),
        ("/list/0/1/k".to_string(), 6, 10)
    );
    assert_eq!(at(&list[1]), ("/list/1".to_string(), 7, 5));
    let numbers = root
        .get("flow")
        .unwrap()
        .get("p")
        .unwrap()
        .as_list()
        .unwrap();
    assert_eq!(at(&numbers[1]), ("/flow/p/1".to_string(), 8, 15));
    // Both searches agree on every node of the tree.
    let mut work = vec![root];
    while let Some(node) = work.pop() {
        if !std::ptr::eq(node, root) && descend(root, node).is_some() {
            assert_eq!(descend(root, node), search(root, node));
        }
        match &node.value {
            DocValue::Map(entries) => work.extend(entries.iter().map(|(_, child)| child)),
            DocValue::List(items) => work.extend(items),
            _ => {}
        }
    }
}

#[test]
fn the_pod_of_a_controller_is_found_and_an_absent_one_keeps_its_parent() {
    let loaded = load(DEPLOYMENT.as_bytes(), &Limits::default());
    let root = &loaded.documents[0].root;
    assert!(matches!(
        walk(root, ["spec", "template", "spec"].into_iter()),
        Value::Doc(_)
    ));
    match walk(
        root,
        ["spec", "jobTemplate", "spec", "template"].into_iter(),
    ) {
        Value::Absent { parent, depth } => {
            assert_eq!(depth, 3);
            assert!(std::ptr::eq(parent.unwrap(), root.get("spec").unwrap()));
        }
        other => panic!("expected absent, got {other:?}"),
    }
}
