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
        assert re.search(r"<h2[^>]*>(?:<span[^>]*>[^<]*</span>\s*)?Parcours et sorties</h2>", html)
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


# --- what the report says (issue 12): the strategy's Diagnostic, one computation per difference


def _text(fragment: str) -> str:
    """The French text of an HTML fragment (tags out, entities and no-break spaces as spaces)."""
    import html as html_lib

    s = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", fragment, flags=re.S)
    s = html_lib.unescape(re.sub(r"<[^>]+>", " ", s))
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.mark.slow
def test_region_report_says_what_the_strategy_diagnostic_says(rendered):
    """The statements of the "Diagnostic" section of the 2015-2017 strategy that the default
    data (calibrated on 2013) supports, as the 2013 region report writes them."""
    reports, _ = rendered
    text = _text((reports / "2013" / "region-11.html").read_text(encoding="utf-8"))
    said = [
        # the offer
        "les SIAE franciliennes ont salarié plus de 28 000 personnes, correspondant à 7 055 "
        "équivalents temps plein d'insertion (ETP)",
        "comptait 407 structures d'insertion par l'activité économique (EI : 154, ACI : 152",
        "Les EI et les ACI sont les SIAE les plus répandues : elles représentent 75 % de l'offre",
        "les AI 19 % et les ETTI 6 %",
        "Les AI ont salarié 55 % des personnes en insertion ; leur poids se réduit quand il "
        "est calculé en nombre d'ETP (32 %)",
        "les ACI (21 % des salariés pour 28 % des ETP)",
        "les EI (10 % des salariés pour 22 % des ETP)",
        # the publics
        "42 % des salariés en insertion étaient demandeurs d'emploi de très longue durée",
        "Les bénéficiaires du RSA représentent 33 % des effectifs d'insertion (53 % dans les ACI)",
        "elle atteint 56 % dans les AI et 10 % dans les ETTI",
        "représentent 37 % des salariés en insertion",
        # the change of the offer
        "Entre 2007 et 2013, le nombre de SIAE a progressé de 14 % (193 créations contre 144 "
        "fermetures, soit +49 structures)",
        "L'augmentation a été la plus forte pour les ETTI, dont le nombre est passé de 15 à 23",
        "Le nombre des ACI a progressé de 33 % (+38 structures) et celui des EI a progressé "
        "de 8 % (+11)",
        "Les AI sont les seules SIAE dont le nombre a diminué (-8 structures)",
        "Le Val-d'Oise (+16) et les Hauts-de-Seine (+13) sont les départements où il a le plus "
        "progressé",
        # the sectors
        "64 % des heures travaillées par les salariés en insertion se concentrent dans quatre "
        "secteurs d'activité : bâtiment-travaux publics (25 %), nettoyage hors services aux "
        "personnes (15 %), espaces verts (12 %) et services aux personnes (12 %)",
        "Le positionnement sectoriel varie selon le type de SIAE",
        "Les AI réalisent 58 % de leurs heures dans deux secteurs : services aux personnes "
        "(33 %) et nettoyage hors services aux personnes (25 %)",
        "AI : services aux personnes -11 points (33 % des heures en 2013) et bâtiment-travaux "
        "publics +6 points (10 %)",
        "Les ETTI réalisent 74 % de leurs heures dans un secteur : bâtiment-travaux publics",
        "ETTI : bâtiment-travaux publics +27 points (74 % des heures en 2013)",
    ]
    for s in said:
        assert s in text, s
    # the dominant sectors of the ACI and the EI (their total depends on the third sector)
    assert re.search(
        r"Les ACI réalisent \d+ % de leurs heures dans (deux|trois) secteurs : espaces verts "
        r"\(26 %\), bâtiment-travaux publics \(17 %\)",
        text,
    )
    assert re.search(
        r"Les EI réalisent \d+ % de leurs heures dans (deux|trois) secteurs : nettoyage hors "
        r"services aux personnes \(30 %\)",
        text,
    )
    # the women's share falling every year since 2009 (at least)
    m = re.search(r"En baisse constante depuis (\d{4}), la part des femmes s'établit à 42 %", text)
    assert m and int(m.group(1)) <= 2009
    # Seine-Saint-Denis above 60 % of QPV residents
    m = re.search(
        r"La Seine-Saint-Denis compte la plus forte part des résidents d'un quartier "
        r"prioritaire : (\d+) % de ses salariés en insertion",
        text,
    )
    assert m and int(m.group(1)) > 60
    # every département growing except Seine-et-Marne
    assert re.search(
        r"le nombre de SIAE a augmenté dans tous les départements à l'exception de "
        r"(la )?Seine-et-Marne \(-2\)\.",
        text,
    )
    # "À retenir" right after the title: 5 to 7 messages, the year in the first
    # (the last "À retenir" before the heading "1. Chiffres clés": the contents name both)
    end = text.rindex("1. Chiffres clés")
    box = text[text.rindex("À retenir", 0, end) : end]
    page = (reports / "2013" / "region-11.html").read_text(encoding="utf-8")
    items = re.findall(r"<li>", page[page.index('class="highlights"') :].split("</ul>")[0])
    assert 5 <= len(items) <= 7 and "En 2013, les SIAE franciliennes" in box


_NUM = r"\d+(?: \d{3})*(?:,\d+)?"
#: a signed difference in a sentence ("+49", "-11 points", "(+53 %"), never inside a word or a
#: year range ("Seine-Saint-Denis", "2007-2013")
_SIGNED = re.compile(rf"(?<![\w\d,])([+-]{_NUM})(?: (points?|%))?")
#: a difference in words: "a progressé de 14 %", "recule de 3 points"
_PHRASE = re.compile(
    rf"(en hausse|en baisse|progressé|diminué|progresse|recule) de ({_NUM}) (points?|%)"
)


def _differences(fragment: str) -> list[tuple[str, str]]:
    """(difference as a table prints it, sentence) of the sentences of an HTML fragment
    (paragraphs and list items, tables and chart data left out)."""
    body = re.sub(r"<table.*?</table>|<details.*?</details>", " ", fragment, flags=re.S)
    out = []
    for raw in re.findall(r"<(?:p|li)[^>]*>(.*?)</(?:p|li)>", body, flags=re.S):
        s = _text(raw).strip()
        out += [
            (m.group(1) + (f" {m.group(2)}" if m.group(2) else ""), s) for m in _SIGNED.finditer(s)
        ]
        out += [
            (
                f"{'+' if m.group(1) in ('en hausse', 'progressé', 'progresse') else '-'}"
                f"{m.group(2)} {m.group(3)}",
                s,
            )
            for m in _PHRASE.finditer(s)
        ]
    return out


def _cells(fragment: str) -> set[str]:
    return {
        _text(c).strip()
        for t in tables_export.tables_from_html(fragment)
        for r in t.rows
        for c in r
    }


@pytest.mark.slow
def test_every_printed_difference_is_the_one_of_its_table(rendered):
    """Every difference a sentence prints is a cell of a table of its section (of the report
    for "À retenir"), computed once from unrounded values; under one point is "stable"."""
    reports, _ = rendered
    for slug, least in (("region-11", 25), ("dep-93", 10)):
        page = (reports / "2013" / f"{slug}.html").read_text(encoding="utf-8")
        body = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S)
        every = _cells(body)
        checked = 0
        for sec in re.split(r"<h2[^>]*>", body):
            own = every if "À retenir" in sec[:200] else _cells(sec)
            for diff, sentence in _differences(sec):
                assert diff in own, (slug, diff, sentence)
                checked += 1
        assert checked >= least, (slug, checked)
        text = _text(body)
        assert " 0 point" not in text and "+0 %" not in text and "-0 " not in text, slug
    # the sector bullets print the cell of their type's column (the F4 contradiction)
    page = (reports / "2013" / "region-11.html").read_text(encoding="utf-8")
    sec = page[page.index("Évolution de la part des heures par secteur") - 2000 :]
    table = next(t for t in tables_export.tables_from_html(sec) if t.header[0] == "Secteur")
    col = {_text(h).strip(): i for i, h in enumerate(table.header)}
    bullets = re.findall(r"<li>(ACI|AI|EI|ETTI) : (.*?)</li>", sec)
    quoted = 0
    for t, bullet in bullets:
        for r in table.rows:
            m = re.search(
                rf"{re.escape(_text(r[0]).strip().lower())} ([+-]{_NUM} points?)", _text(bullet)
            )
            if m:
                assert _text(r[col[f"Écart {t}"]]).strip() == m.group(1), (t, r[0])
                quoted += 1
    assert quoted >= 4
