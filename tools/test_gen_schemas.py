"""Unit tests of tools/gen_schemas.py on small hand-made spec fragments.

Run from the repository root:

    python3 -m unittest tools/test_gen_schemas.py
"""

import gzip
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("gen_schemas", os.path.join(_HERE, "gen_schemas.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."


def ref(name):
    return {"$ref": "#/definitions/" + name}


def base_defs():
    return {
        "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string", "description": "q"},
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
        META + "Time": {"type": "string", "format": "date-time"},
        "io.k8s.apimachinery.pkg.runtime.RawExtension": {"type": "object", "description": "raw"},
        META + "ObjectMeta": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "creationTimestamp": ref(META + "Time"),
            },
        },
    }


def convert(schema, defs=None):
    d = base_defs()
    d.update(defs or {})
    return gen.Converter(d).convert(schema, "test")


class TypeEncoding(unittest.TestCase):
    def test_primitives(self):
        cases = [
            ({"type": "string"}, "string"),
            ({"type": "string", "format": "byte"}, "bytes"),
            ({"type": "string", "format": "date-time"}, "time"),
            ({"type": "integer", "format": "int32"}, "int32"),
            ({"type": "integer", "format": "int64"}, "int64"),
            ({"type": "integer"}, "int64"),
            ({"type": "number", "format": "double"}, "number"),
            ({"type": "boolean"}, "boolean"),
            ({"type": "string", "x-kubernetes-int-or-string": True}, "int-or-string"),
        ]
        for schema, want in cases:
            with self.subTest(schema=schema):
                self.assertEqual(convert(schema), want)

    def test_enum_keeps_declared_order(self):
        s = {"type": "string", "enum": ["Never", "Always", "", "IfNotPresent"]}
        self.assertEqual(convert(s), {"enum": ["Never", "Always", "", "IfNotPresent"]})

    def test_primitive_definitions_are_inlined(self):
        self.assertEqual(convert(ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString")), "int-or-string")
        self.assertEqual(convert(ref(META + "Time")), "time")
        self.assertEqual(convert(ref("io.k8s.apimachinery.pkg.runtime.RawExtension")), "any")
        limits = {"type": "object", "additionalProperties": ref("io.k8s.apimachinery.pkg.api.resource.Quantity")}
        self.assertEqual(convert(limits), {"map": "quantity"})

    def test_ref_to_object_definition_is_not_inlined(self):
        self.assertEqual(convert(ref(META + "ObjectMeta")), {"ref": "meta.v1.ObjectMeta"})

    def test_unknown_ref_is_an_error(self):
        with self.assertRaises(gen.GenError):
            convert(ref(CORE + "Nope"))

    def test_list_with_map_keys(self):
        s = {
            "type": "array",
            "items": ref(META + "ObjectMeta"),
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
            "x-kubernetes-patch-strategy": "merge",
            "x-kubernetes-patch-merge-key": "containerPort",
        }
        self.assertEqual(
            convert(s),
            {"list": {"ref": "meta.v1.ObjectMeta"}, "listType": "map", "key": ["containerPort", "protocol"]},
        )
        self.assertEqual(convert({"type": "array", "items": {"type": "string"}}), {"list": "string"})
        self.assertEqual(
            convert({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}),
            {"list": "string", "listType": "set"},
        )

    def test_map_keys_require_list_type_map(self):
        s = {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-map-keys": ["name"]}
        with self.assertRaises(gen.GenError):
            convert(s)

    def test_list_type_on_non_array_is_ignored(self):
        # APIServiceSpec.caBundle: format byte with x-kubernetes-list-type atomic.
        s = {"type": "string", "format": "byte", "x-kubernetes-list-type": "atomic"}
        self.assertEqual(convert(s), "bytes")

    def test_objects(self):
        s = {
            "type": "object",
            "required": ["b", "a"],
            "properties": {"a": {"type": "string"}, "b": {"type": "boolean"}},
            "x-kubernetes-map-type": "atomic",
        }
        self.assertEqual(convert(s), {"object": {"a": "string", "b": "boolean"}, "required": ["a", "b"]})
        self.assertEqual(convert({"properties": {"a": {"type": "string"}}}), {"object": {"a": "string"}})

    def test_required_must_name_a_property(self):
        with self.assertRaises(gen.GenError):
            convert({"type": "object", "required": ["x"], "properties": {"a": {"type": "string"}}})

    def test_maps_and_rest(self):
        self.assertEqual(convert({"type": "object", "additionalProperties": {"type": "string"}}), {"map": "string"})
        self.assertEqual(convert({"type": "object", "additionalProperties": True}), {"map": "any"})
        s = {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "additionalProperties": {"type": "integer", "format": "int32"},
        }
        self.assertEqual(convert(s), {"object": {"a": "string"}, "rest": "int32"})

    def test_free_form(self):
        self.assertEqual(convert({}), "any")
        self.assertEqual(convert({"type": "object"}), "any")
        self.assertEqual(convert({"type": "object", "x-kubernetes-preserve-unknown-fields": True}), "any")
        s = {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "x-kubernetes-preserve-unknown-fields": True,
        }
        self.assertEqual(convert(s), {"object": {"a": "string"}, "open": True})

    def test_unknown_keyword_is_an_error(self):
        for s in ({"type": "string", "deprecated": True}, {"type": "string", "pattern": "x"}):
            with self.subTest(schema=s), self.assertRaises(gen.GenError):
                convert(s)

    def test_unknown_format_is_an_error(self):
        with self.assertRaises(gen.GenError):
            convert({"type": "string", "format": "uuid"})

    def test_refs_in(self):
        t = {"object": {"a": {"list": {"ref": "X"}}, "b": {"map": {"ref": "Y"}}}, "rest": {"ref": "Z"}}
        self.assertEqual(sorted(gen.refs_in(t)), ["X", "Y", "Z"])


class Names(unittest.TestCase):
    def test_prefixes(self):
        cases = {
            "io.k8s.api.apps.v1.Deployment": "apps.v1.Deployment",
            META + "ObjectMeta": "meta.v1.ObjectMeta",
            "io.k8s.apimachinery.pkg.runtime.RawExtension": "runtime.RawExtension",
            "io.k8s.apimachinery.pkg.api.resource.Quantity": "api.resource.Quantity",
            "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService": "apiregistration.v1.APIService",
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": "apiextensions.v1.JSON",
            "com.example.Other": "com.example.Other",
        }
        for full, short in cases.items():
            self.assertEqual(gen.short_name(full), short)

    def test_collision_fails(self):
        with self.assertRaises(gen.GenError):
            gen.short_names(["io.k8s.api.meta.v1.X", META + "X"])


class Paths(unittest.TestCase):
    def test_parse(self):
        p = gen.parse_resource_path
        self.assertEqual(p("/api/v1/namespaces/{namespace}/pods"), ("", "v1", "pods", True, False))
        self.assertEqual(p("/api/v1/namespaces/{namespace}/pods/{name}"), ("", "v1", "pods", True, True))
        self.assertEqual(p("/api/v1/namespaces"), ("", "v1", "namespaces", False, False))
        self.assertEqual(p("/api/v1/namespaces/{name}"), ("", "v1", "namespaces", False, True))
        self.assertEqual(p("/apis/apps/v1/deployments"), ("apps", "v1", "deployments", False, False))
        self.assertEqual(
            p("/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"),
            ("rbac.authorization.k8s.io", "v1", "clusterroles", False, True),
        )
        for sub in (
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status",
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
            "/api/v1/namespaces/{name}/finalize",
            "/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}",
            "/apis/apps/v1/watch/namespaces/{namespace}/deployments",
            "/apis/apps/v1/",
            "/apis/apps/",
            "/version/",
        ):
            with self.subTest(path=sub):
                self.assertIsNone(p(sub))


def gvk(group, version, kind):
    return {"x-kubernetes-group-version-kind": [{"group": group, "version": version, "kind": kind}]}


def op(action, g, v, k, resp=None):
    o = {"x-kubernetes-action": action, "x-kubernetes-group-version-kind": {"group": g, "version": v, "kind": k}}
    if resp:
        o["responses"] = {"200": {"schema": ref(resp)}}
    return o


def small_spec():
    W = "io.k8s.api.example.v1."
    defs = base_defs()
    defs.update(
        {
            W + "Widget": {
                "description": "A widget.",
                "type": "object",
                "properties": {
                    "apiVersion": {"type": "string", "description": "APIVersion."},
                    "kind": {"type": "string"},
                    "metadata": ref(META + "ObjectMeta"),
                    "spec": ref(W + "WidgetSpec"),
                },
                **gvk("example.k8s.io", "v1", "Widget"),
            },
            W + "WidgetSpec": {
                "type": "object",
                "properties": {
                    "size": ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString"),
                    "mode": {"type": "string", "enum": ["A", "B"], "description": "Mode.\n\nPossible enum values:\n - `\"A\"`"},
                },
            },
            W + "WidgetList": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": ref(W + "Widget")}},
                **gvk("example.k8s.io", "v1", "WidgetList"),
            },
            W + "Gadget": {"type": "object", "properties": {"x": {"type": "string"}}, **gvk("example.k8s.io", "v1", "Gadget")},
            W + "Scale": {"type": "object", "properties": {"n": {"type": "integer"}}, **gvk("example.k8s.io", "v1", "Scale")},
            W + "Unreachable": {"type": "object", "properties": {"n": {"type": "integer"}}},
            META + "Status": {"type": "object", "properties": {"code": {"type": "integer"}}, **gvk("", "v1", "Status")},
        }
    )
    ns = "/apis/example.k8s.io/v1/namespaces/{namespace}/widgets"
    paths = {
        "/apis/example.k8s.io/v1/widgets": {"get": op("list", "example.k8s.io", "v1", "Widget", W + "WidgetList")},
        ns: {
            "get": op("list", "example.k8s.io", "v1", "Widget", W + "WidgetList"),
            "post": op("post", "example.k8s.io", "v1", "Widget", W + "Widget"),
            "parameters": [{"name": "namespace"}],
        },
        ns + "/{name}": {"get": op("get", "example.k8s.io", "v1", "Widget", W + "Widget")},
        ns + "/{name}/scale": {"get": op("get", "example.k8s.io", "v1", "Scale", W + "Scale")},
        "/apis/example.k8s.io/v1/watch/namespaces/{namespace}/widgets": {
            "get": op("watchlist", "example.k8s.io", "v1", "Widget")
        },
        "/apis/example.k8s.io/v1/gadgets/{name}": {"get": op("get", "example.k8s.io", "v1", "Gadget", W + "Gadget")},
        "/apis/example.k8s.io/v1/": {"get": {"responses": {}}},
    }
    return {"swagger": "2.0", "info": {"version": "unversioned"}, "definitions": defs, "paths": paths}


class WholeSpec(unittest.TestCase):
    def setUp(self):
        self.types, self.descs = gen.convert_spec(small_spec(), "1.99", {"file": "f", "sha256": "0"})

    def test_kinds(self):
        got = [(k["group"], k["version"], k["kind"], k["def"], k["namespaced"], k["plural"]) for k in self.types["kinds"]]
        self.assertEqual(
            got,
            [
                ("example.k8s.io", "v1", "Gadget", "example.v1.Gadget", False, "gadgets"),
                ("example.k8s.io", "v1", "Widget", "example.v1.Widget", True, "widgets"),
                ("example.k8s.io", "v1", "WidgetList", "example.v1.WidgetList", True, "widgets"),
            ],
        )  # Scale (subresource only) and Status (not served) are not kinds

    def test_defs_are_reachable_only(self):
        self.assertEqual(
            sorted(self.types["defs"]),
            ["example.v1.Gadget", "example.v1.Widget", "example.v1.WidgetList", "example.v1.WidgetSpec", "meta.v1.ObjectMeta"],
        )
        self.assertEqual(
            self.types["defs"]["example.v1.WidgetSpec"],
            {"object": {"size": "int-or-string", "mode": {"enum": ["A", "B"]}}},
        )
        self.assertEqual(self.types["defs"]["meta.v1.ObjectMeta"]["object"]["creationTimestamp"], "time")

    def test_descriptions(self):
        d = self.descs["defs"]
        self.assertEqual(sorted(d), sorted(self.types["defs"]))
        self.assertEqual(d["example.v1.Widget"], {"": "A widget.", "apiVersion": "APIVersion."})
        self.assertIn("Possible enum values", d["example.v1.WidgetSpec"]["mode"])
        self.assertEqual(d["meta.v1.ObjectMeta"], {})

    def test_render_is_json_one_line_per_entry_and_deterministic(self):
        raw = gen.render_types(self.types)
        self.assertEqual(json.loads(raw), json.loads(json.dumps(self.types)))
        lines = raw.decode().splitlines()
        self.assertIn('"example.v1.Widget":' + gen.dumps(self.types["defs"]["example.v1.Widget"]) + ",", lines)
        self.assertEqual(raw, gen.render_types(gen.convert_spec(small_spec(), "1.99", {"file": "f", "sha256": "0"})[0]))
        gz = gen.render_descs(self.descs)
        self.assertEqual(gz[4:8], b"\0\0\0\0")  # gzip mtime 0
        self.assertEqual(gz, gen.render_descs(self.descs))
        self.assertEqual(json.loads(gzip.decompress(gz)), self.descs)

    def test_unknown_keyword_in_any_definition_fails(self):
        spec = small_spec()
        spec["definitions"]["io.k8s.api.example.v1.Widget"]["properties"]["spec"] = {"type": "string", "bogus": 1}
        with self.assertRaises(gen.GenError):
            gen.convert_spec(spec, "1.99", {})


class Provenance(unittest.TestCase):
    def write_input(self, d, sha):
        raw = json.dumps(small_spec()).encode()
        with open(os.path.join(d, "v1.99-swagger-enums.json.gz"), "wb") as f:
            f.write(gzip.compress(raw))
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write("| file | Kubernetes | sha256 of the unzipped file |\n|---|---|---|\n")
            f.write(f"| v1.99-swagger-enums.json.gz | v1.99 | {sha(raw)} |\n")

    def test_sha_checked(self):
        with tempfile.TemporaryDirectory() as d:
            self.write_input(d, lambda raw: hashlib.sha256(raw).hexdigest())
            outputs, rows = gen.generate(d)
            self.assertEqual(sorted(outputs), ["README.md", "k8s-1.99.desc.json.gz", "k8s-1.99.json"])
            self.assertEqual(rows[0]["kinds"], 3)
            self.assertIn(rows[0]["sha256"], outputs["README.md"].decode())
            self.assertEqual(json.loads(outputs["k8s-1.99.json"])["kubernetes"], "1.99")

    def test_sha_mismatch_fails(self):
        with tempfile.TemporaryDirectory() as d:
            self.write_input(d, lambda raw: "0" * 64)
            with self.assertRaisesRegex(gen.GenError, "sha256 mismatch"):
                gen.generate(d)


if __name__ == "__main__":
    unittest.main()
