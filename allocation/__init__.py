"""Room allocation with Google OR-Tools: who gets a bed and which room.

Not built yet: the allocation issue adds ``allocation.inventory``, ``allocation.admit`` and
``allocation.assign`` here. This package imports ``psm``'s public models; ``psm`` never
imports it.
"""
