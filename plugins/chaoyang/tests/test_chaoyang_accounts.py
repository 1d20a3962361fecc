"""Chaoyang registration: ID number, password and captcha; name, ID, qualification and employer
required (the 2021 flow), plus where the learner was collected on the Liaoning platform."""
from __future__ import annotations

from cpe_chaoyang import accounts, rules
from hookspecs import LearnerFacts


def test_registration_requires_what_the_2021_flow_marks_with_a_star():
    spec = accounts.REGISTRATION
    assert spec.identity_field == "id_number" and spec.captcha and not spec.questions
    required = {f.name for f in spec.fields if f.required}
    assert {"name", "qualification_level", "employer", "collection_region"} <= required


def test_a_learner_collected_elsewhere_in_liaoning_is_refused():
    facts = LearnerFacts(learner_id=1, region="chaoyang", collection_region=accounts.COLLECTED_ELSEWHERE)
    assert rules.check_eligibility(facts, 2024).reasons[0].code == "collected_elsewhere"
    choices = dict(next(f for f in accounts.REGISTRATION.fields if f.name == "collection_region").choices)
    assert rules.REGION in choices and accounts.COLLECTED_ELSEWHERE in choices
