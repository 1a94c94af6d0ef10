#!/usr/bin/env python3
"""Writes the minimal structural CRDs in this folder (one file per CRD, plus kustomization.yaml).

Run it after editing a schema here; scripts/deploy-check.sh fails when the YAML files differ from
what this prints. The schemas name the fields Switchyard reads (docs/DESIGN.md §1) with their types,
and keep everything else (x-kubernetes-preserve-unknown-fields), so manifests written for Envoy AI
Gateway, Envoy Gateway and Gateway API are accepted whole. They are not those projects' CRDs: no
CEL rules, no defaults, few enums. Install those projects' CRD charts instead when you have them.
"""
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # plain YAML: no anchors for shared sub-schemas
        return True


def obj(props=None, required=None, open_=True, **extra):
    s = {"type": "object"}
    if props:
        s["properties"] = props
    if required:
        s["required"] = required
    if open_:
        s["x-kubernetes-preserve-unknown-fields"] = True
    s.update(extra)
    return s


def arr(items, **extra):
    return {"type": "array", "items": items, **extra}


STR = {"type": "string"}
BOOL = {"type": "boolean"}
INT32 = {"type": "integer", "format": "int32"}
PORT = {"type": "integer", "format": "int32", "minimum": 0, "maximum": 65535}
DURATION = {"type": "string", "pattern": r"^([0-9]{1,5}(h|m|s|ms)){1,4}$"}
QUANTITY = {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}


def ref(required=("name",)):
    return obj({"group": STR, "kind": STR, "name": STR, "namespace": STR,
                "sectionName": STR, "port": PORT}, list(required))


SECRET_REF = obj({"name": STR, "namespace": STR}, ["name"])
HEADER_MUTATION = obj({"set": arr(obj({"name": STR, "value": STR}, ["name", "value"])),
                       "remove": arr(STR)})
BODY_MUTATION = obj({"set": arr(obj({"path": STR, "value": STR}, ["path", "value"])),
                     "remove": arr(STR)})
STATUS = obj({"conditions": arr(obj({"type": STR, "status": STR, "reason": STR,
                                     "message": STR, "lastTransitionTime": STR,
                                     "observedGeneration": {"type": "integer"}},
                                    ["type", "status"]))})

def enum(*values):
    return {"type": "string", "enum": list(values)}


LLM_REQUEST_COSTS = arr(obj({"metadataKey": STR, "type": STR, "cel": STR}, ["metadataKey", "type"]))
AIGATEWAYROUTE = obj({
    "parentRefs": arr(ref()),
    "rules": arr(obj({
        "matches": arr(obj({"headers": arr(obj({
            "type": {"type": "string", "enum": ["Exact", "RegularExpression"]},
            "name": STR, "value": STR}, ["name", "value"]))})),
        "backendRefs": arr(obj({
            "name": STR, "modelNameOverride": STR,
            "priority": {**INT32, "minimum": 0}, "weight": {**INT32, "minimum": 0},
            "headerMutation": HEADER_MUTATION, "bodyMutation": BODY_MUTATION}, ["name"])),
        "timeouts": obj({"request": DURATION, "backendRequest": DURATION}),
        "streamIdleTimeout": DURATION,
        "modelsOwnedBy": STR, "modelsCreatedAt": {"type": "string", "format": "date-time"}})),
    "llmRequestCosts": LLM_REQUEST_COSTS,
})
GATEWAYCONFIG = obj({"extProc": obj(), "globalLLMRequestCosts": LLM_REQUEST_COSTS})
AISERVICEBACKEND = obj({
    "schema": obj({"name": STR, "version": STR, "prefix": STR}, ["name"]),
    "backendRef": ref(),
    "headerMutation": HEADER_MUTATION, "bodyMutation": BODY_MUTATION,
}, ["schema", "backendRef"])
BACKENDSECURITYPOLICY = obj({
    "targetRefs": arr(ref(("group", "kind", "name"))),
    "type": STR,
    "apiKey": obj({"secretRef": SECRET_REF}),
    "gcpCredentials": obj({"projectName": STR, "region": STR,
                           "credentialsFile": obj({"secretRef": SECRET_REF}, ["secretRef"])}),
}, ["type"])
BACKEND = obj({"endpoints": arr(obj({
    "fqdn": obj({"hostname": STR, "port": PORT}, ["hostname", "port"]),
    "ip": obj({"address": STR, "port": PORT}, ["address", "port"]),
    "unix": obj({"path": STR}, ["path"])}))})
UINT = {"type": "integer", "minimum": 0}
RATE_LIMIT_COST = obj({"from": enum("Number", "Metadata"), "number": UINT,
                       "metadata": obj({"namespace": STR, "key": STR}, ["namespace", "key"])},
                      ["from"])
RATE_LIMIT_RULE = obj({
    "clientSelectors": arr(obj({
        "headers": arr(obj({"type": enum("Exact", "RegularExpression", "Distinct"), "name": STR,
                            "value": STR, "invert": BOOL}, ["name"])),
        "methods": arr(obj({"value": STR, "invert": BOOL}, ["value"])),
        "path": obj({"type": enum("Exact", "PathPrefix", "RegularExpression"), "value": STR,
                     "invert": BOOL}),
        "sourceCIDR": obj({"type": enum("Exact", "Distinct"), "value": STR}, ["value"])})),
    "limit": obj({"requests": UINT,
                  "unit": enum("Second", "Minute", "Hour", "Day", "Month", "Year")},
                 ["requests", "unit"]),
    "cost": obj({"request": RATE_LIMIT_COST, "response": RATE_LIMIT_COST}),
    "shared": BOOL, "shadowMode": BOOL}, ["limit"])
TARGETS = {"targetRef": ref(("group", "kind", "name")),
           "targetRefs": arr(ref(("group", "kind", "name")))}
BACKENDTRAFFICPOLICY = obj({**TARGETS, "retry": obj({
    "numRetries": {**INT32, "minimum": 0},
    "numAttemptsPerPriority": {**INT32, "minimum": 0},
    "perRetry": obj({"timeout": DURATION,
                     "backOff": obj({"baseInterval": DURATION, "maxInterval": DURATION})}),
    "retryOn": obj({"triggers": arr(STR),
                    "httpStatusCodes": arr({"type": "integer", "minimum": 100, "maximum": 599})})}),
    "rateLimit": obj({"type": enum("Global", "Local"),
                      "global": obj({"rules": arr(RATE_LIMIT_RULE)}, ["rules"]),
                      "local": obj({"rules": arr(RATE_LIMIT_RULE)})})})
CLIENTTRAFFICPOLICY = obj({**TARGETS, "connection": obj({
    "bufferLimit": QUANTITY, "connectionLimit": obj({"value": {"type": "integer", "minimum": 1}})})})
GATEWAYCLASS = obj({"controllerName": STR, "parametersRef": ref(("group", "kind", "name"))},
                   ["controllerName"])
GATEWAY = obj({"gatewayClassName": STR, "listeners": arr(obj({
    "name": STR, "hostname": STR, "port": {**PORT, "minimum": 1}, "protocol": STR,
    "tls": obj()}, ["name", "port", "protocol"]), minItems=1)}, ["gatewayClassName", "listeners"])
BACKENDTLSPOLICY = obj({
    "targetRefs": arr(ref(("group", "kind", "name")), minItems=1),
    "validation": obj({"hostname": STR,
                       "wellKnownCACertificates": {"type": "string", "enum": ["System"]},
                       "caCertificateRefs": arr(ref(("group", "kind", "name")))}, ["hostname"]),
}, ["targetRefs", "validation"])

AIGW, EG, GWAPI = "aigateway.envoyproxy.io", "gateway.envoyproxy.io", "gateway.networking.k8s.io"
# (group, kind, plural, short names, spec, [(version, storage)], status subresource)
CRDS = [
    (AIGW, "AIGatewayRoute", "aigatewayroutes", ["aigwroute"], AIGATEWAYROUTE,
     [("v1alpha1", False), ("v1beta1", True)], True),
    (AIGW, "AIServiceBackend", "aiservicebackends", ["aisvcbackend"], AISERVICEBACKEND,
     [("v1alpha1", False), ("v1beta1", True)], True),
    (AIGW, "BackendSecurityPolicy", "backendsecuritypolicies", ["aibsp"], BACKENDSECURITYPOLICY,
     [("v1alpha1", False), ("v1beta1", True)], True),
    (AIGW, "GatewayConfig", "gatewayconfigs", ["gwconfig"], GATEWAYCONFIG,
     [("v1alpha1", False), ("v1beta1", True)], True),
    (EG, "Backend", "backends", ["be"], BACKEND, [("v1alpha1", True)], True),
    (EG, "BackendTrafficPolicy", "backendtrafficpolicies", ["btp"], BACKENDTRAFFICPOLICY,
     [("v1alpha1", True)], True),
    (EG, "ClientTrafficPolicy", "clienttrafficpolicies", ["ctp"], CLIENTTRAFFICPOLICY,
     [("v1alpha1", True)], True),
    (GWAPI, "GatewayClass", "gatewayclasses", ["gc"], GATEWAYCLASS,
     [("v1", True), ("v1beta1", False)], True),
    (GWAPI, "Gateway", "gateways", ["gtw"], GATEWAY, [("v1", True), ("v1beta1", False)], True),
    (GWAPI, "BackendTLSPolicy", "backendtlspolicies", ["btlspolicy"], BACKENDTLSPOLICY,
     [("v1", True), ("v1alpha3", False)], True),
]
CLUSTER_SCOPED = {"GatewayClass"}
# The kinds Switchyard writes the Accepted condition on: `kubectl get` shows its status (and
# `-o wide` its message), as Gateway API's CRDs show Programmed. Envoy AI Gateway's own chart
# prints the last condition's type instead.
ACCEPTED_COLUMNS = [
    {"name": "Accepted", "type": "string",
     "jsonPath": '.status.conditions[?(@.type=="Accepted")].status'},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    {"name": "Message", "type": "string", "priority": 1,  # -o wide
     "jsonPath": '.status.conditions[?(@.type=="Accepted")].message'},
]
WITH_ACCEPTED = {"AIGatewayRoute", "AIServiceBackend", "BackendSecurityPolicy"}


def crd(group, kind, plural, short, spec, versions, status):
    schema = {"openAPIV3Schema": {"type": "object", "properties": {
        "apiVersion": STR, "kind": STR, "metadata": {"type": "object"},
        "spec": spec, "status": STATUS}, "required": ["spec"]}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}", "labels": {
            "app.kubernetes.io/part-of": "switchyard",
            "switchyard.dev/crd-flavor": "minimal"},
            # The API server refuses CRDs in *.k8s.io / *.kubernetes.io groups without it (the
            # value upstream Gateway API's CRDs carry).
            **({"annotations": {"api-approved.kubernetes.io":
                                "https://github.com/kubernetes-sigs/gateway-api/pull/2466"}}
               if group.endswith((".k8s.io", ".kubernetes.io")) else {})},
        "spec": {
            "group": group,
            "names": {"kind": kind, "listKind": kind + "List", "plural": plural,
                      "singular": kind.lower(), "shortNames": short},
            "scope": "Cluster" if kind in CLUSTER_SCOPED else "Namespaced",
            "versions": [{"name": v, "served": True, "storage": storage, "schema": schema,
                          **({"subresources": {"status": {}}} if status else {}),
                          **({"additionalPrinterColumns": ACCEPTED_COLUMNS}
                             if kind in WITH_ACCEPTED else {})}
                         for v, storage in versions],
        },
    }


def render():
    files = {}
    header = ("# Generated by deploy/crds/gen-crds.py; edit that and re-run it.\n"
              "# A minimal structural CRD for clusters without the upstream CRD charts.\n")
    for c in CRDS:
        name = f"{c[0]}_{c[2]}.yaml"
        files[name] = header + yaml.dump(crd(*c), Dumper=Dumper, sort_keys=False, width=100)
    files["kustomization.yaml"] = (
        "# Generated by deploy/crds/gen-crds.py.\n"
        + yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1beta1",
                          "kind": "Kustomization", "resources": sorted(files)},
                         sort_keys=False))
    return files


def main():
    check = "--check" in sys.argv
    stale = []
    for name, text in render().items():
        path = os.path.join(HERE, name)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(name)
            if not check:
                with open(path, "w") as f:
                    f.write(text)
    if check and stale:
        print("deploy/crds: out of date, run deploy/crds/gen-crds.py: " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
