"""Staff see learners' ID numbers and phone numbers masked (《个人信息保护法》); a region's admin
may show one learner's whole, and each reveal is audited. Reviewers cannot reveal."""
from __future__ import annotations

from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry
from cpe_core.services.privacy import mask_id_number, mask_phone
from cpe_core.testing import login


def test_masks_keep_only_the_ends():
    assert mask_id_number("211302198805161828") == "211302********1828"
    assert mask_phone("13800001234") == "138****1234"
    assert (mask_id_number(None), mask_phone("")) == ("", "")


def test_the_staff_list_and_learner_page_show_masked_numbers_and_an_admin_reveal_is_audited(
        app, testapp, make_learner, make_staff):
    learner = make_learner("chaoyang", phone="13800001234")
    make_staff("chaoyang", "admin")
    login(testapp, "chaoyang", "chaoyang-admin")
    listing = testapp.get("/chaoyang/admin/learners")
    assert learner.login not in listing.text and "13800001234" not in listing.text
    row = listing.html.select_one("td.login").parent
    assert row.select_one("td.login").text == mask_id_number(learner.login)
    assert row.select_one("td.phone").text == "138****1234"
    # An exact ID number still finds the learner (the search runs on the stored value).
    assert testapp.get("/chaoyang/admin/learners", {"q": learner.login}).html.select_one("td.login")

    page = testapp.get(f"/chaoyang/admin/learners/{learner.id}")
    assert learner.login not in page.text and "13800001234" not in page.text
    shown = page.forms["reveal"].submit()
    assert shown.html.select_one("#learner-login").text == learner.login
    assert shown.html.select_one("#learner-phone").text == "13800001234"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner.reveal"))
    assert (entry.target, entry.region) == (f"user:{learner.id}", "chaoyang")
    db.session.rollback()
    assert learner.login not in testapp.get(f"/chaoyang/admin/learners/{learner.id}").text  # for that page only


def test_a_reviewer_sees_masked_numbers_and_cannot_reveal(app, testapp, make_learner, make_staff):
    learner = make_learner("chaoyang", phone="13800001234")
    make_staff("chaoyang", "reviewer")
    login(testapp, "chaoyang", "chaoyang-reviewer")
    page = testapp.get(f"/chaoyang/admin/learners/{learner.id}")
    assert "reveal" not in page.forms and learner.login not in page.text
    csrf = page.html.select_one("input[name=csrf_token]")["value"]
    testapp.post(f"/chaoyang/admin/learners/{learner.id}/reveal", {"csrf_token": csrf}, status=403)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner.reveal")) is None


def test_a_learner_downloads_a_copy_of_their_personal_data_and_the_download_is_audited(app, testapp, make_learner):
    import io
    import json
    import zipfile

    from cpe_core.services.ledger import record_credit

    learner = make_learner("chaoyang", name="张丽华", phone="13800001234", collection_region="chaoyang")
    record_credit(user_id=learner.id, region="chaoyang", year=2024, kind="professional", credits=10,
                  source="course", source_id=1, description="会计准则")
    db.session.commit()
    login(testapp, "chaoyang", learner.login)
    link = testapp.get("/chaoyang/me").html.select_one("#personal-data")
    download = testapp.get(link["href"])
    assert download.content_type == "application/zip" and "no-store" in download.headers["Cache-Control"]
    bundle = zipfile.ZipFile(io.BytesIO(download.body))
    assert {"profile.json", "collection/answers.json", "orders.json", "credits.json", "certificates.json"} <= set(
        bundle.namelist())
    profile = json.loads(bundle.read("profile.json"))
    assert (profile["name"], profile["phone"], profile["id_number"]) == ("张丽华", "13800001234", learner.login)
    assert json.loads(bundle.read("credits.json"))[0]["description"] == "会计准则"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner.personal_data_export"))
    assert entry.target == f"user:{learner.id}"
    db.session.rollback()
    # Another learner's data is never in reach: the URL takes no id.
    testapp.reset()
    assert testapp.get("/chaoyang/me/personal-data.zip").status_int == 302


def test_a_learner_closes_their_account_and_only_what_the_credit_record_needs_is_kept(app, testapp, make_learner):
    from cpe_core.models import CreditRecord, User
    from cpe_core.services import collection
    from cpe_core.services.ledger import record_credit

    learner = make_learner("chaoyang", name="张丽华", phone="13800001234", collection_region="chaoyang",
                           collection_area="朝阳市双塔区", employer="朝阳市某公司")
    record_credit(user_id=learner.id, region="chaoyang", year=2024, kind="professional", credits=10,
                  source="course", source_id=1, description="会计准则")
    db.session.commit()
    folder = collection.upload_dir(learner)
    folder.mkdir(parents=True)
    (folder / "id_front.jpg").write_bytes(b"\xff\xd8\xff")
    login(testapp, "chaoyang", learner.login)

    form = testapp.get("/chaoyang/me").forms["close"]
    form["password"] = "wrong-password"
    refused = form.submit().follow()
    assert "密码不正确，账号未注销。" in refused.text
    form = refused.forms["close"]
    form["password"] = "Passw0rd!"
    home = form.submit().follow()
    assert "账号已注销" in home.text

    db.session.expire_all()
    user = db.session.get(User, learner.id)
    assert (user.is_active_account, user.phone, user.email) == (False, None, None)
    assert (user.name, user.profile.id_number) == ("张丽华", learner.login)  # the credit record's person
    assert (user.profile.employer, user.profile.collection_area) == (None, None)
    assert not folder.exists()
    assert db.session.scalar(select(CreditRecord).where(CreditRecord.user_id == learner.id)).credits == 10
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.closed")) is not None
    db.session.rollback()
    # Signed out, and the password no longer opens it.
    assert testapp.get("/chaoyang/me").status_int == 302
    form = testapp.get("/chaoyang/login").forms["login"]
    form["login"], form["password"] = learner.login, "Passw0rd!"
    assert form.submit(expect_errors=True).status_int == 401
