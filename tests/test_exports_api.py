"""``/api/v1`` export jobs for staff tokens: start, follow the progress, download; limited to
the region's own admins with stable error codes; described in the OpenAPI document."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Job
from cpe_core.services import background
from cpe_core.services.signin import issue_token
from cpe_core.testing import openapi_body_properties

from credit_helpers import earn


@pytest.fixture(autouse=True)
def export_dir(app, tmp_path):
    app.config["CPE_EXPORT_DIR"] = str(tmp_path / "exports")


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {issue_token(user)}"}


@pytest.fixture
def staff(make_staff):
    return make_staff("chaoyang")


def test_staff_start_an_export_follow_it_and_download_the_file(testapp, staff, make_learner):
    learner = make_learner("chaoyang", name="赵敏")
    earn(learner, 2024, professional=60, public=30)

    started = testapp.post_json("/api/v1/regions/chaoyang/exports", {"year": 2024, "format": "csv"},
                                headers=bearer(staff), status=202)

    job = started.json
    assert started.headers["Location"].endswith(f"/api/v1/regions/chaoyang/exports/{job['id']}")
    assert (job["status"], job["year"], job["format"], job["created_by"]) == ("done", 2024, "csv", staff.login)
    status = testapp.get(job["url"], headers=bearer(staff)).json
    assert (status["status"], status["done"], status["total"], status["percent"]) == ("done", 1, 1, 100)
    download = testapp.get(status["download"], headers=bearer(staff))
    rows = list(csv.reader(io.StringIO(download.body.decode("utf-8-sig"))))
    assert rows[1][:2] == [learner.profile.id_number, "赵敏"]
    listed = testapp.get("/api/v1/regions/chaoyang/exports", headers=bearer(staff)).json["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["credit_export.start", "credit_export.download"]


def test_a_file_not_yet_written_is_a_409(testapp, staff):
    job = background.create("export", region="chaoyang", params={"year": 2024, "format": "csv"}, actor=staff)
    db.session.commit()  # queued, nobody ran it yet

    answer = testapp.get(f"/api/v1/regions/chaoyang/exports/{job.id}", headers=bearer(staff)).json
    refused = testapp.get(f"/api/v1/regions/chaoyang/exports/{job.id}/download", headers=bearer(staff), status=409)

    assert (answer["status"], answer["download"]) == ("queued", None)
    assert refused.json["error"]["code"] == "export_not_ready"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"year": 2024, "format": "push"}, "export_format_not_offered"),
        ({"year": 2019, "format": "csv"}, "export_not_offered"),
        ({"year": "2024", "format": "csv"}, "year_invalid"),
        ({"year": 1990, "format": "csv"}, "year_invalid"),
        ({"year": 2024}, "format_required"),
    ],
)
def test_an_export_the_region_cannot_serve_is_refused_with_a_stable_code(testapp, staff, body, code):
    refused = testapp.post_json("/api/v1/regions/chaoyang/exports", body, headers=bearer(staff), status=422)

    assert refused.json["error"]["code"] == code
    assert db.session.scalars(select(Job)).all() == []


def test_learners_other_regions_staff_and_strangers_are_refused(testapp, staff, make_staff, make_learner):
    job = background.create("export", region="chaoyang", params={"year": 2024, "format": "csv"}, actor=staff)
    db.session.commit()
    other_staff = make_staff("guangdong")
    learner = make_learner("chaoyang")
    paths = ["/api/v1/regions/chaoyang/exports", f"/api/v1/regions/chaoyang/exports/{job.id}",
             f"/api/v1/regions/chaoyang/exports/{job.id}/download"]

    for who, status, code in ((other_staff, 403, "not_region_staff"), (learner, 403, "not_region_staff"), (None, 401, "login_required")):
        headers = bearer(who) if who is not None else {}
        for path in paths:
            assert testapp.get(path, headers=headers, status=status).json["error"]["code"] == code
        started = testapp.post_json(paths[0], {"year": 2024, "format": "csv"}, headers=headers, status=status)
        assert started.json["error"]["code"] == code
    assert db.session.scalars(select(Job.id)).all() == [job.id]


def test_a_job_of_another_region_is_not_found_through_ones_own_region(testapp, staff, make_staff):
    theirs = background.create("export", region="guangdong", params={"year": 2024, "format": "push"}, actor=None)
    db.session.commit()

    refused = testapp.get(f"/api/v1/regions/chaoyang/exports/{theirs.id}", headers=bearer(staff), status=404)

    assert refused.json["error"]["code"] == "export_not_found"


def test_the_export_endpoints_are_in_the_openapi_document(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    paths = document["paths"]

    start = paths["/regions/{code}/exports"]["post"]
    assert start["security"] == [{"bearerAuth": []}]
    assert set(openapi_body_properties(document, start)) == {"year", "format"}
    assert {"202", "401", "403", "422"} <= set(start["responses"])
    assert "get" in paths["/regions/{code}/exports/{job_id}"]
    assert "409" in paths["/regions/{code}/exports/{job_id}/download"]["get"]["responses"]
