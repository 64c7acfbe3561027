"""The report sections rendered in-process (no kernel) on the contract table: sections without
data say so in a sentence, parameters are validated, data text is escaped."""

import re

import pytest

from iae_diag import narrative, tables_export
from iae_diag.errors import ParameterError
from iae_diag.figures import is_secret, key_figures, publishable
from iae_diag.report import context, sections
from iae_diag.report import html as report_html
from iae_diag.report.narrative import publics as publics_text
from iae_diag.territories import Territory
from iae_diag.vocabulary import TYPES
from report_helpers import build_tables, write_processed

NB = "\u00a0"


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("sections") / "processed")


def test_year_zero_is_the_latest_and_unknown_year_fails(proc):
    assert context.build_context("region:11", 0, str(proc), "").year == 2013
    with pytest.raises(ParameterError, match=r"Year 2020 is not in the data .* 2011, 2012, 2013"):
        context.build_context("dep:93", 2020, str(proc), "")
    with pytest.raises(ParameterError, match="No indicator for Bouches-du-Rhône"):
        context.build_context("dep:13", 2013, str(proc), "")


def test_first_year_sections_say_there_is_no_change(proc):
    ctx = context.build_context("dep:93", 2011, str(proc), "")
    assert ctx.previous_key_figures is None
    kf = sections.show_key_figures(ctx).data
    assert "L&#x27;année 2010 n&#x27;est pas couverte par les données" in kf
    assert '<th scope="col">Évolution</th>' not in kf
    evo = sections.show_structures_evolution(ctx).data
    assert "Les données ne couvrent que 2011 : pas de courbe d&#x27;évolution." in evo
    assert "data:image/png" not in evo  # never an empty chart
    sec = sections.show_sectors_change(ctx).data
    assert "Les données ne couvrent que 2011" in sec


def test_departement_against_region_and_region_by_departement(proc):
    dep = context.build_context("dep:93", 2013, str(proc), "")
    pub = sections.show_publics_by_territory(dep).data
    assert "Région Île-de-France" in pub and "Écart" in pub
    reg = context.build_context("region:11", 2013, str(proc), "")
    pub = sections.show_publics_by_territory(reg).data
    assert '<th scope="col">75</th>' in pub and '<th scope="col">95</th>' in pub
    terr = sections.show_territories(reg).data
    assert "Seine-Saint-Denis (93)" in terr and "Ensemble de la région" in terr


def test_missing_optional_inputs_are_said(proc):
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    ctx.quality = None
    assert "qualité des données est absent des données traitées" in sections.show_quality(ctx).data


def test_sector_labels_are_escaped(proc):
    ctx = context.build_context("region:11", 2013, str(proc), "")
    ctx.sectors.loc[ctx.sectors["sector_code"] == "autres", "label_fr"] = "Autres <b>&</b>"
    html = sections.show_sectors(ctx).data
    assert "Autres &lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>&</b>" not in html


def test_provenance_lists_files_checksums_and_parameters(proc):
    ctx = context.build_context("region:11", 0, str(proc), "")
    html = sections.show_provenance(ctx).data
    assert "fluxIAE_Salarie_15012014_060000.csv.gz" in html
    assert "3" * 64 in html  # sha256 of the 4th table of the contract manifest
    assert "2013 (dernière année des données)" in html
    assert "iae-diag 0.1.0 (révision git" in html


def test_provenance_names_the_demonstration_key_of_synthetic_data(proc):
    ctx = context.build_context("region:11", 0, str(proc), "")
    assert ctx.manifest["key_kind"] == "demonstration"
    assert "clé de démonstration (données synthétiques)" in sections.show_provenance(ctx).data
    ctx.manifest["key_kind"] = "configured"
    assert "Pseudonymisation" not in sections.show_provenance(ctx).data


# statistical secrecy -------------------------------------------------------------------------


def _small_types_tables():
    """The contract tables where, in dep:93 in 2013, the EITI count 3 salariés (1 woman, 2 on
    RSA) and the ETTI 5 salariés (2 women, 1 on RSA); every public share of these two types is
    computed over them (the QPV share too)."""
    ind, quality, siae = build_tables()
    at = (
        (ind["territory_level"] == "dep") & (ind["territory_code"] == "93") & (ind["year"] == 2013)
    )
    for t, n, women, rsa in (("EITI", 3, 1, 2), ("ETTI", 5, 2, 1)):
        sel = at & (ind["type_siae"] == t)
        ind.loc[sel & (ind["indicator"] == "salaries"), "value"] = float(n)
        pub = sel & (ind["indicator"] == "public_share")
        ind.loc[pub, ["numerator", "denominator"]] = [0.0, float(n)]
        for key, k in (("women", women), ("rsa", rsa)):
            ind.loc[pub & (ind["breakdown"] == key), "numerator"] = float(k)
        ind.loc[pub, "value"] = ind.loc[pub, "numerator"] / n
    return ind, quality, siae


def _cells(html: str, label: str) -> list[str]:
    """The cells of the first table row whose header is ``label``."""
    m = re.search(rf'<th scope="row"[^>]*>{re.escape(label)}</th>', html)
    row = html[m.start() :].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", row)


def _header(html: str) -> list[str]:
    head = html[html.index("<thead>") : html.index("</thead>")]
    return re.findall(r"<th[^>]*>(.*?)</th>", head)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tables = _small_types_tables()
    out = write_processed(tmp_path_factory.mktemp("secret") / "processed", tables=tables)
    return out, tables[0]


def test_is_secret_below_five_persons():
    assert is_secret(1 / 3, 3) and is_secret(0.25, 4.0)
    assert not is_secret(0.4, 5) and not is_secret(0.42, 1922)
    assert not is_secret(float("nan"), 0.0)  # no salarié: "n.d.", not secret
    assert publishable(1 / 3, 3) is None and publishable(0.4, 5) == 0.4
    assert publishable(None, 12) is None


def test_a_type_with_3_salaries_is_secret_and_one_with_5_is_published(small):
    proc, ind = small
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    html = sections.show_publics(ctx).data
    assert _header(html)[-2:] == ["ETTI", "EITI"]
    # EITI 1/3 is secret (primary); ETTI 2/5 would give it away against the total, and is the
    # smallest other type with women: hidden too (secondary)
    assert _cells(html, "Femmes")[-2:] == ["s", "s"]
    assert ctx.decision.hidden[("public_share", "dep", "93", 2013, "EITI", "women")] == "primary"
    assert ctx.decision.hidden[("public_share", "dep", "93", 2013, "ETTI", "women")] == (
        "secondary"
    )
    assert _cells(html, "Bénéficiaires du RSA")[-1] == "s"  # EITI 2/3
    assert "s : secret statistique (moins de 5 salariés" in html
    assert f"67{NB}%" not in html and f"33{NB}%" not in html.split("<p>")[-1]
    assert "EITI" not in publics_text.publics_paragraph(ctx.key_figures)

    kf = key_figures(ind, Territory("dep", "93"), 2013)
    assert kf["publics_by_type"]["EITI"] == {k: None for k in kf["publics"]}
    assert kf["publics_by_type"]["ETTI"]["women"] is None
    # a count of 3 persons is secret too (else share x count gives the EITI women away)
    assert kf["salaries"]["by_type"]["EITI"] is None and "salaries.by_type.EITI" in kf["secret"]
    assert ctx.key_figures["publics_by_type"] == kf["publics_by_type"]
    assert ctx.key_figures["diffusion"] == "publique" and kf["diffusion"] == "interne"
    # the indicator table keeps the raw value (internal)
    raw = ind.loc[
        (ind["indicator"] == "public_share")
        & (ind["territory_code"] == "93")
        & (ind["year"] == 2013)
        & (ind["type_siae"] == "EITI")
        & (ind["breakdown"] == "women"),
        "value",
    ]
    assert raw.tolist() == [pytest.approx(1 / 3)]


def test_secret_overall_share_in_tables_charts_and_text(small):
    proc, ind = small
    ind = ind.copy()
    # the whole of dep:95 in 2012 counts 4 salariés: its shares are secret everywhere
    sel = (
        (ind["territory_code"] == "95")
        & (ind["year"] == 2012)
        & (ind["indicator"] == "public_share")
        & (ind["type_siae"] == "ALL")
    )
    ind.loc[sel, ["numerator", "denominator", "value"]] = [1.0, 4.0, 0.25]
    total = (ind["territory_code"] == "95") & (ind["year"] == 2012) & (ind["type_siae"] == "ALL")
    ind.loc[total & (ind["indicator"] == "salaries"), "value"] = 4.0
    out = write_processed(proc.parent / "secret95", tables=(ind, *build_tables()[1:]))
    reg = context.build_context("region:11", 2012, str(out), "")
    by_dep = sections.show_publics_by_territory(reg).data
    assert _header(by_dep)[-1] == "95" and _cells(by_dep, "Femmes")[-1] == "s"
    assert "secret statistique" in by_dep
    dep = context.build_context("dep:95", 2013, str(out), "")
    over = sections.show_publics_over_time(dep).data
    assert _header(over)[1:] == ["2011", "2012", "2013", "Écart 2011-2013"]
    assert _cells(over, "Femmes")[1] == "s"
    assert over.count("secret statistique") == 2  # under the table and under the chart
    assert f"25{NB}%" not in over
    d95 = context.build_context("dep:95", 2012, str(out), "")
    assert "secret statistique" in sections.show_publics(d95).data
    assert d95.key_figures["publics"] == {k: None for k in d95.key_figures["publics"]}
    assert publics_text.publics_paragraph(d95.key_figures) == (
        "En 2012, les parts des publics ne sont pas publiées : elles seraient calculées sur "
        "moins de 5 salariés (secret statistique)."
    )
    gap = sections.show_publics_by_territory(d95).data
    assert _cells(gap, "Femmes")[0] == "s" and _cells(gap, "Femmes")[2] == "s"  # and the gap


def test_table_html_aligns_text_columns_and_keeps_numbers_whole():
    """Reader review F12: text columns left-aligned, short row labels on one line, no line
    break inside "10 000" in literal text."""
    from iae_diag.report.html import table_html

    out = table_html(
        ["Commune", "Population", "ETP pour 10 000 habitants", "SIAE la plus proche"],
        [
            ["Trappes", "32\u00a0000", "n.d.", "Plaisir"],
            ["Seine-et-Marne (77)", "1\u00a0421\u00a0000", "4,2", "s"],
            ["Une commune au nom beaucoup trop long pour tenir", "10", "12\u00a0%", "Élancourt"],
        ],
    )
    assert "ETP pour 10\u00a0000 habitants" in out
    # the 4th column (names) is text, the 2nd and 3rd are numbers
    assert '<th scope="col" class="txt">SIAE la plus proche</th>' in out
    assert '<th scope="col">Population</th>' in out and "<td>4,2</td>" in out
    assert '<td class="txt">Plaisir</td>' in out and '<td class="txt">s</td>' in out
    assert '<th scope="row" class="nw">Seine-et-Marne (77)</th>' in out
    assert '<th scope="row">Une commune au nom' in out


def test_sectors_without_hours_are_named_under_the_table(small):
    """Reader review F18: a sector of the reference with no hour in the year is not silently
    dropped from the sector table."""
    proc, _ = small
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    html = sections.show_sectors(ctx).data
    drawn = set(re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html))
    missing = [
        lab
        for c, lab in ctx.sector_labels.items()
        if lab not in drawn and lab != "Heures travaillées"
    ]
    assert missing, "the fixture must leave at least one sector without hours"
    m = re.search(r"Sans heure travaillée en 2013, donc absent du tableau : (.*?)\.</p>", html)
    assert m is not None
    for lab in missing:
        assert report_html.esc(narrative.lower_first(lab)) in m.group(1)


def test_types_absent_from_every_year_are_left_out_of_the_tables(tmp_path):
    """Reader review F13: a type with no structure in any year of the report (the EITI before
    2018) has no row of zeros in the offer, ETP and structures tables; a note names it; the
    key figures keep all five types."""
    ind, quality, siae = build_tables()
    eiti = (ind["territory_code"] == "93") & (ind["type_siae"] == "EITI")
    ind.loc[eiti & (ind["indicator"] == "structures"), "value"] = 0.0
    proc = write_processed(tmp_path / "processed", tables=(ind, quality, siae))
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    present = ctx.report_types
    absent = [t for t in TYPES if t not in present]
    assert absent == ["EITI"]
    offer = sections.show_offer(ctx).data
    table, chart_data = offer.split('<details class="chart-data">')
    rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>', table)
    assert rows == [*present, "Ensemble"]
    assert set(re.findall(r'<th scope="row"[^>]*>(.*?)</th>', chart_data)) <= set(present)
    assert f"Aucune structure de type {narrative.join_fr(absent)} dans les données" in offer
    etp_table = sections.show_etp(ctx).data.split('<details class="chart-data">')[0]
    etp_rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>', etp_table)
    assert etp_rows == [*present, "Ensemble"]
    evo = sections.show_structures_evolution(ctx).data
    assert _header(evo)[1 : 1 + len(present)] == present
    assert set(ctx.key_figures["structures"]["by_type"]) == set(TYPES)


def test_sector_section_without_any_publishable_share_says_so(proc):
    """When every share of the hours by sector is hidden (a département with few SIAE at the
    publique level), the section has no chart and says why (it used to fail on an empty
    chart)."""
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    real_secret = ctx.secret
    ctx.secret = lambda indicator, *a, **k: (
        indicator == "hours_share_by_sector" or real_secret(indicator, *a, **k)
    )
    html = sections.show_sectors(ctx).data
    assert "<img" not in html
    assert "est publiable (secret statistique) : pas de graphique." in html
    assert "absentes du graphique" not in html


def test_quality_section_labels_are_french_for_every_check(tmp_path):
    """Every check of the real quality table (indicators on a real-format export) gets a
    French label: no check name and no English breakdown such as "(rows)" in the section."""
    import pandas as pd

    from iae_diag.indicators import build_tables as real_tables
    from iae_diag.vocabulary import PUBLIC_LABELS
    from indicators_helpers import processed
    from test_indicators_records import messy

    ind, quality, siae = build_tables()
    _, real_q, _ = real_tables(processed(messy(), tmp_path))
    real_q = real_q.loc[real_q["territory_code"] == "93"].assign(territory_code="93")
    quality = pd.concat([quality.loc[quality["territory_code"] != "93"], real_q])
    out = write_processed(tmp_path / "proc", tables=(ind, quality, siae))
    html = sections.show_quality(context.build_context("dep:93", 2013, str(out), "")).data
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>", html)
    assert len(rows) == len(real_q.loc[real_q["year"] == 2013])
    for word in ("(rows)", "(hours)", "(etp)", "rows", "public_unknown", "duplicate_", "emi_"):
        assert word not in html, word
    assert "Lignes d&#x27;heures sans secteur" in html
    label = PUBLIC_LABELS["job_seeker_24m_plus"].replace("'", "&#x27;")
    assert f"valeur inconnue dans la fiche : {label}" in html
    assert "Lignes de contrat en double (une seule ligne retenue par contrat)" in html
    # rows in the order of the vocabulary (annexes, hours, EMI rows, persons, extract), not
    # by check name
    assert rows[0].startswith("Annexes financières rattachées")
    assert rows.index("États mensuels en double exact (comptés une fois)") < rows.index(
        "Salariés sans NIR valide (comptés par structure et identifiant ASP)"
    )
    assert rows[-1].startswith("Lignes rejetées à l&#x27;import")
    # the fluxIAE tables in French, never their file names
    for word in ("AnnexeFinanciere", "ContratMission", "EtatMensuelIndiv", ": Salarie<"):
        assert word not in html, word
    assert "Lignes rejetées à l&#x27;import : fichier des annexes financières" in html


def test_publics_table_lists_the_v2_keys(proc):
    from iae_diag.vocabulary import PUBLIC_LABELS

    html = sections.show_publics(context.build_context("dep:93", 2013, str(proc), "")).data
    for key in ("qpv_all", "job_seeker_12_23m", "zrr", "education_cap_bep"):
        assert PUBLIC_LABELS[key].replace("'", "&#x27;") in html, key
    assert "très longue durée" in html


def test_chart_data_in_closed_details_with_the_table_cells(small):
    proc, _ = small
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    html = sections.show_offer(ctx).data
    main, data = html.split('<details class="chart-data">')
    assert "<summary>Données du graphique</summary>" in data
    [table] = tables_export.tables_from_html(data)
    assert table.header == ["Type de SIAE", "Part des salariés", "Part des ETP"]
    [offer] = tables_export.tables_from_html(main)
    # the chart's data are the report's cells: the same secret cells
    by_type = {r[0]: [r[4], r[6]] for r in offer.rows}
    assert {r[0]: r[1:] for r in table.rows} == {t: by_type[t] for t, *_ in table.rows}
    # EITI's 3 salariés are secret (primary), ETTI's share would give them away (secondary)
    assert table.rows[-2:] == [["ETTI", "s", f"19{NB}%"], ["EITI", "s", f"2{NB}%"]]
