"""The ``psm`` command line, on top of ``psm`` (scoring, ranking) and ``allocation`` (rooms).

Thin by design: parse arguments (:mod:`cli.main`), run the library (:mod:`cli.pipeline`),
print a summary (:mod:`cli.summary`). Exit statuses are in :mod:`cli.exits`.
"""

from cli.main import main, main_exit

__all__ = ["main", "main_exit"]
