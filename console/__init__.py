"""The committee's console: runs, applicants, appeals, offer rounds and what-if, in a browser.

A Starlette application (:func:`create_app`) with server-rendered Jinja2 pages (autoescape) that
work without JavaScript, served by uvicorn (:func:`serve`, ``psm console``). It is a front end
like the command line: every page reads the run library (:mod:`hac`) or :mod:`whatif`, and every
action is the library's.

- :mod:`console.app`: the factory, the guard every request passes, page rendering;
- :mod:`console.pages`: the pages (runs, run, applicant, appeal, next offer round, what-if);
- :mod:`console.security`: loopback by default, the start-up token, officers' argon2 passwords,
  CSRF tokens;
- :mod:`console.audit`: the audit log, and a server log without applicant ids;
- :mod:`console.bundles`: the bundles under the folder, and their locks;
- :mod:`console.cards`: cards and run pages kept while their bundle is unchanged;
- :mod:`console.scenarios`: what-if scenarios in a background worker process.
"""

from console.app import create_app
from console.security import add_officer
from console.serve import serve

__all__ = ["create_app", "serve", "add_officer"]
