#!/usr/bin/env python3
"""Generate pol's embedded Kubernetes schema data from the official OpenAPI v2 specs.

Usage (from anywhere: the defaults are resolved against the repository root,
i.e. the parent of this script's directory, not against the current directory;
paths given explicitly are relative to the current directory as usual):

    tools/gen_schemas.py [INPUT_DIR] [--out OUT_DIR] [--check]

INPUT_DIR  directory holding ``v1.NN-swagger-enums.json.gz`` files and the
           ``README.md`` that lists the sha256 of each unzipped file
           (default: ``../shared/k8s-schemas`` relative to the repo root).
--out      where to write the output (default: ``compiler/schemas`` in the repo).
--check    do not write anything; exit with status 1 if any output file on
           disk differs from what would be generated (for CI).

For every input file ``v1.NN-swagger-enums.json.gz`` it writes

    k8s-1.NN.json          the types (kinds + reachable definitions, no descriptions)
    k8s-1.NN.desc.json.gz  the descriptions of those definitions (gzip, mtime 0)

and finally ``README.md`` with the provenance of every output (input file name,
sha256 of the unzipped input, command that regenerates).  The sha256 of each
unzipped input is computed and compared with the one listed in the input
directory's README.md; any mismatch (or a file missing from that README) is a
fatal error.  The output is byte-for-byte deterministic.

The output format is specified in ``docs/schemas.md``.  Python 3.11, standard
library only.  The conversion is strict: a schema keyword the generator does
not know about is a fatal error, so that a new spec cannot silently lose
information.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import sys
from collections import deque

FORMAT_VERSION = 1

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(SCRIPT_DIR)
DEFAULT_INPUT = os.path.join(REPO_ROOT, "..", "shared", "k8s-schemas")
DEFAULT_OUT = os.path.join(REPO_ROOT, "compiler", "schemas")

INPUT_RE = re.compile(r"^v(\d+)\.(\d+)-swagger-enums\.json\.gz$")

# Definition-name prefixes that are stripped, longest first.  Note that the
# apimachinery meta types keep their "meta." package ("meta.v1.ObjectMeta").
PREFIXES = (
    "io.k8s.apiextensions-apiserver.pkg.apis.",  # apiextensions.v1.CustomResourceDefinition
    "io.k8s.kube-aggregator.pkg.apis.",  # apiregistration.v1.APIService
    "io.k8s.apimachinery.pkg.apis.",  # meta.v1.ObjectMeta
    "io.k8s.apimachinery.pkg.",  # runtime.RawExtension, api.resource.Quantity, util.intstr.IntOrString
    "io.k8s.api.",  # core.v1.Pod, apps.v1.Deployment
)

# Definitions that are encoded as a primitive whatever their schema says, and
# therefore inlined at every reference.
SPECIAL_DEFS = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "int-or-string",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Duration": "string",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "any",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": "any",
}

PRIMITIVES = (
    "string",
    "boolean",
    "int32",
    "int64",
    "number",
    "bytes",
    "time",
    "int-or-string",
    "quantity",
    "any",
)

# Schema keywords the converter understands.  Anything else is an error.
KNOWN_KEYS = frozenset(
    {
        "description",
        "type",
        "format",
        "$ref",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "enum",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-int-or-string",
        "x-kubernetes-group-version-kind",
        # Known and deliberately dropped (patch / apply / union metadata):
        "x-kubernetes-patch-strategy",
        "x-kubernetes-patch-merge-key",
        "x-kubernetes-map-type",
        "x-kubernetes-unions",
    }
)

STRING_FORMATS = {
    None: "string",
    "byte": "bytes",
    "date-time": "time",
    "int-or-string": "int-or-string",
}
INTEGER_FORMATS = {None: "int64", "int32": "int32", "int64": "int64"}
NUMBER_FORMATS = {None: "number", "double": "number", "float": "number"}
LIST_TYPES = ("atomic", "map", "set")


class GenError(Exception):
    """A fatal problem with the input (reported and exits non-zero)."""


# --------------------------------------------------------------------------
# Names


def short_name(full: str) -> str:
    for prefix in PREFIXES:
        if full.startswith(prefix):
            return full[len(prefix):]
    return full


def short_names(full_names) -> dict[str, str]:
    """Map every full definition name to its short name; fail on collisions."""
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for full in sorted(full_names):
        short = short_name(full)
        if short in seen:
            raise GenError(
                f"short name collision: {seen[short]!r} and {full!r} both become {short!r}"
            )
        seen[short] = full
        out[full] = short
    return out


def ref_target(ref: str, where: str) -> str:
    prefix = "#/definitions/"
    if not isinstance(ref, str) or not ref.startswith(prefix):
        raise GenError(f"{where}: unsupported $ref {ref!r}")
    return ref[len(prefix):]


# --------------------------------------------------------------------------
# Type conversion


class Converter:
    """Converts OpenAPI v2 schemas of one spec into the compact Type encoding."""

    def __init__(self, definitions: dict):
        self.definitions = definitions
        self.names = short_names(definitions)
        # Definitions encoded as a bare primitive are inlined at every reference.
        self.inline: dict[str, str] = {}
        for full in sorted(definitions):
            t = self.convert_def(full)
            if isinstance(t, str):
                self.inline[full] = t

    def convert_def(self, full: str):
        if full in SPECIAL_DEFS:
            return SPECIAL_DEFS[full]
        return self.convert(self.definitions[full], full)

    def convert(self, s, where: str):
        if not isinstance(s, dict):
            raise GenError(f"{where}: schema is not an object: {s!r}")
        unknown = set(s) - KNOWN_KEYS
        if unknown:
            raise GenError(f"{where}: unsupported schema keyword(s) {sorted(unknown)}")

        if "$ref" in s:
            extra = set(s) - {
                "$ref",
                "description",
                "x-kubernetes-patch-strategy",
                "x-kubernetes-patch-merge-key",
                "x-kubernetes-map-type",
                # meta.v1.Status.details carries a (meaningless) list-type; dropped.
                "x-kubernetes-list-type",
            }
            if extra:
                raise GenError(f"{where}: $ref with sibling keyword(s) {sorted(extra)}")
            target = ref_target(s["$ref"], where)
            if target in SPECIAL_DEFS:
                return SPECIAL_DEFS[target]
            if target not in self.definitions:
                raise GenError(f"{where}: $ref to unknown definition {target!r}")
            if target in self.inline:
                return self.inline[target]
            return {"ref": self.names[target]}

        typ = s.get("type")
        fmt = s.get("format")
        if s.get("x-kubernetes-int-or-string") is True:
            return "int-or-string"

        if "enum" in s:
            values = s["enum"]
            if typ not in (None, "string") or not isinstance(values, list) or not all(
                isinstance(v, str) for v in values
            ):
                raise GenError(f"{where}: only string enums are supported: {typ!r} {values!r}")
            return {"enum": list(values)}

        if typ == "string":
            if fmt not in STRING_FORMATS:
                raise GenError(f"{where}: unsupported string format {fmt!r}")
            return STRING_FORMATS[fmt]
        if typ == "integer":
            if fmt not in INTEGER_FORMATS:
                raise GenError(f"{where}: unsupported integer format {fmt!r}")
            return INTEGER_FORMATS[fmt]
        if typ == "number":
            if fmt not in NUMBER_FORMATS:
                raise GenError(f"{where}: unsupported number format {fmt!r}")
            return NUMBER_FORMATS[fmt]
        if fmt is not None:
            raise GenError(f"{where}: format {fmt!r} on type {typ!r}")
        if typ == "boolean":
            return "boolean"

        if typ == "array":
            if "items" not in s:
                return {"list": "any"}
            t = {"list": self.convert(s["items"], where + "[]")}
            lt = s.get("x-kubernetes-list-type")
            if lt is not None:
                if lt not in LIST_TYPES:
                    raise GenError(f"{where}: unknown x-kubernetes-list-type {lt!r}")
                t["listType"] = lt
            keys = s.get("x-kubernetes-list-map-keys")
            if keys is not None:
                if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
                    raise GenError(f"{where}: bad x-kubernetes-list-map-keys {keys!r}")
                if lt != "map":
                    raise GenError(f"{where}: x-kubernetes-list-map-keys without list-type map")
                t["key"] = list(keys)
            return t

        if typ not in (None, "object"):
            raise GenError(f"{where}: unsupported type {typ!r}")
        if "items" in s:
            raise GenError(f"{where}: 'items' on a non-array schema")
        return self.convert_object(s, where)

    def convert_object(self, s: dict, where: str):
        props = s.get("properties")
        addl = s.get("additionalProperties")
        open_ = s.get("x-kubernetes-preserve-unknown-fields") is True
        required = s.get("required", [])
        if props is not None and not isinstance(props, dict):
            raise GenError(f"{where}: 'properties' is not an object")

        rest = None
        if addl is True:
            rest = "any"
        elif isinstance(addl, dict):
            rest = self.convert(addl, where + "{}")
        elif addl not in (None, False):
            raise GenError(f"{where}: bad additionalProperties {addl!r}")

        if not props:
            if required:
                raise GenError(f"{where}: 'required' without properties")
            if open_:
                return "any"
            if rest is not None:
                return {"map": rest}
            return "any"  # no properties, no additionalProperties: free-form

        fields = {name: self.convert(p, f"{where}.{name}") for name, p in props.items()}
        t = {"object": fields}
        if required:
            missing = [r for r in required if r not in props]
            if missing:
                raise GenError(f"{where}: required field(s) {missing} not in properties")
            t["required"] = sorted(set(required))
        if rest is not None:
            t["rest"] = rest
        if open_:
            t["open"] = True
        return t


def refs_in(t):
    """Yield the short names referenced by an encoded Type."""
    if isinstance(t, dict):
        if "ref" in t:
            yield t["ref"]
        for key in ("list", "map", "rest"):
            if key in t:
                yield from refs_in(t[key])
        for ft in t.get("object", {}).values():
            yield from refs_in(ft)


# --------------------------------------------------------------------------
# Kinds (from x-kubernetes-group-version-kind and paths)

PATH_RE = (
    re.compile(r"^/api/(?P<version>v1)/(?P<rest>.+)$"),
    re.compile(r"^/apis/(?P<group>[^/]+)/(?P<version>[^/]+)/(?P<rest>.+)$"),
)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def parse_resource_path(path: str):
    """Return (group, version, plural, namespaced, is_item) for a resource path.

    Returns None for anything that is not a resource collection or item path:
    discovery endpoints, the deprecated ``/watch/`` paths and subresources.
    """
    for rx in PATH_RE:
        m = rx.match(path)
        if m:
            break
    else:
        return None
    group = m.groupdict().get("group") or ""
    segs = m.group("rest").rstrip("/").split("/")
    if not segs or segs == [""] or segs[0] == "watch":
        return None
    namespaced = False
    if len(segs) >= 3 and segs[0] == "namespaces" and segs[1] == "{namespace}":
        namespaced = True
        segs = segs[2:]
    if len(segs) == 1:
        is_item = False
    elif len(segs) == 2 and segs[1] == "{name}":
        is_item = True
    else:
        return None  # subresource (status, scale, proxy, log, ...)
    plural = segs[0]
    if plural.startswith("{"):
        return None
    return group, m.group("version"), plural, namespaced, is_item


def gvk_tuple(g: dict):
    return (g.get("group", ""), g["version"], g["kind"])


def find_kinds(spec: dict, names: dict[str, str]) -> list[dict]:
    definitions = spec["definitions"]
    gvk_def: dict[tuple, str] = {}
    for full, d in definitions.items():
        for g in d.get("x-kubernetes-group-version-kind", []):
            key = gvk_tuple(g)
            if key in gvk_def and gvk_def[key] != full:
                raise GenError(f"GVK {key} declared by both {gvk_def[key]} and {full}")
            gvk_def[key] = full

    # gvk -> {"plurals": set, "ns": set of bools, "item_ns": set, "list_def": set}
    served: dict[tuple, dict] = {}
    for path in sorted(spec.get("paths", {})):
        parsed = parse_resource_path(path)
        if parsed is None:
            continue
        group, version, plural, namespaced, is_item = parsed
        for method, op in sorted(spec["paths"][path].items()):
            if method not in HTTP_METHODS:
                continue
            g = op.get("x-kubernetes-group-version-kind")
            if g is None:
                continue
            gvk = gvk_tuple(g)
            if gvk[:2] != (group, version):
                raise GenError(f"{path} {method}: GVK {gvk} does not match the path's group/version")
            info = served.setdefault(
                gvk, {"plurals": set(), "ns": set(), "item_ns": set(), "list_def": set()}
            )
            info["plurals"].add(plural)
            info["ns"].add(namespaced)
            if is_item:
                info["item_ns"].add(namespaced)
            if op.get("x-kubernetes-action") == "list":
                schema = op.get("responses", {}).get("200", {}).get("schema", {})
                if "$ref" in schema:
                    info["list_def"].add(ref_target(schema["$ref"], f"{path} {method}"))

    kinds = []
    for gvk in sorted(served):
        info = served[gvk]
        if gvk not in gvk_def:
            raise GenError(f"served GVK {gvk} has no definition")
        if len(info["plurals"]) != 1:
            raise GenError(f"GVK {gvk} served under several plurals {sorted(info['plurals'])}")
        if len(info["item_ns"]) > 1:
            raise GenError(f"GVK {gvk} has both namespaced and cluster-scoped item paths")
        plural = next(iter(info["plurals"]))
        namespaced = True in info["ns"]
        group, version, kind = gvk
        kinds.append(
            {
                "group": group,
                "version": version,
                "kind": kind,
                "def": names[gvk_def[gvk]],
                "namespaced": namespaced,
                "plural": plural,
            }
        )
        if len(info["list_def"]) > 1:
            raise GenError(f"GVK {gvk}: several list response types {sorted(info['list_def'])}")
        for list_full in info["list_def"]:
            lg = definitions[list_full].get("x-kubernetes-group-version-kind", [])
            expected = (group, version, kind + "List")
            if [gvk_tuple(x) for x in lg] != [expected]:
                raise GenError(
                    f"list response {list_full} of {gvk} has GVK {lg}, expected {expected}"
                )
            if expected in served:
                raise GenError(f"list kind {expected} is also served as a resource")
            kinds.append(
                {
                    "group": group,
                    "version": version,
                    "kind": kind + "List",
                    "def": names[list_full],
                    "namespaced": namespaced,
                    "plural": plural,
                }
            )
    kinds.sort(key=lambda k: (k["group"], k["version"], k["kind"]))
    return kinds


# --------------------------------------------------------------------------
# Whole-spec conversion


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def convert_spec(spec: dict, kubernetes: str, source: dict):
    """Return (types_dict, descriptions_dict) for one parsed spec."""
    definitions = spec.get("definitions")
    if not isinstance(definitions, dict):
        raise GenError("spec has no 'definitions'")
    conv = Converter(definitions)
    by_short = {short: full for full, short in conv.names.items()}
    kinds = find_kinds(spec, conv.names)

    defs: dict[str, object] = {}
    queue = deque(sorted({k["def"] for k in kinds}))
    for k in kinds:
        if by_short[k["def"]] in conv.inline:
            raise GenError(f"kind {k['kind']} maps to primitive definition {k['def']}")
    while queue:
        short = queue.popleft()
        if short in defs:
            continue
        t = conv.convert_def(by_short[short])
        defs[short] = t
        for r in refs_in(t):
            if r not in defs:
                queue.append(r)

    descs: dict[str, dict[str, str]] = {}
    for short in sorted(defs):
        d = definitions[by_short[short]]
        entry = {}
        if d.get("description"):
            entry[""] = d["description"]
        for name, p in (d.get("properties") or {}).items():
            if isinstance(p, dict) and p.get("description"):
                entry[name] = p["description"]
        descs[short] = entry

    types = {
        "format": FORMAT_VERSION,
        "kubernetes": kubernetes,
        "source": source,
        "kinds": kinds,
        "defs": defs,
    }
    return types, {"defs": descs}


def render_types(types: dict) -> bytes:
    """JSON with one line per kind and per definition (sorted, diff-friendly)."""
    lines = ["{" + f'"format":{dumps(types["format"])},']
    lines.append(f'"kubernetes":{dumps(types["kubernetes"])},')
    lines.append(f'"source":{dumps(types["source"])},')
    lines.append('"kinds":[')
    kinds = types["kinds"]
    for i, k in enumerate(kinds):
        lines.append(dumps(k) + ("," if i + 1 < len(kinds) else ""))
    lines.append("],")
    lines.append('"defs":{')
    names = sorted(types["defs"])
    for i, name in enumerate(names):
        lines.append(f"{dumps(name)}:{dumps(types['defs'][name])}" + ("," if i + 1 < len(names) else ""))
    lines.append("}")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_descs(descs: dict) -> bytes:
    names = sorted(descs["defs"])
    lines = ['{"defs":{']
    for i, name in enumerate(names):
        lines.append(f"{dumps(name)}:{dumps(descs['defs'][name])}" + ("," if i + 1 < len(names) else ""))
    lines.append("}}")
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    buf = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of anything variable.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    return buf.getvalue()


# --------------------------------------------------------------------------
# Inputs and provenance


def read_expected_sha256(input_dir: str) -> dict[str, str]:
    """Parse the `| file | Kubernetes | sha256 |` table of the input README."""
    path = os.path.join(input_dir, "README.md")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise GenError(f"cannot read {path}: {e}") from e
    out = {}
    row = re.compile(r"^\|\s*`?([^|`\s]+\.json\.gz)`?\s*\|[^|]*\|\s*([0-9a-fA-F]{64})\s*\|\s*$")
    for line in text.splitlines():
        m = row.match(line.strip())
        if m:
            out[m.group(1)] = m.group(2).lower()
    return out


def find_inputs(input_dir: str) -> list[tuple[str, str]]:
    """Return [(file name, "major.minor")] sorted by version."""
    try:
        entries = os.listdir(input_dir)
    except OSError as e:
        raise GenError(f"cannot list input directory {input_dir}: {e}") from e
    found = []
    for name in entries:
        m = INPUT_RE.match(name)
        if m:
            found.append(((int(m.group(1)), int(m.group(2))), name))
    if not found:
        raise GenError(f"no v1.NN-swagger-enums.json.gz files in {input_dir}")
    return [(name, f"{v[0]}.{v[1]}") for v, name in sorted(found)]


def load_input(input_dir: str, name: str, expected: dict[str, str]):
    path = os.path.join(input_dir, name)
    with gzip.open(path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if name not in expected:
        raise GenError(f"{name} is not listed in {os.path.join(input_dir, 'README.md')}")
    if digest != expected[name]:
        raise GenError(
            f"sha256 mismatch for unzipped {name}: computed {digest}, README says {expected[name]}"
        )
    return json.loads(raw), digest


def check_version(spec: dict, minor: str, name: str):
    """info.version is "unversioned" in these specs; if it is a real version it must agree."""
    v = str(spec.get("info", {}).get("version", ""))
    m = re.match(r"^v?(\d+)\.(\d+)(\.\d+)?", v)
    if m and f"{m.group(1)}.{m.group(2)}" != minor:
        raise GenError(f"{name}: info.version {v!r} does not match the file name")


def render_readme(rows: list[dict]) -> bytes:
    lines = [
        "# Embedded Kubernetes schemas (generated)",
        "",
        "Generated by `tools/gen_schemas.py` from the official Kubernetes OpenAPI v2 specs",
        "(`swagger.json` with `OpenAPIEnums=true`, Apache-2.0). Do not edit by hand; the",
        "format is specified in `docs/schemas.md`.",
        "",
        "Regenerate (from the repository root; the input directory defaults to",
        "`../shared/k8s-schemas` relative to the repository root):",
        "",
        "```",
        "python3 tools/gen_schemas.py ../shared/k8s-schemas",
        "```",
        "",
        "Verify that the committed files are up to date (exit status 1 if not):",
        "",
        "```",
        "python3 tools/gen_schemas.py ../shared/k8s-schemas --check",
        "```",
        "",
        "The generator computes the sha256 of each unzipped input and refuses to run if it",
        "differs from the one listed in the input directory's `README.md`.",
        "",
        "| output | Kubernetes | input file | sha256 of the unzipped input | kinds | defs | bytes |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['types']}` | {r['kubernetes']} | `{r['file']}` | `{r['sha256']}` "
            f"| {r['kinds']} | {r['defs']} | {r['types_bytes']} |"
        )
        lines.append(
            f"| `{r['desc']}` | {r['kubernetes']} | `{r['file']}` | `{r['sha256']}` "
            f"| | {r['defs']} | {r['desc_bytes']} |"
        )
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def generate(input_dir: str) -> tuple[dict[str, bytes], list[dict]]:
    """Return ({output file name: content}, per-version stats)."""
    expected = read_expected_sha256(input_dir)
    outputs: dict[str, bytes] = {}
    rows = []
    for name, minor in find_inputs(input_dir):
        spec, digest = load_input(input_dir, name, expected)
        check_version(spec, minor, name)
        types, descs = convert_spec(spec, minor, {"file": name, "sha256": digest})
        types_name = f"k8s-{minor}.json"
        desc_name = f"k8s-{minor}.desc.json.gz"
        outputs[types_name] = render_types(types)
        outputs[desc_name] = render_descs(descs)
        rows.append(
            {
                "kubernetes": minor,
                "file": name,
                "sha256": digest,
                "types": types_name,
                "desc": desc_name,
                "kinds": len(types["kinds"]),
                "defs": len(types["defs"]),
                "types_bytes": len(outputs[types_name]),
                "desc_bytes": len(outputs[desc_name]),
            }
        )
    outputs["README.md"] = render_readme(rows)
    return outputs, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate compiler/schemas from the Kubernetes OpenAPI v2 specs."
    )
    ap.add_argument(
        "input_dir",
        nargs="?",
        default=DEFAULT_INPUT,
        help="directory with v1.NN-swagger-enums.json.gz and README.md "
        "(default: ../shared/k8s-schemas relative to the repository root, "
        "wherever the script is run from)",
    )
    ap.add_argument(
        "--out",
        default=DEFAULT_OUT,
        help="output directory (default: compiler/schemas in the repository)",
    )
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)
    # Explicit paths are relative to the cwd as usual; the defaults are absolute.
    input_dir = os.path.normpath(os.path.abspath(args.input_dir))
    out_dir = os.path.normpath(os.path.abspath(args.out))

    try:
        outputs, rows = generate(input_dir)
    except GenError as e:
        print(f"gen_schemas: error: {e}", file=sys.stderr)
        return 2

    stale = []
    if not args.check:
        os.makedirs(out_dir, exist_ok=True)
    for name in sorted(outputs):
        path = os.path.join(out_dir, name)
        try:
            with open(path, "rb") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current == outputs[name]:
            continue
        stale.append(name)
        if not args.check:
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(outputs[name])
            os.replace(tmp, path)

    for r in rows:
        print(
            f"k8s {r['kubernetes']}: {r['kinds']} kinds, {r['defs']} defs, "
            f"{r['types']} {r['types_bytes']} bytes, {r['desc']} {r['desc_bytes']} bytes"
        )
    if args.check:
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("up to date")
    else:
        print(f"wrote {len(stale)} changed file(s) to {out_dir}" if stale else "no changes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
