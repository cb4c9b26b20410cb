"""Room allocation with Google OR-Tools: who gets a bed, and which room.

Modules, in the order a run uses them:

- :mod:`allocation.inventory`: ``rooms.csv`` read and checked; suites grouped into
  interchangeable suite classes, each room described by a :class:`~allocation.inventory.RoomSignature`.
- :mod:`allocation.access`: who may live in which room (pools and spill-over, gender rule,
  accessible rooms, college rooms), one :class:`~allocation.access.RoomAccess` built from the
  policy; :class:`~allocation.access.ApplicantKind`, what those rules see of an applicant.
- :mod:`allocation.fit`: does a set of admitted people fit the halls? The exact test on counts.
- :mod:`allocation.admit`: who gets a bed: each pool's ranking walked in order, beds permitting;
  mutual roommate pairs joined.
- :mod:`allocation.units`: placement units (a mutual pair moves as one) and residency.
- :mod:`allocation.rooms`: the room model, a CP-SAT model on counts of room fillings, solved
  for the policy's wishes in order.
- :mod:`allocation.place`: which room each offered applicant gets: halls in rank order, the
  room model, concrete rooms, every hard rule checked again.
- :mod:`allocation.solve`: deterministic CP-SAT settings and the lexicographic solve.
- :mod:`allocation.residual`: the halls a later offer round finds (residents' beds taken out).
- :mod:`allocation.plain`: the plain per-(person, room) model, a reference for tests and the
  benchmark, not used by a run.

This package imports ``psm``'s public models; ``psm`` never imports it.
"""
