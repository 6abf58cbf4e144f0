import re
import subprocess
import sys

import pytest

from opsmith.regex import lazy


def test_a_lazy_pattern_is_compiled_on_first_use_and_once() -> None:
    broken = lazy(r"(unclosed")  # declaring it compiles nothing, so nothing fails yet
    with pytest.raises(re.error):
        broken()
    words = lazy(r"roll(?:ing)?[\s_-]?back", re.IGNORECASE)
    assert words() is words()
    assert words().search("How to Roll back") is not None


# Each pattern that reads file content and once backtracked (quadratic or exponential), with an
# input built to make it do so again: about 200 KB, where a quadratic pattern takes hours and a
# linear one well under a second. They run in a child process so that a regression fails on the
# timeout, naming the last case it started, instead of hanging the suite.
ADVERSARIAL = r"""
import sys
from opsmith.analysis import artifacts, common, java, node
from opsmith.parse import dockerfile, dockerignore, hcl_text, migration, migration_rails, migration_sql
from opsmith.parse import prometheus, shell, terraform_reader
from opsmith.rules import repository, terraform_ci, workflow, workflow_graph
from opsmith.secrets import detect

N = 200_000
START_PORT = sys.modules["opsmith.analysis.analyze"]._START_PORT  # the package's `analyze` is a function
CASES = {
    "prometheus helm, a run of {": lambda: prometheus._HELM.search("{" * N),
    "prometheus helm, blanks after {{": lambda: prometheus._HELM.search("{{" + " " * N),
    "prometheus rule file, blank lines": lambda: prometheus._RULE_FILE_TEXT.search("\n" * N),
    "prometheus rule, blank lines": lambda: prometheus._RULE_TEXT.search(" \n" * (N // 2)),
    "analysis rule kinds, blank lines": lambda: [k[2].search("\n" * N) for k in artifacts._CONTENT_KINDS],
    "terraform plan, split flags": lambda: terraform_ci._PLAN().search("terraform" + " --aa" * (N // 5)),
    "terragrunt plan, split flags": lambda: terraform_ci._PLAN().search("terragrunt" + " --a" * (N // 4)),
    "drift, many binaries and plans": lambda: terraform_ci._DRIFT().search(
        "terraform " * (N // 20) + "plan " * (N // 10)
    ),
    "drift, exit codes before plans": lambda: terraform_ci._DRIFT().search("-detailed-exitcode " * (N // 19)),
    "schedule, blank lines": lambda: terraform_ci._SCHEDULE().search("\n -" * (N // 3)),
    "schedule, unclosed lists": lambda: terraform_ci._SCHEDULE().search("on:[" * (N // 4)),
    "schedule, unclosed triggers": lambda: terraform_ci._SCHEDULE().search("triggers {" * (N // 10)),
    "rollback command, many kubectl": lambda: repository._ROLLBACK_COMMAND().search("kubectl " * (N // 8)),
    "action version, dotted": lambda: workflow._VERSION.match("1." * (N // 2) + "!"),
    "environment tiers, digits": lambda: workflow_graph.tiers_of("0" * N + "a"),
    "dockerfile variables, unclosed": lambda: dockerfile.substitute("${a" * (N // 3), {}),
    "liquibase header, blank lines": lambda: migration._LIQUIBASE.match("\n" * N + "x"),
    "rails brace block, a run of {": lambda: migration_rails._BRACE_BLOCK.match("x" + "{" * N),
    "sql dialect, blank lines": lambda: migration_sql._OTHER_DIALECT.search(" \n" * (N // 2)),
    "shell comments, blank lines": lambda: shell._COMMENT_LINE.sub("", "\n" * N),
    "gradle project name": lambda: java._QUOTED_VALUE.search(" " * N + "= '" + "x" * N),
    "hcl for, spaces and breaks": lambda: terraform_reader._FOR_INTRO.match("for" + " \n" * (N // 2) + "1"),
    "hcl heredoc, blank body": lambda: terraform_reader._HEREDOC.match("<<EOT\n" + "\n" * N),
    "hcl heredoc value, blank body": lambda: hcl_text.heredoc_value("<<EOT\n" + " " * N + "\nEOT\n"),
    "port defaults, open calls": lambda: [p.search("( '" * (N // 3)) for p in common._PORT_PATTERNS],
    "port defaults, unclosed": lambda: [p.search("${PORT:-" * (N // 8)) for p in common._PORT_PATTERNS],
    "start port, many --port": lambda: START_PORT.search(" --port ${PORT:-" * (N // 16)),
    "script port, many -p": lambda: node._SCRIPT_PORT.search(" -p ${PORT:-" * (N // 12)),
    # a .dockerignore line becomes a pattern; a name is at most 255 characters, a path 4,096
    "dockerignore, many stars": lambda: dockerignore.DockerIgnore.from_text("*a" * 12 + "*b").excludes(
        "a" * 255
    ),
    "dockerignore, runs of stars": lambda: dockerignore.DockerIgnore.from_text(
        ".git-cre" + "*" * 8 + "\v" + "*" * 110 + "x"
    ).excludes(".git-cre" + "x" * 4000 + "/"),
    "dockerignore, anything between names": lambda: dockerignore.DockerIgnore.from_text(
        "***a" * 12 + "***b"
    ).excludes("a" * 4000),
    "dockerignore, folders between names": lambda: dockerignore.DockerIgnore.from_text(
        "a/**/" * 12 + "b"
    ).excludes("a/" * 2000),
    "dockerignore, an unclosed class in a long line": lambda: dockerignore.DockerIgnore.from_text("[" * N),
    "env file, blanks around a word": lambda: list(
        detect.find_leaks("A=b" + " " * N + "x" + " " * N, env_file=True)
    ),
    "env file, blanks before a word": lambda: list(detect.find_leaks("A=b" + " " * N + "x", env_file=True)),
    "placeholder, a run of <": lambda: detect.is_placeholder("<" * 4 * N),
    "private key body, blank lines": lambda: detect.private_key_in("-----BEGIN PRIVATE KEY-----" + "\n" * N),
}
for name, run in CASES.items():
    print(name, flush=True)
    run()
print("done", flush=True)
"""


def test_patterns_over_file_content_stay_linear_on_adversarial_input() -> None:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", ADVERSARIAL], capture_output=True, text=True, timeout=120, check=False
        )
    except subprocess.TimeoutExpired as exc:
        started = (exc.stdout or b"").decode().splitlines()
        pytest.fail(f"backtracks without end on: {started[-1] if started else 'the imports'}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "done"
