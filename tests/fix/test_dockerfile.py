"""DF013 (exec form) and DF010 (--no-install-recommends) fixes, and the near misses left alone."""

from __future__ import annotations

from tests.fix.conftest import Run

DOCKERFILE = """\
# the web image
FROM debian:12.8
RUN apt-get update \\
 && apt-get install -y curl \\
 && rm -rf /var/lib/apt/lists/*
USER app
# start the server
CMD python3 -m http.server 8000
"""


def test_shell_form_cmd_becomes_exec_form(fix_run: Run) -> None:
    before = fix_run({"Dockerfile": DOCKERFILE, ".dockerignore": ".git\n"}, "--select", "DF013")
    assert before.findings("DF013")
    after = fix_run({}, "--fix", "--select", "DF")
    text = after.text("Dockerfile")
    assert 'CMD ["python3", "-m", "http.server", "8000"]\n' in text
    assert "# start the server\n" in text and "# the web image\n" in text
    assert after.findings("DF013") == []
    assert "DF013" not in after.stdout  # the report after fixing shows what is left, not this


def test_a_command_that_needs_a_shell_is_left_alone(fix_run: Run) -> None:
    for cmd in (
        "CMD python3 app.py > /tmp/log",
        "CMD python3 app.py --port $PORT",
        "CMD cd /app && python3 app.py",
        "CMD PORT=80 python3 app.py",
        "CMD python3 app.py '--name=a b'",
    ):
        text = DOCKERFILE.replace("CMD python3 -m http.server 8000", cmd)
        outcome = fix_run({"Dockerfile": text}, "--fix", "--select", "DF013")
        assert outcome.text("Dockerfile") == text, cmd
        assert outcome.findings("DF013"), cmd


def test_entrypoint_stays_in_shell_form_when_the_stage_has_a_cmd(fix_run: Run) -> None:
    # In exec form the CMD would become the entry point's arguments, which the shell form ignored.
    text = DOCKERFILE.replace("CMD python3 -m http.server 8000", "ENTRYPOINT python3 app.py\nCMD serve")
    outcome = fix_run({"Dockerfile": text}, "--fix", "--select", "DF013")
    assert outcome.text("Dockerfile") == text
    alone = text.replace("CMD serve\n", "")
    outcome = fix_run({"Dockerfile": alone}, "--fix", "--select", "DF013")
    assert 'ENTRYPOINT ["python3", "app.py"]' in outcome.text("Dockerfile")


def test_apt_get_install_gets_no_install_recommends(fix_run: Run) -> None:
    fix_run({"Dockerfile": DOCKERFILE}, "--select", "DF010")
    outcome = fix_run({}, "--fix", "--select", "DF010")
    text = outcome.text("Dockerfile")
    assert " && apt-get install --no-install-recommends -y curl \\\n" in text
    assert text.replace(" --no-install-recommends", "") == DOCKERFILE  # nothing else moved
    assert outcome.findings("DF010") == []


def test_apt_lists_left_in_the_layer_have_no_automatic_fix(fix_run: Run) -> None:
    text = DOCKERFILE.replace("install -y", "install -y --no-install-recommends").replace(
        " \\\n && rm -rf /var/lib/apt/lists/*", ""
    )
    outcome = fix_run({"Dockerfile": text}, "--fix", "--select", "DF010")
    assert outcome.text("Dockerfile") == text
    assert outcome.findings("DF010") == [
        "apt package lists are left in the layer: remove /var/lib/apt/lists/* in the same RUN"
    ]
