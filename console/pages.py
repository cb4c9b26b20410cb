"""The console's pages: thin views over the run library (:mod:`hac`) and :mod:`whatif`.

Each page reads what the library gives and shows it; every action is the library's (recalculate
and record an appeal, build the next offer round, run a scenario). Blocking library calls run in
a worker thread (a scenario in a worker process), so one page never waits on another. Each page
opened and action taken is written to the audit log (officer, action, run, applicant id).
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console.app import console_of, officer_of, render
from console.bundles import RoundAlreadyBuilt, UnknownRun
from console.scenarios import overrides_from_form, plain_number, policy_form, round_note
from console.security import CSRF_FIELD, CsrfRefused, check_csrf, csrf_token
from hac import report
from hac.appeals import CARD, recalculate, record_appeal
from hac.bundle import input_paths, read_manifest
from hac.offers import make_round_bundle
from hac.pipeline import RESULT_FILES
from psm.errors import BundleChangedError, PsmError
from psm.io import AchievementRow, ApplicationRow, OfficeBearerRow
from psm.policy import load_policy
from whatif import override_toml, policy_with
from whatif.plots import changes_plot, net_plot, shifts_plot

__all__ = ["routes"]

#: Files of a bundle the run page offers for download.
DOWNLOADS = (*RESULT_FILES, "report.html", "manifest.json", "run.log")
#: The appeal form's columns: every column of applications.csv but the id.
APPEAL_COLUMNS = tuple(c for c in ApplicationRow.model_fields if c != "applicant_id")
POST_COLUMNS = tuple(c for c in OfficeBearerRow.model_fields if c != "applicant_id")
PRIZE_COLUMNS = tuple(c for c in AchievementRow.model_fields if c != "applicant_id")
#: Rows for added posts and achievements on the appeal form.
ADDED_ROWS = 2
UPLOAD_SUFFIXES = (".csv", ".xlsx")


# -- helpers ----------------------------------------------------------------------------------


async def checked_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF token is the session's (:class:`CsrfRefused` otherwise)."""
    form = await request.form()
    check_csrf(request.session, form.get(CSRF_FIELD))
    return form


def problem_page(request: Request, message: str, status: int, run: str = "") -> Response:
    return render(request, "problem.html.j2", status=status, message=message, run=run)


def guarded(page):
    """A page whose library errors become a page saying what is wrong and the fix."""

    async def handler(request: Request) -> Response:
        run = request.path_params.get("run", "")
        try:
            return await page(request)
        except CsrfRefused as e:
            return problem_page(request, f"Refused: {e}. Go back, reload the page and try again.", 403, run)
        except UnknownRun as e:
            return problem_page(request, str(e), 404)
        except BundleChangedError as e:
            return problem_page(request, str(e), 409, run)
        except PsmError as e:
            return problem_page(request, str(e), 400, run)

    handler.__name__ = page.__name__
    return handler


def audit(request: Request, action: str, *, applicant_id: str = "", outcome: str = "") -> None:
    console_of(request).audit.record(officer_of(request), action, run=request.path_params.get("run", ""),
                                     applicant_id=applicant_id, outcome=outcome)


def run_dir_of(request: Request) -> Path:
    return console_of(request).bundles.path(request.path_params["run"])


def frame_table(frame: pd.DataFrame, columns: list[str] | None = None) -> report.Table:
    """A DataFrame as the report's :class:`hac.report.Table` (numbers right-aligned)."""
    columns = columns or list(frame.columns)
    numeric = tuple(i for i, c in enumerate(columns) if pd.api.types.is_numeric_dtype(frame[c]))
    rows = [[None if pd.isna(v) else v for v in row] for row in frame[columns].itertuples(index=False)]
    return report.table([c.replace("_", " ") for c in columns], rows, numeric=numeric)


# -- runs, run, downloads ---------------------------------------------------------------------


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def runs_page(request: Request) -> Response:
    summaries = await run_in_threadpool(console_of(request).bundles.summaries)
    audit(request, "runs list")
    return render(request, "runs.html.j2", runs=summaries, folder=str(console_of(request).bundles.folder))


async def run_page(request: Request) -> Response:
    console, name = console_of(request), request.path_params["run"]
    run_dir = console.bundles.path(name)
    summary = await run_in_threadpool(console.bundles.summary, name)
    sections = await run_in_threadpool(console.cards.report, run_dir)
    audit(request, "run page")
    downloads = [f for f in DOWNLOADS if (run_dir / f).exists()]
    page = render(request, "run.html.j2", run=name, summary=summary, sections=report.SECTIONS, downloads=downloads,
                  scenarios=console.scenarios.of_run(name), **sections)
    console.cards.warm(run_dir, "cards")  # the applicant pages opened from here; after the page is made, so the
    return page  # background work does not compete with it for the interpreter


async def download(request: Request) -> Response:
    name = request.path_params["name"]
    run_dir = run_dir_of(request)
    if name not in DOWNLOADS or not (run_dir / name).exists():
        raise PsmError(f"{name!r} is not a file of this run one can download; use the run page's links")
    audit(request, "download", outcome=name)
    return FileResponse(run_dir / name, filename=f"{request.path_params['run']}-{name}",
                        headers={"Cache-Control": "no-store"})


# -- applicants -------------------------------------------------------------------------------


async def search(request: Request) -> Response:
    run_dir = run_dir_of(request)
    wanted = request.query_params.get("q", "").strip()
    if not wanted:
        return RedirectResponse(f"/runs/{request.path_params['run']}", status_code=303)
    try:
        card = await run_in_threadpool(console_of(request).cards.card, run_dir, wanted)
    except PsmError:
        audit(request, "applicant search", outcome="not found")
        return render(request, "not_found.html.j2", status=404, run=request.path_params["run"], wanted=wanted)
    return RedirectResponse(f"/runs/{request.path_params['run']}/applicants/{card.applicant_id}", status_code=303)


def part_rules(policy, card) -> dict[str, dict]:
    """Each part's rule as the policy states it: its title and its bands or codes, with the ones
    giving the applicant's points marked."""
    rules = {}
    for part in card.parts:
        rule = policy.part(part.part)
        if hasattr(rule, "bands"):
            steps = [(f"from {plain_number(b.at_least)}", int(b.points)) for b in rule.bands]
        elif isinstance(getattr(rule, "points", None), dict):
            steps = [(code, int(points)) for code, points in rule.points.items()]
        else:
            steps = []
        rules[part.part] = dict(title=rule.title, steps=[(label, points, points == part.points)
                                                         for label, points in steps])
    return rules


async def applicant_page(request: Request) -> Response:
    run_dir, applicant_id = run_dir_of(request), request.path_params["applicant_id"]
    console = console_of(request)
    cards = await run_in_threadpool(console.cards.cards, run_dir)
    try:
        card = cards.card(applicant_id)
    except PsmError:
        return render(request, "not_found.html.j2", status=404, run=request.path_params["run"], wanted=applicant_id)
    audit(request, "applicant page", applicant_id=card.applicant_id)
    page = render(request, "applicant.html.j2", run=request.path_params["run"], card=card,
                  rules=part_rules(cards.policy, card))
    console.cards.warm(run_dir, "report")  # the run page, if it is opened next (after this page is made)
    return page


# -- appeals ----------------------------------------------------------------------------------


def appeal_changes(form: FormData) -> tuple[dict[str, str], list[dict], list[dict]]:
    """The appeal's changed cells, added posts and added achievements from the form: a blank
    field is no change, a row of blanks no addition."""
    changes = {c: str(form.get(f"set.{c}", "")).strip() for c in APPEAL_COLUMNS}
    rows = lambda prefix, columns: [  # noqa: E731
        {c: str(form.get(f"{prefix}{i}.{c}", "")).strip() for c in columns} for i in range(1, ADDED_ROWS + 1)]
    posts = [{k: v for k, v in r.items() if v} for r in rows("post", POST_COLUMNS) if any(r.values())]
    prizes = [{k: v for k, v in r.items() if v} for r in rows("prize", PRIZE_COLUMNS) if any(r.values())]
    return {c: v for c, v in changes.items() if v}, posts, prizes


def appeal_form_page(request: Request, applicant_id: str, form: FormData | None, status: int = 200,
                     problem: str = "") -> Response:
    values = {key: str(value) for key, value in (form or {}).items() if key != CSRF_FIELD}
    return render(request, "appeal.html.j2", status=status, run=request.path_params["run"], applicant_id=applicant_id,
                  columns=APPEAL_COLUMNS, post_columns=POST_COLUMNS, prize_columns=PRIZE_COLUMNS,
                  added_rows=range(1, ADDED_ROWS + 1), values=values, problem=problem)


async def appeal_page(request: Request) -> Response:
    run_dir, console = run_dir_of(request), console_of(request)
    card = await run_in_threadpool(console.cards.card, run_dir, request.path_params["applicant_id"])
    if request.method == "GET":
        audit(request, "appeal form", applicant_id=card.applicant_id)
        return appeal_form_page(request, card.applicant_id, None)
    form = await checked_form(request)
    changes, posts, prizes = appeal_changes(form)
    try:
        appeal = await run_in_threadpool(recalculate, run_dir, card.applicant_id, changes, posts, prizes)
    except BundleChangedError:
        raise
    except PsmError as e:
        audit(request, "appeal preview", applicant_id=card.applicant_id, outcome="refused: invalid change")
        return appeal_form_page(request, card.applicant_id, form, 422, str(e))
    reason = str(form.get("reason", "")).strip()
    if form.get("action") != "record" or not reason:
        audit(request, "appeal preview", applicant_id=card.applicant_id)
        carried = {key: str(value) for key, value in form.items() if key not in (CSRF_FIELD, "action", "reason")}
        asked = form.get("action") == "record"  # a record without a reason comes back to the preview
        return render(request, "appeal_preview.html.j2", status=422 if asked else 200, run=request.path_params["run"],
                      card=card, appeal=appeal, card_columns=CARD, values=carried,
                      problem="Give the reason for the appeal (it is recorded with it)." if asked else "")
    upheld = form.get("uphold") == "yes"

    def record() -> None:
        with console.bundles.locked(request.path_params["run"]) as locked_dir:  # one record at a time
            record_appeal(locked_dir, recalculate(locked_dir, card.applicant_id, changes, posts, prizes),
                          by=officer_of(request), reason=reason, changes=changes, posts=posts, prizes=prizes,
                          upheld=upheld)

    await run_in_threadpool(record)
    audit(request, "appeal recorded", applicant_id=card.applicant_id, outcome="upheld" if upheld else "not upheld")
    return RedirectResponse(f"/runs/{request.path_params['run']}/applicants/{card.applicant_id}#appeals",
                            status_code=303)


# -- offer rounds -----------------------------------------------------------------------------


async def saved_upload(upload: UploadFile, folder: Path, role: str) -> Path:
    """The uploaded file written to ``folder`` (owner only) as ``role`` + its own suffix."""
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise PsmError(f"{role} file {upload.filename!r}: give a .csv or .xlsx file")
    path = folder / f"{role}{suffix}"
    path.write_bytes(await upload.read())
    path.chmod(0o600)
    return path


async def offers_page(request: Request) -> Response:
    console, name = console_of(request), request.path_params["run"]
    parent = console.bundles.path(name)
    next_name = console.bundles.next_round_name(name)
    if request.method == "GET":
        audit(request, "offer round form")
        return render(request, "offers.html.j2", run=name, next_name=next_name, problems=[], problem="")
    form = await checked_form(request)
    uploads = console.bundles.state / "uploads" / secrets.token_hex(8)
    uploads.mkdir(parents=True, mode=0o700)
    try:
        responses = form.get("responses")
        if not isinstance(responses, UploadFile) or not responses.filename:
            raise PsmError("choose the responses file (CSV or XLSX) to upload")
        responses_path = await saved_upload(responses, uploads, "responses")
        changes = form.get("changes")
        changes_path = await saved_upload(changes, uploads, "changes") \
            if isinstance(changes, UploadFile) and changes.filename else None

        def build() -> Path:
            with console.bundles.locked(name):  # a round is built once: the second attempt waits, then is refused
                out = console.bundles.refuse_second_round(name)
                # run.log counts rejected rows without an exit status: the console has none to give
                make_round_bundle(parent, responses_path, out, rejected_status=None, changes=changes_path)
                return out

        out = await run_in_threadpool(build)
    except RoundAlreadyBuilt as e:
        audit(request, "offer round", outcome="refused: already built")
        return render(request, "offers.html.j2", status=409, run=name, next_name=next_name, problems=[], problem=str(e))
    except BundleChangedError:
        raise
    except PsmError as e:
        audit(request, "offer round", outcome="refused: problems in the files")
        head, *lines = str(e).split("\n")
        return render(request, "offers.html.j2", status=422, run=name, next_name=next_name, problem=head,
                      problems=[line.strip().removeprefix("- ") for line in lines])
    finally:
        shutil.rmtree(uploads, ignore_errors=True)
    audit(request, "offer round built", outcome=out.name)
    return RedirectResponse(f"/runs/{out.name}", status_code=303)


# -- what-if ----------------------------------------------------------------------------------


def bundle_policy_path(run_dir: Path) -> Path:
    return input_paths(run_dir, read_manifest(run_dir))["policy"]


async def whatif_page(request: Request) -> Response:
    console, name = console_of(request), request.path_params["run"]
    run_dir = console.bundles.path(name)
    policy_path = bundle_policy_path(run_dir)
    base = policy_form(await run_in_threadpool(load_policy, policy_path))
    later_round = round_note(read_manifest(run_dir).get("offer_round", 1))
    if request.method == "GET":
        audit(request, "what-if form")
        return render(request, "whatif.html.j2", run=name, base=base, values={}, problems=[], later_round=later_round,
                      scenarios=console.scenarios.of_run(name))
    form = await checked_form(request)
    values = {key: str(value) for key, value in form.items() if key != CSRF_FIELD}
    overrides, problems = overrides_from_form(values, base)
    if not problems and not overrides:
        problems = ["Nothing was changed: change at least one number, then run the scenario."]
    if not problems:
        try:
            await run_in_threadpool(policy_with, overrides, policy_path)
        except PsmError as e:
            problems = [str(e)]
    if problems:
        audit(request, "what-if", outcome="refused: invalid numbers")
        return render(request, "whatif.html.j2", status=422, run=name, base=base, values=values, problems=problems,
                      later_round=later_round, scenarios=console.scenarios.of_run(name))
    label = str(form.get("label", "")).strip()[:80] or "scenario"
    job = console.scenarios.submit(name, run_dir, overrides, label, officer_of(request))
    audit(request, "what-if started", outcome=f"scenario {job.id}")
    return RedirectResponse(f"/runs/{name}/whatif/{job.id}", status_code=303)


def comparison_view(result) -> dict:
    """The scenario's tables, and its charts (:mod:`whatif.plots`), as the result page shows them."""
    changes = ["applicant_id", "pool", "tier_before", "tier_after", "score_before", "score_after", "rank_before",
               "rank_after", "status_before", "status_after"]
    return dict(
        summary=result.summary, changes_plot=changes_plot(result.summary),
        gains=frame_table(result.gains, changes), losses=frame_table(result.losses, changes),
        cutoffs=frame_table(result.cutoffs), shifts_plot=shifts_plot(result.cutoffs),
        breakdowns={by: (frame_table(table), net_plot(table, by)) for by, table in result.breakdowns.items()},
    )


async def scenario_page(request: Request) -> Response:
    console, name = console_of(request), request.path_params["run"]
    job = console.scenarios.get(name, request.path_params["job"])
    if job is None:
        raise PsmError("this scenario is not in this console session (scenarios are kept until the console "
                       "stops); start it again from the what-if page")
    state = job.state
    view, problem = None, ""
    if state == "done":
        view = comparison_view(job.future.result())
        audit(request, "what-if result", outcome=f"scenario {job.id}")
    elif state == "failed":
        error = job.future.exception()
        problem = str(error) if isinstance(error, PsmError) else f"the scenario stopped: {type(error).__name__}"
    return render(request, "scenario.html.j2", run=name, job=job, state=state, view=view, problem=problem,
                  later_round=round_note(job.offer_round),
                  result=job.future.result() if state == "done" else None)


async def scenario_policy(request: Request) -> Response:
    console, name = console_of(request), request.path_params["run"]
    job = console.scenarios.get(name, request.path_params["job"])
    if job is None:
        raise PsmError("this scenario is not in this console session; start it again from the what-if page")
    text = await run_in_threadpool(override_toml, job.overrides, bundle_policy_path(console.bundles.path(name)))
    audit(request, "what-if policy download", outcome=f"scenario {job.id}")
    return PlainTextResponse(text, media_type="application/toml", headers={
        "Content-Disposition": f'attachment; filename="whatif-{job.id}.toml"', "Cache-Control": "no-store"})


# -- login ------------------------------------------------------------------------------------


async def login(request: Request) -> Response:
    console = console_of(request)
    if request.method == "GET":
        return render(request, "login.html.j2", failed=False)
    form = await checked_form(request)
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    if console.officers is None or not await run_in_threadpool(console.officers.check, name, password):
        console.audit.record(name if console.officers and name in console.officers.hashes else "(unknown)",
                             "login", outcome="refused")
        return render(request, "login.html.j2", status=401, failed=True)
    request.session.clear()
    request.session["officer"] = name
    csrf_token(request.session)
    console.audit.record(name, "login")
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    console_of(request).audit.record(officer_of(request), "logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def routes() -> list:
    return [
        Route("/", guarded(runs_page)),
        Route("/healthz", healthz),
        Route("/login", guarded(login), methods=["GET", "POST"]),
        Route("/logout", guarded(logout), methods=["POST"]),
        Route("/runs/{run}", guarded(run_page)),
        Route("/runs/{run}/files/{name}", guarded(download)),
        Route("/runs/{run}/applicants", guarded(search)),
        Route("/runs/{run}/applicants/{applicant_id}", guarded(applicant_page)),
        Route("/runs/{run}/applicants/{applicant_id}/appeal", guarded(appeal_page), methods=["GET", "POST"]),
        Route("/runs/{run}/offers", guarded(offers_page), methods=["GET", "POST"]),
        Route("/runs/{run}/whatif", guarded(whatif_page), methods=["GET", "POST"]),
        Route("/runs/{run}/whatif/{job}", guarded(scenario_page)),
        Route("/runs/{run}/whatif/{job}/policy.toml", guarded(scenario_policy)),
        Mount("/static", app=StaticFiles(packages=[("console", "static")]), name="static"),
    ]
