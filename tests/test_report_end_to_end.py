"""End to end on the default data: synthetic fluxIAE (seed 2013, region 11, 2007-2013) ->
ingest -> indicator tables -> the region report and one département report (HTML + PDF +
JSON), asserting on content. The rendering is the ``rendered`` fixture of conftest.py (once per
session: the accessibility test audits the same reports)."""

import json
import re
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from iae_diag import tables_export
from iae_diag.formatting import fmt_int, fmt_pct
from iae_diag.vocabulary import TYPES


def pdf_pages(path: Path) -> int:
    """Number of page objects of a PDF (also inside compressed object streams)."""
    data = path.read_bytes()
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", c)) for c in chunks)


@pytest.mark.slow
def test_region_and_departement_render(rendered):
    reports, results = rendered
    assert [r.ok for r in results] == [True, True], [r.error for r in results]
    out = reports / "2013"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "2 rapports produits" in index
    for slug in ("region-11", "dep-93"):
        html = (out / f"{slug}.html").read_text(encoding="utf-8")
        kf = json.loads((out / f"{slug}.json").read_text(encoding="utf-8"))
        assert kf["schema"] == "iae-diag/key-figures/2" and kf["year"] == 2013
        assert "Traceback" not in html and "Error" not in html
        expected = [
            fmt_int(kf["structures"]["total"]),
            fmt_int(kf["salaries"]["total"]),
            fmt_int(kf["etp"]["total"]),
            fmt_int(kf["etp_conventionnes"]["total"]),
            fmt_int(kf["hours"]["total"]),
        ]
        expected += [fmt_int(kf["structures"]["by_type"][t] or 0) for t in TYPES]
        expected += [fmt_int(kf["salaries"]["by_type"][t] or 0) for t in TYPES]
        expected += [fmt_int(kf["etp"]["by_type"][t] or 0) for t in TYPES]
        expected += [fmt_pct(v) for v in kf["publics"].values() if v is not None]
        for text in expected:
            assert f"<td>{text}</td>" in html, (slug, text)
        created = kf["structures_change"]["created"]
        if created is not None:
            assert f"<td>{fmt_int(created)}</td>" in html
        assert html.count("data:image/png;base64,") >= 6
        # the tables to take away: the same cells as the report, as CSV (issue 14)
        assert f'href="{slug}-tableaux.zip"' in index
        assert f'href="{slug}-tableaux.zip"' in html
        with zipfile.ZipFile(out / f"{slug}-tableaux.zip") as z:
            names = z.namelist()
            cells = {
                c
                for n in names
                for line in z.read(n).decode("utf-8-sig").splitlines()
                for c in line.split(";")
            }
        assert len(names) == html.count('<table class="iae')
        for total in ("structures", "salaries", "etp"):
            assert tables_export.csv_cell(fmt_int(kf[total]["total"])) in cells, (slug, total)
        assert f'href="{slug}.xlsx"' in index and f'href="{slug}.xlsx"' in html
        wb = load_workbook(out / f"{slug}.xlsx")
        assert wb.sheetnames[:2] == ["Couverture", "Notes"] and len(wb.sheetnames) == 2 + len(
            names
        )
        numbers = {
            x.value
            for ws in wb.worksheets[2:]
            for row in ws.iter_rows(min_row=3)
            for x in row[1:]
            if isinstance(x.value, int | float)
        }
        for total in ("structures", "salaries"):
            assert kf[total]["total"] in numbers, (slug, total)
        assert round(kf["etp"]["total"]) in numbers, slug
        # the cover: the default data are synthetic, the level publique
        cover = {r[0].value: r[1].value for r in wb["Couverture"].iter_rows() if r[0].value}
        assert kf["data_status"] == "synthetic"
        assert cover["Statut des données"].startswith("Données synthétiques"), slug
        assert cover["Niveau de diffusion"].startswith("Publique"), slug
        # the data of every chart and map is a sheet
        chart_sheets = [
            ws.title
            for ws in wb.worksheets[2:]
            if str(ws.cell(1, 1).value).startswith(("Données du graphique", "Données de la carte"))
        ]
        assert len(chart_sheets) == html.count('<details class="chart-data">') >= 7, slug
        pdf = out / f"{slug}.pdf"
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf_pages(pdf) >= 5
    region = (out / "region-11.html").read_text(encoding="utf-8")
    assert "En 2013, les SIAE franciliennes ont salarié" in region
    dep = (out / "dep-93.html").read_text(encoding="utf-8")
    assert "les SIAE de la Seine-Saint-Denis (93) ont salarié" in dep  # INSEE type of name
    # the section "Parcours et sorties" (issue 10): its tables are in the HTML and the ZIP
    for html in (region, dep):
        assert "4. Parcours et sorties" in html
        assert "Sortants et sorties examinées par type de SIAE, 2013" in html
    assert "Sorties par département, 2013" in region or "Sortants par département, 2013" in region


@pytest.mark.slow
def test_no_hidden_value_comes_back_from_the_default_run(rendered):
    """The recovery audit on what the publique run wrote (its JSON files and the quality
    values its reports print), then on every territory of the region and every year of the
    default data; with primary suppression only, the same audit recovers hidden values."""
    import pandas as pd

    from iae_diag import secrecy
    from iae_diag.figures import folder_decision
    from iae_diag.indicators import load_indicators, load_quality, load_siae
    from iae_diag.secrecy.audit import audit, audit_run, quality_of, territory_documents
    from iae_diag.territories import Territory

    reports, _results = rendered
    proc = reports.parent / "processed"
    assert audit_run(reports / "2013", proc) == []
    terrs = [Territory("region", "11")]
    terrs += [Territory("dep", d) for d in ("75", "77", "78", "91", "92", "93", "94", "95")]
    years = range(2007, 2014)
    truth = territory_documents(proc, terrs, years, secrecy.Decision("publique"))
    decision = folder_decision(proc)
    docs = territory_documents(proc, terrs, years, decision)
    assert sum(len(d["secret"]) for d in docs) > 500
    assert audit(docs, truth, *quality_of(proc, docs, decision)) == []
    primary = secrecy.decide(
        load_indicators(proc),
        load_quality(proc),
        load_siae(proc),
        pd.read_parquet(proc / "siae_sectors.parquet"),
        secondary=False,
    )
    weak = territory_documents(proc, terrs, years, primary)
    assert len(audit(weak, truth, *quality_of(proc, weak, primary))) > 100


@pytest.mark.slow
def test_siae_created_and_closed_list_matches_the_indicators(rendered):
    """On the tables of `iae-diag indicators`, the list of the interne documents holds exactly
    the creations and closures the indicator table counts (region and département)."""
    from iae_diag.report import context
    from iae_diag.report.sections.siae_changes import siae_changes_table

    reports, _results = rendered
    processed = reports.parent / "processed"
    for territory in ("region:11", "dep:93"):
        ctx = context.build_context(territory, 2013, str(processed), "", "interne")
        table = siae_changes_table(ctx.siae, ctx.territory.departements(), 2013)
        listed = table["mouvement"].value_counts().to_dict()
        assert listed.get("Création", 0) == ctx.value("structures_created") > 0
        assert listed.get("Fermeture", 0) == ctx.value("structures_closed") > 0
    # the public report says how many, without any name
    html = (reports / "2013" / "region-11.html").read_text(encoding="utf-8")
    kf = json.loads((reports / "2013" / "region-11.json").read_text(encoding="utf-8"))
    created, closed = kf["structures_change"]["created"], kf["structures_change"]["closed"]
    assert f"En 2013, {created} SIAE ont été créées et {closed} ont fermé en Île-de-France" in html
    assert "SIAE créées et fermées en 2013 (diffusion restreinte)" not in html
    # the cover: synthetic data marked at the top and on the landing page
    mark = "Données fictives — jeu de démonstration"
    assert html.index(mark) < html.index("<h1>")
    assert mark in (reports / "2013" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_type_absent_from_the_data_is_absent_from_every_table(rendered):
    """The default data has no EITI (they exist since 2019): no table, chart datum or CSV of
    the reports shows an EITI row or column of zeros; one sentence says why."""
    reports, _results = rendered
    out = reports / "2013"
    for slug in ("region-11", "dep-93"):
        with zipfile.ZipFile(out / f"{slug}-tableaux.zip") as z:
            for name in z.namelist():
                assert "EITI" not in z.read(name).decode("utf-8-sig"), name
        html = (out / f"{slug}.html").read_text(encoding="utf-8")
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", html)
        assert "EITI" not in cells
        assert "Aucune structure de type EITI dans les données de 2007 à 2013" in html
