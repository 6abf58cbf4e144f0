"""What the repository's CI does with Terraform, read as text (TF008, TF009).

Every common CI system is looked at, not only GitHub Actions: GitLab CI, CircleCI, Jenkins, Azure
Pipelines, Bitbucket, Buildkite, Drone/Woodpecker, Cloud Build, CodeBuild, Travis, Gitea/Forgejo
workflows, plus Atlantis and Spacelift, which plan pull requests themselves. A CI file that calls
`make <target>` or a shell script in the repository is read together with that Makefile or script.
Files only count where their CI system reads them: GitHub workflows in the top `.github/workflows/`
(a nested copy, e.g. in a test fixture, never runs); Jenkinsfiles and pipeline files anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from opsmith.regex import lazy
from opsmith.rules.base import RepoContext

_CI_PATH = re.compile(
    r"^\.(?:github|gitea|forgejo)/workflows/[^/]+\.ya?ml$"
    r"|^\.gitlab-ci\.ya?ml$|(?:^|/)[^/]*\.gitlab-ci\.ya?ml$|^\.gitlab/.+\.ya?ml$"
    r"|^\.circleci/config\.ya?ml$"
    r"|(?:^|/)Jenkinsfile[^/]*$|(?:^|/)[^/]+\.jenkinsfile$"
    r"|(?:^|/)azure-pipelines[^/]*\.ya?ml$|^\.azure-?pipelines/.+\.ya?ml$|^\.azuredevops/.+\.ya?ml$"
    r"|^bitbucket-pipelines\.ya?ml$"
    r"|^\.buildkite/.+\.ya?ml$|^\.drone\.ya?ml$|^\.woodpecker(?:\.ya?ml|/.+\.ya?ml)$"
    r"|(?:^|/)cloudbuild[^/]*\.ya?ml$|(?:^|/)buildspec[^/]*\.ya?ml$|^\.travis\.ya?ml$"
)
_PR_PLANNERS = re.compile(r"^(?:atlantis\.ya?ml|\.spacelift/config\.ya?ml)$")
_WELL_KNOWN = (
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "Jenkinsfile",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    ".drone.yml",
    "atlantis.yaml",
    "atlantis.yml",
)
_WORKFLOW_DIRS = (".github/workflows", ".gitea/workflows", ".forgejo/workflows")

# What a CI file does: compiled on first use, as repositories without CI files never ask.
# Each stays linear on any line: flag lists are possessive (`--aa` splits two ways, so a backtracking
# list is exponential), "A, later B, later C on one line" is tried once per line from `^` with each
# step atomic, and `\s` never runs across lines where a pattern starts at `^`.
_BIN = r"(?:terraform|tofu|gitlab-terraform)"
_PLAN = lazy(
    rf"\b{_BIN}(?:\s+-{{1,2}}[\w-]+(?:=\S+)?)*+\s+plan\b"
    r"|\bterragrunt(?:\s+-{1,2}[\w-]+(?:=\S+)?)*+\s+(?:run-all\s+|run\s+(?:--all\s+)?)?plan\b"
    r"|\b(?:dflook/(?:terraform|tofu)-(?:plan|check))@"
    r"|\bhashicorp/tfc-workflows-github/actions/create-run@"
)
_DRIFT = lazy(
    rf"(?m)^(?>[^\n]*?\b(?:{_BIN}|terragrunt)\b)(?>[^\n]*?\bplan\b)[^\n]*?-detailed-exitcode"
    r"|^(?>[^\n]*?-detailed-exitcode)[^\n]*?\bplan\b"
    r"|\bdflook/(?:terraform|tofu)-check@|\bdriftctl\s+scan\b"
)
_SCHEDULE = lazy(
    r"(?m)^[ \t]*(?:-[ \t]*)?['\"]?schedules?['\"]?[ \t]*:|\bon\s*:\s*\[[^\[\]\n]*\bschedule\b"
    r"|^[ \t]*-[ \t]*schedules?[ \t]*$"
    r"|CI_PIPELINE_SOURCE\s*==\s*['\"]schedule|\bcron\s*\(|\btriggers\s*\{[^{}]*cron"
)
_MAKE = lazy(r"\bmake\s+(?:-\S+\s+)*([\w.-]+)")
_SCRIPT = lazy(r"(?:^|[\s'\"=(])(?:bash\s+|sh\s+|\./)?((?:[\w.-]+/)*[\w.-]+\.sh)\b")


@dataclass(frozen=True)
class CiFile:
    path: str
    text: str  # the file plus the Makefile/scripts it calls, continuation lines joined

    @property
    def plans(self) -> bool:
        return bool(_PLAN().search(self.text))

    @property
    def detects_drift(self) -> bool:
        return bool(_SCHEDULE().search(self.text)) and bool(_DRIFT().search(self.text))


def ci_paths(repo: RepoContext) -> list[str]:
    """CI configuration files: those discovered, plus well-known places (an audit of a few
    explicit files still sees the repository's CI)."""
    found = {p for p in repo.files if _CI_PATH.search(p) or _PR_PLANNERS.match(p)}
    found.update(p for p in _WELL_KNOWN if repo.exists(p))
    for folder in _WORKFLOW_DIRS:
        try:
            entries = list((repo.root / folder).iterdir())
        except OSError:
            continue
        found.update(f"{folder}/{e.name}" for e in entries if e.name.endswith((".yml", ".yaml")))
    return sorted(found)


def ci_files(repo: RepoContext) -> Iterator[CiFile]:
    for path in ci_paths(repo):
        text = repo.read_text(path)
        if text is None:
            continue
        if _PR_PLANNERS.match(path):
            text += "\nterraform plan  # planned on every pull request by the service\n"
        yield CiFile(path, _joined(text + "\n" + "\n".join(_called(repo, text))))


def _called(repo: RepoContext, text: str) -> Iterator[str]:
    """The Makefile and scripts a CI file runs."""
    if _MAKE().search(text):
        for makefile in ("Makefile", "makefile", "GNUmakefile"):
            body = repo.read_text(makefile) if repo.exists(makefile) else None
            if body:
                yield body
                break
    for match in _SCRIPT().finditer(text):
        path = match.group(1).removeprefix("./")
        if repo.exists(path):
            body = repo.read_text(path)
            if body:
                yield body


def _joined(text: str) -> str:
    """Shell continuation lines joined, so `terraform plan \\` + `-detailed-exitcode` is one line."""
    return re.sub(r"\\\r?\n\s*", " ", text)
