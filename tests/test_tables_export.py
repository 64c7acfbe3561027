"""The report's tables as CSV (issue 14): read back from the HTML the report shows."""

import io
import zipfile

import nbformat

from iae_diag import tables_export
from iae_diag.report.html import table_html


def _nb(*fragments: str):
    nb = nbformat.v4.new_notebook()
    for f in fragments:
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f})]
        nb.cells.append(cell)
    return nb


def test_table_read_back_with_secret_cell_and_caption():
    html = table_html(
        ["Territoire", "Salariés", "Part"],
        [["Seine-Saint-Denis (93)", "10 000", "12,5 %"], ["Paris (75)", "s", "s"]],
        caption="Salariés par département",
    )
    [t] = tables_export.tables_from_html("<p>avant</p>" + html)
    assert t.caption == "Salariés par département"
    assert t.header == ["Territoire", "Salariés", "Part"]
    assert t.rows == [
        ["Seine-Saint-Denis (93)", "10\u00a0000", "12,5\u00a0%"],
        ["Paris (75)", "s", "s"],
    ]


def test_csv_french_convention():
    t = tables_export.ReportTable(
        "T", ["Territoire", "Salariés"], [["Paris (75)", "10\u00a0000"], ["Essonne (91)", "s"]]
    )
    assert tables_export.table_csv(t) == (
        "\ufeffTerritoire;Salariés\r\nParis (75);10000\r\nEssonne (91);s\r\n".encode()
    )
    assert tables_export.csv_cell("1\u00a0234,5\u00a0%") == "1234,5 %"


def test_zip_every_table_in_order_and_same_bytes():
    a = table_html(["A", "n"], [["x", "1"]], caption="Première table")
    b = table_html(["B", "n"], [["y", "s"]], caption="")
    nb = _nb(a, "<p>rien</p>", b)
    tables = tables_export.notebook_tables(nb)
    assert len(tables) == 2
    data = tables_export.tables_zip(tables)
    assert data == tables_export.tables_zip(tables_export.notebook_tables(nb))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["01-première-table.csv", "02-tableau.csv"]
        assert z.read("02-tableau.csv").decode("utf-8-sig") == "B;n\r\ny;s\r\n"
        assert all(i.date_time == tables_export.ZIP_DATE for i in z.infolist())


def test_cell_values_numbers_not_text():
    assert tables_export.cell_value("10\u00a0000") == (10000, "#,##0")
    assert tables_export.cell_value("12,5\u00a0%") == (0.125, "0.0%")
    assert tables_export.cell_value("+3,2 points") == (3.2, '#,##0.0 "points"')
    assert tables_export.cell_value("\u22124") == (-4, "#,##0")
    assert tables_export.cell_value("s") == ("s", None)
    assert tables_export.cell_value("Paris (75)") == ("Paris (75)", None)
    # a code keeps its leading zero (département, commune): text, never a number
    assert tables_export.cell_value("01") == ("01", None)
    assert tables_export.cell_value("05023") == ("05023", None)
    assert tables_export.cell_value("0") == (0, "#,##0")
    assert tables_export.cell_value("0,5") == (0.5, "#,##0.0")


def test_workbook_read_back_and_same_bytes():
    from openpyxl import load_workbook

    t = tables_export.ReportTable(
        "Salariés par département",
        ["Territoire", "Salariés", "Part"],
        [["Paris (75)", "1\u00a0234", "12,5\u00a0%"], ["Essonne (91)", "s", "s"]],
    )
    cover = [("Titre", "Diagnostic"), ("Territoire", "Île-de-France"), ("Année", "2013")]
    data = tables_export.report_workbook([t], cover)
    assert data == tables_export.report_workbook([t], cover)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Couverture", "Notes", "T01"]
    c = wb["Couverture"]
    assert [c.cell(r, 2).value for r in (1, 2, 3)] == ["Diagnostic", "Île-de-France", "2013"]
    assert c.cell(7, 1).value == "T01" and c.cell(7, 1).hyperlink.location == "'T01'!A1"
    s = wb["T01"]
    assert s.freeze_panes == "B3"
    assert [x.value for x in s[2]] == ["Territoire", "Salariés", "Part"]
    assert [x.value for x in s[3]] == ["Paris (75)", 1234, 0.125]
    assert s.cell(3, 3).number_format == "0.0%"
    assert [x.value for x in s[4]] == ["Essonne (91)", "s", "s"]
    notes = " ".join(str(x.value) for row in wb["Notes"].iter_rows() for x in row)
    assert "« s »" in notes and "séparateur « ; »" in notes


def test_workbook_cover_says_data_status_diffusion_units_and_links_every_sheet():
    from openpyxl import load_workbook

    tables = [
        tables_export.ReportTable("Salariés par département", ["Territoire", "n"], [["a", "1"]]),
        tables_export.ReportTable("Données du graphique : publics", ["Public", "%"], []),
    ]
    cover = tables_export.workbook_cover(
        "Diagnostic de l'IAE — Seine-Saint-Denis (93) — 2013",
        "Seine-Saint-Denis (93)",
        2013,
        "synthetic",
        "publique",
    )
    wb = load_workbook(io.BytesIO(tables_export.report_workbook(tables, cover)))
    c = wb["Couverture"]
    lines = {c.cell(r, 1).value: c.cell(r, 2).value for r in range(1, c.max_row + 1)}
    assert lines["Territoire"] == "Seine-Saint-Denis (93)" and lines["Année"] == "2013"
    assert lines["Statut des données"].startswith("Données synthétiques : jeu de démonstration")
    assert lines["Niveau de diffusion"].startswith("Publique : document diffusable")
    assert "ETP : équivalents temps plein" in lines["Unités"]
    assert "parts en %" in lines["Unités"] and "points de pourcentage" in lines["Unités"]
    assert lines["Secret statistique"] == "« s » : case masquée (voir la feuille Notes)."
    # the contents: a link to every other sheet, with its title
    links = {
        c.cell(r, 1).value: (c.cell(r, 1).hyperlink.location, c.cell(r, 2).value)
        for r in range(1, c.max_row + 1)
        if c.cell(r, 1).hyperlink is not None
    }
    assert links == {
        "Notes": ("'Notes'!A1", "Définitions, secret statistique, sources, fichiers CSV"),
        "T01": ("'T01'!A1", "Salariés par département"),
        "T02": ("'T02'!A1", "Données du graphique : publics"),
    }
    assert set(links) == set(wb.sheetnames) - {"Couverture"}
    notes = {r[0].value: r[1].value for r in wb["Notes"].iter_rows(min_row=2)}
    assert notes["Fichiers CSV"].endswith(
        "UTF-8 avec BOM, séparateur « ; », virgule décimale (convention des tableurs français)."
    )
    assert notes["Secret statistique"].startswith("« s » : case masquée")
    # real data, interne level, and a manifest that does not say
    real = dict(tables_export.workbook_cover("T", "X", 2013, "real", "interne"))
    assert real["Statut des données"] == "Données réelles : extraction fluxIAE de l'ASP."
    assert real["Niveau de diffusion"].startswith("Interne : diffusion restreinte")
    unknown = dict(tables_export.workbook_cover("T", "X", 2013, None, "publique"))
    assert unknown["Statut des données"].startswith("Non renseigné")
