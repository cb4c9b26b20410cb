"""The notebooks run top to bottom on the sample (nbclient), in this interpreter, showing nothing personal.

The kernel is a kernel spec written for this test that starts ``sys.executable`` (the
virtualenv's python, with the engine installed), found first through ``JUPYTER_PATH``: a
``python3`` kernel installed elsewhere on the machine cannot be picked up instead.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("what_if", "lottery_probability", "appeal_walkthrough")
KERNEL = "psm-test-venv"
#: Never in an output: the personal columns of applications.csv, or an address as the sample writes them.
PRIVATE = (r"home_address", r"household_size", r"home_floor_area", r"\bdisciplinary\b\s*[=:]",
           r"Flat \d+[A-Z], \d+/F")


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "hall-admission-engine (test)", "language": "python",
    }), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(root))
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        patch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets debugpy's frozen-modules note
        yield KERNEL


def execute(notebook, kernel: str):
    client = nbclient.NotebookClient(notebook, kernel_name=kernel, timeout=600,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return notebook


def outputs_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/html", "")]
            parts += output.get("traceback", [])
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def test_the_kernel_is_this_interpreter(kernel):
    cell = nbformat.v4.new_code_cell("import sys; print(sys.executable)")
    notebook = nbformat.v4.new_notebook(cells=[cell])
    execute(notebook, kernel)
    assert notebook.cells[0].outputs[0]["text"].strip() == sys.executable


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, kernel):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    execute(notebook, kernel)  # raises CellExecutionError naming the cell if any cell fails
    text = outputs_text(notebook)
    assert "Traceback" not in text and "Error" not in text.replace("PolicyError", "")
    for pattern in PRIVATE:
        assert not re.search(pattern, text), f"{name}: an output matches {pattern!r}"
    images = sum("image/png" in output.get("data", {})
                 for cell in notebook.cells for output in cell.get("outputs", []))
    assert images >= (0 if name == "appeal_walkthrough" else 1)


def test_the_committed_notebooks_are_the_built_ones():
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    build_notebooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_notebooks)
    for name in NAMES:
        committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        stale = f"{name}.ipynb is stale: run notebooks/build_notebooks.py"
        assert committed == build_notebooks.build(name), stale
