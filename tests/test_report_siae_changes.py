"""The SIAE created and closed in the year (issue 12 item 8, orientation 4.1.1): the list in
the ``interne`` documents only, the counts in every document."""

import re
from html import unescape

import pandas as pd
import pytest

from iae_diag.report import context, sections
from iae_diag.report.sections.siae_changes import siae_changes_table
from iae_diag.vocabulary import SIAE_COLUMNS
from report_helpers import write_processed


def _siae(rows):
    """SIAE rows (id, type, year, département, commune, name) with zero figures."""
    return pd.DataFrame(
        [(i, t, y, d, c, n, 0.0, 0.0, 0.0, 0.0) for i, t, y, d, c, n in rows],
        columns=SIAE_COLUMNS,
    )


SIAE = _siae(
    [
        (1, "ACI", 2012, "93", "93048", "Atelier Montreuil"),  # stays
        (1, "ACI", 2013, "93", "93048", "Atelier Montreuil"),
        (2, "EI", 2012, "93", "93066", "Entreprise Saint-Denis"),  # closes
        (3, "AI", 2013, "93", "93008", "Association Bobigny"),  # created
        (4, "ACI", 2013, "93", "93001", "Chantier Aubervilliers"),  # created
        (1, "EI", 2013, "93", "93048", "Atelier Montreuil"),  # a new type: created
        (5, "ETTI", 2012, "94", "94028", "Intérim Créteil"),  # moves from 94 to 93
        (5, "ETTI", 2013, "93", "93048", "Intérim Créteil"),
    ]
)


def test_created_and_closed_by_structure_and_type():
    t = siae_changes_table(SIAE, ["93"], 2013)
    assert t[["mouvement", "structure_id_siae", "type_siae"]].to_numpy().tolist() == [
        ["Création", 4, "ACI"],
        ["Création", 3, "AI"],
        ["Création", 1, "EI"],
        ["Création", 5, "ETTI"],  # new in the département
        ["Fermeture", 2, "EI"],
    ]
    assert t.loc[t["structure_id_siae"] == 2, "code_commune"].item() == "93066"
    # the region of both départements: the move is neither a creation nor a closure
    r = siae_changes_table(SIAE, ["93", "94"], 2013)
    assert sorted(r["structure_id_siae"].tolist()) == [1, 2, 3, 4]
    # no year before in the table: unknown, not zero
    assert siae_changes_table(SIAE, ["93"], 2012) is None


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("changes") / "processed")


@pytest.mark.parametrize(
    ("territory", "counts", "net"), [("region:11", (22, 2), "+20"), ("dep:93", (5, 2), "+3")]
)
def test_counts_are_the_indicators_and_names_only_in_interne(proc, territory, counts, net):
    pub = context.build_context(territory, 2013, str(proc), "")
    created = int(pub.value("structures_created"))
    closed = int(pub.value("structures_closed"))
    assert created > 0
    html = unescape(sections.show_siae_changes(pub).data)
    where = pub.territory.in_name()
    # the counts of the indicator table (the key figures')
    assert (created, closed) == counts
    assert (
        f"En 2013, {created} SIAE ont été créées et {closed} ont fermé {where} "
        f"(solde\u00a0: {net})."
    ) in html
    assert "<table" not in html and "Structure " not in html  # no name in a public document
    assert "version interne du document" in html
    interne = context.build_context(territory, 2013, str(proc), "", "interne")
    page = unescape(sections.show_siae_changes(interne).data)
    rows = re.findall(r"<tr><t[hd][^>]*>(Création|Fermeture)</t[hd]>", page)
    table = siae_changes_table(interne.siae, interne.territory.departements(), 2013)
    assert len(rows) == len(table) > 0  # every creation and closure of the SIAE table listed
    first = table.iloc[0]
    row = page[page.index(first["denomination"]) :].split("</tr>")[0]
    # no structure file nor geography folder here: the commune is its INSEE code
    assert f">{first['type_siae']}</td><td>{first['code_commune']}</td>" in row
    assert "SIAE créées et fermées en 2013 (diffusion restreinte)" in page


def test_first_year_says_unknown(proc):
    ctx = context.build_context("dep:93", 2011, str(proc), "", "interne")
    html = unescape(sections.show_siae_changes(ctx).data)
    assert "ne sont pas connues : les données ne couvrent pas 2010" in html
    assert "<table" not in html
