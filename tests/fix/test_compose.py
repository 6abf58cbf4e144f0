"""DC003: wait for a dependency with a healthcheck to be healthy."""

from __future__ import annotations

from tests.fix.conftest import Run

COMPOSE = """\
services:
  web:
    image: nginx:1.27
    depends_on:
      - db   # the database
      - cache
  # the database
  db:
    image: postgres:16.4
    healthcheck:
      test: ["CMD", "pg_isready"]
  cache:
    image: redis:7.4
"""


def test_short_form_becomes_the_long_form_with_service_healthy(fix_run: Run) -> None:
    outcome = fix_run({"compose.yaml": COMPOSE}, "--fix", "--select", "DC003")
    long_form = (
        "      db:  # the database\n"
        "        condition: service_healthy\n"
        "      cache:\n"
        "        condition: service_started\n"
    )
    assert outcome.text("compose.yaml") == COMPOSE.replace(
        "      - db   # the database\n      - cache\n", long_form
    )
    assert outcome.findings("DC003") == []


def test_long_form_condition_is_changed_in_place(fix_run: Run) -> None:
    text = COMPOSE.replace(
        "      - db   # the database\n      - cache\n",
        "      db:\n        condition: service_started  # for now\n        restart: true\n",
    )
    outcome = fix_run({"compose.yaml": text}, "--fix", "--select", "DC003")
    assert outcome.text("compose.yaml") == text.replace(
        "service_started  # for now", "service_healthy  # for now"
    )
    assert outcome.findings("DC003") == []


def test_a_healthcheck_from_the_image_is_left_to_a_person(fix_run: Run) -> None:
    # The healthcheck is in another file (the Dockerfile compose builds): not this file's to trust.
    text = COMPOSE.replace(
        '    image: postgres:16.4\n    healthcheck:\n      test: ["CMD", "pg_isready"]\n', "    build: ./db\n"
    )
    files: dict[str, str | bytes] = {
        "compose.yaml": text,
        "db/Dockerfile": "FROM postgres:16.4\nHEALTHCHECK CMD pg_isready\n",
    }
    outcome = fix_run(files, "--fix", "--select", "DC003")
    assert outcome.findings("DC003")
    assert outcome.text("compose.yaml") == text
