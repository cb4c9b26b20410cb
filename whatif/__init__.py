"""What-if analysis for notebooks, on top of :mod:`psm` and :mod:`allocation` (as :mod:`cli` is).

- :func:`policy_with`: the policy TOML with overrides (a dict), validated like a policy file;
- :func:`load_cohort`, :func:`run_cohort`: read a cohort; score, rank and admit it under a
  policy and seed, as an immutable :class:`Outcome`;
- :func:`run_round`, :class:`BundleReplay`: a bundle's own round (a first round, or a later offer
  round with its recorded responses and residents) again under a changed policy;
- :func:`compare`: two outcomes, who gains or loses a place, cut-off shifts, breakdowns
  (:class:`Comparison`);
- :func:`place_probability`: each applicant's probability of a place by Monte Carlo over lottery
  seeds, with the baseline admission's capacities per kind of bed (:class:`LotteryOdds`).

Each module's docstring states its rule.
"""

from whatif.compare import Comparison, compare
from whatif.montecarlo import LotteryOdds, place_probability
from whatif.outcome import Outcome, load_cohort, run_cohort, sample_folder
from whatif.overrides import override_toml, policy_with
from whatif.replay import BundleReplay, run_round

__all__ = [
    "BundleReplay",
    "Comparison",
    "LotteryOdds",
    "Outcome",
    "compare",
    "load_cohort",
    "override_toml",
    "place_probability",
    "policy_with",
    "run_cohort",
    "run_round",
    "sample_folder",
]
