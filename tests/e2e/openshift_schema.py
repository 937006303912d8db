"""Strict JSON schemas for the OpenShift kinds warpdrive writes: ImageStream
(image.openshift.io/v1), BuildConfig (build.openshift.io/v1), Route
(route.openshift.io/v1) and Template (template.openshift.io/v1).

kubernetes-validate ships the Kubernetes API only, and OpenShift's OpenAPI
document is not on the package index; so these schemas are written here by
hand from the field lists of OpenShift's API reference (openshift/api types).
They are strict: every object has additionalProperties false, so a field
OpenShift does not have, a misspelling or a wrong nesting fails; types, enums
and required fields are those of the API. They cover the fields warpdrive and
its templates use (and their siblings where cheap), not the whole API: a field
OpenShift has but that is not listed here also fails, which errs on the safe
side. ObjectMeta and embedded core types (EnvVar, ResourceRequirements) are
checked against kubernetes-validate's own Kubernetes schema by the test.
"""


def obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or [], "additionalProperties": False}


STRING = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
ANY_OBJECT = {"type": "object"}  # checked separately against the Kubernetes schema (metadata)

OBJECT_REFERENCE = obj({
    "kind": {"enum": ["ImageStreamTag", "ImageStreamImage", "DockerImage"]},
    "name": STRING, "namespace": STRING,
}, ["kind", "name"])

LOCAL_OBJECT_REFERENCE = obj({"name": STRING})


def top(api_version: str, kind: str, spec: dict, status: dict | None = None) -> dict:
    return obj({
        "apiVersion": {"const": api_version},
        "kind": {"const": kind},
        "metadata": ANY_OBJECT,
        "spec": spec,
        "status": status or ANY_OBJECT,
    }, ["apiVersion", "kind", "metadata", "spec"])


TAG_REFERENCE = obj({
    "name": STRING,
    "annotations": STRING_MAP,
    "from": OBJECT_REFERENCE,
    "reference": BOOL,
    "generation": INT,
    "importPolicy": obj({"insecure": BOOL, "scheduled": BOOL, "importMode": {"enum": ["Legacy", "PreserveOriginal"]}}),
    "referencePolicy": obj({"type": {"enum": ["Source", "Local"]}}, ["type"]),
}, ["name"])

IMAGE_STREAM = top("image.openshift.io/v1", "ImageStream", obj({
    "lookupPolicy": obj({"local": BOOL}, ["local"]),
    "dockerImageRepository": STRING,
    "tags": {"type": "array", "items": TAG_REFERENCE},
}))

ENV_LIST = {"type": "array", "items": ANY_OBJECT}  # EnvVar: checked against the Kubernetes schema

GIT_SOURCE = obj({"uri": STRING, "ref": STRING, "httpProxy": STRING, "httpsProxy": STRING, "noProxy": STRING},
                 ["uri"])

BUILD_SOURCE = obj({
    "type": {"enum": ["Git", "Dockerfile", "Binary", "Image", "None"]},
    "binary": obj({"asFile": STRING}),
    "dockerfile": STRING,
    "git": GIT_SOURCE,
    "contextDir": STRING,
    "sourceSecret": LOCAL_OBJECT_REFERENCE,
}, ["type"])

SOURCE_STRATEGY = obj({
    "from": OBJECT_REFERENCE,
    "pullSecret": LOCAL_OBJECT_REFERENCE,
    "env": ENV_LIST,
    "scripts": STRING,
    "incremental": BOOL,
    "forcePull": BOOL,
}, ["from"])

BUILD_TRIGGER = obj({
    "type": {"enum": ["GitHub", "Generic", "GitLab", "Bitbucket", "ImageChange", "ConfigChange"]},
    "imageChange": obj({"lastTriggeredImageID": STRING, "from": OBJECT_REFERENCE, "paused": BOOL}),
    "github": obj({"secret": STRING, "secretReference": obj({"name": STRING})}),
    "generic": obj({"secret": STRING, "secretReference": obj({"name": STRING}), "allowEnv": BOOL}),
}, ["type"])

BUILD_CONFIG = top("build.openshift.io/v1", "BuildConfig", obj({
    "runPolicy": {"enum": ["Parallel", "Serial", "SerialLatestOnly"]},
    "serviceAccount": STRING,
    "source": BUILD_SOURCE,
    "strategy": obj({
        "type": {"enum": ["Source", "Docker", "Custom", "JenkinsPipeline"]},
        "sourceStrategy": SOURCE_STRATEGY,
    }, ["type"]),
    "output": obj({"to": OBJECT_REFERENCE, "pushSecret": LOCAL_OBJECT_REFERENCE, "imageLabels": {"type": "array"}}),
    "resources": ANY_OBJECT,
    "triggers": {"type": "array", "items": BUILD_TRIGGER},
    "completionDeadlineSeconds": INT,
    "successfulBuildsHistoryLimit": INT,
    "failedBuildsHistoryLimit": INT,
    "nodeSelector": STRING_MAP,
}, ["strategy"]))

ROUTE = top("route.openshift.io/v1", "Route", obj({
    "host": STRING,
    "subdomain": STRING,
    "path": STRING,
    "to": obj({"kind": {"const": "Service"}, "name": STRING, "weight": INT}, ["kind", "name"]),
    "alternateBackends": {"type": "array"},
    "port": obj({"targetPort": {"type": ["string", "integer"]}}, ["targetPort"]),
    "tls": obj({
        "termination": {"enum": ["edge", "passthrough", "reencrypt"]},
        "insecureEdgeTerminationPolicy": {"enum": ["None", "Allow", "Redirect", ""]},
        "certificate": STRING, "key": STRING, "caCertificate": STRING, "destinationCACertificate": STRING,
    }, ["termination"]),
    "wildcardPolicy": {"enum": ["None", "Subdomain"]},
}, ["to"]))

PARAMETER = obj({
    "name": {"type": "string", "pattern": "^[a-zA-Z0-9_]+$"},
    "displayName": STRING,
    "description": STRING,
    "value": STRING,
    "generate": {"enum": ["expression"]},
    "from": STRING,
    "required": BOOL,
}, ["name"])

TEMPLATE = obj({
    "apiVersion": {"const": "template.openshift.io/v1"},
    "kind": {"const": "Template"},
    "metadata": ANY_OBJECT,
    "message": STRING,
    "objects": {"type": "array", "items": ANY_OBJECT},
    "parameters": {"type": "array", "items": PARAMETER},
    "labels": STRING_MAP,
}, ["apiVersion", "kind", "metadata", "objects"])

SCHEMAS = {
    ("image.openshift.io/v1", "ImageStream"): IMAGE_STREAM,
    ("build.openshift.io/v1", "BuildConfig"): BUILD_CONFIG,
    ("route.openshift.io/v1", "Route"): ROUTE,
    ("template.openshift.io/v1", "Template"): TEMPLATE,
}
