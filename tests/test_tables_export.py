"""The report's tables as CSV (issue 14): read back from the HTML the report shows."""

import io
import zipfile

import nbformat

from iae_diag import tables_export
from iae_diag.context import table_html


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
