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
