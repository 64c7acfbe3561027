"""Accessibility of the rendered reports (issue 14): the region and Seine-Saint-Denis reports of
the default data (the ``rendered`` fixture of conftest.py) and the index, opened in headless
Chromium and audited with axe-core (tests/browser_audit.py): zero violations. Missing browser
or axe-core: the test fails and says how to install them (``make browser``)."""

import pytest

import browser_audit

PAGES = ("region-11.html", "dep-93.html", "index.html")


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
