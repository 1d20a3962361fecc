"""The OpenAPI 3 document of ``/api/v1``, built from the url map and the schemas each view
declares (:func:`~cpe_core.views.api.operation`, :func:`~cpe_core.views.api.json_body`,
:func:`~cpe_core.views.api.query_args`) with apispec's ``MarshmallowPlugin``: the classes that
check a request and describe an answer are the ones the document is made of."""
from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from ..version import __version__
from ..regions import regions
from ..services.input_rules import INT_MAX, Boolean, Integer, Number, Object, Text
from .api import INPUT_CODES, SIGN_IN_CODES, Error, Operation, bp

#: The document itself is the one rule that describes nothing.
UNDESCRIBED = {"api.openapi"}


def _schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def _path_parameter(rule: Rule, name: str) -> dict:
    converter = rule._converters.get(name)  # noqa: SLF001 - werkzeug keeps a rule's converters here
    if isinstance(converter, IntegerConverter):
        schema: dict[str, Any] = {"type": "integer", "minimum": converter.min if converter.min is not None else 0,
                                  "maximum": converter.max if converter.max is not None else INT_MAX}
    elif name == "code":
        schema = {"type": "string", "enum": sorted(r.code for r in regions())}
    else:
        schema = {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,64}$"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _field_codes(schema: type | None) -> tuple[str, ...]:
    """The codes a body's fields answer of their own (``code=`` on a field)."""
    if schema is None:
        return ()
    return tuple(sorted({f.fixed_code for f in schema().fields.values() if getattr(f, "fixed_code", None)}))


def _error_response(codes: tuple[str, ...]) -> dict:
    return {
        "description": "错误，code 为：" + "、".join(codes),
        "content": {"application/json": {"schema": Error}},
        "x-codes": list(codes),
    }


def _operation(rule: Rule, method: str, view: Any, described: Operation) -> dict:
    body = getattr(view, "body_schema", None)
    query = getattr(view, "query_schema", None)
    name = rule.endpoint.split(".", 1)[1]
    methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
    operation: dict[str, Any] = {"summary": described.summary,
                                 "operationId": name if len(methods) == 1 else f"{name}_{method.lower()}"}
    parameters = [_path_parameter(rule, name) for name in sorted(rule.arguments)]
    if query is not None:
        parameters.append({"in": "query", "schema": query})
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if described.upload:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": [described.upload],
            "properties": {described.upload: {"type": "string", "format": "binary"}}}}}}
    if described.response is not None:
        success = {"description": "成功", "content": {described.media_type: {"schema": described.response}}}
    elif described.status == 204:
        success = {"description": "成功，无内容"}
    else:
        success = {"description": "文件", "content": {described.media_type: {
            "schema": {"type": "string", "format": "binary"}}}}
    responses: dict[str, Any] = {str(described.status): success}
    errors = {status: list(codes) for status, codes in described.errors.items()}
    if described.auth:
        errors.setdefault(401, []).extend(SIGN_IN_CODES)
    if rule.arguments:  # an id beyond INTEGER, a year outside 2000..2100: no such URL
        errors.setdefault(404, []).append("not_found")
    if body is not None or query is not None:
        errors.setdefault(422, []).extend((*INPUT_CODES, *_field_codes(body), *_field_codes(query)))
    for status in sorted(errors):
        responses[str(status)] = _error_response(tuple(dict.fromkeys(errors[status])))
    operation["responses"] = responses
    if described.auth:
        operation["security"] = [{"bearerAuth": []}]
    return operation


def api_rules(app: Flask) -> list[Rule]:
    """Every rule of ``/api/v1`` (the heartbeat's too: the gateway answers most of its calls
    in front of the app, with the same schema)."""
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith(bp.url_prefix + "/") or rule.rule == bp.url_prefix]


def openapi_path(rule: Rule) -> str:
    """``/me/plan/<int:course_id>`` as OpenAPI writes it: ``/me/plan/{course_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule[len(bp.url_prefix):] or "/")


def document(app: Flask) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title="cpe API", version=__version__, openapi_version="3.0.3", plugins=[plugin],
                   info={"description": "会计人员继续教育平台 JSON API。错误一律为 "
                                        "{error: {code, message}}，code 为稳定的错误代码。"})
    for field, kind in ((Text, "string"), (Integer, "integer"), (Number, "number"), (Boolean, "boolean"),
                        (Object, "object")):
        plugin.map_to_openapi_type(field, kind, None)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=Error)
    paths: dict[str, dict] = {}
    for rule in api_rules(app):
        if rule.endpoint in UNDESCRIBED:
            continue
        view = app.view_functions[rule.endpoint]
        described = getattr(view, "api_operation", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if described is None:  # tests/test_openapi.py fails on it; the document still answers
                paths.setdefault(openapi_path(rule), {})[method.lower()] = {
                    "summary": rule.endpoint, "responses": {"default": {"description": "未描述"}}}
                continue
            paths.setdefault(openapi_path(rule), {})[method.lower()] = _operation(rule, method, view, described)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    result = spec.to_dict()
    result["servers"] = [{"url": bp.url_prefix}]
    return result
