"""warpdrive manifests and the OpenShift templates under openshift/templates.

Every generated object, and every object of the processed templates, is
validated strictly (unknown fields are errors) against the Kubernetes API
schemas that the kubernetes-validate package ships, for the newest release it
has and for an older one still in use; OpenShift kinds against the strict
schemas of openshift_schema.py (see its docstring for what they cover).
Templates are processed here by OpenShift's own rules for ${PARAM} and
${{PARAM}}. The podman part (last in this file) runs the generated objects for real with
`podman kube play`, reusing the builder images of test_image.py.
"""
import json
import random
import re
import site
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, pypi_venv, warpdrive_binary
import openshift_schema

# The newest Kubernetes kubernetes-validate 1.37.0 has schemas for, and an
# older release still run by current OpenShift 4 versions.
K8S_VERSIONS = ["1.37.0", "1.33.0"]
TEMPLATES = REPO / "openshift" / "templates"

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@pytest.fixture(scope="module")
def kv():
    """kubernetes_validate (and jsonschema) from the pinned package, in a cached venv."""
    venv = pypi_venv("kubernetes-validate")
    for packages in venv.glob("lib/python*/site-packages"):
        site.addsitedir(str(packages))
    import kubernetes_validate  # noqa: PLC0415 (only after the venv is on the path)
    return kubernetes_validate


def manifests(*args, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([str(warpdrive_binary()), "manifests", *map(str, args)], cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    if check:
        assert r.returncode == 0, f"warpdrive manifests {args} exited {r.returncode}:\n{r.stderr}"
        assert r.stderr == ""
    return r


def objects_of(*args, cwd: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(manifests(*args, cwd=cwd).stdout)]


def django_app(root: Path) -> Path:
    (root / "manage.py").write_text("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n")
    return root


def hook_app(root: Path) -> Path:
    hook = root / ".warpdrive" / "action_hooks" / "migrate"
    hook.parent.mkdir(parents=True)
    hook.write_text("#!/bin/sh\nexec python manage.py migrate --noinput\n")
    hook.chmod(0o755)
    return root


# --- validation -----------------------------------------------------------

def check_label_map(labels: dict, where: str):
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        assert not prefix or (len(prefix) <= 253 and DNS1123_SUBDOMAIN.match(prefix)), f"{where}: label key {key}"
        assert len(name) <= 63 and LABEL_NAME.match(name), f"{where}: label key {key}"
        assert isinstance(value, str) and len(value) <= 63 and LABEL_VALUE.match(value), f"{where}: {key}={value!r}"


def check_port_name(name: str, where: str):
    # IANA_SVC_NAME: at most 15, lower-case alphanumerics and '-', a letter somewhere, no "--", no '-' at the ends.
    assert len(name) <= 15 and re.match(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", name) and re.search("[a-z]", name) \
        and "--" not in name, f"{where}: port name {name!r}"


def check_pod_spec(pod: dict, where: str):
    for c in pod["containers"]:
        assert len(c["name"]) <= 63 and DNS1123_LABEL.match(c["name"]), f"{where}: container {c['name']}"
        for p in c.get("ports", []):
            check_port_name(p["name"], where)
            assert 1 <= p["containerPort"] <= 65535
        for e in c.get("env", []):
            assert ENV_NAME.match(e["name"]) and isinstance(e.get("value", ""), str), f"{where}: env {e}"


def check_names(obj: dict):
    kind, name = obj["kind"], obj["metadata"]["name"]
    where = f"{kind} {name}"
    if kind == "Service":
        assert len(name) <= 63 and DNS1035_LABEL.match(name), where
        for p in obj["spec"]["ports"]:
            check_port_name(p["name"], where)
    elif kind in ("Deployment", "Job"):
        # The Job controller copies a Job's name into a label value; a Deployment's name prefixes its pods'.
        assert len(name) <= 63 and DNS1123_LABEL.match(name), where
    else:
        assert len(name) <= 253 and DNS1123_SUBDOMAIN.match(name), where
    check_label_map(obj["metadata"].get("labels", {}), where)
    if kind in ("Deployment", "Job"):
        check_label_map(obj["spec"]["template"]["metadata"]["labels"], where)
        check_pod_spec(obj["spec"]["template"]["spec"], where)


def validate(kv, obj: dict):
    """Strict schema validation of one object, plus the API's name rules."""
    import jsonschema  # noqa: PLC0415 (from the kubernetes-validate venv)
    key = (obj.get("apiVersion"), obj.get("kind"))
    if key in openshift_schema.SCHEMAS:
        jsonschema.Draft7Validator(openshift_schema.SCHEMAS[key]).validate(obj)
        # ObjectMeta is Kubernetes': checked with Kubernetes' schema on a ConfigMap carrying it.
        for version in K8S_VERSIONS:
            kv.validate({"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj["metadata"]}, version, strict=True)
    else:
        for version in K8S_VERSIONS:
            kv.validate(obj, version, strict=True)
    check_names(obj)


def check_selectors(objects: list[dict]):
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], []).append(o)
    (deployment,) = by_kind["Deployment"]
    (service,) = by_kind["Service"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector and selector.items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    ports = {p["name"] for c in deployment["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    for job in by_kind.get("Job", []):
        # The migration pod has no readiness probe: the Service must never select it.
        job_labels = job["spec"]["template"]["metadata"]["labels"]
        assert not service["spec"]["selector"].items() <= job_labels.items()
    for route in by_kind.get("Route", []):
        assert route["spec"]["to"]["name"] == service["metadata"]["name"]
        assert route["spec"]["port"]["targetPort"] in {p["name"] for p in service["spec"]["ports"]}


# --- warpdrive manifests ---------------------------------------------------

def test_kubernetes_objects_validate_strictly(kv, tmp_path):
    objects = objects_of("registry.example/shop/web:2.0", "--replicas", "3", "--cpu", "500m", "--memory", "256Mi",
                         "--env", "DEBUG=false", "--env-from-secret", "db-credentials", cwd=tmp_path)
    assert [o["kind"] for o in objects] == ["Deployment", "Service"]
    for o in objects:
        validate(kv, o)
    check_selectors(objects)
    d = objects[0]
    assert d["metadata"]["name"] == "web"
    pod = d["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert "command" not in c and "args" not in c  # the image's ENTRYPOINT and CMD
    assert c["image"] == "registry.example/shop/web:2.0"
    assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert c["resources"] == {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
    assert c["env"] == [{"name": "WARPDRIVE_HTTP_PORT", "value": "8080"}, {"name": "DEBUG", "value": "false"}]
    assert c["envFrom"] == [{"secretRef": {"name": "db-credentials"}}]
    # OpenShift restricted-v2: no fixed UID anywhere.
    assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert c["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                    "runAsNonRoot": True}
    assert "runAsUser" not in json.dumps(d)
    assert c["startupProbe"]["exec"]["command"] == ["warpdrive", "ready"]
    assert c["livenessProbe"]["exec"]["command"] == ["warpdrive", "alive"]
    assert c["readinessProbe"]["exec"]["command"] == ["warpdrive", "ready"]
    assert pod["terminationGracePeriodSeconds"] == 10  # warpdrive's 3 s stop bound plus a margin
    assert d["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    assert d["spec"]["replicas"] == 3


def test_port_moves_the_server_and_every_port(kv, tmp_path):
    d, s = objects_of("web:1", "--port", "9000", cwd=tmp_path)
    (c,) = d["spec"]["template"]["spec"]["containers"]
    assert c["ports"][0]["containerPort"] == 9000
    assert c["env"][0] == {"name": "WARPDRIVE_HTTP_PORT", "value": "9000"}
    assert s["spec"]["ports"][0]["port"] == 9000
    for o in (d, s):
        validate(kv, o)


@pytest.mark.parametrize("app,command", [
    (django_app, ["warpdrive-exec", "python", "manage.py", "migrate", "--noinput"]),
    (hook_app, ["warpdrive", "migrate"]),
])
def test_migration_job_once_per_image(kv, tmp_path, app, command):
    app(tmp_path)
    objects = objects_of("shop:1", "--env", "DATABASE_URL=sqlite:////data/db.sqlite3", cwd=tmp_path)
    assert [o["kind"] for o in objects] == ["Job", "Deployment", "Service"]
    for o in objects:
        validate(kv, o)
    check_selectors(objects)
    job = objects[0]
    assert re.fullmatch(r"shop-migrate-[0-9a-f]{8}", job["metadata"]["name"])
    assert job["metadata"]["annotations"]["warpdrive/image"] == "shop:1"
    assert job["spec"]["backoffLimit"] == 2
    assert job["spec"]["activeDeadlineSeconds"] == 1800
    assert job["spec"]["ttlSecondsAfterFinished"] == 604800
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (c,) = pod["containers"]
    assert c["command"] == command
    assert c["image"] == "shop:1"
    # The same environment as the web pods.
    assert c["env"] == objects[1]["spec"]["template"]["spec"]["containers"][0]["env"]
    # Same image, same Job (applying again runs nothing); another image, another Job.
    again = objects_of("shop:1", "--env", "DATABASE_URL=sqlite:////data/db.sqlite3", cwd=tmp_path)
    assert again[0]["metadata"]["name"] == job["metadata"]["name"]
    other = objects_of("shop:2", cwd=tmp_path)
    assert other[0]["metadata"]["name"] != job["metadata"]["name"]


def test_app_dir_names_where_to_look(tmp_path):
    django_app(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert [o["kind"] for o in objects_of("shop:1", "--app-dir", tmp_path, cwd=elsewhere)][0] == "Job"
    assert [o["kind"] for o in objects_of("shop:1", cwd=elsewhere)] == ["Deployment", "Service"]


@pytest.mark.parametrize("extra,source", [
    ([], {"type": "Binary", "binary": {}}),
    (["--git-url", "https://git.example/shop.git", "--git-ref", "main", "--context-dir", "app"],
     {"type": "Git", "git": {"uri": "https://git.example/shop.git", "ref": "main"}, "contextDir": "app"}),
])
def test_openshift_objects_validate(kv, tmp_path, extra, source):
    django_app(tmp_path)
    objects = objects_of("shop:1", "--openshift", "--host", "shop.apps.example.com", *extra, cwd=tmp_path)
    assert [o["kind"] for o in objects] == ["ImageStream", "BuildConfig", "Job", "Deployment", "Service", "Route"]
    for o in objects:
        validate(kv, o)
    check_selectors(objects)
    image_stream, build, _, deployment, _, route = objects
    assert image_stream["spec"]["lookupPolicy"] == {"local": True}
    assert build["spec"]["source"] == source
    assert build["spec"]["strategy"] == {"type": "Source", "sourceStrategy": {
        "from": {"kind": "ImageStreamTag", "name": "warpdrive-python:latest"}}}
    assert build["spec"]["output"]["to"] == {"kind": "ImageStreamTag", "name": "shop:latest"}
    trigger = json.loads(deployment["metadata"]["annotations"]["image.openshift.io/triggers"])
    assert trigger == [{"from": {"kind": "ImageStreamTag", "name": "shop:latest"},
                        "fieldPath": 'spec.template.spec.containers[?(@.name=="shop")].image'}]
    assert route["spec"]["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}
    assert route["spec"]["host"] == "shop.apps.example.com"


def test_the_validation_can_fail(kv, tmp_path):
    """The checks above reject what the API rejects: an unknown field, a wrong type, a bad enum."""
    import jsonschema  # noqa: PLC0415
    d, s = objects_of("web:1", cwd=tmp_path)
    d["spec"]["template"]["spec"]["containers"][0]["comand"] = ["x"]
    with pytest.raises(kv.ValidationError):
        validate(kv, d)
    s["spec"]["ports"][0]["port"] = "8080"
    with pytest.raises(kv.ValidationError):
        validate(kv, s)
    objects = objects_of("web:1", "--openshift", cwd=tmp_path)
    route = objects[-1]
    route["spec"]["tls"]["termination"] = "edgy"
    with pytest.raises(jsonschema.ValidationError):
        validate(kv, route)
    build = objects[1]
    build["spec"]["strategy"]["sourceStrategy"]["fromm"] = build["spec"]["strategy"]["sourceStrategy"].pop("from")
    with pytest.raises(jsonschema.ValidationError):
        validate(kv, build)
    objects[0]["metadata"]["labelz"] = {}
    with pytest.raises(kv.ValidationError):
        validate(kv, objects[0])


def test_values_are_escaped_by_the_yaml_library(tmp_path):
    tricky = {"A": "yes", "B": "8080", "C": "null", "D": "x: y # z", "E": '"q" \\ b', "F": "", "G": "on",
              "H": "1e3", "I": "two\nlines", "J": "ünïcode", "K": "- item", "L": "*alias", "M": "~", "N": "0x1F",
              "O": " lead", "P": "{a: b}", "Q": "---", "R": "'", "S": "%TAG", "T": "@x", "U": "`"}
    args = [a for k, v in tricky.items() for a in ("--env", f"{k}={v}")]
    (d, _) = objects_of("web:1", *args, cwd=tmp_path)
    env = d["spec"]["template"]["spec"]["containers"][0]["env"][1:]
    assert {e["name"]: e["value"] for e in env} == tricky


def test_output_writes_one_file_per_object(kv, tmp_path):
    django_app(tmp_path)
    printed = objects_of("shop:1", "--openshift", cwd=tmp_path)
    r = manifests("shop:1", "--openshift", "--output", "out", cwd=tmp_path)
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["01-imagestream-shop.yaml", "02-buildconfig-shop.yaml",
                                       f"03-job-{printed[2]['metadata']['name']}.yaml", "04-deployment-shop.yaml",
                                       "05-service-shop.yaml", "06-route-shop.yaml"]
    assert r.stdout.splitlines() == [str(f) for f in files]
    assert [yaml.safe_load(f.read_text()) for f in files] == printed
    # Writing again replaces the files (atomically: no temporary files stay).
    manifests("shop:1", "--openshift", "--output", "out", cwd=tmp_path)
    assert sorted((tmp_path / "out").iterdir()) == files


BAD = [
    ([], "an image is required: warpdrive manifests IMAGE (see --help)"),
    (["web:1", "--name", "My_App"], "--name 'My_App': must consist of lower-case letters, digits and '-' (a DNS-1123 label)"),
    (["web:1", "--name", "-web"], "--name '-web': must start and end with a letter or digit (a DNS-1123 label)"),
    (["web:1", "--name", "1web"], "--name '1web': must start with a letter (a Service name is a DNS-1035 label)"),
    (["web:1", "--name", "a" * 64], f"--name '{'a' * 64}': is 64 characters long; at most 63 are allowed"),
    (["web:1", "--env", "NOVALUE"], "--env 'NOVALUE': expected NAME=VALUE"),
    (["web:1", "--env", "1A=x"], "--env '1A=x': a name must not start with a digit"),
    (["web:1", "--env", "A-B=x"], "--env 'A-B=x': a name consists of letters, digits and '_'"),
    (["web:1", "--replicas", "0"], "--replicas '0': must be a positive integer"),
    (["web:1", "--replicas", "-2"], "--replicas '-2': must be a positive integer"),
    (["web:1", "--replicas", "two"], "--replicas 'two': must be a positive integer"),
    (["web:1", "--cpu", "1x"], "--cpu '1x': has an unknown suffix 'x': use one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, "
                               "or e<N> (e.g. 500m or 2)"),
    (["web:1", "--cpu", "fast"], "--cpu 'fast': is not a quantity: it must start with a number (e.g. 500m or 2)"),
    (["web:1", "--memory", "512m"], "--memory '512m': 'm' means a fraction of a byte; did you mean 512Mi? "
                                    "(e.g. 512Mi or 1Gi)"),
    (["web:1", "--memory", "1 Gi"], "--memory '1 Gi': has an unknown suffix ' Gi': use one of n u m k M G T P E, "
                                    "Ki Mi Gi Ti Pi Ei, or e<N> (e.g. 512Mi or 1Gi)"),
    (["web:1", "--port", "0"], "--port '0': must be a port number from 1 to 65535"),
    (["web:1", "--port", "65536"], "--port '65536': must be a port number from 1 to 65535"),
    (["web:1", "--env-from-secret", "Db"], "--env-from-secret 'Db': must be lower-case letters, digits, '-' and '.', "
                                           "each dot-separated part starting and ending with a letter or digit "
                                           "(a DNS-1123 subdomain)"),
    (["web:1", "--app-dir", "/nonexistent"], "--app-dir '/nonexistent': no such directory"),
    (["web:1", "--host", "x.example"], "--git-url, --git-ref, --context-dir and --host describe OpenShift objects: "
                                       "add --openshift"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a[1:] or ["no-image"]) for a, _ in BAD])
def test_bad_input_is_refused_and_nothing_printed(tmp_path, args, message):
    r = manifests(*args, "--output", "out", cwd=tmp_path, check=False)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"warpdrive: error: {message}\n")
    assert not (tmp_path / "out").exists()
    r = manifests(*args, cwd=tmp_path, check=False)
    assert (r.returncode, r.stdout) == (2, "")


def test_a_long_name_leaves_room_for_the_job(tmp_path):
    django_app(tmp_path)
    r = manifests("web:1", "--name", "a" * 47, cwd=tmp_path, check=False)
    assert (r.returncode, r.stdout) == (2, "")
    assert "at most 46 are allowed, because the migration Job is named NAME-migrate-<8 hex digits>" in r.stderr
    (job, *_) = objects_of("web:1", "--name", "a" * 46, cwd=tmp_path)
    assert len(job["metadata"]["name"]) == 63


# --- the OpenShift templates -------------------------------------------------

class TemplateError(Exception):
    pass


STRING_PARAM = re.compile(r"\$\{([a-zA-Z0-9_]+)\}")
NON_STRING_PARAM = re.compile(r"^\$\{\{([a-zA-Z0-9_]+)\}\}$")


def generate(expression: str, rng: random.Random) -> str:
    """OpenShift's expression generator, for what templates use: [ranges]{n}, \\w, \\d, \\a, \\A, literals."""
    classes = {"\\w": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", "\\d": "0123456789",
               "\\a": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
               "\\A": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"}
    out, i = "", 0
    while i < len(expression):
        if expression[i] == "[":
            end = expression.index("]", i)
            body, chars, k = expression[i + 1:end], "", 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    chars += "".join(chr(c) for c in range(ord(body[k]), ord(body[k + 2]) + 1))
                    k += 3
                else:
                    chars += body[k]
                    k += 1
            i = end + 1
        elif expression[i] == "\\":
            chars, i = classes[expression[i:i + 2]], i + 2
        else:
            out, i = out + expression[i], i + 1
            continue
        count = 1
        if i < len(expression) and expression[i] == "{":
            end = expression.index("}", i)
            count, i = int(expression[i + 1:end]), end + 1
        out += "".join(rng.choice(chars) for _ in range(count))
    return out


def substitute(value: str, params: dict):
    """One string field, as OpenShift's template processor does: a field that is exactly ${{NAME}}
    takes the parameter's value as JSON (not a string); otherwise each ${NAME} is replaced inside the
    string. Unknown parameters stay as written."""
    m = NON_STRING_PARAM.match(value)
    if m and m.group(1) in params:
        try:
            return json.loads(params[m.group(1)])
        except json.JSONDecodeError as e:
            raise TemplateError(f"${{{{{m.group(1)}}}}}: {params[m.group(1)]!r} is not a JSON value: {e}") from e
    return STRING_PARAM.sub(lambda mm: params.get(mm.group(1), mm.group(0)), value)


def walk(node, params: dict):
    if isinstance(node, dict):
        return {substitute(k, params) if isinstance(k, str) else k: walk(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [walk(v, params) for v in node]
    if isinstance(node, str):
        return substitute(node, params)
    return node


def process_template(template: dict, given: dict, seed: int = 0) -> tuple[list[dict], str]:
    """oc process: parameter values (given, else value, else generated), required ones checked,
    substitution in every object and in the message, the template's labels added to every object."""
    rng = random.Random(seed)
    params = {}
    for p in template.get("parameters", []):
        name = p["name"]
        if name in given:
            value = given[name]
        elif p.get("value"):
            value = p["value"]
        elif p.get("generate") == "expression":
            value = generate(p["from"], rng)
        else:
            value = ""
        if p.get("required") and value == "":
            raise TemplateError(f"parameter {name} is required and has no value")
        params[name] = value
    unknown = set(given) - set(params)
    if unknown:
        raise TemplateError(f"unknown parameters: {sorted(unknown)}")
    objects = []
    for o in walk(template["objects"], params):
        o.setdefault("metadata", {}).setdefault("labels", {}).update(template.get("labels", {}))
        objects.append(o)
    return objects, substitute(template.get("message", ""), params)


def load_template(name: str) -> dict:
    return yaml.safe_load((TEMPLATES / name).read_text())


def test_template_processing_follows_openshifts_rules():
    template = {"objects": [{"a": "${X}-${X}-${Y}", "b": "${{N}}", "c": "x${{N}}", "d": "${{S}}", "e": "${NOPE}"}],
                "parameters": [{"name": "X", "value": "1"}, {"name": "Y", "generate": "expression", "from": "[a-c]{5}"},
                               {"name": "N", "value": "3"}, {"name": "S", "value": '["a", 1]'}]}
    (o,), _ = process_template(template, {})
    assert o["a"].startswith("1-1-") and re.fullmatch(r"[a-c]{5}", o["a"][4:])
    assert o["b"] == 3 and o["c"] == "x${{N}}" and o["d"] == ["a", 1] and o["e"] == "${NOPE}"
    with pytest.raises(TemplateError):
        process_template({"objects": [], "parameters": [{"name": "R", "required": True}]}, {})
    with pytest.raises(TemplateError):
        process_template({"objects": [{"x": "${{N}}"}], "parameters": [{"name": "N", "value": "not json"}]}, {})


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.yaml")))
def test_templates_are_valid_templates(kv, name):
    template = load_template(name)
    validate(kv, template)
    for p in template["parameters"]:
        assert re.fullmatch(r"[A-Z0-9_]+", p["name"])
    names = [p["name"] for p in template["parameters"]]
    assert len(names) == len(set(names))
    # Every parameter is used, and everything used is a parameter.
    text = json.dumps(template["objects"]) + template.get("message", "")
    used = set(re.findall(r"\$\{\{?([a-zA-Z0-9_]+)\}?\}", text))
    assert used == set(names), f"unused {set(names) - used}, undeclared {used - set(names)}"


def test_builder_template_makes_a_builder_for_oc_new_app(kv):
    objects, message = process_template(load_template("warpdrive-python-builder.yaml"),
                                        {"BUILDER_IMAGE": "quay.example/acme/warpdrive-python3:latest"})
    (stream,) = objects
    validate(kv, stream)
    assert stream["metadata"]["name"] == "warpdrive-python"  # oc new-app warpdrive-python~GIT_URL
    (tag,) = stream["spec"]["tags"]
    assert "builder" in tag["annotations"]["tags"].split(",")  # what oc new-app looks for in a builder
    assert "python" in tag["annotations"]["supports"].split(",")
    assert tag["from"] == {"kind": "DockerImage", "name": "quay.example/acme/warpdrive-python3:latest"}
    assert "warpdrive-python~GIT_URL" in message
    with pytest.raises(TemplateError, match="BUILDER_IMAGE is required"):
        process_template(load_template("warpdrive-python-builder.yaml"), {})


def test_app_template_objects_validate_and_match_the_generated_ones(kv, tmp_path):
    template = load_template("warpdrive-python-app.yaml")
    objects, message = process_template(template, {"NAME": "shop", "GIT_URL": "https://git.example/shop.git",
                                                   "REPLICAS": "2", "CONTEXT_DIR": "app"}, seed=1)
    assert [o["kind"] for o in objects] == ["ImageStream", "BuildConfig", "Job", "Deployment", "Service", "Route"]
    for o in objects:
        validate(kv, o)
    check_selectors(objects)
    by_kind = {o["kind"]: o for o in objects}
    deployment, job = by_kind["Deployment"], by_kind["Job"]
    assert deployment["spec"]["replicas"] == 2  # ${{REPLICAS}}: an integer, not "2"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["warpdrive", "migrate"]
    release = job["metadata"]["annotations"]["warpdrive/release"]
    assert re.fullmatch(r"[a-z0-9]{8}", release) and job["metadata"]["name"] == f"shop-migrate-{release}"
    assert f"shop-migrate-{release}" in message
    assert by_kind["BuildConfig"]["spec"]["source"]["contextDir"] == "app"
    # Another processing is another release: its migration runs once more.
    again, _ = process_template(template, {"NAME": "shop", "GIT_URL": "https://git.example/shop.git"}, seed=2)
    assert [o for o in again if o["kind"] == "Job"][0]["metadata"]["name"] != job["metadata"]["name"]
    # Django without a migrate hook: the command is a JSON list parameter.
    django, _ = process_template(template, {"NAME": "shop", "GIT_URL": "u", "MIGRATE_COMMAND":
                                            '["warpdrive-exec", "python", "manage.py", "migrate", "--noinput"]'})
    assert [o for o in django if o["kind"] == "Job"][0]["spec"]["template"]["spec"]["containers"][0]["command"][-1] \
        == "--noinput"

    # The template and `warpdrive manifests` make the same choices.
    generated = {o["kind"]: o for o in objects_of("shop:latest", "--openshift", "--replicas", "2", "--cpu", "500m",
                                                  "--memory", "512Mi", "--git-url", "https://git.example/shop.git",
                                                  "--context-dir", "app", cwd=django_app(tmp_path))}
    for kind in ("Deployment", "Job"):
        t_pod, g_pod = by_kind[kind]["spec"]["template"]["spec"], generated[kind]["spec"]["template"]["spec"]
        for key in ("terminationGracePeriodSeconds", "securityContext"):
            assert t_pod[key] == g_pod[key], (kind, key)
        t_c, g_c = t_pod["containers"][0], g_pod["containers"][0]
        for key in ("securityContext", "startupProbe", "livenessProbe", "readinessProbe", "ports"):
            assert t_c.get(key) == g_c.get(key), (kind, key)
    for key in ("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        assert by_kind["Job"]["spec"][key] == generated["Job"]["spec"][key]
    assert by_kind["Deployment"]["spec"]["strategy"] == generated["Deployment"]["spec"]["strategy"]
    triggers = "image.openshift.io/triggers"
    assert json.loads(by_kind["Deployment"]["metadata"]["annotations"][triggers]) == \
        json.loads(generated["Deployment"]["metadata"]["annotations"][triggers])
    assert by_kind["Deployment"]["spec"]["selector"] == generated["Deployment"]["spec"]["selector"]
    assert by_kind["Service"]["spec"] == generated["Service"]["spec"]
    assert by_kind["Route"]["spec"]["tls"] == generated["Route"]["spec"]["tls"]
    t_bc, g_bc = by_kind["BuildConfig"]["spec"], generated["BuildConfig"]["spec"]
    assert t_bc["strategy"]["sourceStrategy"]["from"]["name"] == g_bc["strategy"]["sourceStrategy"]["from"]["name"]
    assert t_bc["output"] == g_bc["output"] and t_bc["triggers"] == g_bc["triggers"]


def test_app_template_refuses_missing_parameters():
    with pytest.raises(TemplateError, match="NAME is required"):
        process_template(load_template("warpdrive-python-app.yaml"), {"GIT_URL": "u"})
    with pytest.raises(TemplateError, match="GIT_URL is required"):
        process_template(load_template("warpdrive-python-app.yaml"), {"NAME": "shop"})


# --- for real, with podman kube play ------------------------------------------
# podman 4.3 runs Pods and Deployments (honouring resources, env, runAsUser)
# but not Jobs, Services or probes: the Job's pod template runs as a Pod, and
# the probe commands run with podman exec. The builder images are the shared
# ones of test_image.py (built once, cached by digest).

from test_image import build_ok, builder, django_builder, django_source, logs, podman, res, wait_http  # noqa: E402,F401
from conftest import ARBITRARY_UID, free_port  # noqa: E402


def as_openshift_would(pod_spec: dict):
    """What OpenShift's restricted-v2 admission adds: a UID from the project's range, group 0."""
    pod_spec["securityContext"].update({"runAsUser": ARBITRARY_UID, "runAsGroup": 0})


def kube_play(path: Path, request) -> str:
    """Plays the YAML file; returns the container of its one pod; `kube down` at the end."""
    request.addfinalizer(lambda: podman("kube", "down", str(path), check=False))
    out = podman("kube", "play", str(path), timeout=300).stdout.split()
    containers = out[out.index("Container:") + 1:] if "Container:" in out else []
    assert len(containers) == 1, f"podman kube play printed:\n{out}"
    return containers[0]


@pytest.fixture(scope="module")
def k8s_django(res, django_builder, tmp_path_factory):
    """A warpdrive-built Django image whose SQLite database path comes from DATABASE_PATH."""
    root = django_source(tmp_path_factory.mktemp("k8s-django"))
    settings = root / "mysite" / "settings.py"
    text = settings.read_text().replace("BASE_DIR / 'db.sqlite3'",
                                                "os.environ.get('DATABASE_PATH', BASE_DIR / 'db.sqlite3')")
    assert "DATABASE_PATH" in text
    settings.write_text("import os\n" + text)
    image = res.image("k8s-django") + ":r1"  # a fixed tag: kube play uses the local image
    build_ok(root, "--builder-image", django_builder, image)
    return {"root": root, "image": image}


def cgroup_value(container: str, *paths: str) -> str:
    for path in paths:
        r = podman("exec", container, "cat", path, check=False)
        if r.returncode == 0:
            return r.stdout.strip()
    raise AssertionError(f"none of {paths} in {container}")


def test_podman_deployment_serves_with_limits_and_probes(request, res, k8s_django, tmp_path):
    objects = objects_of(k8s_django["image"], "--name", f"wdk8s-web-{res.tag}", "--cpu", "500m", "--memory", "300Mi",
                         "--env", "DATABASE_PATH=/tmp/db.sqlite3", "--app-dir", k8s_django["root"], cwd=tmp_path)
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    as_openshift_would(pod)
    (c,) = pod["containers"]
    port = free_port()
    # What publishes a port under podman kube play (a cluster has the Service for this).
    c["ports"][0].update({"hostPort": port, "hostIP": "127.0.0.1"})
    pod["restartPolicy"] = "Never"  # see the kill below
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(deployment, sort_keys=False))
    container = kube_play(path, request)

    status, _, body = wait_http(container, f"http://127.0.0.1:{port}/", timeout=120)
    assert status == 200 and b"The install worked successfully" in body
    assert podman("exec", container, "id", "-u").stdout.strip() == str(ARBITRARY_UID)

    # The limits, in the container's cgroup (v2 files, or v1 on a hybrid host).
    cpu = cgroup_value(container, "/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                       "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us")
    if " " in cpu:
        quota, period = map(int, cpu.split())
    else:
        quota = int(cpu)
        period = int(cgroup_value(container, "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
                                  "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"))
    assert quota / period == 0.5
    memory = cgroup_value(container, "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert int(memory) == 300 * 1024 * 1024
    # ... which is where warpdrive's worker sizing read them from.
    log = logs(container)
    assert "0.50 CPUs (cgroup" in log and "300 MiB memory (cgroup" in log, log

    # The probe commands of the Deployment succeed while the server is up...
    probes = {k: c[k]["exec"]["command"] for k in ("startupProbe", "livenessProbe", "readinessProbe")}
    for kind, command in probes.items():
        r = podman("exec", container, *command, check=False)
        assert r.returncode == 0, f"{kind} {command}: {r.stdout}{r.stderr}\n{logs(container)}"
    # The readiness probe checks the ports the server really listens on, which start
    # recorded; a WARPDRIVE_HTTP_PORT that says otherwise does not mislead it.
    state = json.loads(podman("exec", container, "cat", "/opt/app-root/tmp/warpdrive/run.json").stdout)
    assert [listener["port"] for listener in state["listeners"]] == [8080], state
    r = podman("exec", "-e", "WARPDRIVE_HTTP_PORT=1", container, *probes["readinessProbe"], check=False)
    assert r.returncode == 0, r.stderr
    # ... and the probes fail once the server is killed: every process but the container's
    # init, which then ends with its child. (podman would restart the container at once, as
    # the kubelet would, and the probes would pass again: the pod's restartPolicy Never, set
    # above for the test only, stops that, so that what the test sees does not depend on timing.)
    podman("exec", container, "bash", "-c", "kill -KILL -1", check=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if json.loads(podman("inspect", container).stdout)[0]["State"]["Status"] != "running":
            break
        time.sleep(0.2)
    for kind, command in probes.items():
        r = podman("exec", container, *command, check=False)
        assert r.returncode != 0, f"{kind} {command} still succeeds after the kill\n{logs(container)}"


def test_podman_migration_job_pod_migrates_sqlite_on_a_volume(request, kv, res, k8s_django, tmp_path):
    objects = objects_of(k8s_django["image"], "--name", f"wdk8s-mig-{res.tag}", "--env",
                         "DATABASE_PATH=/data/db.sqlite3", "--app-dir", k8s_django["root"], cwd=tmp_path)
    (job,) = [o for o in objects if o["kind"] == "Job"]
    spec = json.loads(json.dumps(job["spec"]["template"]["spec"]))
    as_openshift_would(spec)
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)
    spec["volumes"] = [{"name": "data", "hostPath": {"path": str(data), "type": "Directory"}}]
    spec["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": job["metadata"]["name"], "labels": job["spec"]["template"]["metadata"]["labels"]},
           "spec": spec}
    validate(kv, pod)  # the Job's pod template is a valid Pod
    path = tmp_path / "job-pod.yaml"
    path.write_text(yaml.safe_dump(pod, sort_keys=False))
    container = kube_play(path, request)

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        state = json.loads(podman("inspect", container).stdout)[0]["State"]
        if state["Status"] in ("exited", "stopped"):
            break
        time.sleep(0.5)
    output = logs(container)
    assert state["Status"] in ("exited", "stopped"), output
    assert state["ExitCode"] == 0, output
    assert "Applying auth.0001_initial... OK" in output
    with sqlite3.connect(data / "db.sqlite3") as db:
        applied = db.execute("SELECT count(*) FROM django_migrations WHERE app = 'auth'").fetchone()[0]
    assert applied > 0
