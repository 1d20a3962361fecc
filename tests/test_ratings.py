"""Ratings (评价): a learner rates what the region lets them (Chaoyang: a course they studied), 1–5
stars and a comment, once per item and year and editable; averages on the course page; staff
hide a comment with a reason (audited)."""
from __future__ import annotations

import pytest

from cpe_core.testing import login
from hookspecs import RatingPolicy, hookimpl

YEAR = 2024


def studied(user, course) -> None:
    from cpe_core.extensions import db
    from cpe_core.models import ChapterProgress

    db.session.add(ChapterProgress(user_id=user.id, chapter_id=course.chapters[0].id, watched_seconds=30))
    db.session.commit()


def bearer(testapp, region, login_name) -> dict:
    from cpe_core.testing import api_captcha

    token = testapp.post_json(f"/api/v1/regions/{region}/login",
                              {"login": login_name, "password": "Passw0rd!", **api_captcha(testapp)}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def api_rate(testapp, headers, course_id, stars, comment="", target="course", **extra):
    return testapp.put_json(f"/api/v1/me/ratings/{target}/{course_id}", {"stars": stars, "comment": comment, **extra},
                            headers=headers, expect_errors=True)


@pytest.fixture
def course(make_course):
    return make_course("chaoyang", YEAR, title="政府会计准则")


def test_a_learner_rates_a_studied_course_once_a_year_and_may_change_it(testapp, make_learner, course):
    from cpe_core.extensions import db
    from cpe_core.models import Rating

    learner = make_learner("chaoyang")
    studied(learner, course)
    login(testapp, "chaoyang", learner.login)
    page = testapp.get(f"/chaoyang/courses/{course.id}")
    assert "暂无评价。" in page.text
    form = page.forms["rating-form"]
    form["stars"], form["comment"] = "4", "讲解清楚"
    page = form.submit().follow()
    assert "评价已保存。" in page.text and "平均4.0星（1人评价）" in page.text and "讲解清楚" in page.text
    form = page.forms["rating-form"]
    assert form["stars"].value == "4" and form["comment"].value == "讲解清楚"
    form["stars"], form["comment"] = "2", "声音太小"
    page = form.submit().follow()
    assert "平均2.0星（1人评价）" in page.text and "讲解清楚" not in page.text
    assert db.session.query(Rating).count() == 1


def test_the_course_page_and_the_api_show_every_learner_s_average(testapp, make_learner, course):
    for stars in (5, 2):
        learner = make_learner("chaoyang")
        studied(learner, course)
        assert api_rate(testapp, bearer(testapp, "chaoyang", learner.login), course.id, stars, "好").status_int == 200
    testapp.reset()
    assert "平均3.5星（2人评价）" in testapp.get(f"/chaoyang/courses/{course.id}").text
    answer = testapp.get(f"/api/v1/regions/chaoyang/courses/{course.id}/ratings").json
    assert (answer["average"], answer["count"], len(answer["ratings"])) == (3.5, 2, 2)


def test_a_course_not_studied_cannot_be_rated(testapp, make_learner, course):
    learner = make_learner("chaoyang")
    headers = bearer(testapp, "chaoyang", learner.login)
    refused = api_rate(testapp, headers, course.id, 5)
    assert refused.status_int == 422 and refused.json["error"] == {"code": "not_studied", "message": "学习过该课程后才能评价。"}
    login(testapp, "chaoyang", learner.login)
    page = testapp.get(f"/chaoyang/courses/{course.id}")
    assert "rating-form" not in page.forms and page.html.select_one("#rating-refusal").text == "学习过该课程后才能评价。"


@pytest.mark.parametrize("stars, comment, code", [(0, "", "invalid_stars"), (6, "", "invalid_stars"),
                                                  (3, "差\x00评", "field_control_characters")])
def test_bad_ratings_are_refused_and_nothing_is_saved(testapp, make_learner, course, stars, comment, code):
    from cpe_core.extensions import db
    from cpe_core.models import Rating

    learner = make_learner("chaoyang")
    studied(learner, course)
    refused = api_rate(testapp, bearer(testapp, "chaoyang", learner.login), course.id, stars, comment)
    assert refused.status_int == 422 and refused.json["error"]["code"] == code
    assert db.session.query(Rating).count() == 0


def test_staff_hide_a_comment_with_a_reason_and_it_is_audited(testapp, make_learner, make_staff, course):
    from cpe_core.extensions import db
    from cpe_core.models import AuditEntry, Rating

    learner = make_learner("chaoyang")
    studied(learner, course)
    api_rate(testapp, bearer(testapp, "chaoyang", learner.login), course.id, 1, "广告：加微信")
    rating = db.session.query(Rating).one()
    make_staff("chaoyang", "reviewer", login="cy-reviewer")
    testapp.reset()
    no_reason = testapp.post_json(f"/api/v1/regions/chaoyang/ratings/{rating.id}/hide", {"reason": ""},
                                  headers=bearer(testapp, "chaoyang", "cy-reviewer"), expect_errors=True)
    assert no_reason.status_int == 422 and no_reason.json["error"]["code"] == "reason_required"
    testapp.reset()
    login(testapp, "chaoyang", "cy-reviewer")
    form = testapp.get(f"/chaoyang/courses/{course.id}").forms[f"hide-{rating.id}"]
    form["reason"] = "含广告信息"
    page = form.submit().follow()
    assert "评价已隐藏。" in page.text and "已隐藏：含广告信息" in page.text
    entry = db.session.query(AuditEntry).filter_by(action="rating.hidden").one()
    assert entry.target == f"rating:{rating.id}" and entry.actor == "reviewer:cy-reviewer"
    assert entry.after == {"hidden": True, "reason": "含广告信息"}
    testapp.reset()
    page = testapp.get(f"/chaoyang/courses/{course.id}")
    assert "广告：加微信" not in page.text and "平均1.0星（1人评价）" in page.text
    assert testapp.get(f"/api/v1/regions/chaoyang/courses/{course.id}/ratings").json["ratings"] == []


def test_staff_of_another_region_cannot_hide(testapp, make_learner, make_staff, course):
    from cpe_core.extensions import db
    from cpe_core.models import Rating

    learner = make_learner("chaoyang")
    studied(learner, course)
    api_rate(testapp, bearer(testapp, "chaoyang", learner.login), course.id, 3, "一般")
    rating = db.session.query(Rating).one()
    make_staff("guangdong", "admin", login="gd-admin")
    refused = testapp.post_json(f"/api/v1/regions/guangdong/ratings/{rating.id}/hide", {"reason": "x"},
                                headers=bearer(testapp, "guangdong", "gd-admin"), expect_errors=True)
    assert refused.status_int == 404 and db.session.get(Rating, rating.id).hidden_at is None


def test_a_region_that_rates_nothing_shows_no_form_and_the_api_refuses(testapp, make_learner, make_course):
    course = make_course("guangdong", YEAR)
    learner = make_learner("guangdong")
    studied(learner, course)
    refused = api_rate(testapp, bearer(testapp, "guangdong", learner.login), course.id, 5)
    assert refused.status_int == 422 and refused.json["error"]["code"] == "not_rateable"
    login(testapp, "guangdong", learner.login)
    page = testapp.get(f"/guangdong/courses/{course.id}")
    assert "rating-form" not in page.forms and page.html.select("#rating-refusal") == []


class InstitutionsRated:
    @hookimpl
    def cpe_rating_policy(self, region, year):
        return RatingPolicy(targets=("institution",)) if region == "guangdong" else None


@pytest.fixture
def extra_plugins():
    return [("institutions-rated", InstitutionsRated())]


def test_the_institution_of_an_enrolment_is_rated_where_the_region_allows_it(testapp, make_learner):
    from cpe_core.extensions import db
    from cpe_core.models import Enrolment, Institution

    school = Institution(region="guangdong", name="测试网校")
    other = Institution(region="guangdong", name="别的网校")
    db.session.add_all([school, other])
    db.session.flush()
    learner = make_learner("guangdong")
    db.session.add(Enrolment(user_id=learner.id, region="guangdong", year=YEAR, institution_id=school.id, status="paid"))
    db.session.commit()
    headers = bearer(testapp, "guangdong", learner.login)
    rated = api_rate(testapp, headers, school.id, 5, "服务好", target="institution", year=YEAR)
    assert rated.status_int == 200 and rated.json["stars"] == 5 and rated.json["year"] == YEAR
    not_mine = api_rate(testapp, headers, other.id, 5, target="institution", year=YEAR)
    assert not_mine.json["error"]["code"] == "not_enrolled"
    other_year = api_rate(testapp, headers, school.id, 5, target="institution", year=YEAR - 1)
    assert other_year.json["error"]["code"] == "not_enrolled"
