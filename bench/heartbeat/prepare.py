"""Prepare a benchmark database and the learners' session cookies.

Usage: ``python prepare.py DATABASE_URL COOKIES_FILE [LEARNERS]``. WIPES the database first
(like the test suite), migrates it, adds one course with a chapter and ``LEARNERS`` learners who
have it in their plan, paid for (so it is open), signs each in (a Flask-Login session), and writes one line per
learner: ``<session cookie> /api/v1/chapters/<id>/heartbeat``.

``python prepare.py --progress DATABASE_URL`` after a run: prints the progress the heartbeats
counted and fails if they counted none.
"""
from __future__ import annotations

import os
import sys

from flask_migrate import upgrade

from cpe_core import create_app
from cpe_core.extensions import db
from cpe_core.models import Chapter, Course, Order, OrderLine, StudyPlanItem
from cpe_core.regions import regions
from cpe_core.services import entitlement, years
from cpe_core.services.accounts import create_user
from cpe_core.testing import id_number


def main(url: str, cookies_path: str, learners: int = 50) -> None:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if os.path.exists(path):
            os.remove(path)
    # The same secret as the served app, so the cookies made here are valid there.
    app = create_app({"CPE_DATABASE_URL": url, "CPE_PASSWORD_METHOD": "pbkdf2:sha256:1000",
                      "CPE_SECRET_KEY": "bench-secret", "CPE_SECURE_COOKIES": False})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        # The first region that needs no institution choice, else any (the bench skips rules).
        region = next(iter(regions())).code
        year = years.current_year(region)  # the year open today: study of a closed one counts nothing
        course = Course(region=region, year=year, code="BENCH-1", title="压测课程", kind="professional", credits=10)
        course.chapters.append(Chapter(position=1, title="第一章", duration_seconds=3600))
        db.session.add(course)
        users = []
        for number in range(1, learners + 1):
            login = id_number(sequence=number)
            user = create_user(region=region, login=login, name=f"压测学员{number}", password="Bench@2024",
                               id_number=login)
            users.append(user)
        db.session.flush()
        for number, user in enumerate(users, 1):
            db.session.add(StudyPlanItem(user_id=user.id, course_id=course.id, year=year))
            # Paid for (a year's order, as a sandbox payment leaves it): only an opened course
            # can be studied, and the entitlement service is what opens it.
            order = Order(number=f"BENCH{number:08d}", user_id=user.id, region=region, year=year, mode="bench",
                          total_fen=0, status="paid")
            order.lines.append(OrderLine(sku="bench-year", description="压测年度", quantity=1, unit_price_fen=0,
                                         amount_fen=0, opens_year=True))
            db.session.add(order)
        db.session.flush()
        for user in users:
            entitlement.refresh(user, year)
        db.session.commit()
        chapter_id = course.chapters[0].id
        logins = [(u.login, region) for u in users]
    # Sessions are made as signing in makes them (the login form has a captcha), for
    # the client wrk is (loopback, no User-Agent): Flask-Login's session protection marks a
    # session from another client non-fresh and re-signs its cookie, which a browser stores once
    # but wrk, replaying the same cookie, would pay on every request.
    lines = []
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        from flask import session
        from flask_login import login_user

        from cpe_core.models import User
        from cpe_core.services import sessions

        serializer = app.session_interface.get_signing_serializer(app)
        for login, region in logins:
            session.clear()
            user = db.session.scalar(db.select(User).where(User.region == region, User.login == login))
            sessions.begin(user)  # the account's live session, as signing in starts it
            login_user(user)
            lines.append(f"{serializer.dumps(dict(session))} /api/v1/chapters/{chapter_id}/heartbeat")
    client = app.test_client()
    with open(cookies_path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    # A smoke check: the heartbeat answers 200 with this cookie.
    client.set_cookie("session", lines[0].split()[0])
    res = client.post(lines[0].split()[1], json={"position": 0})
    assert res.status_code == 200, res.text


def progress(url: str) -> None:
    from sqlalchemy import func, select

    from cpe_core.models import ChapterProgress

    app = create_app({"CPE_DATABASE_URL": url, "CPE_SECRET_KEY": "bench-secret", "CPE_SECURE_COOKIES": False})
    with app.app_context():
        learners, seconds = db.session.execute(
            select(func.count(ChapterProgress.id), func.coalesce(func.sum(ChapterProgress.watched_seconds), 0))
            .where(ChapterProgress.watched_seconds > 0)
        ).one()
    print(f"progress: {learners} learners advanced, {seconds} s watched in total")
    if not seconds:
        sys.exit("error: the heartbeats counted no progress")


if __name__ == "__main__":
    if sys.argv[1] == "--progress":
        progress(sys.argv[2])
    else:
        main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 50)
