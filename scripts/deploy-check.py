#!/usr/bin/env python3
"""Offline checks of Switchyard's deployment files (run by scripts/deploy-check.sh).

  deploy-check.py RENDERED_CRDS RENDERED_BASE RENDERED_OVERLAY EXAMPLE.yaml...

Every document must parse (duplicate keys are errors), carry a known apiVersion/kind and a name.
The CRDs must be structural (every schema node has a type; metadata restricted to nothing; one
storage version; a status subresource). The examples must validate against the CRDs'
openAPIV3Schema: types, required fields, enums, bounds, patterns, and no field the schema would
prune. The rendered Deployment must meet the security and probe contract of deploy/kubernetes.
What needs an API server (admission, defaulting, unknown fields of built-in kinds, CEL) is left to
a server-side dry-run.
"""
import re
import sys

import yaml

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


class StrictLoader(yaml.SafeLoader):
    pass


def _mapping(loader, node, deep=False):
    keys = set()
    for k, _ in node.value:
        key = loader.construct_object(k, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", k.start_mark)
        keys.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load(path):
    try:
        with open(path) as f:
            docs = [d for d in yaml.load_all(f, Loader=StrictLoader) if d is not None]
    except yaml.YAMLError as e:
        err(path, f"YAML: {e}")
        return []
    for i, d in enumerate(docs):
        if not isinstance(d, dict):
            err(f"{path}#{i}", "document is not a mapping")
    return [(f"{path}#{i}", d) for i, d in enumerate(docs) if isinstance(d, dict)]


# Built-in kinds these files may use: (apiVersion, kind) -> namespaced.
BUILTIN = {
    ("v1", "Namespace"): False, ("v1", "ServiceAccount"): True, ("v1", "Service"): True,
    ("v1", "ConfigMap"): True, ("v1", "Secret"): True,
    ("apps/v1", "Deployment"): True, ("policy/v1", "PodDisruptionBudget"): True,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): True,
    ("networking.k8s.io/v1", "NetworkPolicy"): True,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): False,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): False,
    ("rbac.authorization.k8s.io/v1", "Role"): True,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): True,
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): False,
}
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


# --- CRDs ---------------------------------------------------------------------------------------
def check_structural(where, s, path="", root=True):
    if not isinstance(s, dict):
        return err(where, f"{path or '.'}: schema is not a mapping")
    for bad in ("$ref", "definitions", "dependencies", "additionalItems", "patternProperties"):
        if bad in s:
            err(where, f"{path}: {bad} is not allowed in a structural schema")
    int_or_string = s.get("x-kubernetes-int-or-string") is True
    if "type" not in s and not int_or_string and s.get("x-kubernetes-preserve-unknown-fields") is not True:
        err(where, f"{path or '.'}: no type")
    if s.get("type") not in (None, "object", "array", "string", "integer", "number", "boolean"):
        err(where, f"{path}: unknown type {s.get('type')!r}")
    if s.get("type") == "array" and "items" not in s:
        err(where, f"{path}: an array needs items")
    if "properties" in s and "additionalProperties" in s:
        err(where, f"{path}: properties and additionalProperties together")
    for junction in ("anyOf", "allOf", "oneOf"):
        for alt in s.get(junction, []):
            if int_or_string and junction == "anyOf" and alt in ({"type": "integer"}, {"type": "string"}):
                continue
            for forbidden in ("type", "additionalProperties", "default", "nullable",
                              "x-kubernetes-preserve-unknown-fields"):
                if forbidden in alt:
                    err(where, f"{path}: {junction} may not set {forbidden}")
    for name, sub in s.get("properties", {}).items():
        check_structural(where, sub, f"{path}.{name}", False)
        if root and name == "metadata" and set(sub) - {"type"}:
            # Only name/generateName may be restricted; keep it simple: nothing.
            if set(sub.get("properties", {})) - {"name", "generateName"}:
                err(where, ".metadata: only name and generateName may be specified")
    if isinstance(s.get("items"), dict):
        check_structural(where, s["items"], f"{path}[]", False)
    if isinstance(s.get("additionalProperties"), dict):
        check_structural(where, s["additionalProperties"], f"{path}{{}}", False)


def check_crd(where, crd):
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    group = spec.get("group", "")
    if crd["metadata"].get("name") != f"{names.get('plural')}.{group}":
        err(where, "metadata.name must be <plural>.<group>")
    for key in ("kind", "plural", "singular", "listKind"):
        if not names.get(key):
            err(where, f"spec.names.{key} missing")
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        err(where, "spec.scope must be Namespaced or Cluster")
    versions = spec.get("versions", [])
    if sum(1 for v in versions if v.get("storage")) != 1:
        err(where, "exactly one version must be the storage version")
    for v in versions:
        w = f"{where} {v.get('name')}"
        schema = v.get("schema", {}).get("openAPIV3Schema")
        if schema is None:
            err(w, "no openAPIV3Schema")
            continue
        if schema.get("type") != "object":
            err(w, "the root schema must be type: object")
        check_structural(w, schema)
        if "status" in schema.get("properties", {}) and "status" not in v.get("subresources", {}):
            err(w, "has a status but no status subresource")
        for col in v.get("additionalPrinterColumns", []):
            if not col.get("name") or not str(col.get("jsonPath", "")).startswith("."):
                err(w, f"printer column {col}: needs a name and a jsonPath starting with '.'")
            if col.get("type") not in ("string", "integer", "number", "boolean", "date"):
                err(w, f"printer column {col.get('name')}: unknown type {col.get('type')}")


class Crds:
    def __init__(self, docs):
        self.by_gvk = {}
        for where, d in docs:
            if d.get("kind") != "CustomResourceDefinition":
                continue
            check_crd(where, d)
            spec = d["spec"]
            for v in spec.get("versions", []):
                if v.get("served"):
                    key = (f"{spec['group']}/{v['name']}", spec["names"]["kind"])
                    self.by_gvk[key] = (v["schema"]["openAPIV3Schema"], spec["scope"] == "Namespaced")


# --- schema validation (the subset the CRDs use) --------------------------------------------------
def type_ok(t, value):
    return {
        "object": isinstance(value, dict), "array": isinstance(value, list),
        "string": isinstance(value, str), "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
    }[t]


def validate(where, s, value, path="", out=None):
    out = errors if out is None else out
    bad = lambda msg: out.append(f"{where}: {path or '.'}: {msg}")
    if s.get("x-kubernetes-int-or-string"):
        if not (type_ok("integer", value) or type_ok("string", value)):
            bad(f"must be an integer or a string, not {value!r}")
        return
    t = s.get("type")
    if t and not type_ok(t, value):
        return bad(f"must be {t}, not {type(value).__name__} {value!r}")
    if "enum" in s and value not in s["enum"]:
        bad(f"{value!r} not one of {s['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in s and value < s["minimum"]:
            bad(f"{value} < minimum {s['minimum']}")
        if "maximum" in s and value > s["maximum"]:
            bad(f"{value} > maximum {s['maximum']}")
        if s.get("format") == "int32" and not -2**31 <= value < 2**31:
            bad(f"{value} out of int32")
    if isinstance(value, str):
        if "pattern" in s and not re.search(s["pattern"], value):
            bad(f"{value!r} does not match {s['pattern']}")
        if s.get("format") == "date-time" and not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", value):
            bad(f"{value!r} is not a date-time")
    if isinstance(value, list):
        if len(value) < s.get("minItems", 0):
            bad(f"needs at least {s['minItems']} items")
        for i, item in enumerate(value):
            validate(where, s.get("items", {}), item, f"{path}[{i}]", out)
    if isinstance(value, dict):
        props = s.get("properties", {})
        for r in s.get("required", []):
            if r not in value:
                bad(f"missing required field {r!r}")
        for k, v in value.items():
            if not path and k == "metadata":
                continue  # ObjectMeta: validated by the API server, not by the CRD schema
            if k in props:
                validate(where, props[k], v, f"{path}.{k}", out)
            elif isinstance(s.get("additionalProperties"), dict):
                validate(where, s["additionalProperties"], v, f"{path}.{k}", out)
            elif not s.get("x-kubernetes-preserve-unknown-fields") and t == "object" and path:
                bad(f"unknown field {k!r} (the API server would prune it)")


def check_object(where, d, crds, want_namespace=None):
    av, kind = d.get("apiVersion"), d.get("kind")
    md = d.get("metadata") or {}
    name = md.get("name")
    if not name or not NAME_RE.match(str(name)) or len(str(name)) > 253:
        err(where, f"{kind}: bad or missing metadata.name {name!r}")
    where = f"{where} {kind}/{name}"
    if (av, kind) in BUILTIN:
        namespaced = BUILTIN[(av, kind)]
    elif (av, kind) in crds.by_gvk:
        schema, namespaced = crds.by_gvk[(av, kind)]
        validate(where, schema, d)
    else:
        return err(where, f"unknown apiVersion/kind {av}/{kind}")
    if want_namespace is not None:
        ns = md.get("namespace")
        if namespaced and ns != want_namespace:
            err(where, f"namespace {ns!r}, want {want_namespace!r}")
        if not namespaced and ns:
            err(where, "a cluster-scoped object has a namespace")


# --- the rendered Deployment and its companions ---------------------------------------------------
def matches(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).get("matchLabels", {}).items())


def check_deployment(where, objs):
    by_kind = {}
    for w, d in objs:
        by_kind.setdefault(d["kind"], []).append((w, d))
    deps = by_kind.get("Deployment", [])
    if len(deps) != 1:
        return err(where, f"{len(deps)} Deployments, want 1")
    w, dep = deps[0]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    if not spec.get("selector", {}).get("matchLabels") or not matches(spec["selector"], labels):
        err(w, "the selector does not match the pod labels")
    if spec.get("replicas") != 2:
        err(w, "replicas must be 2")
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True or psc.get("runAsUser") != 65532:
        err(w, "pod securityContext: runAsNonRoot and runAsUser 65532")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        err(w, "pod seccompProfile must be RuntimeDefault")
    if not pod.get("topologySpreadConstraints"):
        err(w, "no topologySpreadConstraints")
    sa = pod.get("serviceAccountName")
    if sa not in {d["metadata"]["name"] for _, d in by_kind.get("ServiceAccount", [])}:
        err(w, f"serviceAccountName {sa!r} is not rendered")
    (c,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    csc = c.get("securityContext", {})
    if csc.get("readOnlyRootFilesystem") is not True or csc.get("allowPrivilegeEscalation") is not False:
        err(w, "container: readOnlyRootFilesystem true, allowPrivilegeEscalation false")
    if csc.get("capabilities", {}).get("drop") != ["ALL"]:
        err(w, "container must drop ALL capabilities")
    args = c.get("args", [])
    if args[:2] != ["run", "--kubernetes"]:
        err(w, f"args must start with run --kubernetes: {args}")
    admin = next((a.split("=", 1)[1] for a in args if a.startswith("--admin=")), "")
    if not admin.endswith(f":{ports.get('admin')}") or admin.startswith("127."):
        err(w, f"--admin {admin!r} must listen on the pod IP at the admin port")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or get.get("port") != "admin":
            err(w, f"{probe} must GET {path} on the admin port")
    if not c.get("resources", {}).get("requests", {}).get("cpu"):
        err(w, "a CPU request is needed by the HPA")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    pre = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    if grace < pre + 30:  # run_command drains for 30 s after SIGTERM
        err(w, f"terminationGracePeriodSeconds {grace} < preStop {pre} + drain 30")
    for wv, svc in by_kind.get("Service", []):
        if not matches({"matchLabels": svc["spec"].get("selector", {})}, labels):
            err(wv, "selector does not match the pods")
        for p in svc["spec"]["ports"]:
            if p.get("targetPort") not in ports and p.get("targetPort") not in ports.values():
                err(wv, f"targetPort {p.get('targetPort')!r} is no container port")
            if p.get("targetPort") in ("admin", ports.get("admin")):
                err(wv, "the admin port must not be a Service port")
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        for wv, o in by_kind.get(kind, []):
            sel = o["spec"].get("selector") or o["spec"].get("podSelector")
            if not matches(sel, labels):
                err(wv, "selector does not match the pods")
    for wv, hpa in by_kind.get("HorizontalPodAutoscaler", []):
        ref = hpa["spec"]["scaleTargetRef"]
        if (ref["kind"], ref["name"]) != ("Deployment", dep["metadata"]["name"]):
            err(wv, "scaleTargetRef is not the Deployment")
    names = {(d["kind"], d["metadata"]["name"]) for _, d in objs}
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for wv, b in by_kind.get(kind, []):
            if (b["roleRef"]["kind"], b["roleRef"]["name"]) not in names:
                err(wv, f"roleRef {b['roleRef']['name']} is not rendered")
            for s in b.get("subjects", []):
                if s["kind"] == "ServiceAccount" and kind == "ClusterRoleBinding" \
                        and s.get("namespace") != dep["metadata"].get("namespace", "default"):
                    err(wv, f"subject namespace {s.get('namespace')!r} is not the Deployment's")
    for wv, role in by_kind.get("ClusterRole", []):
        for rule in role.get("rules", []):
            if {"secrets", "configmaps"} & set(rule.get("resources", [])) \
                    and {"list", "*"} & set(rule.get("verbs", [])):
                err(wv, "secrets/configmaps must not be listable")


# --- negative self-test: the validator must reject these ------------------------------------------
def self_test(crds, example_docs):
    route = next((d for _, d in example_docs if d.get("kind") == "AIGatewayRoute"), None)
    backend = next((d for _, d in example_docs if d.get("kind") == "Backend"), None)
    if not route or not backend:
        return err("self-test", "the examples have no AIGatewayRoute or Backend")
    import copy

    def must_fail(label, doc):
        out = []
        schema, _ = crds.by_gvk[(doc["apiVersion"], doc["kind"])]
        validate(label, schema, doc, out=out)
        if not out:
            err("self-test", f"{label}: was accepted")
    b = copy.deepcopy(backend); b["spec"]["endpoints"][0]["fqdn"]["port"] = "443"
    must_fail("port as a string", b)
    b = copy.deepcopy(backend); b["spec"]["endpoints"][0]["fqdn"]["port"] = 70000
    must_fail("port 70000", b)
    r = copy.deepcopy(route); r["spec"]["rules"][0]["backendRefs"][0]["priority"] = -1
    must_fail("negative priority", r)
    r = copy.deepcopy(route); del r["spec"]["rules"][0]["backendRefs"][0]["name"]
    must_fail("backendRef without name", r)
    r = copy.deepcopy(route); r["spec"]["rules"][0]["matches"][0]["headers"][0]["type"] = "Prefix"
    must_fail("header match type Prefix", r)
    r = copy.deepcopy(route); r["spec"]["rules"][0]["timeouts"]["request"] = "two minutes"
    must_fail("timeout not a duration", r)
    r = copy.deepcopy(route); r["metadata"]["labels"] = {}; r["status"] = {"conditions": [{}]}
    must_fail("condition without type", r)


def main(argv):
    crd_file, base_file, overlay_file, *examples = argv
    crd_docs = load(crd_file)
    crds = Crds(crd_docs)
    if len(crds.by_gvk) < 9:
        err(crd_file, f"only {len(crds.by_gvk)} served kinds")
    for where, d in crd_docs:
        check_object(where, d, crds)
    for path, ns in ((base_file, None), (overlay_file, "envoy-ai-gateway-system")):
        docs = load(path)
        for where, d in docs:
            check_object(where, d, crds, ns)
        check_deployment(path, docs)
    example_docs = []
    for path in examples:
        docs = load(path)
        example_docs += docs
        for where, d in docs:
            check_object(where, d, crds)
    self_test(crds, example_docs)
    for e in errors:
        print("deploy-check:", e, file=sys.stderr)
    n = len(crd_docs) + len(example_docs)
    print(f"deploy-check: {'FAIL' if errors else 'ok'}: {len(crds.by_gvk)} CRD versions, "
          f"{n} CRD/example documents, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
