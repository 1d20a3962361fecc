"""Learner B changes ids in URLs to reach learner A's things, on the site and through the API:
every such URL answers 403 or 404 and the database is the same afterwards.

``test_every_url_carrying_an_id_is_covered`` walks ``app.url_map``: a new URL with an id in it
must be added to ``CASES`` (with what B tries) or to ``NOT_OWNED`` (with why no learner owns it).
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from cpe_core import clock
from cpe_core.extensions import db
from cpe_core.models import (
    Certificate, Enrolment, ExamAttempt, Invoice, OffsetApplication, OffsetAttachment, Order, Payment, Rating, Refund,
)

from study_support import YEAR, add_to_plan, course, learner

#: (method, URL with {placeholders} filled from A's ids, who B is there: "site" or "api").
CASES: list[tuple[str, str, str]] = [
    # orders, payments, refunds, invoices and their PDFs
    ("GET", "/chaoyang/orders/{pending}", "site"),
    ("POST", "/chaoyang/orders/{pending}/cancel", "site"),
    ("POST", "/chaoyang/orders/{pending}/card", "site"),
    ("POST", "/chaoyang/orders/{pending}/pay", "site"),
    ("GET", "/chaoyang/orders/{pending}/return", "site"),
    ("GET", "/chaoyang/orders/{paid}", "site"),
    ("POST", "/chaoyang/orders/{paid}/invoice", "site"),
    ("GET", "/chaoyang/orders/{paid}/invoice.pdf", "site"),
    ("GET", "/chaoyang/orders/{paid}/invoice-qr.png", "site"),
    ("POST", "/chaoyang/orders/{paid}/refund", "site"),
    ("POST", "/api/v1/orders/{pending}/payments", "api"),
    ("POST", "/api/v1/orders/{paid}/invoice", "api"),
    # enrolments (enrol, then pay)
    ("POST", "/chaoyang/enrolments/{enrolment}/cancel", "site"),
    ("POST", "/chaoyang/enrolments/{enrolment}/pay", "site"),
    ("POST", "/chaoyang/enrolments/{enrolment}/rating", "site"),
    ("POST", "/chaoyang/enrolments/{enrolment}/enter", "site"),
    ("POST", "/api/v1/enrolments/{enrolment}/cancel", "api"),
    ("POST", "/api/v1/enrolments/{enrolment}/orders", "api"),
    # offset applications and their attachments
    ("GET", "/chaoyang/offsets/{application}", "site"),
    ("GET", "/chaoyang/offsets/{application}/edit", "site"),
    ("POST", "/chaoyang/offsets/{application}/edit", "site"),
    ("POST", "/chaoyang/offsets/{application}/delete", "site"),
    ("GET", "/chaoyang/offsets/files/{attachment}", "site"),
    # info-collection attachments (ID card, photo)
    ("GET", "/chaoyang/collection/{learner}/files/id_front", "site"),
    ("PUT", "/api/v1/me/offsets/{application}", "api"),
    ("DELETE", "/api/v1/me/offsets/{application}", "api"),
    # exam attempts
    ("GET", "/chaoyang/exam/attempts/{attempt}", "site"),
    ("POST", "/chaoyang/exam/attempts/{attempt}", "site"),
    ("PUT", "/chaoyang/exam/attempts/{attempt}/answers/{question}", "site"),
    ("GET", "/api/v1/exam/attempts/{attempt}", "api"),
    ("PUT", "/api/v1/exam/attempts/{attempt}/answers/{question}", "api"),
    ("POST", "/api/v1/exam/attempts/{attempt}/submit", "api"),
    # certificates
    ("GET", "/chaoyang/certificates/{serial}.pdf", "site"),
    ("GET", "/chaoyang/certificates/{serial}/revoke", "site"),
    ("POST", "/chaoyang/certificates/{serial}/revoke", "site"),
    ("GET", "/api/v1/me/certificates/{serial}.pdf", "api"),
    # staff pages naming A: a learner gets 403
    ("GET", "/chaoyang/admin/learners/{learner}", "site"),
    ("POST", "/chaoyang/admin/learners/{learner}/collection", "site"),
    ("POST", "/chaoyang/admin/learners/{learner}/password", "site"),
    ("POST", "/chaoyang/admin/learners/{learner}/active", "site"),
    ("POST", "/chaoyang/admin/learners/{learner}/reveal", "site"),
    ("POST", "/chaoyang/admin/refunds/{refund}/approve", "site"),
    ("POST", "/chaoyang/admin/invoices/{invoice}/issue", "site"),
    ("GET", "/chaoyang/admin/courses/{course}", "site"),
    ("POST", "/chaoyang/admin/courses/{course}", "site"),
    ("POST", "/chaoyang/admin/courses/{course}/chapters", "site"),
    ("POST", "/chaoyang/admin/courses/chapters/{chapter}/questions", "site"),
    ("GET", "/chaoyang/admin/courses/chapters/{chapter}", "site"),
    ("POST", "/chaoyang/admin/courses/chapters/{chapter}", "site"),
    ("POST", "/chaoyang/admin/courses/chapters/{chapter}/delete", "site"),
    ("POST", "/chaoyang/admin/courses/questions/{question}/delete", "site"),
    ("GET", "/chaoyang/admin/cards/batch1.csv", "site"),
    ("GET", "/chaoyang/admin/exports/1", "site"),
    ("GET", "/chaoyang/admin/exports/1/download", "site"),
    ("GET", "/chaoyang/review/offsets/{application}", "site"),
    ("POST", "/chaoyang/review/offsets/{application}", "site"),
    ("GET", "/chaoyang/review/offsets/export.csv", "site"),
    ("POST", "/api/v1/regions/chaoyang/offsets/{application}/decision", "api"),
    # an uploaded handout of a course in A's plan, not in B's
    ("GET", "/chaoyang/learn/{chapter}/handout", "site"),
    ("GET", "/api/v1/chapters/{chapter}/handout", "api"),
    ("GET", "/api/v1/regions/chaoyang/exports/1", "api"),
    ("GET", "/api/v1/regions/chaoyang/exports/1/download", "api"),
    # A's rating of a course: only the region's staff hide it
    ("POST", "/chaoyang/ratings/{rating}/hide", "site"),
    ("POST", "/api/v1/regions/chaoyang/ratings/{rating}/hide", "api"),
]

#: A chapter or course is the catalogue's, not A's: B gets the same refusal as for any course not in
#: B's plan (the site sends B back to B's plan with the reason; the API answers 422 with the code),
#: and nothing of A's progress is read or changed.
NOT_IN_PLAN: list[tuple[str, str, str]] = [
    ("GET", "/chaoyang/learn/{chapter}", "site"),
    ("GET", "/chaoyang/learn/{chapter}/exercise", "site"),
    ("POST", "/chaoyang/learn/{chapter}/exercise", "site"),
    ("POST", "/chaoyang/learn/{chapter}/heartbeat", "site"),
    ("GET", "/api/v1/chapters/{chapter}/exercise", "api"),
    ("POST", "/api/v1/chapters/{chapter}/exercise", "api"),
    ("POST", "/api/v1/chapters/{chapter}/heartbeat", "api"),
    ("DELETE", "/api/v1/me/plan/{course}?year=2024", "api"),
]

#: URLs with an id that no learner owns, and why B may reach them.
NOT_OWNED: dict[str, str] = {
    "/<region>/courses/<int:course_id>": "public course page of the catalogue; shows only the caller's own progress",
    "/api/v1/me/courses/<int:course_id>": "catalogue course with the caller's own progress only",
    "/<region>/notices/<slug>": "public notice",
    "/<region>/courses/<int:course_id>/rating": "a catalogue course; rates it as the caller only (who studied it)",
    "/api/v1/me/ratings/<target>/<int:target_id>": "a catalogue course or institution; rates it as the caller only",
    "/api/v1/regions/<code>/courses/<int:course_id>/ratings": "public ratings of a catalogue course",
    "/api/v1/regions/<code>/registrations/<key>": "a credit registration's key; answered only to the institution "
                                                  "whose token sent it (tests/test_liaoning_handover.py)",
    "/<region>/me/collection/<step>": "a step name; always the caller's own collection",
    "/api/v1/me/collection/<step>": "a step name; always the caller's own collection",
    "/api/v1/me/collection/<step>/attachments/<name>": "step and attachment names; always the caller's own",
    "/<region>/offsets/new/<type_code>": "an offset type of the region's rulebook",
    "/<region>/offsets/export.<fmt>": "a file format; exports the caller's own applications only",
    "/<region>/credits/export.<fmt>": "a file format; exports the caller's own hours only",
    "/api/v1/regions/<code>/exam/<int(min=2000, max=2100):year>": "a year; answers for the caller only",
    "/api/v1/regions/<code>/exam/<int(min=2000, max=2100):year>/attempts": "a year; starts the caller's own attempt",
    "/api/v1/regions/<code>/requirements/<int(min=2000, max=2100):year>": "a year; public rules",
    "/<region>/admin/years/<int:year>": "a year of the region's 年度设置; its admins only",
    "/payments/notify/<provider>": "the payment provider's signed server-to-server notification",
    "/<region>/history/<int:record_id>": "a past record, found by the caller's own ID number only: another's is 404 "
                                         "(tests/test_guangdong_seed_rows.py; the walk's learners are Chaoyang's)",
    "/<region>/invoices/scan/<token>": "an issued invoice's signed scan link (微信扫码), opened signed out: the "
                                       "token is the key, a bad one is 404 (tests/test_chaoyang_seed_rows.py)",
    "/<region>/i/<token>": "the invoice link texted to its learner: signed with the secret key and time-limited, "
                           "so only who holds the text opens it (tests/test_invoice_delivery.py)",
    "/sandbox-pay/<merchant_ref>": "stands for the payment provider's own page, outside the platform",
    "/static/<path:filename>": "static files",
}

#: Tables whose rows may change on any request, whoever asks (nothing of A's in them).
VOLATILE = {"captcha_challenge"}


@pytest.fixture
def world(app, testapp, make_learner, tmp_path):
    """Learner A with one of everything a learner can own; learner B signed in on the site and the API."""
    app.config["CPE_UPLOAD_DIR"] = str(tmp_path)
    a = learner(make_learner, "chaoyang", name="学员甲")
    b = learner(make_learner, "chaoyang", name="学员乙")
    taught = course("chaoyang")
    add_to_plan(a, taught)  # paid for (年度购买 through the sandbox), so A may study it
    now = clock.to_utc_naive(clock.now())
    pending = Order(number="A0000000000001", user_id=a.id, region="chaoyang", year=YEAR, mode="annual",
                    total_fen=9000, status="pending", expires_at=now + dt.timedelta(hours=1))
    paid = Order(number="A0000000000002", user_id=a.id, region="chaoyang", year=YEAR, mode="annual",
                 total_fen=9000, status="paid", paid_at=now)
    db.session.add_all([pending, paid])
    db.session.flush()
    db.session.add_all([
        Payment(order_id=pending.id, provider="sandbox", provider_ref=f"{pending.number}P1", open_key=pending.id,
                amount_fen=9000, status="pending"),
        Payment(order_id=paid.id, provider="sandbox", provider_ref=f"{paid.number}P2", amount_fen=9000,
                status="paid", settled_at=now),
    ])
    invoice = Invoice(order_id=paid.id, title="学员甲", email="a@example.com", status="requested")
    refund = Refund(order_id=paid.id, amount_fen=9000, reason="不想学了", status="requested")
    application = OffsetApplication(user_id=a.id, region="chaoyang", year=YEAR, offset_type="paper", role="sole",
                                    fields={}, credits=30, status="submitted")
    application.attachments.append(OffsetAttachment(storage_key="a-evidence", filename="a.jpg",
                                                    content_type="image/jpeg", size=10))
    question = taught.chapters[0].questions[0]
    taught.chapters[0].handout_key = "a-handout.pdf"
    taught.chapters[0].handout_filename, taught.chapters[0].handout_content_type = "讲义.pdf", "application/pdf"
    attempt = ExamAttempt(user_id=a.id, region="chaoyang", year=YEAR, question_ids=[question.id], status="open",
                          deadline_at=now + dt.timedelta(hours=1))
    certificate = Certificate(user_id=a.id, region="chaoyang", year=YEAR, serial="CY2024A0001", code="code-of-a",
                              fields={"name": "学员甲"}, sha256="0" * 64)
    rating = Rating(region="chaoyang", user_id=a.id, target="course", target_id=taught.id, year=YEAR, stars=5,
                    comment="学员甲的评价", rated_at=now, updated_at=now)
    db.session.add_all([invoice, refund, application, attempt, certificate, rating])
    db.session.commit()
    (tmp_path / "a-evidence").write_bytes(b"\xff\xd8\xff" + b"\0" * 7)
    (tmp_path / "a-handout.pdf").write_bytes(b"%PDF-1.4 handout")
    enrolment = db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == a.id))
    ids = {
        "pending": pending.number, "paid": paid.number, "enrolment": enrolment, "application": application.id,
        "attachment": application.attachments[0].id, "attempt": attempt.id, "question": question.id,
        "serial": certificate.serial, "chapter": taught.chapters[0].id, "course": taught.id, "learner": a.id,
        "refund": refund.id, "invoice": invoice.id, "rating": rating.id,
        "answers": {str(q.id): q.answer for q in taught.chapters[0].questions},
    }
    # B holds a session cookie and an API token. An account has one live session (a second
    # sign-in, site or API, would end the first), so the token is the site session's own.
    from cpe_core.models import User
    from cpe_core.services.signin import issue_token
    from study_support import sign_in

    sign_in(testapp, b)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', testapp.get("/chaoyang/me").text).group(1)
    api = testapp.__class__(testapp.app)
    db.session.rollback()
    token = issue_token(db.session.get(User, b.id))
    db.session.rollback()
    return {"ids": ids, "site": testapp, "api": api, "csrf": csrf, "token": token, "a": a}


def snapshot() -> dict[str, list]:
    """Every row of every table (but the volatile ones), to compare before and after."""
    db.session.rollback()
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in VOLATILE:
            continue
        rows[table.name] = sorted(map(repr, db.session.execute(select(table)).all()))
    db.session.rollback()
    return rows


def request_as_b(world, method: str, url: str, who: str):
    """B's request, with a body that passes every check but the one on whose thing it is."""
    client, ids = world[who], world["ids"]
    if who == "api":
        headers = {"Authorization": f"Bearer {world['token']}"}
        body = {"choice": 0, "provider": "sandbox", "approve": True, "decision": "approve", "mode": "annual",
                "position": 10, "answers": ids["answers"], "comment": "x", "kind": "personal", "title": "x",
                "email": "b@example.com"}
        if method == "GET":
            return client.get(url, headers=headers, expect_errors=True)
        return client.request(url, method=method, headers={**headers, "Content-Type": "application/json"},
                              body=json.dumps(body).encode(), expect_errors=True)
    if method == "GET":
        return client.get(url, expect_errors=True)
    if method == "PUT" or url.endswith("/heartbeat"):  # the player's JSON requests
        return client.request(url, method=method,
                              headers={"X-CSRFToken": world["csrf"], "Content-Type": "application/json"},
                              body=b'{"choice": 0, "position": 10}', expect_errors=True)
    form = {"csrf_token": world["csrf"], "provider": "sandbox", "reason": "x", "title": "x", "email": "b@example.com",
            "number": "CARD0001", "secret": "SECRET01", "mode": "annual", "year": "2024", "position": "10",
            "decision": "approve", "comment": "x", "password": "Passw0rd!", "password2": "Passw0rd!",
            **{f"q{qid}": str(answer) for qid, answer in ids["answers"].items()}}
    return client.post(url, form, expect_errors=True)


@pytest.mark.parametrize("method, url, who", CASES, ids=[f"{m} {u}" for m, u, _ in CASES])
def test_learner_b_cannot_reach_or_change_learner_as_things(world, method, url, who):
    before = snapshot()
    response = request_as_b(world, method, url.format(**world["ids"]), who)
    assert response.status_int in (403, 404), (response.status, response.text[:300])
    assert "学员甲" not in response.text
    assert snapshot() == before


#: Pages of A's things that A reaches: the refusals above are about whose they are, not broken URLs.
OWNER_CAN_READ = [
    "/chaoyang/orders/{pending}", "/chaoyang/orders/{paid}", "/chaoyang/offsets/{application}/edit",
    "/chaoyang/offsets/{application}", "/chaoyang/offsets/files/{attachment}", "/chaoyang/exam/attempts/{attempt}", "/chaoyang/learn/{chapter}",
    "/chaoyang/learn/{chapter}/handout",
]


def test_learner_a_reaches_the_same_urls(world):
    from study_support import sign_in

    owner = world["site"].__class__(world["site"].app)
    sign_in(owner, world["a"])
    for url in OWNER_CAN_READ:
        response = owner.get(url.format(**world["ids"]), expect_errors=True)
        assert response.status_int == 200, (url, response.status)


@pytest.mark.parametrize("method, url, who", NOT_IN_PLAN, ids=[f"{m} {u}" for m, u, _ in NOT_IN_PLAN])
def test_learner_b_cannot_study_a_course_only_in_learner_as_plan(world, method, url, who):
    before = snapshot()
    response = request_as_b(world, method, url.format(**world["ids"]), who)
    if who == "api" or response.content_type == "application/json":
        assert response.status_int == 422
        assert response.json["error"]["code"] in ("chapter_not_in_plan", "course_not_selected")
    else:
        assert response.status_int == 302 and response.location.endswith("/chaoyang/plan")
        assert "该课程不在您的学习计划中" in response.follow().text
    assert snapshot() == before


def uncovered(app) -> list[str]:
    """Every method and URL of ``app`` with an id in it that neither CASES, NOT_IN_PLAN nor
    NOT_OWNED names."""
    adapter = app.url_map.bind("localhost")
    numbers = {k: 1 for k in ("enrolment", "application", "attachment", "attempt", "question", "chapter", "course",
                              "learner", "refund", "invoice", "rating")}
    covered = set()
    for method, url, _who in CASES + NOT_IN_PLAN:
        concrete = url.split("?")[0].format(**numbers, pending="N1", paid="N2", serial="S1")
        rule, _args = adapter.match(concrete, method=method, return_rule=True)
        covered.add((rule.rule, method))
    missing = []
    for rule in app.url_map.iter_rules():
        if not (set(rule.arguments) - {"region", "code"}) or rule.rule in NOT_OWNED:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.rule, method) not in covered:
                missing.append(f"{method} {rule.rule}")
    return missing


def test_every_url_carrying_an_id_is_covered(app):
    assert uncovered(app) == [], "add these to CASES (what learner B tries) or NOT_OWNED (why no learner owns it)"


def test_a_new_url_with_an_id_is_reported_until_covered(app):
    app.add_url_rule("/<region>/me/widgets/<int:widget_id>", "widget", lambda region, widget_id: "",
                     methods=["GET", "POST"])
    assert uncovered(app) == ["GET /<region>/me/widgets/<int:widget_id>", "POST /<region>/me/widgets/<int:widget_id>"]
