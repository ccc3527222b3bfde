//! A seeded generator of realistic Kubernetes manifests: workloads of every pod controller,
//! Pods, Services, Ingresses, ConfigMaps, RBAC objects, disruption budgets and autoscalers,
//! about half of the workloads compliant and half with the usual findings (privileged or root
//! containers, `latest` tags, missing limits and probes, host namespaces, hostPath volumes).
//! The same seed always gives the same stream.

use std::fmt::Write;

/// xorshift64*: small, fast, deterministic; quality is plenty for picking shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const NAMESPACES: &[&str] = &["default", "shop", "payments", "monitoring", "batch", "edge"];
const APPS: &[&str] = &[
    "web", "api", "cart", "checkout", "search", "auth", "worker", "cache", "queue", "report",
];
const IMAGES: &[&str] = &[
    "nginx",
    "nginx:1.27.3",
    "registry.k8s.io/pause:3.10",
    "ghcr.io/acme/api:v2.4.1",
    "docker.io/library/redis:latest",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "ghcr.io/acme/worker@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "busybox:1.36",
    "acme.azurecr.io/checkout:2024.11.3",
];

/// `count` resources as one YAML stream, from `seed`. Applications grow with the stream: one
/// per 100 resources, at least the ten base names (`web`, `web1`, … `web9`, `api`, …), so an
/// application has about as many workloads, Services, Ingresses and budgets at 10k resources
/// as at 1k, as in a cluster that runs ten times as many applications. (Up to 1k the stream
/// is the same as [`dense_stream`]'s.)
#[cfg_attr(test, allow(dead_code, reason = "the tests read the dense stream"))]
pub fn stream(count: usize, seed: u64) -> String {
    stream_of(count, seed, (count / 100).max(APPS.len()))
}

/// `count` resources of the ten base applications only: each application ten times denser
/// at ten times the size, so that cross-resource checks (a Service and the workloads it
/// selects, Ingresses sharing a host) meet ten times as many resources each, a quadratic
/// worst case.
pub fn dense_stream(count: usize, seed: u64) -> String {
    stream_of(count, seed, APPS.len())
}

fn stream_of(count: usize, seed: u64, apps: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(count * 1200);
    for index in 0..count {
        if index > 0 {
            out.push_str("---\n");
        }
        resource(&mut rng, index, apps, &mut out);
    }
    out
}

/// Application `k`: a base name, with a number after the first ten.
fn app_name(k: usize) -> String {
    let base = APPS[k % APPS.len()];
    match k / APPS.len() {
        0 => base.to_string(),
        round => format!("{base}{round}"),
    }
}

fn resource(rng: &mut Rng, index: usize, apps: usize, out: &mut String) {
    let app = app_name(rng.below(apps as u64) as usize);
    let app = app.as_str();
    let namespace = rng.pick(NAMESPACES);
    let name = format!("{app}-{index}");
    match rng.below(100) {
        0..=24 => controller(rng, "apps/v1", "Deployment", &name, namespace, app, out),
        25..=29 => controller(rng, "apps/v1", "StatefulSet", &name, namespace, app, out),
        30..=34 => controller(rng, "apps/v1", "DaemonSet", &name, namespace, app, out),
        35..=39 => cron_job(rng, &name, namespace, app, out),
        40..=42 => controller(rng, "batch/v1", "Job", &name, namespace, app, out),
        43..=49 => pod(rng, &name, namespace, app, out),
        50..=64 => service(rng, &name, namespace, app, out),
        65..=69 => ingress(rng, &name, namespace, app, out),
        70..=81 => config_map(rng, &name, namespace, out),
        82..=90 => rbac(rng, &name, namespace, out),
        91..=95 => pdb(rng, &name, namespace, app, out),
        _ => hpa(rng, &name, namespace, app, out),
    }
}

fn metadata(name: &str, namespace: &str, app: &str, indent: &str, out: &mut String) {
    let _ = write!(
        out,
        "{indent}metadata:\n{indent}  name: {name}\n{indent}  namespace: {namespace}\n{indent}  labels:\n{indent}    app.kubernetes.io/name: {app}\n{indent}    app.kubernetes.io/part-of: shop\n{indent}    team: core\n"
    );
}

fn controller(
    rng: &mut Rng,
    api_version: &str,
    kind: &str,
    name: &str,
    namespace: &str,
    app: &str,
    out: &mut String,
) {
    let _ = writeln!(out, "apiVersion: {api_version}\nkind: {kind}");
    metadata(name, namespace, app, "", out);
    out.push_str("spec:\n");
    if kind == "Deployment" || kind == "StatefulSet" {
        let _ = writeln!(out, "  replicas: {}", 1 + rng.below(5));
    }
    if kind == "StatefulSet" {
        let _ = writeln!(out, "  serviceName: {name}");
    }
    if kind != "Job" {
        let _ = writeln!(
            out,
            "  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}"
        );
    }
    if kind == "Deployment" && rng.chance(50) {
        out.push_str(
            "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1\n      maxSurge: 25%\n",
        );
    }
    out.push_str("  template:\n");
    let _ = writeln!(
        out,
        "    metadata:\n      labels:\n        app.kubernetes.io/name: {app}\n        team: core"
    );
    out.push_str("    spec:\n");
    pod_spec(rng, name, "      ", kind == "Job", out);
}

fn cron_job(rng: &mut Rng, name: &str, namespace: &str, app: &str, out: &mut String) {
    out.push_str("apiVersion: batch/v1\nkind: CronJob\n");
    metadata(name, namespace, app, "", out);
    let _ = writeln!(
        out,
        "spec:\n  schedule: \"{} {} * * *\"\n  concurrencyPolicy: Forbid\n  jobTemplate:\n    spec:\n      backoffLimit: 2\n      template:\n        metadata:\n          labels:\n            app.kubernetes.io/name: {app}\n        spec:",
        rng.below(60),
        rng.below(24)
    );
    pod_spec(rng, name, "          ", true, out);
}

fn pod(rng: &mut Rng, name: &str, namespace: &str, app: &str, out: &mut String) {
    out.push_str("apiVersion: v1\nkind: Pod\n");
    metadata(name, namespace, app, "", out);
    out.push_str("spec:\n");
    pod_spec(rng, name, "  ", false, out);
}

/// A pod spec at `indent`; about half the time with findings.
fn pod_spec(rng: &mut Rng, name: &str, indent: &str, job: bool, out: &mut String) {
    let bad = rng.chance(50);
    if job {
        let _ = writeln!(out, "{indent}restartPolicy: OnFailure");
    }
    let _ = writeln!(out, "{indent}serviceAccountName: {name}");
    if bad && rng.chance(20) {
        let _ = writeln!(out, "{indent}hostNetwork: true");
    }
    if bad && rng.chance(10) {
        let _ = writeln!(out, "{indent}hostPID: true");
    }
    if !bad || rng.chance(30) {
        let _ = writeln!(
            out,
            "{indent}securityContext:\n{indent}  runAsNonRoot: true\n{indent}  runAsUser: 10001\n{indent}  fsGroup: 10001\n{indent}  seccompProfile:\n{indent}    type: RuntimeDefault"
        );
    }
    if rng.chance(30) {
        let _ = writeln!(out, "{indent}initContainers:");
        container(rng, "init", indent, bad, false, out);
    }
    let _ = writeln!(out, "{indent}containers:");
    let count = 1 + rng.below(3);
    for index in 0..count {
        let container_name = if index == 0 {
            "app".to_string()
        } else {
            format!("sidecar-{index}")
        };
        container(rng, &container_name, indent, bad, !job, out);
    }
    let _ = writeln!(
        out,
        "{indent}volumes:\n{indent}  - name: config\n{indent}    configMap:\n{indent}      name: {name}\n{indent}  - name: tmp\n{indent}    emptyDir: {{}}"
    );
    if bad && rng.chance(25) {
        let _ = writeln!(
            out,
            "{indent}  - name: host\n{indent}    hostPath:\n{indent}      path: /var/run/docker.sock"
        );
    }
}

fn container(rng: &mut Rng, name: &str, indent: &str, bad: bool, probes: bool, out: &mut String) {
    let image = if bad && rng.chance(30) {
        "nginx:latest"
    } else {
        rng.pick(IMAGES)
    };
    let _ = writeln!(
        out,
        "{indent}  - name: {name}\n{indent}    image: {image}\n{indent}    imagePullPolicy: {}",
        if rng.chance(50) {
            "IfNotPresent"
        } else {
            "Always"
        }
    );
    if rng.chance(60) {
        let _ = writeln!(
            out,
            "{indent}    ports:\n{indent}      - name: http\n{indent}        containerPort: {}",
            8000 + rng.below(1000)
        );
        if bad && rng.chance(20) {
            let _ = writeln!(out, "{indent}        hostPort: 80");
        }
    }
    let _ = writeln!(
        out,
        "{indent}    env:\n{indent}      - name: LOG_LEVEL\n{indent}        value: info\n{indent}      - name: POD_NAME\n{indent}        valueFrom:\n{indent}          fieldRef:\n{indent}            fieldPath: metadata.name"
    );
    if !bad || rng.chance(40) {
        let _ = writeln!(
            out,
            "{indent}    resources:\n{indent}      requests:\n{indent}        cpu: {}m\n{indent}        memory: {}Mi",
            50 * (1 + rng.below(10)),
            64 * (1 + rng.below(8))
        );
        if !bad || rng.chance(50) {
            let _ = writeln!(
                out,
                "{indent}      limits:\n{indent}        cpu: \"1\"\n{indent}        memory: 1Gi"
            );
        }
    }
    if probes && (!bad || rng.chance(50)) {
        let _ = writeln!(
            out,
            "{indent}    readinessProbe:\n{indent}      httpGet:\n{indent}        path: /ready\n{indent}        port: http\n{indent}    livenessProbe:\n{indent}      httpGet:\n{indent}        path: /healthz\n{indent}        port: http\n{indent}      periodSeconds: 10"
        );
    }
    if bad {
        let _ = writeln!(out, "{indent}    securityContext:");
        match rng.below(4) {
            0 => {
                let _ = writeln!(out, "{indent}      privileged: true");
            }
            1 => {
                let _ = writeln!(
                    out,
                    "{indent}      capabilities:\n{indent}        add: [\"NET_ADMIN\", \"SYS_TIME\"]"
                );
            }
            2 => {
                let _ = writeln!(
                    out,
                    "{indent}      runAsUser: 0\n{indent}      allowPrivilegeEscalation: true"
                );
            }
            _ => {
                let _ = writeln!(out, "{indent}      readOnlyRootFilesystem: false");
            }
        }
    } else {
        let _ = writeln!(
            out,
            "{indent}    securityContext:\n{indent}      allowPrivilegeEscalation: false\n{indent}      readOnlyRootFilesystem: true\n{indent}      capabilities:\n{indent}        drop: [\"ALL\"]"
        );
    }
    let _ = writeln!(
        out,
        "{indent}    volumeMounts:\n{indent}      - name: config\n{indent}        mountPath: /etc/app\n{indent}        readOnly: true"
    );
}

fn service(rng: &mut Rng, name: &str, namespace: &str, app: &str, out: &mut String) {
    out.push_str("apiVersion: v1\nkind: Service\n");
    metadata(name, namespace, app, "", out);
    let kind = match rng.below(10) {
        0 => "NodePort",
        1 => "LoadBalancer",
        _ => "ClusterIP",
    };
    let _ = writeln!(
        out,
        "spec:\n  type: {kind}\n  selector:\n    app.kubernetes.io/name: {app}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http"
    );
    if rng.chance(5) {
        out.push_str("  externalIPs:\n    - 203.0.113.10\n");
    }
}

fn ingress(rng: &mut Rng, name: &str, namespace: &str, app: &str, out: &mut String) {
    out.push_str("apiVersion: networking.k8s.io/v1\nkind: Ingress\n");
    metadata(name, namespace, app, "", out);
    let host = format!("{app}.example.com");
    out.push_str("spec:\n  ingressClassName: nginx\n");
    if rng.chance(70) {
        let _ = writeln!(
            out,
            "  tls:\n    - hosts: [\"{host}\"]\n      secretName: {name}-tls"
        );
    }
    let _ = writeln!(
        out,
        "  rules:\n    - host: {host}\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: {app}\n                port:\n                  number: 80"
    );
}

fn config_map(rng: &mut Rng, name: &str, namespace: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"search,checkout\"\n  app.properties: |\n    server.port=8080\n    cache.size={}\n    upstream=http://api.{namespace}.svc:80",
        rng.below(4096)
    );
}

fn rbac(rng: &mut Rng, name: &str, namespace: &str, out: &mut String) {
    match rng.below(4) {
        0 => {
            let _ = writeln!(
                out,
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {namespace}\nautomountServiceAccountToken: {}",
                rng.chance(50)
            );
        }
        1 => {
            let verbs = if rng.chance(20) {
                "[\"*\"]"
            } else {
                "[\"get\", \"list\", \"watch\"]"
            };
            let resources = if rng.chance(15) {
                "[\"secrets\"]"
            } else {
                "[\"configmaps\", \"pods\"]"
            };
            let _ = writeln!(
                out,
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: {namespace}\nrules:\n  - apiGroups: [\"\"]\n    resources: {resources}\n    verbs: {verbs}"
            );
        }
        2 => {
            let role = if rng.chance(10) {
                "cluster-admin"
            } else {
                name
            };
            let _ = writeln!(
                out,
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\n  namespace: {namespace}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {role}\nsubjects:\n  - kind: ServiceAccount\n    name: {name}\n    namespace: {namespace}"
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules:\n  - apiGroups: [\"apps\"]\n    resources: [\"deployments\"]\n    verbs: [\"get\", \"list\"]\n  - apiGroups: [\"\"]\n    resources: [\"pods/exec\"]\n    verbs: {}",
                if rng.chance(20) {
                    "[\"create\"]"
                } else {
                    "[\"get\"]"
                }
            );
        }
    }
}

fn pdb(rng: &mut Rng, name: &str, namespace: &str, app: &str, out: &mut String) {
    out.push_str("apiVersion: policy/v1\nkind: PodDisruptionBudget\n");
    metadata(name, namespace, app, "", out);
    let _ = writeln!(
        out,
        "spec:\n  minAvailable: {}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}",
        1 + rng.below(2)
    );
}

fn hpa(rng: &mut Rng, name: &str, namespace: &str, app: &str, out: &mut String) {
    out.push_str("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n");
    metadata(name, namespace, app, "", out);
    let _ = writeln!(
        out,
        "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {app}-{}\n  minReplicas: 2\n  maxReplicas: {}\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 70",
        rng.below(1000),
        3 + rng.below(20)
    );
}
