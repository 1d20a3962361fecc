"""Staff's "issue certificates for every learner who completed the year", as a background job
with progress. Each learner goes through the certificate service like a learner's own request
(:func:`cpe_core.services.certificates.issue`), so the region's rules decide who qualifies and
a learner who already has the year's certificate keeps it."""
from __future__ import annotations

from flask import current_app, has_request_context, request

from ..extensions import db
from ..models import Job, User
from ..regions import RuleError, rules_for
from . import audit, background, certificates
from .exports import count_learner_years, learner_year_pages

KIND = "certificates"


def start(region: str, year: int, actor: User) -> Job:
    """Check the region issues such certificates that year, audit, and queue the batch."""
    rules = rules_for(region)
    template = rules.certificate_template(year)
    if template is None:
        raise RuleError("no_certificate", f"{rules.info.name}{year}年度不颁发证书。")
    if template.selectable_records:
        raise RuleError("certificate_not_batchable", "本地区的学时证明由学员勾选记录后自行生成，不能批量颁发。")
    # Certificates print their verification URL: the worker has no request to build it from,
    # so the job keeps the address staff used (or CPE_BASE_URL outside a request).
    base_url = request.host_url if has_request_context() else current_app.config.get("CPE_BASE_URL", "http://localhost/")
    job = background.create(KIND, region=region, params={"year": year, "base_url": base_url}, actor=actor)
    audit.record("certificate.batch", f"job:{job.id}", actor=actor, region=region, after={"year": year})
    db.session.commit()
    return background.submit(job)


def run_job(job_id: int) -> None:
    background.execute(job_id, _run)


def _run(job: Job, context: background.JobContext) -> str:
    region, year = job.region, int(job.params["year"])
    context.set_total(count_learner_years(region, year))
    issued = already = not_qualified = done = 0
    for page in learner_year_pages(region, year):
        for record in page:
            state = certificates.status(record.learner_id, region, year)
            if not state.allowed:
                not_qualified += 1
            elif any(c.revoked_at is None for c in certificates.issued(record.learner_id, region, year)):
                already += 1
            else:
                with current_app.test_request_context(base_url=job.params.get("base_url") or "http://localhost/"):
                    certificates.issue(db.session.get(User, record.learner_id), region, year)
                issued += 1
            done += 1
            context.progress(done)
    context.done = done
    actor = job.creator
    audit.record("certificate.batch_done", f"job:{job.id}", actor=actor, region=region,
                 after={"year": year, "issued": issued, "already": already, "not_qualified": not_qualified})
    db.session.commit()
    return f"新颁发{issued}份证书，已有证书{already}人，未达到条件{not_qualified}人。"
