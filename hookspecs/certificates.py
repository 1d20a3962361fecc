"""Certificate hooks: how a region words the certificate it issues."""
from __future__ import annotations

from .markers import hookspec
from .types import CertificateTemplate


@hookspec(firstresult=True)
def cpe_certificate_template(region: str, year: int) -> CertificateTemplate | None:
    """Return the wording of ``region``'s certificate for ``year``.

    Called on the learner's certificate page, when a certificate is issued (its title, statement
    and issuer are printed, and stored with the certificate so verification shows the same), and
    never afterwards: an issued certificate keeps the wording it was printed with. Only on
    ``region``'s plugin and region-agnostic ones.

    :param region: the region code, as declared in :func:`cpe_regions`.
    :param year: the programme year the certificate is for.
    :returns: a :class:`~hookspecs.types.CertificateTemplate`; None if the region issues no
        certificate for that year (the page then says so and nothing can be issued).
    """
