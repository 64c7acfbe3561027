"""The report's tables to take away: every ``<table class="iae">`` the notebook rendered, read
back from the executed notebook's HTML outputs, written as CSV files in ``<name>-tableaux.zip``
(issue 14).

The tables are read from the cells the report itself shows (``context.table_html``), so the
secrecy decision (cells printed ``s``) cannot diverge between the report and its CSV files.
CSV convention (French spreadsheets): UTF-8 with BOM, ``;`` separator, decimal comma; the digit
group spaces of the report are removed so that a spreadsheet reads the numbers as numbers.
Same tables, same bytes: the ZIP entries carry a fixed timestamp.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

#: the timestamp of every ZIP entry (the earliest a ZIP can hold): same input, same bytes
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: a space or no-break space between digit groups ("10 000")
_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: its caption, header cells and rows of formatted cells."""

    caption: str
    header: list[str]
    rows: list[list[str]]


class _TableParser(HTMLParser):
    """Collects the ``table.iae`` tables of an HTML fragment and the caption before each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[ReportTable] = []
        self._caption: str | None = None
        self._in_caption = False
        self._table: dict | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "p" and "caption" in classes:
            self._in_caption, self._caption = True, ""
        elif tag == "table" and "iae" in classes:
            self._table = {"header": [], "rows": [], "head": False}
        elif self._table is not None:
            if tag == "thead":
                self._table["head"] = True
            elif tag == "tbody":
                self._table["head"] = False
            elif tag == "tr":
                self._row = []
            elif tag in ("th", "td") and self._row is not None:
                self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._in_caption:
            self._in_caption = False
        elif self._table is None:
            return
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table["head"]:
                self._table["header"] = self._row
            else:
                self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            t = self._table
            self.tables.append(ReportTable(self._caption or "", t["header"], t["rows"]))
            self._table, self._caption = None, None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self._caption = (self._caption or "") + data


def tables_from_html(fragment: str) -> list[ReportTable]:
    """The ``table.iae`` tables of an HTML fragment, in document order."""
    p = _TableParser()
    p.feed(fragment)
    p.close()
    return p.tables


def notebook_tables(nb) -> list[ReportTable]:
    """Every report table of an executed notebook, in the order of the report."""
    out: list[ReportTable] = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            text = o.get("data", {}).get("text/html")
            if text:
                out.extend(tables_from_html(text if isinstance(text, str) else "".join(text)))
    return out


def csv_cell(cell: str) -> str:
    """A report cell for a French spreadsheet: ``"10 000"`` -> ``"10000"``; ``"12,5 %"`` ->
    ``"12,5 %"`` (the decimal comma kept); ``"s"`` stays ``"s"``."""
    return _GROUP_SPACE.sub("", cell).replace("\u00a0", " ").replace("\u202f", " ")


def table_csv(table: ReportTable) -> bytes:
    """One table as CSV: UTF-8 with BOM, ``;`` separator, CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([csv_cell(h) for h in table.header])
    for r in table.rows:
        w.writerow([csv_cell(c) for c in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _entry_name(i: int, table: ReportTable) -> str:
    words = re.sub(r"[^0-9A-Za-zÀ-ÿ]+", "-", table.caption).strip("-").lower()[:60]
    return f"{i:02d}-{words or 'tableau'}.csv"


def tables_zip(tables: list[ReportTable]) -> bytes:
    """The tables as CSV files in a ZIP, numbered in report order, fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i, t in enumerate(tables, start=1):
            info = zipfile.ZipInfo(_entry_name(i, t), date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, table_csv(t))
    return buf.getvalue()
