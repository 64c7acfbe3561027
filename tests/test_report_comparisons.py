"""Comparisons a reader expects (issue 12, item 7): a département beside its region, with its
rank among the region's départements; France only when the data covers more than the region."""

import re

import pandas as pd
import pytest

from iae_diag.report import context, sections
from report_helpers import build_tables, write_processed

NB = "\u00a0"


def _row(html: str, label: str) -> list[str]:
    m = re.search(rf'<th scope="row"[^>]*>{re.escape(label)}</th>', html)
    return re.findall(r"<td[^>]*>(.*?)</td>", html[m.start() :].split("</tr>")[0])


def _header(html: str) -> list[str]:
    head = html[html.index("<thead>") : html.index("</thead>")]
    return re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", head)


@pytest.fixture(scope="module")
def one_region(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("one") / "processed")


@pytest.fixture(scope="module")
def two_regions(tmp_path_factory):
    """Île-de-France and Centre-Val de Loire, and France: the two regions' rows of the
    contract table, France's structures = their sum (443 + 24's)."""
    ind11, quality, siae = build_tables("11")
    ind24, _, _ = build_tables("24")
    ind = pd.concat([ind11, ind24], ignore_index=True)
    regions = ind[ind["territory_level"] == "region"]
    keys = ["indicator", "year", "type_siae", "breakdown"]
    fr = regions[regions["indicator"].isin(["structures", "salaries", "etp_realises"])]
    fr = fr.groupby(keys, as_index=False)["value"].sum()
    nan = float("nan")
    fr = fr.assign(territory_level="france", territory_code="FR", numerator=nan, denominator=nan)
    ind = pd.concat([ind, fr[ind.columns]], ignore_index=True)
    out = write_processed(
        tmp_path_factory.mktemp("two") / "processed", tables=(ind, quality, siae)
    )
    n24 = regions.loc[
        (regions["territory_code"] == "24")
        & (regions["indicator"] == "structures")
        & (regions["year"] == 2013)
        & (regions["type_siae"] == "ALL"),
        "value",
    ].iloc[0]
    return out, 443 + n24


def test_departement_beside_its_region_with_its_rank(one_region):
    # structures 2013 by département (report_helpers._dep_counts, by hand): 75: 50, 77: 57,
    # 78: 60, 91: 52, 92: 55, 93: 62, 94: 50, 95: 57; region 443
    expected = {"93": "1er sur 8", "78": "2e sur 8", "77": "3e sur 8", "95": "3e sur 8"}
    for dep, rank in expected.items():
        ctx = context.build_context(f"dep:{dep}", 2013, str(one_region), "")
        html = sections.show_key_figures(ctx).data
        assert _header(html) == [
            "Indicateur",
            "2012",
            "2013",
            "Évolution",
            "Région Île-de-France 2013",
            "Évolution de la région",
            "Rang dans la région",
        ]
        row = _row(html, "Structures (SIAE)")
        assert row[3] == "443" and row[-1] == rank, dep
        assert (
            "<th>France 2013</th>" not in html
        )  # one region in the data: France says nothing more
    ctx = context.build_context("dep:75", 2013, str(one_region), "")
    assert _row(sections.show_key_figures(ctx).data, "Structures (SIAE)")[-1] == "7e sur 8"


def test_region_report_shows_france_only_when_the_data_covers_it(one_region, two_regions):
    reg = context.build_context("region:11", 2013, str(one_region), "")
    assert reg.france() is None
    assert "France 2013" not in _header(sections.show_key_figures(reg).data)
    proc, n_france = two_regions
    reg = context.build_context("region:11", 2013, str(proc), "")
    html = sections.show_key_figures(reg).data
    assert _header(html)[-2:] == ["France 2013", "Évolution France"]
    assert _row(html, "Structures (SIAE)")[3] == f"{int(n_france):,}".replace(",", NB)
    dep = context.build_context("dep:93", 2013, str(proc), "")
    assert "France 2013" in _header(sections.show_key_figures(dep).data)


def test_no_rank_when_a_departement_value_is_hidden(one_region):
    ctx = context.build_context("dep:93", 2013, str(one_region), "")
    ctx._secret.add(("salaries", "dep", "77", 2013, "ALL", ""))
    html = sections.show_key_figures(ctx).data
    assert _row(html, "Salariés en insertion")[-1] == "s"
    assert _row(html, "Structures (SIAE)")[-1] == "1er sur 8"
