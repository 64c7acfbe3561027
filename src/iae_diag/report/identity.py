"""The identity of a document: issuing service, publication date, data status, diffusion.

The issuing service and the publication date come from the params file of the region
(``params/region-<code>.yml``: ``service``, ``services``, ``publication_date``); without them a
report is signed by the State's service of its territory ("DREETS Île-de-France" for a region,
"DDETS de la Seine-Saint-Denis" for a département) and carries no publication date: the date
of the run is never printed (same input, same output).
"""

from __future__ import annotations

import datetime as dt

from iae_diag import secrecy
from iae_diag.errors import ParameterError
from iae_diag.formatting import MONTHS
from iae_diag.territories import Territory

#: the data-status mark of a document rendered from synthetic data (``data_status`` of the
#: manifest): on the cover, in every page footer of the PDF, at the top of the HTML, in the
#: index and the workbook; never on real data
SYNTHETIC_MARK = "Données fictives — jeu de démonstration"

#: French words of the manifest's ``data_status``
DATA_STATUS_WORDS = {
    "synthetic": "données fictives produites par le générateur du projet (jeu de démonstration)",
    "real": "données réelles de l'ASP",
}

#: French words of the diffusion levels
DIFFUSION_WORDS = {
    secrecy.PUBLIQUE: "publique (document publiable)",
    secrecy.INTERNE: "interne (diffusion restreinte aux services de l'État)",
}


def status_mark(data_status: str | None) -> str | None:
    """:data:`SYNTHETIC_MARK` for synthetic data, None otherwise (real or unknown)."""
    return SYNTHETIC_MARK if data_status == "synthetic" else None


def default_service(territory: Territory) -> str:
    """The issuing service of a territory's report when the params file names none:
    ``DREETS Île-de-France`` (region), ``DDETS de la Seine-Saint-Denis`` (département)."""
    if territory.level == "region":
        return f"DREETS {territory.name}"
    if territory.level == "dep":
        return f"DDETS {territory.of_name()}"
    return "Ministère du Travail"


def check_date(value: object, where: str) -> str:
    """A ``AAAA-MM-JJ`` date (``publication_date``), checked; ``""`` stays ``""``."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.date):  # YAML reads an unquoted 2014-03-15 as a date
        return value.isoformat()
    s = str(value).strip()
    try:
        return dt.date.fromisoformat(s).isoformat()
    except ValueError:
        raise ParameterError(
            f'{where}: publication_date {value!r} is not a date AAAA-MM-JJ (e.g. "2014-03-15").'
        ) from None


def date_fr(iso: str) -> str:
    """``2014-03-15`` -> ``15 mars 2014``, ``2014-03-01`` -> ``1er mars 2014``."""
    d = dt.date.fromisoformat(iso)
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def service_of(territory: Territory, params: dict) -> str:
    """The issuing service of ``territory`` under a params document (:func:`params_identity`):
    ``service`` for the region, ``services[<code>]`` for a département, else the default."""
    if territory.level == "region" and params.get("service"):
        return str(params["service"])
    if territory.level == "dep" and territory.code in params.get("services", {}):
        return str(params["services"][territory.code])
    return default_service(territory)


def params_identity(doc: object, where: str) -> dict:
    """``service`` (str), ``services`` ({département code: str}) and ``publication_date``
    (``AAAA-MM-JJ`` or ``""``) of a params document, checked (``where``: the file)."""
    doc = doc if isinstance(doc, dict) else {}
    service = doc.get("service", "")
    if not isinstance(service, str):
        raise ParameterError(f"{where}: service {service!r} must be a quoted text.")
    services = doc.get("services") or {}
    if not isinstance(services, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in services.items()
    ):
        raise ParameterError(
            f"{where}: services must map quoted département codes to quoted texts "
            '(e.g. services: {"93": "DDETS de la Seine-Saint-Denis"}).'
        )
    return {
        "service": service.strip(),
        "services": {k.strip(): v.strip() for k, v in services.items()},
        "publication_date": check_date(doc.get("publication_date", ""), where),
    }
