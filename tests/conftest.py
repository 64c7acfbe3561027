import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

# make tests/fluxiae_writer.py importable as a plain module
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _no_key_of_the_machine(monkeypatch, tmp_path_factory):
    """No test sees the NIR hash key of the machine it runs on (IAE_DIAG_SALT, the key file
    under ~/.config): tests that need a key set it themselves."""
    monkeypatch.delenv("IAE_DIAG_SALT", raising=False)
    monkeypatch.delenv("IAE_DIAG_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """The default data (synthetic fluxIAE, seed 2013, region 11, 2007-2013) ingested, its
    indicators computed and the region and Seine-Saint-Denis reports rendered (HTML, PDF, JSON,
    XLSX, CSV), once per session: (reports folder, results of the run)."""
    from iae_diag import config
    from iae_diag.indicators import write_tables
    from iae_diag.ingest import ingest
    from iae_diag.report import run as report
    from iae_diag.synth import generate

    base = tmp_path_factory.mktemp("e2e")
    generate(base / "raw", years=(2007, 2013), seed=2013, region="11")
    ingest(base / "raw", base / "processed")
    write_tables(base / "processed")
    geo = config.geo_dir() or (config.shared_dir() / "data" / "geo")
    results = report.run_reports(
        ["region:11", "dep:93"],
        None,
        base / "processed",
        base / "reports",
        jobs=2,
        pdf=True,
        geo_dir=geo if geo.is_dir() else None,
    )
    return base / "reports", results
