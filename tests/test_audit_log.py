"""The audit log is a hash chain; `cpe audit verify` reports the first broken link."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from cpe_core.extensions import db
from cpe_core.models import AuditEntry
from cpe_core.services import audit


@pytest.fixture
def entries(app, make_staff):
    admin = make_staff("chaoyang", "admin")
    written = [
        audit.record("password.reset", f"user:{n}", actor=admin, region="chaoyang",
                     before={"n": n}, after={"n": n + 1, "备注": "重置"})
        for n in range(5)
    ]
    db.session.commit()
    return written


def verify_cli(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_each_entry_links_to_the_previous_ones_hash(entries):
    assert entries[0].prev_hash == audit.GENESIS
    for previous, entry in zip(entries, entries[1:]):
        assert entry.prev_hash == previous.hash
    assert entries[2].actor == "admin:chaoyang-admin" and entries[2].region == "chaoyang"


def test_intact_chain_verifies(app, entries):
    assert audit.verify().ok
    result = verify_cli(app)
    assert result.exit_code == 0 and "OK: 5 entries" in result.output


def test_edited_entry_is_reported_as_the_first_broken_link(app, entries):
    db.session.execute(update(AuditEntry).where(AuditEntry.id == entries[2].id).values(after={"n": 999}))
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_id == entries[2].id and result.checked == 2
    cli = verify_cli(app)
    assert cli.exit_code == 1 and f"BROKEN at entry #{entries[2].id}" in cli.output


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(app, entries):
    target = db.session.get(AuditEntry, entries[1].id)
    target.actor = "system"
    target.hash = audit.hash_of(target)
    db.session.commit()
    assert audit.verify().broken_id == entries[2].id


def test_deleted_entry_is_caught(app, entries):
    db.session.delete(db.session.get(AuditEntry, entries[3].id))
    db.session.commit()
    assert audit.verify().broken_id == entries[4].id


def test_entry_rolls_back_with_the_change_it_describes(app):
    audit.record("demo.action", "thing:1")
    db.session.rollback()
    assert audit.verify().checked == 0


def test_new_entries_continue_the_chain_after_a_commit(app, entries):
    later = audit.record("order.refund", "order:9", region="chaoyang")
    db.session.commit()
    assert later.prev_hash == entries[-1].hash
    assert audit.verify().checked == 6
