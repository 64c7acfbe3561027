"""Orchestration of the reports: parameter files, failure isolation, determinism, escaping,
index. Runs on a small indicator table built to the contract (tests/report_helpers.py)."""

import argparse
import json
import re
from html import escape, unescape
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from iae_diag.errors import ParameterError
from iae_diag.figures import data_status_of, folder_decision, key_figures, to_json
from iae_diag.formatting import fmt_int, fmt_number, fmt_pct
from iae_diag.report import run as report
from iae_diag.report.context import KeyFiguresOutput
from iae_diag.report.html import figure_html, note, para, table_html
from iae_diag.territories import Territory
from report_helpers import write_processed

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- parameters


def test_region_params_derived_from_the_referential(tmp_path):
    # no params file: the region and its départements, and nothing is written
    assert report.region_territories("11", tmp_path) == [
        "region:11",
        "dep:75",
        "dep:77",
        "dep:78",
        "dep:91",
        "dep:92",
        "dep:93",
        "dep:94",
        "dep:95",
    ]
    assert report.region_territories("94", tmp_path) == ["region:94", "dep:2A", "dep:2B"]
    assert list(tmp_path.iterdir()) == []
    assert report.region_params("01")["territories"] == ["region:01", "dep:971"]
    p = tmp_path / "region-94.yml"
    p.write_text(report._dump_params(report.region_params("94")), encoding="utf-8")
    assert report.load_params(p, "94") == ["region:94", "dep:2A", "dep:2B"]


def test_committed_params_file_is_the_generated_one():
    committed = (ROOT / "params" / "region-11.yml").read_text(encoding="utf-8")
    assert committed == report._dump_params(report.region_params("11"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('region: 11\nterritories: ["region:11"]\n', "quoted `region`"),
        ('region: "11"\nterritories: []\n', "non-empty `territories`"),
        ('region: "11"\nterritories: ["dep:13"]\n', "'dep:13' is not in region 11"),
        ('region: "11"\nterritories: [93]\n', "codes must be quoted"),
        ('region: "11"\nterritories: ["dep:999"]\n', "Unknown département code '999'"),
        ('region: "11"\nterritories: [\n', r"line 3, column 1: not valid YAML \(expected"),
    ],
)
def test_bad_params_files(tmp_path, text, message):
    p = tmp_path / "region-11.yml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        report.region_territories("11", tmp_path)


def test_params_file_may_drop_territories(tmp_path):
    p = tmp_path / "region-11.yml"
    p.write_text('region: "11"\nterritories:\n  - "dep:93"\n', encoding="utf-8")
    assert report.region_territories("11", tmp_path) == ["dep:93"]
    assert yaml.safe_load(p.read_text())["territories"] == ["dep:93"]


# ---------------------------------------------------------------- helpers


def test_html_helpers_escape_data_text():
    t = table_html(["Nom <b>"], [["Structure & <Cie>", "1 < 2"]], caption="a&b")
    assert "Structure &amp; &lt;Cie&gt;" in t and "1 &lt; 2" in t
    assert '<table class="iae"><caption>a&amp;b</caption>' in t
    assert '<th scope="col">Nom &lt;b&gt;</th>' in t
    assert para("<script>") == "<p>&lt;script&gt;</p>"
    assert note('"x"') == '<p class="note">&quot;x&quot;</p>'


def test_figure_html_puts_the_data_right_under_the_image():
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    alt = "Carte des départements : valeur la plus élevée, Paris (75) : 4,6."
    data = (["Département", "Valeur"], [["Paris (75)", "4,6"], ["Essonne (91)", "s"]])
    out = figure_html(fig, alt, (*data, "Données de la carte : valeur, 2013"))
    assert out.startswith(f'<figure class="iae"><img alt="{escape(alt)}" src="data:image/png')
    assert out.index("</figure>") + len("</figure>") == out.index(
        '<details class="chart-data"><summary>Données de la carte</summary><div class="tbl">'
        '<table class="iae"><caption>Données de la carte : valeur, 2013</caption>'
    )
    assert '<th scope="row" class="nw">Essonne (91)</th><td>s</td>' in out
    fig, _ = plt.subplots()
    chart = figure_html(fig, "x", (["A"], [["a"]], "Données du graphique : a"))
    assert "<summary>Données du graphique</summary>" in chart
    plt.close("all")


def test_sanitize_and_error_of_a_notebook():
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("show_title(ctx)")
    bad = nbformat.v4.new_code_cell("show_offer(ctx)")
    bad.outputs = [nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[])]
    inj = nbformat.v4.new_code_cell('territory = "dep:93"')
    inj.metadata["tags"] = ["injected-parameters"]
    for c in (ok, bad, inj):
        c.metadata["papermill"] = {"start_time": "2026", "end_time": "2026", "duration": 1.0}
        c.metadata["execution"] = {"iopub.status.busy": "2026"}
    nb.cells = [ok, bad, inj]
    nb.metadata["papermill"] = {
        "start_time": "x",
        "end_time": "y",
        "duration": 2,
        "parameters": {},
    }
    report.sanitize_notebook(nb)
    assert nb.metadata["papermill"] == {"parameters": {}}
    assert all("execution" not in c.metadata for c in nb.cells)
    assert all(c.metadata["papermill"] == {} for c in nb.cells)
    assert inj["id"] == "injected-parameters"
    # the error and where it is, without the code of the cell
    assert report.notebook_error(nb) == "KeyError: 'x' (cellule de code n° 2)"


def test_key_figures_come_from_the_notebook_output():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("key_figures_output(ctx)")
    doc = {"schema": "iae-diag/key-figures/2", "year": 2013, "publics": {"women": None}}
    bundle = KeyFiguresOutput(doc)._repr_mimebundle_()
    cell.outputs = [nbformat.v4.new_output("execute_result", data=bundle, execution_count=1)]
    nb.cells = [cell]
    # through a write and a read (multi-line text is stored as a list of lines)
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    assert report.notebook_key_figures(nb) == to_json(doc)
    assert to_json(doc).startswith('{\n  "schema": "iae-diag/key-figures/2",\n  "year": 2013')
    nb.cells[0].outputs = []
    with pytest.raises(report.NotebookFailed, match="holds no key figures"):
        report.notebook_key_figures(nb)


# ---------------------------------------------------------------- orchestration


def failing_notebook(folder: Path, territory: str) -> Path:
    """The diagnostic template with one more cell, right after ``build_context``, that fails
    for ``territory``: a territory whose rendering breaks in the kernel."""
    nb = nbformat.read(str(ROOT / "notebooks" / "diagnostic.ipynb"), as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "build_context(" in c.source)
    cell = nbformat.v4.new_code_cell(
        f'if territory == "{territory}":\n    raise RuntimeError("panne simulée")'
    )
    cell["id"] = "simulated-failure"
    nb.cells.insert(at + 1, cell)
    path = Path(folder) / "diagnostic-failing.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def contract_run(tmp_path_factory):
    """One run on the contract table: region 11, dep 93, and dep 94 whose notebook fails."""
    base = tmp_path_factory.mktemp("reports")
    proc = write_processed(base / "processed")
    results = report.run_reports(
        ["region:11", "dep:93", "dep:94"],
        None,
        proc,
        base / "reports",
        jobs=2,
        pdf=False,
        notebook=failing_notebook(base, "dep:94"),
    )
    return base, proc, results


def test_a_failing_territory_is_isolated(contract_run):
    base, _proc, results = contract_run
    out = base / "reports" / "2013"  # default year: the latest of the data
    by = {r.territory: r for r in results}
    assert [r.territory for r in results] == ["region:11", "dep:93", "dep:94"]
    assert by["region:11"].ok and by["dep:93"].ok
    assert not by["dep:94"].ok
    # 5th code cell of the executed notebook: imports, parameters, injected parameters,
    # build_context, then the failing cell
    assert by["dep:94"].error == "RuntimeError: panne simulée (cellule de code n° 5)"
    for slug in ("region-11", "dep-93"):
        assert (out / f"{slug}.html").is_file() and (out / f"{slug}.json").is_file()
        assert (out / "notebooks" / f"{slug}.ipynb").is_file()
    assert not (out / "dep-94.html").exists()
    assert (out / "notebooks" / "dep-94.ipynb").is_file()  # kept for diagnosis
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 rapport sur 3 n'a pas pu être produit" in index
    assert '<a href="region-11.html">' in index and '<a href="dep-93.json">' in index
    assert "échec</span> : RuntimeError: panne simulée (cellule de code n° 5)" in index
    # nothing but the published set: no staging folder left, the lock file only
    assert sorted(p.name for p in (base / "reports").iterdir()) == [
        ".iae-diag-report.lock",
        "2013",
    ]


def test_report_content_on_the_contract_table(contract_run):
    base, _proc, _results = contract_run
    out = base / "reports" / "2013"
    html = (out / "region-11.html").read_text(encoding="utf-8")
    text = (out / "region-11.json").read_text(encoding="utf-8")
    kf = json.loads(text)
    # the manifest's data status travels with the key figures (report_helpers: synthetic)
    assert kf["data_status"] == "synthetic"
    assert kf["schema"] == "iae-diag/key-figures/2" and kf["year"] == 2013
    # the JSON is the key-figures document the report used (computed once, in the kernel),
    # the same as iae-diag figures on the whole table, in the contract's key order
    ind = pd.read_parquet(_proc / "indicators.parquet")
    decision = folder_decision(_proc)  # publique, the default level
    status = data_status_of(_proc)
    assert text == to_json(key_figures(ind, Territory("region", "11"), 2013, decision, status))
    executed = nbformat.read(str(out / "notebooks" / "region-11.ipynb"), as_version=4)
    assert report.notebook_key_figures(executed) == text
    assert "iae-diag/key-figures/" not in html  # the hidden cell is not in the report
    nb = "\u00a0"
    # totals of tests/report_helpers.py: 443 structures, 25 239 salariés, 6 474 ETP
    assert kf["structures"]["total"] == 443 and kf["salaries"]["total"] == 25239
    assert f"<td>25{nb}239</td>" in html and f"<td>6{nb}474</td>" in html
    assert "En 2013, les SIAE franciliennes ont salarié plus de 25" in html
    assert "Traceback" not in html and "Error" not in html
    assert "injected-parameters" not in html and "build_context" not in html  # no input
    # the headings numbered in the order of the document, the annex lettered, every one in
    # the table of contents with a link to its anchor
    headings = [
        re.sub(r"<[^>]+>", "", h).replace("&#39;", "'").strip()
        for h in re.findall(r'<h[23] id="[^"]+">(.*?)</h[23]>', html)
    ]
    assert headings[:5] == [
        "À retenir",  # the synthesis, unnumbered, before the numbered sections
        "1. Chiffres clés",
        "2. L'offre d'insertion",
        "2.1 ETP conventionnés et ETP réalisés",
        "2.2 Évolution du nombre de structures",
    ]
    assert headings[-4:] == [
        "Annexe technique",
        "A.1 Méthodologie",
        "A.2 Qualité des données",
        "A.3 Provenance des données",
    ]
    toc = html[html.index('<nav class="contents"') : html.index("</nav>", html.index("Sommaire"))]
    anchors = re.findall(r'<h[23] id="([^"]+)">', html)
    assert re.findall(r'href="#([^"]+)"', toc) == anchors
    assert html.index("sommaire-titre") < html.index('<h2 id="chiffres-cles">')
    assert "Comparaison des départements, 2013" in html
    assert "data:image/png;base64," in html
    dep = (out / "dep-93.html").read_text(encoding="utf-8")
    assert "Publics du département comparés à la région, 2013" in dep
    assert "Sorties du département comparées à la région, 2013" in dep
    assert "Sorties par département, 2013" in html and "Sorties par département" not in dep
    assert "Comparaison des départements" not in dep


#: what a reader must not meet in the body of a report: internal units, territory codes,
#: environment variables, null, machine paths, Python or column names, file checksums
INTERNAL_WORDS = {
    "unit in English": r"\((rows|hours|etp)\)",
    "territory code": r"\b(region|dep):[0-9A-Z]",
    "environment variable": r"IAE_DIAG_",
    "null or NaN": r"\b(null|None|NaN|nan)\b",
    "machine path": r"(/(tmp|home|work|root|usr)/|<processed_dir>|<reports>|<iae-diag>)",
    "file of the pipeline": r"\b\w+\.(parquet|py|yml|ipynb)\b|manifest\.json",
    "snake_case name": r"\b[a-z]+_[a-z0-9_]+\b",
    "checksum": r"\b[0-9a-f]{40,}\b",
}


def reader_text(html_text: str) -> tuple[str, str]:
    """(the text of the report's body outside its last table, the text of that table)."""
    body = html_text[html_text.index("<main") : html_text.index("</main>")]
    body = re.sub(r'<nav class="downloads".*?</nav>', "", body, flags=re.S)
    body = re.sub(r'<img[^>]*>|<a class="anchor-link"[^>]*>.*?</a>', "", body, flags=re.S)
    last = body.rindex("<table")
    before, table = body[:last], body[last:]

    def text(fragment: str) -> str:
        return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment)))

    return text(before), text(table)


@pytest.mark.parametrize("slug", ["region-11", "dep-93"])
def test_the_body_speaks_to_a_reader(contract_run, slug):
    """No internal identifier, path or checksum in the document outside the annex's last table
    (the checksums); that table closes the technical annex."""
    base, _proc, _results = contract_run
    html = (base / "reports" / "2013" / f"{slug}.html").read_text(encoding="utf-8")
    body, last = reader_text(html)
    found = {
        what: sorted({m.group(0) for m in re.finditer(pattern, body)})
        for what, pattern in INTERNAL_WORDS.items()
    }
    assert not any(found.values()), {k: v for k, v in found.items() if v}
    assert "Empreinte SHA-256" in last and re.search(r"[0-9a-f]{64}", last)
    assert body.index("Annexe technique") > body.index("Les territoires")
    # the scan can fail: the words it looks for, written into a body, are found
    for what, sample in (
        ("territory code", "dep:93"),
        ("environment variable", "IAE_DIAG_ROME_SECTORS"),
        ("snake_case name", "af_etp_postes_insertion"),
        ("unit in English", "Lignes (rows)"),
    ):
        assert re.search(INTERNAL_WORDS[what], sample)


def test_same_inputs_same_html(contract_run, tmp_path):
    base, proc, _results = contract_run
    notebook = base / "diagnostic-failing.ipynb"  # the template of the first run
    again = report.run_reports(
        ["dep:93"], 2013, proc, tmp_path, jobs=1, pdf=False, notebook=notebook
    )
    assert again[0].ok and not again[0].up_to_date
    first = base / "reports" / "2013"
    for name in ("dep-93.html", "dep-93.json", "notebooks/dep-93.ipynb"):
        assert (tmp_path / "2013" / name).read_bytes() == (first / name).read_bytes(), name


def test_cli_exits_non_zero_when_a_territory_fails(contract_run, tmp_path, capsys, monkeypatch):
    base, proc, _results = contract_run
    monkeypatch.setattr(report, "notebook_template", lambda: failing_notebook(tmp_path, "dep:93"))
    args = argparse.Namespace(
        year=2013,
        territory=["dep:93"],
        region="11",
        processed=str(proc),
        reports=str(tmp_path / "out"),
        jobs=1,
        no_pdf=True,
    )
    assert report.cli_main(args) == 1
    assert "FAILED dep:93: RuntimeError: panne simulée" in capsys.readouterr().out
    assert "échec" in (tmp_path / "out" / "2013" / "index.html").read_text(encoding="utf-8")


def _page_texts(html_text: str) -> list[str]:
    """The texts of each page of the PDF WeasyPrint makes of a report (margin boxes too)."""
    from weasyprint import HTML

    pages = []
    for page in HTML(string=html_text).render().pages:
        texts, stack = [], [page._page_box]
        while stack:
            box = stack.pop()
            if getattr(box, "text", None):
                texts.append(box.text)
            stack.extend(getattr(box, "children", None) or [])
        pages.append(" ".join(texts))
    return pages


def test_interne_documents_are_named_marked_and_list_the_siae(contract_run, tmp_path):
    _base, proc, _results = contract_run
    res = report.run_reports(
        ["dep:93"], 2013, proc, tmp_path, jobs=1, pdf=False, diffusion="interne"
    )
    assert res[0].ok and res[0].slug == "dep-93-interne"
    out = tmp_path / "2013"
    assert sorted(p.name for p in out.glob("dep-93*")) == [
        "dep-93-interne-tableaux.zip",
        "dep-93-interne.html",
        "dep-93-interne.json",
        "dep-93-interne.xlsx",
    ]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="dep-93-interne.html"' in index and 'href="dep-93.html"' not in index
    kf = json.loads((out / "dep-93-interne.json").read_text(encoding="utf-8"))
    assert kf["diffusion"] == "interne"
    html = (out / "dep-93-interne.html").read_text(encoding="utf-8")
    mark = "Diffusion restreinte — document de travail"
    assert html.index(mark) < html.index("<h1>Diagnostic de l'insertion")  # at the top
    pages = _page_texts(html)
    assert len(pages) >= 5 and all(mark in texts for texts in pages)  # every page's footer
    # synthetic data (report_helpers): the mark on the cover and in every page's footer too
    fictive = "Données fictives — jeu de démonstration"
    assert all(fictive in texts for texts in pages)
    # the annex: one row per SIAE of 93 in 2013, with its figures
    annex = html[
        html.rindex("Annexe : les SIAE par département") :
    ]  # the heading, not the contents
    siae = pd.read_parquet(proc / "siae.parquet")
    s93 = siae.loc[(siae["code_departement"] == "93") & (siae["year"] == 2013)]
    assert annex.count("Structure ") == len(s93) > 0
    first = s93.loc[s93["type_siae"] == "ACI"].sort_values("denomination").iloc[0]
    row = annex[annex.index(escape(first["denomination"])) :]
    row = row[: row.index("</tr>")]
    assert f"<td>{fmt_int(first['hours'])}</td>" in row
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells == [
        "ACI",
        first["code_commune"],
        fmt_int(first["salaries"]),
        fmt_number(first["etp_conventionnes"], 1),
        fmt_number(first["etp_realises"], 1),
        fmt_pct(first["etp_realises"] / first["etp_conventionnes"]),
        fmt_int(first["hours"]),
        "",  # active in 2012 too: neither created nor closed
    ]
    # the publique document of the same run has none of it
    pub = (_base / "reports" / "2013" / "dep-93.html").read_text(encoding="utf-8")
    assert mark not in pub and "Annexe : les SIAE" not in pub
    assert all(mark not in texts for texts in _page_texts(pub)[:2])


def test_params_file_sets_the_diffusion_level(tmp_path):
    path = tmp_path / "region-11.yml"
    path.write_text(report._dump_params(report.region_params("11")), encoding="utf-8")
    assert 'diffusion: "publique"' in path.read_text(encoding="utf-8")
    assert report.region_territories("11", tmp_path)[0] == "region:11"
    assert report.params_diffusion(path) == "publique"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"publique"', '"interne"'), encoding="utf-8"
    )
    assert report.params_diffusion(path) == "interne"
    assert report.load_params(path, "11")[0] == "region:11"  # the territories are unchanged
    path.write_text(
        path.read_text(encoding="utf-8").replace('"interne"', '"restreinte"'), encoding="utf-8"
    )
    with pytest.raises(ParameterError, match=r"region-11.yml: diffusion 'restreinte' is not"):
        report.params_diffusion(path)
