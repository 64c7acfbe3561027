"""HTML fragments of the report: escaped text, French tables (text columns aligned left, no
break inside numbers), figures embedded as PNG with their data, notes.
"""

from __future__ import annotations

import base64
import html
import re

from IPython.display import HTML

from iae_diag import narrative, plots
from iae_diag.formatting import NBSP
from iae_diag.vocabulary import (
    SECRET_MARK,
    SECRET_NOTE,
)

# --------------------------------------------------------------------------------------------
# HTML helpers
# --------------------------------------------------------------------------------------------


#: a space between digit groups ("10 000", "1 820") written in literal text: never a line
#: break there (the formatted numbers already use a no-break space)
_DIGIT_GROUP_SPACE = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")
#: the units a numeric cell may carry; a cell with other letters is text
_CELL_UNITS = re.compile(r"points?|km|%")
#: cells that are neither text nor number (missing, secret, dash)
_NEUTRAL_CELLS = frozenset({"", "n.d.", SECRET_MARK, "–", "-"})
#: row labels up to this length are kept on one line ("Seine-et-Marne (77)")
_ROW_LABEL_NOWRAP = 30


def no_break_numbers(text: str) -> str:
    """``10 000 habitants`` -> ``10\u00a0000 habitants``; ``42 %`` -> ``42\u00a0%``."""
    return _DIGIT_GROUP_SPACE.sub(NBSP, text).replace(" %", NBSP + "%")


def esc(x: object) -> str:
    return html.escape(no_break_numbers(str(x)), quote=True)


def _is_text_cell(cell: object) -> bool | None:
    """True for a text cell (a commune name), False for a number (with its unit), None for a
    missing, secret or empty cell."""
    c = str(cell).strip()
    if c in _NEUTRAL_CELLS:
        return None
    return any(ch.isalpha() for ch in _CELL_UNITS.sub("", c))


def _text_columns(rows: list[list[str]]) -> set[int]:
    """Columns (after the first) whose cells are mostly text: they are left-aligned."""
    out = set()
    for j in range(1, max((len(r) for r in rows), default=0)):
        kinds = [_is_text_cell(r[j]) for r in rows if j < len(r)]
        if kinds.count(True) > kinds.count(False):
            out.add(j)
    return out


def table_html(header: list[str], rows: list[list[str]], caption: str = "", cls: str = "") -> str:
    """A table of already formatted cells (escaped here); the first column and the text
    columns left, the numbers right. The caption is the table's ``<caption>`` (read by screen
    readers, kept with the table on the page); header cells are ``<th scope="col">``, the first
    cell of each row ``<th scope="row">``."""
    text_cols = _text_columns(rows)

    def attr(j: int) -> str:
        return ' class="txt"' if j in text_cols else ""

    out = ['<div class="tbl">']
    out.append(f'<table class="iae {esc(cls)}">' if cls else '<table class="iae">')
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append(
        "<thead><tr>"
        + "".join(f'<th scope="col"{attr(j)}>{esc(h)}</th>' for j, h in enumerate(header))
        + "</tr></thead>"
    )
    out.append("<tbody>")
    for r in rows:
        nw = ' class="nw"' if len(str(r[0])) <= _ROW_LABEL_NOWRAP else ""
        cells = [f'<th scope="row"{nw}>{esc(r[0])}</th>'] + [
            f"<td{attr(j)}>{esc(c)}</td>" for j, c in enumerate(r[1:], start=1)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def figure_html(fig, alt: str, data: tuple[list[str], list[list[str]], str] | None = None) -> str:
    """A figure as an embedded PNG (fixed metadata: same data, same bytes); with ``data``
    (header, rows of formatted cells, caption), the chart's data as a table in a closed
    ``<details>`` right under it (RGAA 1.6; also read into the workbook and the CSV files)."""
    png = base64.b64encode(plots.figure_png(fig)).decode("ascii")
    out = f'<figure class="iae"><img alt="{esc(alt)}" src="data:image/png;base64,{png}"/></figure>'
    if data is not None:
        header, rows, caption = data
        # a map's data is announced as such (its caption starts "Données de la carte")
        summary = (
            "Données de la carte"
            if caption.startswith("Données de la carte")
            else "Données du graphique"
        )
        out += (
            f'<details class="chart-data"><summary>{summary}</summary>'
            + table_html(header, rows, caption=caption)
            + "</details>"
        )
    return out


def para(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def h3(text: str) -> str:
    return f"<h3>{esc(text)}</h3>"


def section(parts: list[str]) -> HTML:
    return HTML('<div class="iae-section">' + "".join(parts) + "</div>")


def share(num: float | None, den: float | None) -> float | None:
    if num is None or not den:
        return None
    return num / den


def secret_notes(any_secret: bool) -> list[str]:
    """The statistical-secrecy note under a table or a chart that left a value out."""
    return [note(SECRET_NOTE)] if any_secret else []


def absent_from_chart_note(left_out: list[str]) -> list[str]:
    """The note under a chart from which hidden bars were left out (statistical secrecy)."""
    if not left_out:
        return []
    which = narrative.join_fr(left_out)
    return [
        note(
            f"Absent du graphique (secret statistique) : {which}."
            if len(left_out) == 1
            else f"Absents du graphique (secret statistique) : {which}."
        )
    ]
