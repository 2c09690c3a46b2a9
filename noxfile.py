"""Developer and CI sessions. ``nox`` runs them all; ``nox -s tests`` runs one.

Every session runs on the interpreter nox itself runs on (no interpreter
matrix: with ``CI`` set, nox treats a missing interpreter as an error).
PostgreSQL tests run when ``OFFERTRACKER_TEST_POSTGRES_URL`` points at a
server (``.ci/run`` sets it); otherwise they skip with a reason.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "architecture", "migrations", "tests"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = False

LINT_PATHS = ["src", "tests", "bench", "plugins", "noxfile.py"]
# The importer packages shipped under plugins/, each installable on its own (entry points).
PLUGINS = [
    arg for path in sorted(Path("plugins").glob("*/pyproject.toml")) for arg in ("-e", str(path.parent))
]


# Two worker processes (pytest-xdist), one per core of the CI machine. worksteal: the suite's
# cost is a few long tests (the fuzz runs, the state machine, the worker processes) among many
# short ones, so an idle worker takes queued tests from the busy one instead of waiting on a fixed
# split. Each worker has its own session fixtures (SQLite template, PostgreSQL database).
XDIST = ["-n", "2", "--dist", "worksteal"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite: unit, storage contract (SQLite + PostgreSQL), HTTP and plugin tests.

    Arguments after ``--`` go to pytest after :data:`XDIST`, so ``-n 0`` runs in one process.
    """
    session.install("-e", ".[test]", *PLUGINS)
    session.run("pytest", *XDIST, *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install("ruff>=0.17,<0.18")  # new rules arrive with minor releases
    session.run("ruff", "check", *LINT_PATHS)
    session.run("ruff", "format", "--check", *LINT_PATHS)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/ and the plugin packages (configured in pyproject.toml)."""
    # mypy pinned to a minor release: inference changes with minor releases.
    session.install("-e", ".[supabase]", *PLUGINS, "mypy>=2.4,<2.5")
    session.run("mypy", *session.posargs)


@nox.session
def architecture(session: nox.Session) -> None:
    """import-linter: dependencies point inward (http -> core <- storage)."""
    session.install("-e", ".[supabase]", "import-linter>=2.1")
    session.run("lint-imports")


@nox.session
def migrations(session: nox.Session) -> None:
    """Upgrade a fresh SQLite database to head, then prove tables and migrations agree."""
    session.install("-e", ".")
    tmp = session.create_tmp()
    url = f"sqlite:///{tmp}/migrations-check.db"
    session.run("rm", "-f", f"{tmp}/migrations-check.db", external=True)
    env = {"OFFERTRACKER_DATABASE_URL": url}
    session.run("alembic", "upgrade", "head", env=env)
    session.run("alembic", "check", env=env)
