"""docs/bootstrap.md, for every tier on every cloud: each command it shows names a tool the page
asks for (or a shell builtin), and everything a command points at exists among the generated files:
Terraform roots, their modules, outputs and backend arguments, workflows, the GitHub variables those
workflows read, Dockerfiles and build contexts, opsmith's own verbs."""

from __future__ import annotations

import re
import shlex
from functools import cache

import pytest

from design.fixtures import REPOS, design
from generate.test_terraform import CLOUDS, TIERS
from opsmith.cli import build_parser
from opsmith.design.model import Design
from opsmith.design.render_yaml import DESIGN_FILE
from opsmith.generate.bootstrap_doc import PATH, next_steps
from opsmith.generate.options import GenerateOptions
from opsmith.generate.plan import plan

REPOSITORIES = ("node-express", "monorepo")  # one image; several images and backing services
SHELL = frozenset({"export", "printf", "rm", "read", "cd", "sudo", "base64", "umask", "mktemp"})
TERRAFORM_VERBS = frozenset({"init", "apply", "plan", "output", "state", "validate", "import"})
BACKEND_KEYS = {"s3": {"bucket", "region"}, "gcs": {"bucket"}, "azurerm": {"storage_account_name"}}


@cache
def _generated(repo: str, tier: str, cloud: str) -> dict[str, str]:
    return {a.path: a.content for a in plan(_design(repo, tier, cloud), GenerateOptions()).artifacts}


def _design(repo: str, tier: str, cloud: str) -> Design:
    return design(repo, cloud=cloud, **TIERS[tier])


# --------------------------------------------------------------------------- reading the page


def _lines(page: str) -> list[str]:
    """The lines of the page's shell blocks, continuations joined."""
    text = "\n".join(re.findall(r"(?ms)^```sh\n(.*?)^```", page)).replace("\\\n", " ")
    return [line.split("  # ")[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _substitutions(line: str) -> tuple[str, list[str]]:
    """`line` with each `$(...)` replaced by a word, and the commands inside them (nested too)."""
    out, inner, i = [], [], 0
    while i < len(line):
        if line.startswith("$(", i):
            depth, j = 1, i + 2
            while depth:
                depth += {"(": 1, ")": -1}.get(line[j], 0)
                j += 1
            body, more = _substitutions(line[i + 2 : j - 1])
            inner += [body, *more]
            out.append("SUBSTITUTED")
            i = j
        else:
            out.append(line[i])
            i += 1
    return "".join(out), inner


def _commands(page: str) -> list[list[str]]:
    """Every simple command of the page's shell blocks, as words."""
    found = []
    for line in _lines(page):
        outer, inner = _substitutions(line)
        for text in [outer, *inner]:
            for part in re.split(r"\|\||&&|\||;", text):
                words = shlex.split(part)
                while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
                    words.pop(0)  # an assignment before a command
                if words:
                    found.append(words)
    return found


def _tools(page: str) -> set[str]:
    section = page.split("## 1. Tools", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z][\w-]*)`", section))


def _verbs() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.choices)  # argparse keeps the subparsers here
    return set(action.choices)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- what a command may name


class Checker:
    def __init__(self, repo: str, files: dict[str, str]) -> None:
        self.repo = repo
        self.files = files
        self.problems: list[str] = []
        self.workflow_vars = {v for p, t in files.items() if p.startswith(".github/") for v in _vars(t)}

    def folder(self, folder: str) -> str:
        tf = [t for p, t in self.files.items() if p.rsplit("/", 1)[0] == folder and p.endswith(".tf")]
        return "".join(tf)

    def exists(self, path: str) -> bool:
        path = path.strip("/").removeprefix("./")
        return (
            path in ("", ".", DESIGN_FILE)
            or any(p == path or p.startswith(path + "/") for p in self.files)
            or (REPOS / self.repo / path).exists()
        )

    def fail(self, words: list[str], why: str) -> None:
        self.problems.append(f"{' '.join(words)}: {why}")

    def check(self, words: list[str], tools: set[str]) -> None:
        name = words[0]
        for i, word in enumerate(words[:-1]):
            if word in (">", "<") and words[i + 1] not in ("-", "/dev/null"):
                target = words[i + 1]
                where = target.rsplit("/", 1)[0] if word == ">" and "/" in target else target
                if "/" in target and not self.exists(where):
                    self.fail(words, f"{where} is not generated")
        if name == "sudo":
            self.check(words[1:], tools)
            return
        if name not in tools | SHELL and not any(name in text for text in self.files.values()):
            self.fail(words, f"{name} is neither a tool the page asks for nor in the generated files")
        handler = getattr(self, f"_{name}", None)
        if handler is not None:
            handler(words)

    def _terraform(self, words: list[str]) -> None:
        chdir = next((w.split("=", 1)[1] for w in words if w.startswith("-chdir=")), None)
        if chdir is None:
            self.fail(words, "no -chdir: the page runs everything from the repository's root")
            return
        tf = self.folder(chdir)
        if not tf:
            self.fail(words, f"{chdir} is not a generated Terraform root")
            return
        verb = next(w for w in words[1:] if not w.startswith("-"))
        if verb not in TERRAFORM_VERBS:
            self.fail(words, f"terraform {verb}?")
        for word in words:
            if word.startswith("-target=module."):
                module = word.removeprefix("-target=module.")
                if f'module "{module}"' not in tf:
                    self.fail(words, f"{chdir} has no module {module}")
            if word.startswith("-backend-config="):
                key = word.split("=", 2)[1]
                backend = re.search(r'backend "(\w+)" \{(.*?)\n  \}', tf, re.S)
                assert backend is not None, chdir
                if key not in BACKEND_KEYS[backend[1]] or re.search(rf"(?m)^\s+{key}\s*=", backend[2]):
                    self.fail(words, f"{key} is not an argument the {backend[1]} backend leaves to init")
        named = words[-1] != "output" and not words[-1].startswith("-")
        if verb == "output" and named and f'output "{words[-1]}"' not in tf:
            self.fail(words, f"{chdir} has no output {words[-1]}")

    def _gh(self, words: list[str]) -> None:
        if words[1:3] == ["workflow", "run"] and not self.exists(f".github/workflows/{words[3]}"):
            self.fail(words, "no such workflow")
        if words[1:3] == ["variable", "set"] and words[3] not in self.workflow_vars:
            self.fail(words, f"no generated workflow reads vars.{words[3]}")

    def _docker(self, words: list[str]) -> None:
        if words[1] == "build":
            dockerfile = words[words.index("-f") + 1]
            if not self.exists(dockerfile) or not self.exists(words[-1]):
                self.fail(words, "the Dockerfile or the build context does not exist")

    def _git(self, words: list[str]) -> None:
        if words[1] == "add":
            for path in words[2:]:
                if not self.exists(path):
                    self.fail(words, f"{path} is not generated")

    def _opsmith(self, words: list[str]) -> None:
        if words[1] not in _verbs():
            self.fail(words, f"opsmith has no verb {words[1]}")


def _vars(text: str) -> set[str]:
    return set(re.findall(r"\bvars\.([A-Z_][A-Z0-9_]*)", text))


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("repo", REPOSITORIES)
def test_every_command_exists(repo: str, tier: str, cloud: str) -> None:
    files = _generated(repo, tier, cloud)
    page = files[PATH]
    tools = _tools(page)
    assert {"terraform", "gh", {"aws": "aws", "gcp": "gcloud", "azure": "az"}[cloud]} <= tools
    checker = Checker(repo, files)
    commands = _commands(page)
    assert len(commands) > 20
    for words in commands:
        checker.check(words, tools)
    assert checker.problems == []


def test_the_checker_finds_what_does_not_exist() -> None:
    files = _generated("node-express", "startup", "aws")
    checker = Checker("node-express", files)
    page = (
        "## 1. Tools\n\n- `terraform`, `gh`\n\n```sh\n"
        "terraform -chdir=terraform/nowhere init\n"
        "terraform -chdir=terraform/environments/staging apply -target=module.missing\n"
        'terraform -chdir=terraform/environments/staging init -backend-config="key=x"\n'
        "terraform -chdir=terraform/bootstrap output -raw nothing\n"
        "gh workflow run release.yml\n"
        "gh variable set NOT_READ --body x\n"
        "helm install x\n"
        "```\n"
    )
    for words in _commands(page):
        checker.check(words, _tools(page))
    assert [p.split(": ", 1)[1] for p in checker.problems] == [
        "terraform/nowhere is not a generated Terraform root",
        "terraform/environments/staging has no module missing",
        "key is not an argument the s3 backend leaves to init",
        "terraform/bootstrap has no output nothing",
        "no such workflow",
        "no generated workflow reads vars.NOT_READ",
        "helm is neither a tool the page asks for nor in the generated files",
    ]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_first_applies_come_in_order(cloud: str) -> None:
    """Bootstrap, then GitHub, then per environment the registry, the image, the services."""
    page = _generated("node-express", "startup", cloud)[PATH]
    lines = _lines(page)
    order = [
        next(i for i, line in enumerate(lines) if re.search(marker, line))
        for marker in (
            "-chdir=terraform/bootstrap apply$",
            "-migrate-state",
            "gh variable set",
            "-chdir=terraform/environments/staging apply -target=module.registry$",
            "docker push",
            "-chdir=terraform/environments/staging apply$",
            "-chdir=terraform/environments/production apply -target=module.registry$",
            "-chdir=terraform/environments/production apply$",
        )
    ]
    assert order == sorted(order)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_region_is_one_variable(cloud: str) -> None:
    files = _generated("node-express", "startup", cloud)
    page = files[PATH]
    region_env = {"aws": "AWS_REGION", "gcp": "GCP_REGION", "azure": "AZURE_LOCATION"}[cloud]
    primary = _design("node-express", "startup", cloud).networking.regions
    assert primary is not None
    assert f"export {region_env}={primary.effective[0]}\n" in page
    assert f"gh variable set {region_env} --body" in page
    for path, text in files.items():
        if path.endswith(("backend.tf", ".tfvars")):
            assert not re.search(r"(?m)^\s*(region|location)\s*=", text), path


def test_the_compliance_manual_steps_are_in_the_page() -> None:
    files = _generated("node-express", "compliance", "aws")
    assert "## Manual steps" in files[PATH]
    assert "## Manual steps" not in _generated("node-express", "growth", "aws")[PATH]


def test_next_steps_differ_by_tier() -> None:
    steps = [tuple(next_steps(_design("node-express", tier, "aws"))) for tier in TIERS]
    assert len(set(steps)) == len(TIERS)
    assert all(any("docs/bootstrap.md" in step for step in tier_steps) for tier_steps in steps)


def test_no_page_without_terraform() -> None:
    files = {a.path for a in plan(design("node-express", users=10, cloud="fly"), GenerateOptions()).artifacts}
    assert PATH not in files


@pytest.mark.parametrize("cloud", CLOUDS)
def test_dns_records_are_a_manual_step_where_no_root_writes_them(cloud: str) -> None:
    base = _design("node-express", "hobby", cloud)
    owned = base.model_copy(
        update={"networking": base.networking.model_copy(update={"domain": "shop.example.com"})}
    )
    page = next(a for a in plan(owned, GenerateOptions()).artifacts if a.path == PATH)
    assert ("dns", "DNS records") in page.manual
    section = page.content.split("## DNS records", 1)[1].split("\n## ", 1)[0]
    assert section.count("server_public_ip") == 2
    assert "staging.shop.example.com" in section or "staging.shop " in section
    # ECS services get their records from the environment's Terraform: nothing to do by hand
    assert "## DNS records" not in _generated("node-express", "startup", "aws")[PATH]
