"""The one registry of the stable error codes that the JSON API and the services answer.

A refusal anywhere in the core (``RuleError``, ``InvalidInput``, ``FormRejected``, the API's
``error()``...) carries one of these codes; clients may rely on them. The OpenAPI document lists,
for each operation, which of them it answers (:func:`cpe_core.views.api.operation` refuses a code
that is not here), and ``tests/test_openapi.py`` checks that every code literal in
``cpe_core`` is one of these, so a new code is added here on purpose, not by a typo.

Field problems share one set (``field_required``, ``field_wrong_type``, ``field_too_long``...,
see :mod:`cpe_core.services.input_rules`); there is no second spelling such as
``missing_field``. A region's plugin may add reasons of its own (eligibility reasons, which
name the region's rules): those are the plugin's, documented by it, and not listed here.
"""
from __future__ import annotations

CODES: frozenset[str] = frozenset({
    "account_disabled", "already_received", "credits_invalid", "credits_registered", "enrolled",
    "paid_at_institution", "handover_expired", "handover_invalid",
    "handover_unsupported", "handover_used", "id_number_required", "institution_not_served_here",
    "institution_token_required", "registration_not_found",
    "delivery_invalid", "duplicate_gateway", "invoice_link_expired", "phone_missing",
    "wechat_account_bound", "wechat_bound_elsewhere", "wechat_code_invalid", "wechat_not_bound",
    "wechat_not_offered", "wechat_unavailable",
    "invalid_stars", "not_enrolled", "not_rateable", "not_studied", "phone_ambiguous",
    "phone_not_registered", "rating_not_found", "sms_login_not_offered", "institution_not_found",
    "already_enrolled", "already_paid", "already_registered", "already_revoked",
    "already_submitted", "answers_incomplete", "application_locked", "application_not_found",
    "attachment_not_found", "attempt_closed", "attempt_not_found", "attempt_open",
    "attempts_used_up", "bad_count", "bad_credentials", "bad_sms_code", "batch_not_found",
    "captcha_expired", "captcha_required", "captcha_used", "captcha_wrong", "card_invalid",
    "card_invoice", "no_check_in", "import_bad_header", "import_bad_row", "no_record_history", "record_not_found", "login_choice_required", "credit_review_conflict", "credits_not_merged", "no_credit_review", "nothing_selected", "modes_not_combinable", "order_pending", "card_not_active", "card_not_found", "card_refund", "card_used", "card_void",
    "card_wrong_region", "card_wrong_year", "cart_not_sellable", "certificate_not_batchable",
    "certificate_not_found", "certificate_revoked", "chapter_locked", "chapter_not_found",
    "chapter_not_in_plan", "claimed_not_integer", "collection_incomplete", "comment_required",
    "comment_too_long", "course_already_selected", "course_locked", "course_not_found",
    "course_not_selected", "course_other_institution", "course_required", "course_started",
    "course_wrong_year", "credits_not_allowed", "current_year", "duplicate_provider",
    "email_invalid", "enrolment_cancelled", "enrolment_not_found", "enrolment_paid",
    "enrolment_required", "evidence_required", "exam_not_passed", "exam_open", "exam_passed",
    "exam_total_missing", "exercise_changed", "exercise_locked", "export_format_not_offered",
    "export_not_found", "export_not_offered", "export_not_ready", "field_bad_choice", "field_control_characters", "not_found", "request_too_large",
    "field_negative", "field_not_cn_number", "field_not_date", "field_not_integer",
    "field_out_of_range", "field_required", "field_too_long", "field_wrong_type", "file_too_large",
    "file_type_not_allowed", "forbidden", "form_expired", "format_required", "free", "free_region",
    "handout_content_mismatch", "handout_empty", "handout_forbidden", "handout_not_found",
    "handout_too_large", "handout_type_not_allowed", "heartbeat_busy", "heartbeat_too_fast",
    "identity_mismatch", "import_bad_year", "import_empty", "import_needs_application",
    "import_no_file", "import_no_identity", "import_unreadable", "institution_already_chosen",
    "institution_other_level", "institution_paid", "institution_required", "institution_studied",
    "invalid_answer", "invalid_choice", "invalid_decision", "invalid_enrolment", "invalid_fields",
    "invalid_form", "invalid_id_number", "invalid_identity", "invalid_input", "invalid_order",
    "invalid_phone", "invalid_position", "invalid_quote", "invalid_year", "invoice_exists",
    "invoice_issued", "invoice_not_found", "invoice_not_issued", "invoice_window_closed", "json_required", "kind_invalid",
    "learners_only", "login_required", "missing_file", "mode_unavailable", "no_application_needed",
    "no_certificate", "no_enrolment", "no_exam", "no_exercise", "no_institution_choice",
    "no_institution_chosen", "no_payment", "no_provider", "no_records_selected",
    "not_a_learner_here", "not_a_reviewer_here", "not_cancellable", "not_invoiceable",
    "not_payable", "not_refundable", "not_region_staff", "not_reviewable", "not_submitted",
    "not_your_attempt", "nothing_to_invoice", "nothing_to_refund", "order_not_found",
    "password_mismatch", "payment_busy", "phone_mismatch", "provider_failed", "provider_required",
    "push_not_configured", "quantity_over_cap", "quantity_too_small", "question_bank_too_small",
    "question_not_in_attempt", "reason_needed", "reason_required", "reason_too_long",
    "record_not_yours", "refund_decided", "refund_not_found", "refund_pending", "requirement_met",
    "select_records", "session_replaced", "sms_daily_limit", "sms_failed", "study_minutes_missing",
    "tax_id_invalid", "tax_id_required", "time_up", "title_required", "title_too_long",
    "too_many_attempts", "too_many_captchas", "too_many_files", "total_missing",
    "unknown_institution", "unknown_level", "unknown_offset_type", "unknown_provider",
    "unknown_purchase_mode", "unknown_region", "unknown_role", "unknown_step",
    "unknown_year_setting", "weak_password", "window_closed", "window_not_open", "wrong_password",
    "wrong_region", "year_closed", "year_complete", "year_invalid", "year_not_offered",
    "year_not_started",
})
