"""A course's lecturer, introduction and preview clip show on its page, to anyone on the site and
to a learner through the API course detail."""
from __future__ import annotations

from webtest import TestApp

from cpe_core.extensions import db
from study_support import course, learner, sign_in


def described_course():
    c = course("guangdong", chapters=1, credits=15)
    c.lecturer = "王建国"
    c.introduction = "本课程讲解政府会计制度下预算会计与财务会计的平行记账。"
    c.preview_url = "/static/video/demo-preview.webm"
    db.session.commit()
    return c


def test_the_course_page_shows_the_lecturer_introduction_and_a_preview_anyone_can_watch(app):
    c = described_course()
    anonymous = TestApp(app)
    page = anonymous.get(f"/guangdong/courses/{c.id}")
    intro = page.html.select_one("section.course-intro")
    assert "主讲：王建国" in intro.text
    assert "本课程讲解政府会计制度下预算会计与财务会计的平行记账。" in intro.text
    clip = intro.select_one("video.preview")["src"]
    assert clip == "/static/video/demo-preview.webm"
    watched = anonymous.get(clip)
    assert watched.content_type == "video/webm" and len(watched.body) > 0


def test_the_api_course_detail_gives_the_lecturer_introduction_and_preview(app, make_learner):
    c = described_course()
    client = TestApp(app)
    sign_in(client, learner(make_learner, "guangdong"))
    detail = client.get(f"/api/v1/me/courses/{c.id}").json
    assert detail["lecturer"] == "王建国"
    assert detail["introduction"] == "本课程讲解政府会计制度下预算会计与财务会计的平行记账。"
    assert detail["preview_url"] == "/static/video/demo-preview.webm"
    assert (detail["kind"], detail["credits"], detail["year"], detail["code"]) == ("professional", 15, 2024, c.code)
    # The learner's own page says the same.
    assert "主讲：王建国" in client.get(f"/guangdong/courses/{c.id}").html.select_one("section.course-intro").text
