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
import datetime
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
    """Collects the ``table.iae`` tables of an HTML fragment with their ``<caption>`` (or the
    ``p.caption`` paragraph before them, the layout of earlier reports)."""

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
        if tag == "caption" or (tag == "p" and "caption" in classes):
            self._in_caption, self._caption = True, ""
        elif tag == "table" and "iae" in classes:
            self._table = {"header": [], "rows": [], "head": False}
        elif self._table is not None:
            if self._in_caption:
                return
            if tag == "thead":
                self._table["head"] = True
            elif tag == "tbody":
                self._table["head"] = False
            elif tag == "tr":
                self._row = []
            elif tag in ("th", "td") and self._row is not None:
                self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("caption", "p") and self._in_caption:
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


# --------------------------------------------------------------------------------------------
# The workbook (<name>.xlsx)
# --------------------------------------------------------------------------------------------

#: a numeric report cell: digits (with group spaces), decimal comma, optional unit
_NUMBER = re.compile(
    r"^([-+\u2212]?[\d \u00a0\u202f]*\d(?:,(\d+))?)(?:[ \u00a0\u202f]*(%|points?|km))?$"
)
#: a code (département "01", commune "05023"): digits with a leading zero stay text
_CODE = re.compile(r"^0\d+$")
#: the fixed date of the workbook's properties (same tables, same bytes)
_FIXED_W3CDTF = "1980-01-01T00:00:00Z"
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")

#: the notes sheet: what every reader of the workbook needs (French, like the report)
NOTES = [
    (
        "Secret statistique",
        "« s » : case masquée (effectif trop faible, ou masquage "
        "secondaire pour qu'elle ne puisse pas être recalculée) ; "
        "mêmes cases que dans le rapport.",
    ),
    ("n.d.", "Donnée non disponible."),
    (
        "Définitions",
        "Les définitions des indicateurs sont celles de la page « Méthodologie » "
        "du rapport (définitions v2).",
    ),
    ("Source", "ASP, extraction fluxIAE ; traitement iae-diag."),
    (
        "Fichiers CSV",
        "Le fichier <nom>-tableaux.zip contient les mêmes tableaux en CSV : "
        "UTF-8 avec BOM, séparateur « ; », virgule décimale (convention des tableurs français).",
    ),
    (
        "Graphiques et cartes",
        "Les données de chaque graphique et de chaque carte du rapport sont une feuille de ce "
        "classeur (titre « Données du graphique » ou « Données de la carte »), avec les mêmes "
        "cases masquées.",
    ),
    (
        "Nombres",
        "Les nombres sont des valeurs numériques au format français (espace des milliers, "
        "virgule décimale) ; les parts sont au format pourcentage.",
    ),
]


#: the data status of the manifest (``data_status``) as the cover says it
DATA_STATUS_TEXT = {
    "synthetic": "Données synthétiques : jeu de démonstration produit par iae-diag synth au "
    "format fluxIAE, sans aucune donnée réelle ; les chiffres ne décrivent aucun territoire "
    "réel.",
    "real": "Données réelles : extraction fluxIAE de l'ASP.",
}
#: the diffusion level (``--diffusion``) as the cover says it
DIFFUSION_TEXT = {
    "publique": "Publique : document diffusable ; les cases soumises au secret statistique "
    "sont masquées (« s »).",
    "interne": "Interne : diffusion restreinte aux services de l'État ; ne pas diffuser.",
}
#: the units of the tables, on the cover
UNITS = (
    "Effectifs en nombre de personnes (salariés en insertion) ou de structures ; ETP : "
    "équivalents temps plein ; heures travaillées en heures ; parts en % (cellules au format "
    "pourcentage) ; écarts en points de pourcentage ; taux pour 10 000 habitants ou pour 100 "
    "foyers allocataires du RSA ; distances en km. Chaque feuille donne l'unité dans son titre "
    "ou ses en-têtes."
)


def workbook_cover(
    title: str, territory: str, year: int, data_status: str | None, diffusion: str
) -> list[tuple[str, str]]:
    """The label/value lines of the workbook's cover sheet (French): title, territory, year,
    source, data status (``synthetic``/``real`` of the manifest; unknown: said so), diffusion
    level and units. The contents with links follow them (:func:`report_workbook`)."""
    status = DATA_STATUS_TEXT.get(
        data_status or "", "Non renseigné : le manifeste des données ne le précise pas."
    )
    return [
        ("Titre", title),
        ("Territoire", territory),
        ("Année", str(year)),
        ("Source", "ASP, extraction fluxIAE ; traitement iae-diag"),
        ("Statut des données", status),
        ("Niveau de diffusion", DIFFUSION_TEXT.get(diffusion, diffusion)),
        ("Unités", UNITS),
        ("Secret statistique", "« s » : case masquée (voir la feuille Notes)."),
    ]


def cell_value(cell: str) -> tuple[object, str | None]:
    """A report cell as a spreadsheet value and number format: ``"10 000"`` -> ``(10000,
    "#,##0")``; ``"12,5 %"`` -> ``(0.125, "0.0%")``; ``"s"`` -> ``("s", None)``."""
    m = _NUMBER.match(cell.strip())
    if not m or _CODE.match(cell.strip()):
        return cell, None
    digits = re.sub(r"[ \u00a0\u202f+]", "", m.group(1)).replace(",", ".").replace("\u2212", "-")
    decimals = len(m.group(2) or "")
    unit = m.group(3)
    base = "#,##0" + ("." + "0" * decimals if decimals else "")
    if unit == "%":
        return round(float(digits) / 100, decimals + 2), base.replace("#,##", "") + "%"
    value = float(digits) if decimals else int(digits)
    if unit:
        return value, f'{base} "{unit}"'
    return value, base


def report_workbook(tables: list[ReportTable], cover: list[tuple[str, str]]) -> bytes:
    """The workbook: a cover sheet (``cover`` label/value pairs, then the contents with links),
    a notes sheet, then one sheet per table (caption, header row frozen, numbers as numbers,
    hidden cells ``s``). Fixed dates: same tables, same bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Couverture"
    bold = Font(bold=True)
    for label, value in cover:
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = bold
    ws.append([])
    ws.append(["Sommaire"])
    ws.cell(ws.max_row, 1).font = bold
    names = [f"T{i:02d}" for i in range(1, len(tables) + 1)]
    ws.append(["Notes", "Définitions, secret statistique, sources, fichiers CSV"])
    _link(ws.cell(ws.max_row, 1), "Notes")
    for name, t in zip(names, tables, strict=True):
        ws.append([name, t.caption or "(tableau sans titre)"])
        _link(ws.cell(ws.max_row, 1), name)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    for row in ws.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    notes = wb.create_sheet("Notes")
    notes.append(["Note", "Texte"])
    for row in NOTES:
        notes.append(list(row))
    notes.freeze_panes = "A2"
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 110
    for c in notes[1]:
        c.font = bold

    for name, t in zip(names, tables, strict=True):
        s = wb.create_sheet(name)
        s.append([t.caption or name])
        s.cell(1, 1).font = bold
        s.append([csv_cell(h) for h in t.header])
        for c in s[2]:
            c.font = bold
            c.alignment = Alignment(wrap_text=True)
        for r in t.rows:
            s.append([r[0]] + [None] * (len(r) - 1))
            for j, raw in enumerate(r[1:], start=2):
                value, fmt = cell_value(raw)
                c = s.cell(s.max_row, j, value)
                if fmt:
                    c.number_format = fmt
                else:
                    c.alignment = Alignment(horizontal="right")
        s.freeze_panes = "B3"
        s.column_dimensions["A"].width = 34
    wb.properties.created = datetime.datetime(1980, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _link(cell, sheet: str) -> None:
    """An internal link from a cell of the cover to the top of a sheet."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!A1")
    cell.style = "Hyperlink"


def _fixed_zip(data: bytes) -> bytes:
    """The same ZIP package with fixed entry timestamps and fixed document dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<2>", body)
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, body)
    return out.getvalue()
