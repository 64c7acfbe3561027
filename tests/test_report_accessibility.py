"""Accessibility of the rendered reports (issue 14): the region and Seine-Saint-Denis reports of
the default data (the ``rendered`` fixture of conftest.py) and the index, opened in headless
Chromium and audited with axe-core (tests/browser_audit.py): zero violations. Missing browser
or axe-core: the test fails and says how to install them (``make browser``)."""

import html
import re
import zlib
from html.parser import HTMLParser

import pytest

import browser_audit

PAGES = ("region-11.html", "dep-93.html", "index.html")
#: an alternative is more than a short title: a sentence with the finding and its figure
MIN_ALT_CHARS = 90


class _Outline(HTMLParser):
    """The elements the structural checks read: images with what follows each, headings,
    tables with their caption and header cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []  # (tag, attrs) of every start tag, in order
        self.headings: list[int] = []
        self.tables: list[dict] = []
        self._table: dict | None = None
        self._in_caption = False
        self._section: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.events.append((tag, a))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self._table = {"caption": "", "th": [], "cls": a.get("class", "")}
        elif self._table is not None:
            if tag == "caption":
                self._in_caption = True
            elif tag in ("thead", "tbody"):
                self._section = tag
            elif tag == "th":
                self._table["th"].append((self._section, a.get("scope")))

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        if self._in_caption and self._table is not None:
            self._table["caption"] += data


def _outline(path) -> _Outline:
    p = _Outline()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_violation(rendered, page):
    problem = browser_audit.missing_tools()
    if problem:
        pytest.fail(problem, pytrace=False)
    reports, _ = rendered
    path = reports / "2013" / page
    assert path.is_file(), page
    # every rule axe-core runs by default: the WCAG 2.0 / 2.1 A and AA rules and its best
    # practices (heading order, landmarks...)
    violations = browser_audit.axe_violations(path, tags=None)
    assert violations == [], f"{page}:\n{browser_audit.describe(violations)}"


def test_audit_finds_the_faults_of_a_bad_page(tmp_path):
    """The audit itself: a page without lang, with an image without alt, a skipped heading
    level and a table without header is reported, rule by rule."""
    problem = browser_audit.missing_tools()
    if problem:
        pytest.fail(problem, pytrace=False)
    page = tmp_path / "bad.html"
    page.write_text(
        "<!doctype html><html><head><title>Rapport</title></head><body><main>"
        "<h1>Titre</h1><h3>Sous-titre</h3>"
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        "</main></body></html>",
        encoding="utf-8",
    )
    wcag = {v["id"] for v in browser_audit.axe_violations(page)}
    assert wcag == {"html-has-lang", "image-alt"}
    every = browser_audit.axe_violations(page, tags=None)
    assert {v["id"] for v in every} == {"html-has-lang", "image-alt", "heading-order"}
    text = browser_audit.describe(every)
    assert "image-alt (critical): Images must have alternative text" in text
    assert '<img src="data:image/png;base64,iVBORw0KGgo=">' in text


def test_missing_tools_say_how_to_install_them(monkeypatch, tmp_path):
    monkeypatch.setattr(browser_audit.shutil, "which", lambda name: None)
    monkeypatch.setattr(browser_audit, "AXE_JS", browser_audit.ROOT / "no" / "axe.min.js")
    msg = browser_audit.missing_tools()
    assert msg.startswith(
        "The accessibility audit needs the Chromium browser (Debian package chromium); "
        "chromedriver (Debian package chromium-driver); axe-core (no/axe.min.js, npm package "
        "axe-core): install them with `make browser`"
    )
    with pytest.raises(RuntimeError, match="make browser"):
        browser_audit.axe_violations(tmp_path / "page.html")


@pytest.mark.slow
@pytest.mark.parametrize("page", ["region-11.html", "dep-93.html"])
def test_every_image_has_a_long_alt_and_its_data_right_after_it(rendered, page):
    reports, _ = rendered
    out = _outline(reports / "2013" / page)
    images = [i for i, (tag, _) in enumerate(out.events) if tag == "img"]
    # region: offer, ETP, structures, publics, publics over time, sectors and 5 maps
    assert len(images) >= (11 if page.startswith("region") else 7)
    for i in images:
        alt = out.events[i][1].get("alt", "")
        assert len(alt) >= MIN_ALT_CHARS and re.search(r"\d", alt), alt
        assert " : " in alt, alt  # what it shows : the finding
        # the data: the next element after the image's <figure> is the closed <details>
        nxt = out.events[i + 1]
        assert nxt == ("details", {"class": "chart-data"}), (alt, nxt)
        assert out.events[i + 2][0] == "summary"
        assert out.events[i + 3][0] == "div" and out.events[i + 4][0] == "table"
    region_alts = [out.events[i][1]["alt"] for i in images]
    if page.startswith("region"):
        assert any(
            a.startswith("Carte des départements de la région Île-de-France") for a in region_alts
        )


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_headings_follow_the_outline_and_tables_have_captions_and_headers(rendered, page):
    reports, _ = rendered
    out = _outline(reports / "2013" / page)
    assert out.headings[0] == 1 and out.headings.count(1) == 1
    for before, after in zip(out.headings, out.headings[1:], strict=False):
        assert after <= before + 1, out.headings  # no level skipped
    assert out.tables
    for t in out.tables:
        assert t["caption"].strip(), t
        assert t["th"] and all(scope in ("col", "row") for _, scope in t["th"]), t
        assert all(scope == "col" for sec, scope in t["th"] if sec == "thead"), t


def _pdf_objects(path) -> bytes:
    """The bytes of a PDF with its compressed streams (object streams included) inflated."""
    data = path.read_bytes()
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


@pytest.mark.slow
@pytest.mark.parametrize("slug", ["region-11", "dep-93"])
def test_tagged_pdf_carries_the_alternatives_language_and_table_tags(rendered, slug):
    """What WeasyPrint's PDF/UA-1 variant writes: each image a Figure whose /Alt is the long
    alternative of the HTML, in the same order; the language; tables with captions and header
    cells (WeasyPrint does not write their scope: see docs/reports.md)."""
    reports, _ = rendered
    pdf = _pdf_objects(reports / "2013" / f"{slug}.pdf")
    page = (reports / "2013" / f"{slug}.html").read_text(encoding="utf-8")
    alts = [html.unescape(a) for a in re.findall(r'<img alt="([^"]*)"', page)]
    in_pdf = [
        bytes.fromhex(h.decode("ascii")).decode("utf-16")
        for h in re.findall(rb"/Alt <([0-9a-fA-F]+)>", pdf)
    ]
    assert in_pdf == alts and len(alts) >= 7
    assert b"/Lang (fr)" in pdf and b"pdfuaid" in pdf
    # the tables the PDF shows (the chart data tables are hidden in print) and their captions
    shown = page.count("<caption") - page.count('<details class="chart-data">')
    assert pdf.count(b"/S /Caption") == shown
    assert pdf.count(b"/S /TH") > 0 and pdf.count(b"/S /Figure") == len(alts)
