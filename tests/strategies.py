"""Hypothesis strategies shared by the tests: valid inputs, built from :mod:`builders`.

Each strategy draws only what the contract allows (``shared/spec/io-contract.md``), so a
failing example is a bug in the engine, not in the data. Import with
``from strategies import ...`` (``tests/`` is on pytest's pythonpath).

Halls (``rooms.csv`` rows, :func:`builders.suite_rows`); residential-college (CURI) suites
always lie in :data:`COLLEGE_HALL`, so listing that hall is listing the college (section 7):
- :func:`suites_across_pools`: suites open to undergraduates or to exchange students;
- :func:`suites_across_halls`: suites in three halls, one of them female-only, and the college's;
- :func:`suite_layouts`: the rooms of one suite;
- :func:`resident_places`: residents from an earlier offer round, by suite, room and gender.

Applicants (``applications.csv`` rows, :func:`builders.application`) and their kinds:
- :func:`applicants_with_mutual_pairs`: local and exchange students, some mutual roommate pairs,
  some listing the college's hall;
- :func:`applicants_with_preferences`: first-year local and non-local students with hall and
  room-type preferences (the college's hall among them) and roommate requests, some of them mutual;
- :func:`pool_quotas`: each pool's ``beds`` in the policy, or none (the rooms' beds);
- :func:`undergraduates_across_tracks`: local and non-local undergraduates on both scored tracks,
  some with exceptional needs or a lowered priority (tiers holding both tracks), non-locals with
  semesters in University-managed accommodation (policy section B.2.b), many exact score ties;
- :func:`applicant_kinds`: what the access rules see of one person.
"""

from __future__ import annotations

from builders import application, suite_rows
from hypothesis import strategies as st

from allocation.access import ApplicantKind

__all__ = ["HALLS", "COLLEGE_HALL", "suites_across_pools", "suites_across_halls", "suite_layouts",
           "resident_places", "applicants_with_mutual_pairs", "applicants_with_preferences", "applicant_kinds",
           "pool_quotas", "undergraduates_across_tracks"]

HALLS = ("Red Hall", "Blue Hall", "Xuemin Hall")  # Xuemin Hall is female-only in suites_across_halls
COLLEGE_HALL = "CURI College"  # where every CURI suite lies


@st.composite
def suites_across_pools(draw) -> list[dict[str, str]]:
    """One to four suites in Red or Xuemin Hall, each open to undergraduates or to exchange
    students, for either gender or women only, accessible or not, ordinary rooms or CURI college
    rooms (in :data:`COLLEGE_HALL`)."""
    rows = []
    for s in range(draw(st.integers(1, 4))):
        hall = draw(st.sampled_from(["Red Hall", "Xuemin Hall"]))
        college = draw(st.sampled_from(["", "", "CURI"]))
        rows += suite_rows(
            f"S{s}",
            hall=COLLEGE_HALL if college else hall,
            rooms=draw(st.sampled_from([(("double", 2),), (("double", 2), ("double", 2)), (("single", 1),),
                                        (("double", 2), ("triple", 3))])),
            gender=draw(st.sampled_from(["any", "any", "F"])),
            accessible=draw(st.booleans()),
            pools=draw(st.sampled_from(["undergraduate", "undergraduate", "exchange"])),
            college=college,
        )
    return rows


@st.composite
def suites_across_halls(draw) -> list[dict[str, str]]:
    """One to four undergraduate suites in the :data:`HALLS` (Xuemin Hall for women only),
    accessible or not, ordinary rooms or CURI college rooms (in :data:`COLLEGE_HALL`)."""
    rows = []
    for s in range(draw(st.integers(1, 4))):
        hall = draw(st.sampled_from(HALLS))
        college = draw(st.sampled_from(["", "", "", "CURI"]))
        rows += suite_rows(
            f"S{s}", hall=COLLEGE_HALL if college else hall,
            rooms=draw(st.sampled_from([(("double", 2), ("double", 2)), (("double", 2), ("triple", 3)),
                                        (("single", 1),)])),
            gender="F" if hall == "Xuemin Hall" and not college else "any",
            accessible=draw(st.booleans()),
            college=college,
        )
    return rows


def suite_layouts() -> st.SearchStrategy[tuple[tuple[str, int], ...]]:
    """The rooms of one suite, as (room type, beds): two doubles, a double and a triple, or a single."""
    return st.sampled_from([(("double", 2), ("double", 2)), (("double", 2), ("triple", 3)), (("single", 1),)])


def resident_places() -> st.SearchStrategy[list[tuple[int, int, str]]]:
    """Up to five residents from an earlier round as (suite number, room number in the suite,
    gender "F"/"M"); numbers may point past the suites drawn: the test keeps those that fit."""
    return st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1), st.sampled_from("FM")), max_size=5)


@st.composite
def applicants_with_mutual_pairs(draw) -> list[dict[str, str]]:
    """One to twelve local or exchange students of either gender, some needing an accessible
    room, some CURI members, and up to three mutual roommate pairs."""
    size = draw(st.integers(1, 12))
    rows = []
    for i in range(size):
        rows.append(application(
            applicant_id=f"2400{i:04d}A",
            gender=draw(st.sampled_from("FM")),
            student_type=draw(st.sampled_from(["local", "local", "exchange"])),
            travel_minutes=draw(st.sampled_from([20, 40, 80])),
            accessibility_needs=str(draw(st.booleans())).lower(),
            college=draw(st.sampled_from(["", "", "CURI"])),
            hall_preferences=draw(st.sampled_from(["", "", f"Red Hall;{COLLEGE_HALL}", COLLEGE_HALL])),
        ))
    for a, b in draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=3)):
        if a != b and not rows[a].get("roommate_request") and not rows[b].get("roommate_request"):
            rows[a]["roommate_request"] = rows[b]["applicant_id"]
            rows[b]["roommate_request"] = rows[a]["applicant_id"]
    return rows


@st.composite
def applicants_with_preferences(draw) -> list[dict[str, str]]:
    """One to nine first-year local or non-local students of either gender, a few needing an
    accessible room, some CURI members, with hall preferences (of :data:`HALLS`), a room-type
    preference and roommate requests, some of them mutual."""
    size = draw(st.integers(1, 9))
    ids = [f"2400{i:04d}A" for i in range(size)]
    rows = []
    for i, applicant_id in enumerate(ids):
        request = draw(st.sampled_from([None, None, *ids]))
        rows.append(application(
            applicant_id=applicant_id,
            gender=draw(st.sampled_from("FM")),
            student_type=draw(st.sampled_from(["local", "local", "non_local"])),
            admission_year=2025, year_of_study=1,
            travel_minutes=draw(st.sampled_from([20, 40, 80])),
            accessibility_needs=str(draw(st.booleans()) and draw(st.booleans())).lower(),
            college=draw(st.sampled_from(["", "", "CURI"])),
            hall_preferences=";".join(draw(st.lists(st.sampled_from((*HALLS, COLLEGE_HALL)), max_size=3,
                                                    unique=True))),
            room_type_preference=draw(st.sampled_from(["any", "double", "triple"])),
            roommate_request=request if request != applicant_id else None,
        ))
    for a in rows:  # make some requests mutual
        b = next((r for r in rows if r["applicant_id"] == a.get("roommate_request")), None)
        if b is not None and draw(st.booleans()):
            b["roommate_request"] = a["applicant_id"]
    return rows


def applicant_kinds() -> st.SearchStrategy[ApplicantKind]:
    """One person: an undergraduate or exchange student of either gender, needing an accessible
    room or not, a CURI member or not."""
    return st.builds(ApplicantKind, st.sampled_from(["undergraduate", "exchange"]), st.sampled_from("FM"),
                     st.booleans(), st.sampled_from(["", "CURI"]), size=st.just(1), released_to=st.just(""))


def pool_quotas() -> st.SearchStrategy[dict[str, int | None]]:
    """Each pool's ``beds`` in the policy: none (the beds of the rooms open to it) or 0 to 8."""
    quota = st.one_of(st.none(), st.integers(0, 8))
    return st.fixed_dictionaries({"undergraduate": quota, "exchange": quota, "research": quota})


@st.composite
def undergraduates_across_tracks(draw) -> list[dict[str, str]]:
    """Two to thirty local and non-local undergraduates, first-time and readmission (non-locals
    admitted 2023 in year 2 are readmission, in year 1 first-time), some with exceptional needs
    or ``lower_priority`` (the tiers holding both tracks), non-local readmission applicants with
    ``prior_uma_semesters`` at or above their hall semesters or left empty (section B.2.b), and
    few distinct scores, so ties are common."""
    size = draw(st.integers(2, 30))
    rows = []
    for i in range(size):
        non_local = draw(st.booleans())
        readmission = draw(st.booleans())
        hall = draw(st.sampled_from([1, 2, 4])) if readmission else 0
        rows.append(application(
            applicant_id=f"23{i:06d}{draw(st.sampled_from('ABXYZ'))}",
            student_type="non_local" if non_local else "local",
            admission_year=2023,
            year_of_study=2 if readmission or not non_local else 1,
            prior_hall_semesters=hall,
            prior_uma_semesters=(hall + draw(st.sampled_from([0, 1, 3]))) if non_local and draw(st.booleans())
            else None,
            gpa=draw(st.sampled_from(["2.5", "3.5", "4.0"])),
            travel_minutes=draw(st.sampled_from([10, 60])),
            volunteer_hours=draw(st.sampled_from([0, 60])),
            exceptional_needs=draw(st.sampled_from(["false"] * 4 + ["true"])),
            disciplinary=draw(st.sampled_from(["none"] * 6 + ["lower_priority"])),
        ))
    return rows
