"""``/dev/outbox``: the e-mails and SMS codes development kept instead of sending (see
:mod:`cpe_core.dev_outbox`). Registered only when the outbox is on, so production has no such
page at all."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, send_file

from ..dev_outbox import outbox as current_outbox

bp = Blueprint("dev_outbox", __name__, url_prefix="/dev/outbox")


@bp.get("/")
def outbox():
    """Every kept message, newest first."""
    return render_template("dev/outbox.html", messages=current_outbox().messages())


@bp.get("/<message_id>/<name>")
def attachment(message_id: str, name: str):
    path = current_outbox().attachment(message_id, name)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=False, download_name=name)
