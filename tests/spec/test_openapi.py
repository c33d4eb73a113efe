"""Checks that openapi.yaml is a valid OpenAPI 3.1 document and describes the server that exists.

Offline: the document validates; its (path, method) pairs are exactly the route table in
Sources/OptdService/Routes.swift; security and the examples are consistent.
Live (needs OPTD_URL, see conftest.py): every optimizer's hyperparameter schema has exactly the
names, types, defaults and bounds of GET /v1/optimizers, and GET /openapi.yaml serves this file.
"""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


# --- helpers -------------------------------------------------------------------------------

def route_table(source):
    """(template, [methods]) from the literal `static let table ... = [ ("/path", ["GET", ...]), ... ]`."""
    block = re.search(r"static let table\b.*?= \[(.*?)\n\s*\]", source, re.S)
    assert block, "Router.table not found in Routes.swift"
    rows = re.findall(r'\("([^"]+)",\s*\[([^\]]*)\]\)', block.group(1))
    assert rows, "no rows parsed from Router.table"
    return [(path, re.findall(r'"([A-Z]+)"', methods)) for path, methods in rows]


def spec_operations(spec):
    return {(path, method.upper())
            for path, item in spec["paths"].items()
            for method in item if method in HTTP_METHODS}


def resolve(spec, node):
    """Follows $ref (local only) until a schema without one."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def hyperparameter_schemas(spec):
    """optimizer name -> its hyperparameters schema, from CreateSessionRequest's oneOf branches."""
    create = spec["components"]["schemas"]["CreateSessionRequest"]
    found = {}
    for branch in create["oneOf"]:
        name = branch["properties"]["optimizer"]["const"]
        assert name not in found, f"two branches for {name}"
        found[name] = resolve(spec, branch["properties"]["hyperparameters"])
    return found


def same_value(a, b):
    """Equal JSON values, telling booleans from numbers (Python has True == 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


BOUND_KEYS = {  # /v1/optimizers spelling -> JSON Schema spelling
    "minimum": "minimum",
    "exclusive_minimum": "exclusiveMinimum",
    "maximum": "maximum",
    "exclusive_maximum": "exclusiveMaximum",
}


def bounds_of(description):
    return {BOUND_KEYS[k]: v for k, v in description.items() if k in BOUND_KEYS}


def schema_bounds(schema):
    return {k: schema[k] for k in BOUND_KEYS.values() if k in schema}


def schema_validator(spec, name):
    """A validator for components/schemas/<name>, with the document's $refs resolvable."""
    uri = "urn:optd:openapi"
    registry = Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{uri}#/components/schemas/{name}"}, registry=registry)


# --- offline checks ------------------------------------------------------------------------

def test_document_is_valid_openapi(spec_path, spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_paths_and_methods_are_the_route_table(spec, routes_source):
    table = route_table(routes_source)
    expected = {(path, method) for path, methods in table for method in methods}
    assert spec_operations(spec) == expected
    for path, methods in table:
        listed = {m.upper() for m in spec["paths"][path] if m in HTTP_METHODS}
        assert listed == set(methods), f"{path}: spec has {sorted(listed)}, Routes.swift {methods}"


def test_every_operation_is_named_and_described(spec):
    ids = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            for key in ("operationId", "summary", "description", "responses"):
                assert op.get(key), f"{method.upper()} {path} lacks {key}"
            ids.append(op["operationId"])
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_api_key_guards_exactly_the_v1_routes(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    default = spec.get("security")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            effective = op.get("security", default)
            if path.startswith("/v1/"):
                assert effective == [{"bearerAuth": []}], f"{method.upper()} {path} must need bearerAuth"
                assert "401" in op["responses"], f"{method.upper()} {path} must document 401"
            else:
                assert op.get("security") == [], f"{method.upper()} {path} must say security: []"


def test_optimizer_enum_has_one_hyperparameter_schema_each(spec):
    names = spec["components"]["schemas"]["OptimizerName"]["enum"]
    schemas = hyperparameter_schemas(spec)
    assert sorted(schemas) == sorted(names)
    for name, schema in schemas.items():
        assert schema.get("type") == "object" and schema.get("additionalProperties") is False, name


@pytest.mark.parametrize("pointer, schema", [
    ("/paths/~1v1~1sessions/post/requestBody/content/application~1json/examples/adam/value", "CreateSessionRequest"),
    ("/paths/~1v1~1sessions/post/requestBody/content/application~1json/examples/nag/value", "CreateSessionRequest"),
    ("/paths/~1v1~1sessions/post/responses/201/content/application~1json/example", "SessionDocument"),
    ("/paths/~1v1~1sessions~1{id}~1step/post/requestBody/content/application~1json/example", "StepRequest"),
    ("/paths/~1v1~1sessions~1{id}~1step/post/responses/200/content/application~1json/example", "StepResponse"),
    ("/paths/~1v1~1sessions~1{id}/patch/requestBody/content/application~1json/example", "UpdateSessionRequest"),
    ("/components/responses/UnprocessableContent/content/application~1problem+json/example", "Problem"),
    ("/components/responses/PreconditionFailed/content/application~1problem+json/example", "Problem"),
])
def test_examples_match_their_schemas(spec, pointer, schema):
    node = spec
    for part in pointer[1:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    schema_validator(spec, schema).validate(node)


# --- live checks (OPTD_URL) -----------------------------------------------------------------

def test_hyperparameter_schemas_match_the_server(spec, live):
    served = live.get_json("/v1/optimizers")["optimizers"]
    schemas = hyperparameter_schemas(spec)
    assert sorted(o["name"] for o in served) == sorted(schemas), "optimizer names differ"

    for optimizer in served:
        name = optimizer["name"]
        properties = schemas[name]["properties"]
        served_names = [h["name"] for h in optimizer["hyperparameters"]]
        assert sorted(properties) == sorted(served_names), f"{name}: hyperparameter names differ"

        for h in optimizer["hyperparameters"]:
            where = f"{name}.{h['name']}"
            schema = resolve(spec, properties[h["name"]])
            assert schema["type"] == h["type"], f"{where}: type"
            assert "default" in schema, f"{where}: no default"
            assert same_value(schema["default"], h["default"]), f"{where}: default {schema['default']!r} != {h['default']!r}"
            if h["type"] == "number":
                assert schema_bounds(schema) == bounds_of(h), f"{where}: bounds"
            elif h["type"] == "array":
                assert schema["minItems"] == schema["maxItems"] == h["items"], f"{where}: length"
                items = resolve(spec, schema["items"])
                assert items["type"] == "number", f"{where}: element type"
                assert schema_bounds(items) == bounds_of(h), f"{where}: element bounds"
            elif h["type"] == "string":
                assert schema["enum"] == h["enum"], f"{where}: enum"
            else:
                assert h["type"] == "boolean", f"{where}: unexpected type {h['type']}"
                assert not schema_bounds(schema), f"{where}: a boolean has no bounds"

        if optimizer["variants"]:
            assert schemas[name]["properties"]["variant"]["enum"] == optimizer["variants"], f"{name}: variants"


def test_server_serves_this_document(spec_path, live):
    status, headers, body = live.get("/openapi.yaml")
    assert status == 200
    assert body == spec_path.read_bytes(), "GET /openapi.yaml differs from the repo's openapi.yaml"
