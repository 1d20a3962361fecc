"""Security headers on every response the app makes (pages, the JSON API, static files), by
flask-talisman: a Content-Security-Policy with ``frame-ancestors``, X-Frame-Options,
X-Content-Type-Options, Referrer-Policy and, in production, Strict-Transport-Security.

Scripts and styles come from the site itself; the few inline ``<script>`` and ``<style>``
blocks (the player, the exam timer, a region's colours) carry the per-request nonce that
``csp_nonce()`` gives templates, so no ``'unsafe-inline'`` is needed. Inline event handlers and
``style`` attributes are not allowed: put them in ``static/`` or a nonced block.

HTTPS itself is the reverse proxy's job (talisman's redirect is off); HSTS is sent in
production on requests that arrived over HTTPS (``X-Forwarded-Proto: https`` counts).
"""
from __future__ import annotations

from flask import Flask, request
from flask_talisman import DENY, Talisman
from flask_talisman.talisman import NONCE_LENGTH, get_random_string

from .settings import is_production

#: Where chapter videos may be loaded from besides the site: staff may give any HTTPS address.
MEDIA_SRC = "'self' https:"


def policy(app: Flask) -> dict[str, str]:
    """The Content-Security-Policy, directive by directive."""
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "media-src": app.config.get("CPE_CSP_MEDIA_SRC") or MEDIA_SRC,
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        # No site may frame ours (clickjacking); X-Frame-Options says the same to old browsers.
        "frame-ancestors": "'none'",
    }


def init_app(app: Flask) -> None:
    """Install flask-talisman with the app's policy; ``csp_nonce()`` in templates."""
    talisman = Talisman()
    talisman.init_app(
        app,
        force_https=False,
        frame_options=DENY,
        content_security_policy=policy(app),
        content_security_policy_nonce_in=["script-src", "style-src"],
        strict_transport_security=is_production(app.config),
        # The session cookie's flags are the settings' (Secure outside development); talisman
        # would otherwise force Secure on every request and rewrite SameSite.
        session_cookie_secure=False,
        session_cookie_http_only=True,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
    )
    app.extensions["cpe_talisman"] = talisman
    # talisman makes the nonce in a before-request function, which does not run when an earlier
    # one answers (a redirect) or a URL processor aborts (an error page): make it when a
    # template first asks, so every page's nonce is in its header.
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce() -> str:
    """This request's CSP nonce, made on first use."""
    nonce = getattr(request, "csp_nonce", None)
    if not nonce:
        nonce = request.csp_nonce = get_random_string(NONCE_LENGTH)
    return nonce
