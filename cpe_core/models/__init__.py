"""The data model. One module per concern; every region-scoped row carries a ``region`` code.

Instants are stored as naive UTC (see :mod:`cpe_core.clock`); money as integer fen.
"""
from __future__ import annotations

from .accounts import LearnerProfile, User, WechatBinding
from .audit import AuditEntry
from .captcha import CaptchaChallenge
from .catalogue import Chapter, Course, Institution, Question
from .commerce import Invoice, Order, OrderLine, Payment, ReconciliationRun, Refund, StudyCard
from .credits import Certificate, CreditPush, CreditRecord, CreditReview, PastRecord, ProgressSnapshot
from .exams import ExamAnswer, ExamAttempt
from .handover import CreditRegistration, Handover
from .jobs import Job
from .sms import SmsCode, SmsQuota
from .offsets import OffsetApplication, OffsetAttachment
from .ratings import Rating
from .study import ChapterProgress, CheckIn, Enrolment, StudyPlanItem
from .years import YearSettingValue

__all__ = [
    "WechatBinding",
    "YearSettingValue",
    "ReconciliationRun",
    "AuditEntry",
    "CaptchaChallenge",
    "Certificate",
    "Chapter",
    "ChapterProgress",
    "Course",
    "CreditPush",
    "CreditRegistration",
    "CreditRecord",
    "CreditReview",
    "PastRecord",
    "CheckIn",
    "Enrolment",
    "ExamAnswer",
    "ExamAttempt",
    "Handover",
    "Institution",
    "Invoice",
    "Job",
    "LearnerProfile",
    "OffsetApplication",
    "OffsetAttachment",
    "Order",
    "ProgressSnapshot",
    "OrderLine",
    "Rating",
    "Payment",
    "Question",
    "Refund",
    "SmsCode",
    "SmsQuota",
    "StudyCard",
    "StudyPlanItem",
    "User",
]
