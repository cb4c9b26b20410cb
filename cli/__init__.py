"""The ``psm`` command line: parse arguments (:mod:`cli.main`), call the run library :mod:`hac`
(:mod:`cli.commands`), print what it returns and exit with a status (:mod:`cli.exits`).

Thin by design: nothing here computes what another front end (the notebooks, :mod:`whatif`)
would need; it imports no pandas, numpy or OR-Tools.
"""

from cli.main import main, main_exit

__all__ = ["main", "main_exit"]
