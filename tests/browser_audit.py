"""An accessibility audit of an HTML page in a real browser: the Debian Chromium, headless,
driven by selenium through the Debian chromedriver, runs axe-core (the npm package pinned in
``package.json``, installed into ``node_modules/`` by ``npm ci``).

``make browser`` installs all three (``make test`` calls it). When one is missing,
:func:`missing_tools` says which and how to install it: the accessibility test fails with that
message, it never passes silently.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: axe-core as installed by ``npm ci`` from package.json / package-lock.json
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: the rule sets of the audit: WCAG 2.0 and 2.1, levels A and AA (axe-core tags)
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: how to install what the audit needs (said by a failing test)
INSTALL_HINT = (
    "install them with `make browser` (as root it runs `apt-get install chromium "
    "chromium-driver` and `npm ci`; without root: `sudo apt-get install chromium "
    "chromium-driver`, then `npm ci` in the repository)"
)
#: seconds axe-core may take on one page (the reports embed their charts as PNG)
AXE_TIMEOUT_S = 180


def chromium_paths() -> tuple[str | None, str | None]:
    """(chromium, chromedriver) executables found on the PATH, or None."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    return browser, shutil.which("chromedriver")


def missing_tools() -> str | None:
    """A sentence naming what the audit lacks and how to install it, or None."""
    browser, driver = chromium_paths()
    missing = []
    if browser is None:
        missing.append("the Chromium browser (Debian package chromium)")
    if driver is None:
        missing.append("chromedriver (Debian package chromium-driver)")
    if not AXE_JS.is_file():
        missing.append(f"axe-core ({AXE_JS.relative_to(ROOT)}, npm package axe-core)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (Python package, in requirements.txt: `make env`)")
    if not missing:
        return None
    return "The accessibility audit needs " + "; ".join(missing) + ": " + INSTALL_HINT + "."


def axe_violations(page: Path, tags: tuple[str, ...] | None = WCAG_TAGS) -> list[dict]:
    """The axe-core violations of an HTML file opened in headless Chromium: one dict per rule
    broken (``id``, ``impact``, ``help``, ``tags``, ``nodes``: the HTML and the selector of each
    element at fault). ``tags``: the rule sets to run (None: every rule axe runs by default)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    problem = missing_tools()
    if problem:
        raise RuntimeError(problem)
    browser, driver_path = chromium_paths()
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium never downloads a driver
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    try:
        driver.set_script_timeout(AXE_TIMEOUT_S)
        driver.get(page.resolve().as_uri())
        driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
        options = {"runOnly": {"type": "tag", "values": list(tags)}} if tags else {}
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, arguments[0])"
            ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
            " help: v.help, tags: v.tags, nodes: v.nodes.map(n => ({html: n.html,"
            " target: n.target, summary: n.failureSummary}))}))}))"
            ".catch(e => done({error: String(e)}));",
            options,
        )
    finally:
        driver.quit()
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {page.name}: {result['error']}")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """The violations as readable lines: rule, impact, help, then each element at fault."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for n in v["nodes"][:5]:
            lines.append(f"    {n['target']}: {n['html'][:160]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)
