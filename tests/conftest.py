import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

# make tests/fluxiae_writer.py importable as a plain module
sys.path.insert(0, str(Path(__file__).parent))
