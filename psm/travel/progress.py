"""The progress line moved to :mod:`psm.progress`; kept so older imports still work."""

from psm.progress import Progress

__all__ = ["Progress"]
