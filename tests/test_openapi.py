"""The API is described and checked from one source: every ``/api/v1`` rule of the url map has
an operation with its response schema, the document is valid OpenAPI, the error codes it lists
come from one registry, and a property-based run (Schemathesis) over every operation, signed in
as a learner, finds no 500 and no answer outside its schema. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import pathlib
import re
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.checks import not_a_server_error

from cpe_core.extensions import db
from cpe_core.models import OffsetApplication, StudyPlanItem
from cpe_core.services import background, exams, offsets, sessions
from cpe_core.services import orders as order_service
from cpe_core.services.error_codes import CODES
from cpe_core.services.signin import issue_token
from cpe_core.testing import FreshRequestGlobals
from cpe_core.views.api_spec import UNDESCRIBED, api_rules, openapi_path
from exam_helpers import add_questions, give_credits, plan
from study_support import course, learner

ROOT = pathlib.Path(__file__).resolve().parent.parent
YEAR = 2024


@pytest.fixture
def document(testapp) -> dict:
    return testapp.get("/api/v1/openapi.json").json


def test_every_api_rule_has_a_described_operation_with_a_success_schema(app, document):
    missing = []
    for rule in api_rules(app):
        if rule.endpoint in UNDESCRIBED:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            described = document["paths"].get(openapi_path(rule), {}).get(method.lower())
            if described is None or getattr(view, "api_operation", None) is None:
                missing.append(f"{method} {rule.rule}: no operation")
                continue
            if not described.get("summary"):
                missing.append(f"{method} {rule.rule}: no summary")
            success = [status for status in described["responses"] if status.startswith("2")]
            if len(success) != 1:
                missing.append(f"{method} {rule.rule}: no success response")
                continue
            answer = described["responses"][success[0]]
            if success[0] != "204" and not any(c.get("schema") for c in answer.get("content", {}).values()):
                missing.append(f"{method} {rule.rule}: the success response has no schema")
            if getattr(view, "body_schema", None) is not None and "requestBody" not in described:
                missing.append(f"{method} {rule.rule}: takes a body the document does not describe")
            if set(rule.arguments) - {p["name"] for p in described.get("parameters", []) if p["in"] == "path"}:
                missing.append(f"{method} {rule.rule}: a path parameter is not described")
            for status, response in described["responses"].items():
                if status.startswith(("4", "5")) and not response.get("x-codes"):
                    missing.append(f"{method} {rule.rule}: {status} lists no error code")
    assert missing == []
    # The heartbeat, answered mostly by the gateway in front of the app, is described too.
    assert "post" in document["paths"]["/chapters/{chapter_id}/heartbeat"]


def test_the_document_is_valid_openapi_with_one_error_format(document):
    validate(document)  # openapi-spec-validator: raises on any problem
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for path, operations in document["paths"].items():
        for method, described in operations.items():
            for status, response in described["responses"].items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}, (method, path, status)


#: How a stable code is written in the core: the first argument of a refusal, or ``code=``.
CODE_LITERAL = [
    re.compile(r"""(?:Error|Refused|Rejected|Input|error|Reason|NotFound|Refusal|fail)\(\s*["']([a-z][a-z0-9_]+)["']\s*,"""),
    re.compile(r"""\bcode\s*=\s*["']([a-z][a-z0-9_]+)["']"""),
    re.compile(r"""["']code["']\s*:\s*["']([a-z][a-z0-9_]+)["']"""),
]


def test_error_codes_come_from_one_registry_without_duplicate_spellings(document):
    documented = {code for operations in document["paths"].values() for described in operations.values()
                  for response in described["responses"].values() for code in response.get("x-codes", ())}
    assert documented - CODES == set()
    used: dict[str, str] = {}
    for path in (ROOT / "cpe_core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in CODE_LITERAL:
            for found in pattern.finditer(text):
                used.setdefault(found.group(1), str(path.relative_to(ROOT)))
    assert {code: where for code, where in used.items() if code not in CODES} == {}
    # One spelling per problem: the field codes of services.input_rules, nothing older.
    for old in ("missing_field", "invalid_field"):
        hits = [str(p.relative_to(ROOT)) for folder in ("cpe_core", "plugins", "hookspecs")
                for p in (ROOT / folder).rglob("*.py")
                if re.search(rf"[\"']{old}[\"']", p.read_text(encoding="utf-8"))]
        assert hits == [], old
    assert {"field_required", "field_wrong_type", "field_too_long"} <= CODES


# --- Schemathesis ----------------------------------------------------------------------------


#: Operations run last: they end the session the others use.
LAST = ("POST /logout",)
#: Operations for a region's staff, run again with an admin's token.
STAFF_PATHS = ("/regions/{code}/exports", "/regions/{code}/offsets")


def test_no_operation_answers_a_500_or_outside_its_schema(app, make_learner, make_staff):
    """Every operation, a few generated requests each (3 from the schemas, 2 that break them, with
    the learner's token; the staff operations again with their region's admin), derandomized so a
    failure comes back the same: no 5xx, and every answer whose status the document lists is
    inside its schema."""
    user = learner(make_learner, "chaoyang", name="模糊学员")
    studied = course("chaoyang", chapters=2)
    plan(user, studied, YEAR)
    exam_course = course("chaoyang", kind="professional", credits=30)
    add_questions(exam_course)
    plan(user, exam_course, YEAR)
    give_credits(user, "chaoyang", YEAR, professional=60, public=30)
    attempt = exams.start(user.id, "chaoyang", YEAR)
    unpaid = course("chaoyang", chapters=1)
    db.session.add(StudyPlanItem(user_id=user.id, course_id=unpaid.id, year=YEAR))
    db.session.commit()
    order = order_service.create_order(user, YEAR, "credit")  # still to pay
    offset_type = offsets.offset_types("chaoyang", YEAR)[-1]
    application = OffsetApplication(
        user_id=user.id, region="chaoyang", year=YEAR, offset_type=offset_type.code,
        role=offset_type.roles[0].code, quantity=1, fields={}, credits=0, status="submitted")
    db.session.add(application)
    job = background.create("export", region="chaoyang", params={"year": YEAR, "format": "csv"}, actor=None)
    sessions.begin(user)
    db.session.commit()
    #: Path parameters that name the world's rows, so generated requests reach them too.
    world = {"code": "chaoyang", "year": YEAR, "course_id": studied.id, "chapter_id": studied.chapters[0].id,
             "attempt_id": attempt.id, "question_id": attempt.question_ids[0], "number": order.number,
             "application_id": application.id, "job_id": job.id, "step": "personal", "name": "photo"}
    staff = make_staff("chaoyang")
    tokens = {"learner": issue_token(user), "staff": issue_token(staff)}

    started = time.monotonic()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", FreshRequestGlobals(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deleting comes after the rest (it removes the world's rows), signing out last of all.
    operations.sort(key=lambda op: (f"{op.method.upper()} {op.path}" in LAST, op.method.upper() == "DELETE",
                                    op.method, op.path))

    def ends(operation) -> bool:
        return operation.method.upper() == "DELETE" or f"{operation.method.upper()} {operation.path}" in LAST
    assert len(operations) >= 55
    failures: list[str] = []
    answered: dict[str, set[int]] = {}
    def learner_runs(ending: bool) -> list:
        return [(operation, mode, examples, "learner", fixed) for operation in operations
                if ends(operation) == ending
                for mode, examples, fixed in ((GenerationMode.POSITIVE, 2, True), (GenerationMode.POSITIVE, 2, False),
                                              (GenerationMode.NEGATIVE, 2, False))]

    runs = learner_runs(ending=False)
    runs += [(operation, GenerationMode.POSITIVE, 3, "staff", True) for operation in operations
             if operation.path.startswith(STAFF_PATHS)]
    runs += learner_runs(ending=True)
    for operation, mode, examples, who, fixed in runs:
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        names = {p.name for p in operation.path_parameters}
        path_parameters = {name: value for name, value in world.items() if name in names} if fixed else None

        @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(mode, path_parameters=path_parameters or None))
        def run(case):
            response = case.call_and_validate(headers=headers,
                                              checks=[not_a_server_error, response_schema_conformance])
            answered.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)

        try:
            run()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE  # nothing to break: no parameter, no body
        except Exception as failure:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path} ({mode}, {who}): {str(failure)[:1500]}")
        db.session.rollback()
    elapsed = time.monotonic() - started
    assert failures == [], "\n\n".join(failures)
    print(f"schemathesis: {len(operations)} operations in {elapsed:.1f}s")
    # The run reached the signed-in operations, not only their 401s.
    succeeded = {name for name, statuses in answered.items() if any(200 <= s < 300 for s in statuses)}
    assert {"GET /me", "GET /me/plan", "GET /me/credits", "GET /orders", "GET /me/offsets",
            "GET /regions/{code}/exports", "GET /regions/{code}/offsets"} <= succeeded
