"""Contract of the diagnostic notebook (no kernel needed)."""

import ast
import re
from pathlib import Path

import nbformat
import papermill

from iae_diag.report.run import PARAMETERS

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "diagnostic.ipynb"


def cells():
    return nbformat.read(str(NOTEBOOK), as_version=4).cells


def test_exactly_one_parameters_cell_with_literal_values():
    tagged = [c for c in cells() if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for line in tagged[0].source.splitlines():
        assert re.fullmatch(r'[a-z_]+ = ("[^"]*"|-?\d+)', line), line


def test_parameter_names_equal_the_orchestrator_set():
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert tuple(params) == PARAMETERS
    assert params["territory"]["default"] == '"region:11"'
    assert params["processed_dir"]["default"] == '""'


def test_cells_only_call_library_functions():
    for c in cells():
        if c.cell_type != "code":
            continue
        src = c.source
        for word in ("def", "class", "try", "except", "for", "while", "lambda", "import os"):
            assert not re.search(rf"\b{word}\b", src), (word, src)
        imports_only = all(
            isinstance(n, ast.ImportFrom) and n.module.startswith("iae_diag")
            for n in ast.parse(src).body
        )
        # the parameters cell: one line per parameter; any other cell: a few lines
        limit = len(PARAMETERS) if "parameters" in c.metadata.get("tags", []) else 6
        assert imports_only or len(src.splitlines()) <= limit, src
        assert "open(" not in src and "Path(" not in src  # no paths built in the notebook


def test_committed_without_outputs():
    for c in cells():
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None


def test_every_section_is_called():
    src = "\n".join(c.source for c in cells())
    import iae_diag.report.sections as ctx

    shows = sorted(n for n in dir(ctx) if n.startswith("show_"))
    for name in shows:
        assert f"{name}(ctx)" in src, name


def test_key_figures_cell_is_hidden():
    """The key figures reach the JSON through one hidden cell, right after build_context."""
    src = [c.source for c in cells()]
    i = src.index("key_figures_output(ctx)")
    assert src[i - 1].startswith("ctx = build_context(")
    assert "remove-cell" in cells()[i].metadata.get("tags", [])
