"""The run library: a run as a whole, on top of :mod:`psm` (scoring, ranking) and
:mod:`allocation` (beds and rooms). The command line, the notebooks and :mod:`whatif` call it;
it never imports them.

- :mod:`hac.pipeline`: the typed request (:class:`RunRequest`) and the one pipeline
  (:func:`run_cohort`: score -> rank -> admit -> place), and the result files' writers;
- :mod:`hac.bundle`: run bundles (write with the manifest, read); :mod:`hac.verify`: verify one;
- :mod:`hac.appeals`: recalculate a card against the run that decided it, record, uphold;
- :mod:`hac.offers`: the next offer round from a bundle and the responses;
- :mod:`hac.redact`: a shared copy with ids pseudonymised;
- :mod:`hac.stats`: every statistic of a run; :mod:`hac.summary` (text) and :mod:`hac.report`
  (``report.html``, Jinja2 templates in ``hac/templates/``) show them, with the charts of
  :mod:`hac.plots` (inline SVG, also drawn by the console and :mod:`whatif`).
"""

from hac.pipeline import InputFiles, RunRequest, RunResult, Scored, run, run_cohort, score_request

__all__ = ["InputFiles", "RunRequest", "RunResult", "Scored", "run", "run_cohort", "score_request"]
