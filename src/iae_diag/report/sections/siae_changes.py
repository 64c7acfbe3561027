"""The SIAE created and closed in the year (orientation 4.1.1 of the strategy: follow the new
projects and the activity of each SIAE).

A creation is a SIAE (structure and type) active in the territory in the year and not the
year before; a closure the reverse: the definition of the indicators ``structures_created``
and ``structures_closed``, whose counts the section prints. The ``interne`` documents list the
structures (name, type, commune); the ``publique`` documents give the counts only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from iae_diag import secrecy
from iae_diag.formatting import fmt_int
from iae_diag.report.context import ReportContext
from iae_diag.report.html import note, para, section, table_html
from iae_diag.territories import Territory
from iae_diag.vocabulary import TYPES

CREATED, CLOSED = "Création", "Fermeture"


def siae_changes_table(siae: pd.DataFrame, deps: list[str], year: int) -> pd.DataFrame | None:
    """The SIAE (structure and type) of the départements ``deps`` created in ``year`` (active in
    the year, not the year before) or closed (active the year before, not in the year): columns
    ``mouvement`` (« Création » or « Fermeture »), ``structure_id_siae``, ``type_siae``,
    ``denomination``, ``code_commune``, ``code_departement`` (of the year that saw it active);
    creations first, then by type (reference order) and name. None when the SIAE table does not
    cover the year before."""
    if not bool((siae["year"] == year - 1).any()):
        return None
    s = siae.loc[siae["code_departement"].astype(str).isin(deps)]
    keys = ["structure_id_siae", "type_siae"]

    def active(y: int) -> pd.DataFrame:
        return s.loc[s["year"] == y].drop_duplicates(keys)

    cur, prev = active(year), active(year - 1)
    cur_k = set(map(tuple, cur[keys].to_numpy().tolist()))
    prev_k = set(map(tuple, prev[keys].to_numpy().tolist()))
    created = cur.loc[[tuple(k) not in prev_k for k in cur[keys].to_numpy().tolist()]]
    closed = prev.loc[[tuple(k) not in cur_k for k in prev[keys].to_numpy().tolist()]]
    out = pd.concat(
        [created.assign(mouvement=CREATED), closed.assign(mouvement=CLOSED)], ignore_index=True
    )
    order = {t: i for i, t in enumerate(TYPES)}
    out = out.assign(
        _m=(out["mouvement"] == CLOSED).astype(int), _t=out["type_siae"].map(order)
    ).sort_values(["_m", "_t", "denomination", "structure_id_siae"], kind="stable")
    cols = ["mouvement", "structure_id_siae", "type_siae", "denomination"]
    cols += ["code_commune", "code_departement"]
    return out[cols].reset_index(drop=True)


@lru_cache(maxsize=4)
def _asp_commune_names(structure_file: str) -> dict[str, str]:
    """INSEE code -> commune name as the ASP structure file writes it (administrative
    address), the most frequent name of each code."""
    path = Path(structure_file)
    if not path.is_file():
        return {}
    cols = ["structure_adresse_admin_code_insee", "structure_adresse_admin_commune"]
    t = pd.read_parquet(path, columns=cols).dropna()
    t = t.astype(str)
    counts = t.groupby(cols).size().reset_index(name="n")
    counts = counts.sort_values(["n", cols[1]], ascending=[False, True], kind="stable")
    return dict(counts.drop_duplicates(cols[0])[cols].to_numpy().tolist())


def commune_names(ctx: ReportContext) -> dict[str, str]:
    """INSEE code -> commune name: the geography folder's names when there is one, else the
    ASP structure file's (upper case, as received)."""
    names = dict(_asp_commune_names(str(ctx.processed_dir / "structure.parquet")))
    if ctx.geo_dir:
        from iae_diag.geo import load_geography

        geo = load_geography(ctx.geo_dir)
        for layer in (getattr(geo, "communes", None), getattr(geo, "arrondissements", None)):
            if layer is not None and {"code_commune", "nom"} <= set(layer.columns):
                codes, noms = layer["code_commune"].astype(str), layer["nom"].astype(str)
                names.update(zip(codes, noms, strict=True))
    return names


def changes_sentence(ctx: ReportContext, n_created: int, n_closed: int) -> str:
    """``En 2013, 28 SIAE ont été créées et 19 ont fermé en Île-de-France (solde : +9).``"""
    net = n_created - n_closed
    sign = "+" if net > 0 else ("−" if net < 0 else "")
    if n_created == 0:
        made = "aucune SIAE n'a été créée"
    else:
        made = f"{fmt_int(n_created)} SIAE {'a été créée' if n_created == 1 else 'ont été créées'}"
    if n_closed == 0:
        shut = "aucune n'a fermé"
    else:
        shut = f"{fmt_int(n_closed)} {'a fermé' if n_closed == 1 else 'ont fermé'}"
    return (
        f"En {ctx.year}, {made} et {shut} {ctx.territory.in_name()} "
        f"(solde\u00a0: {sign}{fmt_int(abs(net))})."
    )


def show_siae_changes(ctx: ReportContext) -> HTML:
    """The SIAE created and closed in the year: the counts in every document, the list (name,
    type, commune) in the ``interne`` documents only."""
    y = ctx.year
    if ctx.siae is None:
        return section([note("La table des SIAE est absente des données traitées.")])
    table = siae_changes_table(ctx.siae, ctx.territory.departements(), y)
    if table is None:
        return section(
            [
                note(
                    f"Les créations et fermetures de SIAE de {y} ne sont pas connues : les "
                    f"données ne couvrent pas {y - 1}."
                )
            ]
        )
    # the counts of the indicator table (those of the key figures), else of the list: the
    # same on the tables of `iae-diag indicators` (tests/test_report_end_to_end.py)
    listed = [int((table["mouvement"] == m).sum()) for m in (CREATED, CLOSED)]
    n_created, n_closed = (
        int(v) if v is not None else n
        for v, n in zip(
            (ctx.value("structures_created"), ctx.value("structures_closed")), listed, strict=True
        )
    )
    parts = [para(changes_sentence(ctx, n_created, n_closed))]
    if ctx.diffusion != secrecy.INTERNE:
        parts.append(
            note(
                "Une SIAE est comptée par type de structure. La liste nominative des SIAE "
                "créées et fermées figure dans la version interne du document, réservée aux "
                "services de l'État."
            )
        )
        return section(parts)
    if table.empty:
        return section(parts)
    names = commune_names(ctx)
    region = ctx.territory.level == "region"
    rows = []
    for r in table.itertuples(index=False):
        code = str(r.code_commune)
        commune = f"{names[code]} ({code})" if code in names else code
        row = [r.mouvement, str(r.denomination), r.type_siae, commune]
        if region:
            row.append(Territory("dep", str(r.code_departement)).label())
        rows.append(row)
    header = ["Mouvement", "SIAE", "Type", "Commune"] + (["Département"] if region else [])
    parts.append(
        table_html(
            header,
            rows,
            caption=f"SIAE créées et fermées en {y} (diffusion restreinte)",
            cls="wide",
        )
    )
    parts.append(
        note(
            f"Création : SIAE active en {y} et pas en {y - 1} ; fermeture : active en {y - 1} "
            f"et plus en {y}, dans le territoire ; une SIAE est comptée par type de structure. "
            "Commune de l'adresse de la structure. Document de travail réservé aux services "
            "de l'État."
        )
    )
    return section(parts)
