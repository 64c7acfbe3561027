"""The table of contents of a rendered report, and the numbering of its headings.

The notebook titles its sections with Markdown headings (``## Les publics``) and the sections
may add their own (``<h2>``, ``<h3>``); once the page is rendered, :func:`add_contents` numbers
them in the order of the document — ``1.``, ``1.1``... for the reader's body, ``A.1``, ``B.1``...
under each heading that starts with "Annexe" — gives each an anchor, and puts the table of
contents in the cover's place for it (HTML: links; PDF: links with their page number, CSS
``target-counter``). A number written by hand in a heading is replaced, so that adding a
section never means renumbering the others.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

#: the element of the cover (:mod:`iae_diag.report.sections.title`) that the table of contents
#: replaces
CONTENTS_PLACEHOLDER = '<nav class="contents" id="sommaire"></nav>'

_HEADING = re.compile(r"<h([23])(\s[^>]*)?>(.*?)</h\1>", re.S)
_ANCHOR_LINK = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
_HAND_NUMBER = re.compile(r"^\s*(?:[0-9]+|[A-Z])(?:\.[0-9]+)*\.?\s+")
_ID = re.compile(r'\sid="([^"]*)"')
#: body headings that stand before the numbered sections, unnumbered (the synthesis)
UNNUMBERED = ("à retenir",)


@dataclass
class Entry:
    """One heading of the document: level (2 or 3), number, text, anchor."""

    level: int
    number: str
    text: str
    anchor: str


def _slug(text: str, used: set[str]) -> str:
    base = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or "section"
    slug, i = base, 2
    while slug in used:
        slug, i = f"{base}-{i}", i + 1
    used.add(slug)
    return slug


def number_headings(body: str) -> tuple[str, list[Entry]]:
    """The body with its ``h2``/``h3`` numbered and anchored, and the list of its headings.

    Body headings: ``1.``, ``2.``...; their subheadings ``1.1``, ``1.2``...; a heading starting
    with "Annexe" is not numbered, it opens a lettered part (``A``, ``B``...) whose subheadings
    read ``A.1``, ``A.2``. "À retenir" (:data:`UNNUMBERED`) is not numbered. A subheading
    before any numbered heading is left unnumbered."""
    entries: list[Entry] = []
    used: set[str] = set()
    state = {"h2": 0, "h3": 0, "annex": 0, "in_annex": False, "open": False}

    def fix(m: re.Match) -> str:
        level, attrs, inner = int(m.group(1)), m.group(2) or "", m.group(3)
        inner = _ANCHOR_LINK.sub("", inner)
        text = html.unescape(_TAG.sub("", inner)).strip()
        text = _HAND_NUMBER.sub("", text)
        if level == 2:
            state["h3"], state["open"] = 0, True
            if text.lower().startswith("annexe"):
                state["annex"] += 1
                state["in_annex"] = True
                number = ""
            elif text.lower() in UNNUMBERED:
                state["in_annex"], state["open"] = False, False
                number = ""
            else:
                state["in_annex"] = False
                state["h2"] += 1
                number = f"{state['h2']}."
        else:
            if not state["open"]:
                number = ""
            else:
                state["h3"] += 1
                lead = chr(ord("A") + state["annex"] - 1) if state["in_annex"] else state["h2"]
                number = f"{lead}.{state['h3']}"
        anchor = _slug(text, used)  # nbconvert's ids keep dots and accents: replaced
        attrs = _ID.sub("", attrs)
        entries.append(Entry(level, number, text, anchor))
        shown = f'<span class="num">{number}</span> ' if number else ""
        return f'<h{level}{attrs} id="{anchor}">{shown}{html.escape(text, quote=False)}</h{level}>'

    return _HEADING.sub(fix, body), entries


def contents_html(entries: list[Entry]) -> str:
    """The table of contents: a list of links, the subheadings nested under their heading;
    in print each link ends with its page number (CSS ``target-counter``, report.css)."""
    out = ['<nav class="contents" id="sommaire" aria-labelledby="sommaire-titre">']
    out.append('<h2 class="contents-title" id="sommaire-titre">Sommaire</h2><ol class="toc">')
    open_sub = False
    for i, e in enumerate(entries):
        link = (
            f'<a class="toc-link" href="#{e.anchor}">'
            + (f'<span class="num">{e.number}</span> ' if e.number else "")
            + f"{html.escape(e.text, quote=False)}</a>"
        )
        if e.level == 2:
            if open_sub:
                out.append("</ol></li>")
                open_sub = False
            elif i:
                out.append("</li>")
            out.append(f"<li>{link}")
        else:
            if not open_sub:
                if not i:
                    out.append("<li>")
                out.append('<ol class="toc-sub">')
                open_sub = True
            out.append(f"<li>{link}</li>")
    if entries:
        out.append("</ol></li>" if open_sub else "</li>")
    out.append("</ol></nav>")
    return "".join(out)


def add_contents(body: str) -> str:
    """The rendered body with its headings numbered and the table of contents in the cover's
    place for it (at the start of the body when the cover has none)."""
    numbered, entries = number_headings(body)
    toc = contents_html(entries)
    if CONTENTS_PLACEHOLDER in numbered:
        return numbered.replace(CONTENTS_PLACEHOLDER, toc, 1)
    return toc + numbered
