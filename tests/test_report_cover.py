"""The document's identity: cover, data status, issuing service, publication date, the table
of contents and the numbering of the headings (issue 12 items 1 and 2)."""

import copy
import json
import re
from html import unescape

import pytest

from iae_diag.errors import ParameterError
from iae_diag.report import context, identity, sections
from iae_diag.report.contents import CONTENTS_PLACEHOLDER, add_contents, number_headings
from iae_diag.report.run import params_identity
from iae_diag.territories import Territory
from report_helpers import write_processed

MARK = "Données fictives — jeu de démonstration"


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("cover") / "processed")


@pytest.fixture(scope="module")
def real_proc(tmp_path_factory):
    """The same tables under a manifest that says the data are real."""
    out = write_processed(tmp_path_factory.mktemp("cover-real") / "processed")
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    man["data_status"] = "real"
    man["key_kind"] = "configured"
    (out / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    from iae_diag import freshness

    freshness.record_indicators(out, freshness.indicators_inputs(out, None))
    return out


def _facts(html: str) -> dict[str, str]:
    pairs = re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', html)
    return {unescape(k): unescape(v).replace("\u00a0", " ") for k, v in pairs}


def test_cover_of_a_departement_on_synthetic_data(proc):
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    html = sections.show_title(ctx).data
    assert "<h1>Diagnostic de l'insertion par l'activité économique</h1>" in html
    assert '<p class="subtitle">Département de la Seine-Saint-Denis (93)</p>' in html
    assert '<p class="cover-year">Année 2013</p>' in html
    facts = _facts(html)
    assert facts["Service émetteur"] == "DDETS de la Seine-Saint-Denis"
    assert "Date de publication" not in facts  # no date given: none printed, never the run's
    # write_processed: extraction stamped 2014-01-15, years 2011 to 2013
    assert (
        facts["Données"]
        == "ASP, fichiers fluxIAE, extraction du 15/01/2014 ; années couvertes : 2011 à 2013"
    )
    assert facts["Statut des données"].startswith("données fictives")
    assert facts["Niveau de diffusion"] == "publique (document publiable)"
    # the mark: a banner at the top, and the running footer of every PDF page
    assert html.index(f'<p class="status-banner">{MARK}</p>') < html.index("<h1>")
    assert f'<p class="diffusion-footer">{MARK}</p>' in html
    assert CONTENTS_PLACEHOLDER in html


def test_cover_of_a_region_interne_with_service_and_date(proc):
    ctx = context.build_context(
        "region:11", 2013, str(proc), "", "interne", "DRIEETS Île-de-France", "2014-03-01"
    )
    html = sections.show_title(ctx).data
    assert '<p class="subtitle">Région Île-de-France</p>' in html
    facts = _facts(html)
    assert facts["Service émetteur"] == "DRIEETS Île-de-France"
    assert facts["Date de publication"] == "1er mars 2014"
    assert facts["Niveau de diffusion"].startswith("interne")
    # both marks in the one footer
    assert (
        f'<p class="diffusion-footer">{MARK} · Diffusion restreinte — document de travail</p>'
        in html
    )


def test_no_fictitious_mark_on_real_data(real_proc):
    ctx = context.build_context("dep:78", 2013, str(real_proc), "")
    html = sections.show_title(ctx).data
    assert "fictives" not in html and "démonstration" not in html
    assert "status-banner" not in html and "diffusion-footer" not in html
    assert _facts(html)["Statut des données"] == "données réelles de l'ASP"
    assert _facts(html)["Service émetteur"] == "DDETS des Yvelines"
    assert ctx.key_figures["data_status"] == "real"


def test_a_bad_publication_date_names_the_parameter(proc):
    with pytest.raises(ParameterError, match=r"publication_date '15/03/2014' is not a date"):
        context.build_context("dep:93", 2013, str(proc), "", "publique", "", "15/03/2014")


def test_params_file_identity(tmp_path):
    p = tmp_path / "region-11.yml"
    p.write_text(
        'region: "11"\nterritories: ["region:11", "dep:93"]\n'
        'service: "DRIEETS Île-de-France"\nservices: {"93": "UD DRIEETS 93"}\n'
        "publication_date: 2014-03-15\n",
        encoding="utf-8",
    )
    ident = params_identity(p)
    assert ident["publication_date"] == "2014-03-15"  # YAML read it as a date
    assert identity.service_of(Territory("region", "11"), ident) == "DRIEETS Île-de-France"
    assert identity.service_of(Territory("dep", "93"), ident) == "UD DRIEETS 93"
    assert identity.service_of(Territory("dep", "95"), ident) == "DDETS du Val-d'Oise"
    p.write_text('region: "11"\nservices: ["x"]\n', encoding="utf-8")
    with pytest.raises(ParameterError, match=r"region-11.yml: services must map"):
        params_identity(p)
    p.write_text('region: "11"\npublication_date: "mars 2014"\n', encoding="utf-8")
    with pytest.raises(ParameterError, match=r"region-11.yml: publication_date 'mars 2014'"):
        params_identity(p)


def test_default_services_and_french_dates():
    assert identity.default_service(Territory("region", "11")) == "DREETS Île-de-France"
    assert identity.default_service(Territory("dep", "91")) == "DDETS de l'Essonne"
    assert identity.default_service(Territory("dep", "75")) == "DDETS de Paris"
    assert identity.date_fr("2014-12-31") == "31 décembre 2014"


# table of contents -------------------------------------------------------------------------

BODY = (
    "<div>" + CONTENTS_PLACEHOLDER + "</div>"
    '<h2 id="1.-Chiffres-clés">1. Chiffres clés<a class="anchor-link" href="#x">¶</a></h2>'
    "<p>texte</p>"
    "<h2>L'offre d'insertion</h2><h3>ETP réalisés</h3><h3>Structures</h3>"
    "<h2>7. Parcours et sorties</h2>"
    "<h2>Annexe : les SIAE par département</h2><h3>Paris (75)</h3>"
    "<h2>Annexe technique</h2><h3>Méthodologie</h3><h3>Provenance</h3>"
)


def test_headings_numbered_in_document_order_hand_numbers_replaced():
    body, entries = number_headings(BODY)
    assert [(e.number, e.text) for e in entries] == [
        ("1.", "Chiffres clés"),
        ("2.", "L'offre d'insertion"),
        ("2.1", "ETP réalisés"),
        ("2.2", "Structures"),
        ("3.", "Parcours et sorties"),  # "7." written by hand: renumbered
        ("", "Annexe : les SIAE par département"),
        ("A.1", "Paris (75)"),
        ("", "Annexe technique"),
        ("B.1", "Méthodologie"),
        ("B.2", "Provenance"),
    ]
    assert [e.anchor for e in entries][:2] == ["chiffres-cles", "l-offre-d-insertion"]
    assert '<h2 id="chiffres-cles"><span class="num">1.</span> Chiffres clés</h2>' in body
    assert "anchor-link" not in body


def test_contents_replace_the_cover_placeholder_with_links():
    out = add_contents(BODY)
    assert CONTENTS_PLACEHOLDER not in out
    toc = out[: out.index("</nav>")]
    assert re.findall(r'href="#([^"]+)"', toc) == re.findall(r'<h[23] id="([^"]+)">', out)
    assert toc.count("<li>") == toc.count("</li>") == 10
    assert '<ol class="toc-sub"><li><a class="toc-link" href="#etp-realises">' in toc
    # no placeholder (a notebook without the cover): the contents come first
    bare = add_contents("<h2>Seul</h2>")
    assert bare.startswith('<nav class="contents"') and bare.count("Seul") == 2


def test_same_body_same_contents():
    assert add_contents(copy.copy(BODY)) == add_contents(BODY)


# workbook cover and index ----------------------------------------------------------------


def test_workbook_cover_carries_the_mark_on_synthetic_data_only():
    from iae_diag.report.run import Job, workbook_cover

    job = Job("dep:93", "dep-93", 2013, "", "", "", publication_date="2014-03-15")
    terr = Territory("dep", "93")
    cover = dict(workbook_cover("Diagnostic", terr, job, "synthetic"))
    assert list(cover)[0] == "Attention" and cover["Attention"] == MARK
    assert cover["Service émetteur"] == "DDETS de la Seine-Saint-Denis"
    assert cover["Date de publication"] == "15 mars 2014"
    real = dict(workbook_cover("Diagnostic", terr, job, "real"))
    assert "Attention" not in real and MARK not in real.values()
    assert real["Statut des données"] == "Données réelles : extraction fluxIAE de l'ASP."
    # the lines of the workbook's own cover follow the issuer: units and the secrecy sign
    assert list(real)[:5] == [
        "Titre",
        "Territoire",
        "Année",
        "Service émetteur",
        "Date de publication",
    ]
    assert "Unités" in real and "Secret statistique" in real


def _kf(structures, salaries, etp, conv, status="synthetic", secret=()):
    return {
        "data_status": status,
        "diffusion": "publique",
        "secret": list(secret),
        "structures": {"total": structures},
        "salaries": {"total": salaries},
        "etp": {"total": etp},
        "etp_conventionnes": {"total": conv},
    }


def _records(tmp_path, docs):
    from iae_diag.publish import ReportRecord

    recs = []
    for terr, slug, kf in docs:
        if kf is None:
            recs.append(ReportRecord(terr, slug, "", False, "RuntimeError: panne", {}))
            continue
        (tmp_path / f"{slug}.json").write_text(json.dumps(kf), encoding="utf-8")
        outputs = {k: f"{slug}.{k}" for k in ("html", "pdf", "json", "xlsx")}
        outputs["csv"] = f"{slug}-tableaux.zip"
        recs.append(ReportRecord(terr, slug, "", True, "", outputs, dataset="ab" * 32))
    return recs


def test_index_lists_headline_figures_documents_and_failures(tmp_path):
    from iae_diag.report.run import write_index

    recs = _records(
        tmp_path,
        [
            ("region:11", "region-11", _kf(443, 25239, 6474.4, 7000.0)),
            ("dep:93", "dep-93", _kf(60, 4, 50.0, 40.0, secret=["salaries.total"])),
            ("dep:94", "dep-94", None),
        ],
    )
    page = write_index(tmp_path, 2013, recs).read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "<caption>" in page
    assert "Diagnostics de l'insertion par l'activité économique en Île-de-France — 2013" in page
    assert page.index(f'<p class="status-banner">{MARK}</p>') < page.index("<h1>")
    row = page[page.index('<th scope="row">Région Île-de-France</th>') :].split("</tr>")[0]
    # 6 474,4 / 7 000 = 92,5 % -> 92 %
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells == ["443", "25\u00a0239", "6\u00a0474", "92\u00a0%"]
    for doc in ("region-11.html", "region-11.pdf", "region-11.json", "region-11.xlsx"):
        assert f'<a href="{doc}">' in row
    assert '<a href="region-11-tableaux.zip">CSV (zip)</a>' in row
    assert "publique (document publiable)" in row
    row93 = page[page.index("Seine-Saint-Denis (93)</th>") :].split("</tr>")[0]
    # the salariés hidden; 50 / 40 = 125 %
    assert re.findall(r'<td class="num">(.*?)</td>', row93) == ["60", "s", "50", "125\u00a0%"]
    assert "1 rapport sur 3 n'a pas pu être produit" in page
    failed = page[page.index("Rapports non produits") :]
    assert "<strong>Val-de-Marne (94)</strong> : RuntimeError: panne" in failed


def test_index_of_real_data_has_no_mark(tmp_path):
    from iae_diag.report.run import write_index

    recs = _records(tmp_path, [("dep:93", "dep-93", _kf(60, 400, 50.0, 40.0, "real"))])
    page = write_index(tmp_path, 2013, recs).read_text(encoding="utf-8")
    assert MARK not in page and 'class="status-banner"' not in page
    assert "Statut des données : données réelles de l'ASP." in unescape(page)


def test_quality_labels_name_the_fluxiae_tables_in_french():
    from iae_diag.vocabulary import quality_label

    assert quality_label("rows_quarantined", "EtatMensuelIndiv") == (
        "Lignes rejetées à l'import : fichier des états mensuels individuels"
    )
    assert quality_label("unknown_values", "Structure.structure_date_creation") == (
        "Valeurs illisibles mises à « inconnu » à l'import : fichier des structures, "
        "champ ASP « structure_date_creation »"
    )
