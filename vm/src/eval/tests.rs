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
