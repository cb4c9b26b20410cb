"""The Point Scoring Mechanism (PSM) of the PolyU hall admission engine.

Read the committee's files (:mod:`psm.io`), decide eligibility, tracks and tiers
(:mod:`psm.eligibility`), find travel minutes (:mod:`psm.travel`) and score every part of the
PSM (:mod:`psm.scoring`), all under a versioned policy file (:mod:`psm.policy`).
"""

from importlib import metadata as _metadata

import pandas as _pd

# pandas 3 keeps text in Arrow arrays when pyarrow is installed (it is: CSV files are parsed
# with it). The engine's frames hold Python strings instead: the results are the same either
# way, but every frame the engine builds from Python values would first be converted (measured:
# reading and scoring 100,000 applicants took half as long again with Arrow strings).
_pd.set_option("mode.string_storage", "python")

from psm.errors import InputFileError, PolicyError, PsmError
from psm.io import Cohort, read_cohort
from psm.policy import Policy, load_policy
from psm.scoring import SCORE_COLUMNS, score_applicant, score_frames
from psm.travel import DistrictTable

__all__ = [
    "SCORE_COLUMNS",
    "Cohort",
    "DistrictTable",
    "InputFileError",
    "Policy",
    "PolicyError",
    "PsmError",
    "load_policy",
    "read_cohort",
    "score_applicant",
    "score_frames",
]

try:  # the one place the version is written is pyproject.toml
    __version__ = _metadata.version("hall-admission-engine")
except _metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "unknown"
