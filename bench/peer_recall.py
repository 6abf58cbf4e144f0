"""Recall of opsmith on the peers' own test fixtures: zizmor and kube-linter.

    python bench/peer_recall.py --zizmor DIR --kube-linter DIR [--json]

DIR is a checkout (or an extracted snapshot) of zizmorcore/zizmor or stackrox/kube-linter; nothing is
copied into this repository. For each peer check that opsmith covers (the tables below), the script
reads what the peer's tests expect, runs `opsmith audit` on each fixture (copied into a temporary
folder laid out as a user's repository would be, so no fixture is judged as a test file), and
prints:

- recall per mapped check: the peer's positives that opsmith also reports, with a mapped rule at
  any severity, in the same file at a line of the same object (kube-linter) or of the span the
  peer underlines (zizmor);
- recall per peer, overall, on zizmor's default persona, and on kube-linter's standard kinds and
  OpenShift pod templates;
- every negative: a fixture (zizmor) or object (kube-linter) the peer expects clean for a check
  that draws an opsmith warning or error from the mapped rule.

Where the expectations come from:
- zizmor: `crates/zizmor/tests/integration`, every `insta::assert_snapshot!` whose input is a
  fixture of `test-data/` (inline snapshots, and `.snap` files whose `expression:` names one). Runs
  with a custom `--config` are skipped (their expectations follow that config's policy), and so are
  machine formats (`--format`), fix diffs and remote inputs.
- kube-linter: `e2etests/bats-tests.sh`, each `@test` that lints one file of `tests/checks/` with
  `--include CHECK` (or the schema check): its asserted messages (`Kind[ name]: message`) are the
  positives; each is pinned to an object of the fixture by kind, name and the names it quotes.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# --- what maps to what ------------------------------------------------------------------------------

ZIZMOR_MAP: dict[str, tuple[str, ...]] = {
    "template-injection": ("GA007",),
    "excessive-permissions": ("GA004",),
    "unpinned-uses": ("GA003", "GA013", "GA014"),
}
# zizmor audits opsmith deliberately does not map (the reason is the comment).
ZIZMOR_UNMAPPED: dict[str, str] = {
    # GA008 reports a privileged trigger only when it runs the pull request's code (see its docs);
    # zizmor flags the trigger itself.
    "dangerous-triggers": "GA008 judges the checkout, not the trigger",
    # A style advice (`$/` instead of `./`); both spellings pin the same commit.
    "self-repository": "no opsmith rule: style only",
    # Job `container:`/`services:` images are outside GA003 (which judges `uses: docker://`).
    "unpinned-images": "no opsmith rule for job container images",
    # Needs the network (is a ref both a tag and a branch?); opsmith audits offline.
    "ref-confusion": "needs GitHub's API",
}
# zizmor positives (default persona) opsmith deliberately does not report, by fixture and line;
# each reason is written in the mapped rule's docs ("Equivalent rules").
ZIZMOR_DELIBERATE: dict[tuple[str, int], str] = {
    ("template-injection/issue-1903-repro.yml", 21): "GA007: `(pull_request || issue).number` is a number",
    ("template-injection/issue-339-repro.yml", 30): "GA007: a step output (an API id), not outsiders' text",
    ("template-injection/pr-317-repro.yml", 28): "GA007: matrix built from github.repository_owner",
    ("anchors/basic.yml", 18): "GA007: github.ref on pull_request is refs/pull/N/merge",
}
# Where opsmith's rule is broader than the kube-linter check it is mapped to, a fixture object
# that is clean for the check can still draw the rule: KU006 judges privileged, escalation and
# capabilities together, and KU011 reports every hostPath, not only the Docker socket. KU013 is
# narrower on its own: an `owner` label or any of Kubernetes' recommended labels satisfies it, and
# it asks for a team label only when `[kubernetes] owner-labels` is configured.
KUBE_LINTER_MAP: dict[str, tuple[str, ...]] = {
    "latest-tag": ("KU001",),
    "unset-cpu-requirements": ("KU002",),
    "unset-memory-requirements": ("KU002",),
    "no-readiness-probe": ("KU003",),
    "no-liveness-probe": ("KU004",),
    "run-as-non-root": ("KU005",),
    "privileged-container": ("KU006",),
    "privilege-escalation-container": ("KU006",),
    "drop-net-raw-capability": ("KU006",),
    "no-read-only-root-fs": ("KU007",),
    "env-var-secret": ("KU008",),
    "no-rolling-update-strategy": ("KU009", "KU014"),
    "host-ipc": ("KU011",),
    "host-network": ("KU011",),
    "host-pid": ("KU011",),
    "docker-sock": ("KU011",),
    "sensitive-host-mounts": ("KU011",),
    "dangling-service": ("KU012",),
    "required-label-owner": ("KU013",),
    "schema-validation": ("KU014",),
    "use-namespace": ("KU016",),
}
KUBE_LINTER_UNMAPPED: dict[str, str] = {
    # kube-linter asks for 3; opsmith's floor is 2 (or the design's), so its fixture's 2 passes.
    "minimum-three-replicas": "opsmith's floor is 2 replicas (KU010)",
    "hpa-minimum-three-replicas": "opsmith's floor is 2 replicas (KU010)",
    # The opposite advice: opsmith asks for secretKeyRef (KU008).
    "read-secret-from-env-var": "opsmith recommends secretKeyRef",
}
OPENSHIFT_KINDS = frozenset({"DeploymentConfig"})
_GATING = frozenset({"warning", "error"})


# --- shared ---------------------------------------------------------------------------------------


@dataclass
class Positive:
    peer: str
    check: str
    fixture: str  # relative to the peer's test data
    path: str  # file inside the fixture ("" for a single file)
    lines: tuple[int, int]  # the span that must hold an opsmith finding
    label: str
    persona: str = "default"  # zizmor: the least noisy persona that reports it
    severity: str = ""  # zizmor: its severity word (error, warning, help, info)
    kind: str = ""  # kube-linter: the object's kind
    found: bool = False


@dataclass
class Negative:
    peer: str
    check: str
    fixture: str
    path: str
    lines: tuple[int, int]
    label: str
    note: str = ""
    drawn: list[str] = field(default_factory=list)


def run_opsmith(root: Path, select: str) -> list[dict[str, Any]]:
    argv = [sys.executable, "-m", "opsmith", "audit", str(root), "--format", "json"]
    argv += ["--select", select, "--fail-on", "never", "--no-color"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    try:
        findings: list[dict[str, Any]] = json.loads(done.stdout)["findings"]
    except (ValueError, KeyError):
        sys.exit(f"opsmith failed on {root}:\n{done.stderr[-2000:]}")
    return findings


def in_span(finding: dict[str, Any], path: str, lines: tuple[int, int], rules: tuple[str, ...]) -> bool:
    line = finding.get("line")
    return (
        finding["rule"] in rules
        and finding["path"] == path
        and line is not None
        and lines[0] <= line <= lines[1]
    )


# --- zizmor ---------------------------------------------------------------------------------------

_SNAPSHOT_CALL = re.compile(r"insta::assert_snapshot!\(")
_INPUT = re.compile(r'input_under_test\(\s*"([^"]+)"\s*\)')
_ARGS = re.compile(r"\.args\(\[([^\]]*)\]\)")
_INLINE = re.compile(r'@(r#*)?"', re.S)
_FINDING = re.compile(r"^\s*(error|warning|help|info|note)\[([a-z0-9-]+)\]:")
_ARROW = re.compile(r"^\s*-->\s*(\S+?):(\d+):(\d+)")
_GUTTER = re.compile(r"^\s*(\d+)\s*\|")
_SUPPRESSED = re.compile(r"\((\d+) suppressed")


@dataclass
class ZizmorRun:
    source: str
    inputs: list[str]
    args: list[str]
    output: str


def _call_text(text: str, start: int) -> str:
    """The text of a macro call from its `(` to the matching `)`, skipping string contents."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char == '"' or (char == "r" and text[i + 1 : i + 2] in ('"', "#")):
            i = _skip_string(text, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1
    return text[start:]


def _skip_string(text: str, i: int) -> int:
    hashes = ""
    if text[i] == "r":
        match = re.match(r'r(#*)"', text[i:])
        if match is None:
            return i + 1
        hashes = match.group(1)
        end = text.find('"' + hashes, i + len(match.group(0)))
        return len(text) if end < 0 else end + 1 + len(hashes)
    i += 1
    while i < len(text) and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _inline_snapshot(call: str) -> str | None:
    match = _INLINE.search(call)
    if match is None:
        return None
    hashes = match.group(1) or ""
    body_start = match.end()
    if hashes.startswith("r"):
        end = call.find('"' + hashes[1:], body_start)
        return call[body_start:end]
    end = body_start
    while end < len(call) and call[end] != '"':
        end += 2 if call[end] == "\\" else 1
    return call[body_start:end].replace('\\"', '"').replace("\\\\", "\\")


def _usable(call: str) -> bool:
    config = re.search(r"\.config\(([^)]*)\)", call)
    if config and "input_under_test" in config.group(1):
        return False
    return "--format" not in call and "--fix" not in call and "workspace" not in call


def _args(call: str) -> list[str]:
    return [a for group in _ARGS.findall(call) for a in re.findall(r'"([^"]*)"', group)]


def zizmor_runs(root: Path) -> Iterator[ZizmorRun]:
    tests = root / "crates" / "zizmor" / "tests" / "integration"
    for source in sorted(tests.rglob("*.rs")):
        text = source.read_text(encoding="utf-8")
        for match in _SNAPSHOT_CALL.finditer(text):
            call = _call_text(text, match.end() - 1)
            without_config = re.sub(r"\.config\((?:[^()]|\([^()]*\))*\)", "", call)
            inputs = _INPUT.findall(without_config)
            snapshot = _inline_snapshot(call)
            if inputs and snapshot is not None and _usable(call):
                yield ZizmorRun(source.stem, inputs, _args(call), snapshot)
    for snap in sorted(tests.rglob("*.snap")):
        head, _sep, body = snap.read_text(encoding="utf-8").partition("\n---\n")
        expression = head.partition("expression:")[2].splitlines()[0] if "expression:" in head else ""
        expression = expression.strip().strip('"').replace('\\"', '"')
        inputs = _INPUT.findall(expression)
        if inputs and _usable(expression):
            yield ZizmorRun(snap.stem, inputs, _args(expression), body)


_PERSONAS = ("default", "pedantic", "auditor")


def _persona(args: list[str]) -> str:
    for arg in args:
        if arg == "--pedantic":
            return "pedantic"
        if arg.startswith("--persona="):
            return arg.split("=", 1)[1]
    return "default"


def _zizmor_findings(output: str) -> Iterator[tuple[str, str, str, tuple[int, int], int]]:
    """(severity, audit, path after @@INPUT@@, span of lines shown, primary line) per finding."""
    lines = [re.sub(r"^ {4}", "", line) for line in output.splitlines()]
    i = 0
    while i < len(lines):
        head = _FINDING.match(lines[i])
        arrow = _ARROW.match(lines[i + 1]) if head and i + 1 < len(lines) else None
        if head is None or arrow is None:
            i += 1
            continue
        where, primary = arrow.group(1), int(arrow.group(2))
        shown = [primary]
        i += 2
        while i < len(lines) and lines[i].strip() and not _FINDING.match(lines[i]):
            gutter = _GUTTER.match(lines[i])
            if gutter:
                shown.append(int(gutter.group(1)))
            i += 1
        path = where.replace("@@INPUT@@", "").lstrip("/")
        yield head.group(1), head.group(2), path, (min(shown), max(shown)), primary


def zizmor_expectations(root: Path) -> tuple[list[Positive], list[Negative]]:
    positives: dict[tuple[str, str, str, int], Positive] = {}
    reported: set[tuple[str, str]] = set()  # (fixture, audit)
    tested: dict[tuple[str, str], int] = {}  # (fixture, audit) -> suppressed count seen
    for run in zizmor_runs(root):
        persona = _persona(run.args)
        suppressed = sum(int(n) for n in _SUPPRESSED.findall(run.output))
        for fixture in run.inputs:
            for audit in ZIZMOR_MAP:
                if run.source.replace("_", "-") == audit or fixture.startswith(audit):
                    tested[(fixture, audit)] = max(tested.get((fixture, audit), 0), suppressed)
        if len(run.inputs) != 1:
            continue
        fixture = run.inputs[0]
        for severity, audit, path, span, primary in _zizmor_findings(run.output):
            if audit not in ZIZMOR_MAP:
                continue
            reported.add((fixture, audit))
            key = (fixture, path, audit, primary)
            found = positives.get(key)
            if found is None:
                label = f"{fixture}{'/' + path if path else ''}:{primary}"
                positives[key] = Positive("zizmor", audit, fixture, path, span, label, persona, severity)
            elif _PERSONAS.index(persona) < _PERSONAS.index(found.persona):
                found.persona = persona
    negatives = [
        Negative("zizmor", audit, fixture, "", (1, 10**9), fixture, f"zizmor suppressed {n}" if n else "")
        for (fixture, audit), n in sorted(tested.items())
        if (fixture, audit) not in reported
    ]
    return list(positives.values()), negatives


def zizmor_measure(root: Path) -> tuple[list[Positive], list[Negative], int]:
    data = root / "crates" / "zizmor" / "tests" / "integration" / "test-data"
    positives, negatives = zizmor_expectations(root)
    fixtures = sorted({p.fixture for p in positives} | {n.fixture for n in negatives})
    out_of_scope = 0
    findings: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index, fixture in enumerate(fixtures):
            source = data / fixture
            work = Path(tmp) / str(index)
            if source.is_dir():
                shutil.copytree(source, work)
            else:
                (work / ".github" / "workflows").mkdir(parents=True)
                shutil.copy(source, work / ".github" / "workflows" / source.name)
            findings[fixture] = run_opsmith(work, "GA")
    kept = []
    for positive in positives:
        path = _opsmith_path(data / positive.fixture, positive.path)
        if path is None:
            out_of_scope += 1  # a composite action's action.yml: not a workflow
            continue
        rules = ZIZMOR_MAP[positive.check]
        positive.found = any(in_span(f, path, positive.lines, rules) for f in findings[positive.fixture])
        kept.append(positive)
    for negative in negatives:
        rules = ZIZMOR_MAP[negative.check]
        negative.drawn = [
            f"{f['rule']} {f['severity']} {f['path']}:{f['line']}: {f['message']}"
            for f in findings[negative.fixture]
            if f["rule"] in rules and f["severity"] in _GATING
        ]
    return kept, negatives, out_of_scope


def _opsmith_path(source: Path, inner: str) -> str | None:
    """Where opsmith reports a fixture's file (None for files that are not workflows)."""
    if source.is_dir():
        return inner if inner.startswith(".github/workflows/") else None
    if source.name in ("action.yml", "action.yaml"):
        return None
    return f".github/workflows/{source.name}"


# --- kube-linter ----------------------------------------------------------------------------------

_TEST = re.compile(r'@test "([^"]+)" \{(.*?)\n\}', re.S)
_MESSAGE = re.compile(r'\[\[ "\$\{message\d+\}" (?:==|=~) "((?:[^"\\]|\\.)*)" \]\]')
_QUOTED = re.compile(r'\\"([^"\\]+)\\"')


@dataclass
class KubeObject:
    kind: str
    name: str
    start: int
    end: int
    text: str
    containers: set[str]


def kube_objects(path: Path) -> list[KubeObject]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    for node in nodes:
        if not isinstance(node, yaml.MappingNode):
            continue
        data = yaml.safe_load(yaml.serialize(node)) or {}
        # end_mark sits after the node: on its last line when the file ends without a newline
        start, end = node.start_mark.line + 1, node.end_mark.line + (1 if node.end_mark.column else 0)
        body = "\n".join(lines[start - 1 : end])
        names = {str(m) for m in re.findall(r"(?m)^\s*-?\s*name:\s*['\"]?([\w.-]+)", body)}
        meta = data.get("metadata") or {}
        out.append(KubeObject(str(data.get("kind", "")), str(meta.get("name", "")), start, end, body, names))
    return out


def kube_linter_expectations(root: Path) -> Iterator[tuple[str, str, list[str]]]:
    """(check, fixture, expected messages) per bats test of a mapped check."""
    text = (root / "e2etests" / "bats-tests.sh").read_text(encoding="utf-8")
    for name, body in _TEST.findall(text):
        fixture = re.search(r'tmp="([^"]+)"', body)
        include = re.search(r"--include ([\w-]+)", body)
        check = include.group(1) if include else name
        if fixture and check in KUBE_LINTER_MAP:
            yield check, fixture.group(1), _MESSAGE.findall(body)


def _pin(message: str, objects: list[KubeObject], taken: set[int]) -> KubeObject | None:
    """The fixture object an expected `Kind[ name]: message` is about."""
    head, _sep, rest = message.partition(": ")
    kind, _sp, name = head.partition(" ")
    candidates = [o for o in objects if o.kind == kind and (not name or o.name == name)]
    for quoted in _QUOTED.findall(rest):
        narrowed = [o for o in candidates if quoted in o.containers or quoted in o.text]
        candidates = narrowed or candidates
    fresh = [o for o in candidates if id(o) not in taken]
    # The fixtures name the objects that must stay clean `dont-fire...`, `valid-...`, `good-...`.
    likely = [o for o in fresh if not re.match(r"(dont|no-fire|valid|good)", o.name)]
    chosen = (likely or fresh or candidates or [None])[0]
    if chosen is not None:
        taken.add(id(chosen))
    return chosen


def kube_linter_measure(root: Path) -> tuple[list[Positive], list[Negative]]:
    positives: list[Positive] = []
    negatives: list[Negative] = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, (check, fixture, messages) in enumerate(kube_linter_expectations(root)):
            source = root / fixture
            work = Path(tmp) / str(index)
            work.mkdir()
            shutil.copy(source, work / source.name)
            findings = run_opsmith(work, "KU")
            objects = kube_objects(source)
            rules = KUBE_LINTER_MAP[check]
            taken: set[int] = set()
            for message in messages:
                obj = _pin(message.replace('\\"', '"').replace('"', '\\"'), objects, taken)
                span = (obj.start, obj.end) if obj else (0, -1)
                label = f"{fixture}: {message.replace(chr(92), '')[:90]}"
                kind = obj.kind if obj else message.partition(":")[0].split(" ")[0]
                positive = Positive("kube-linter", check, fixture, source.name, span, label, kind=kind)
                positive.found = any(in_span(f, source.name, span, rules) for f in findings)
                positives.append(positive)
            for obj in objects:
                if id(obj) in taken:
                    continue
                drawn = [
                    f"{f['rule']} {f['severity']} line {f['line']}: {f['message']}"
                    for f in findings
                    if in_span(f, source.name, (obj.start, obj.end), rules) and f["severity"] in _GATING
                ]
                label = f"{fixture}: {obj.kind} {obj.name}"
                negatives.append(
                    Negative(
                        "kube-linter", check, fixture, source.name, (obj.start, obj.end), label, drawn=drawn
                    )
                )
    return positives, negatives


# --- report ---------------------------------------------------------------------------------------


def _ratio(items: list[Positive]) -> tuple[int, int, float | None]:
    hits = sum(p.found for p in items)
    return hits, len(items), (hits / len(items) if items else None)


def summary(positives: list[Positive], negatives: list[Negative]) -> dict[str, Any]:
    by_check: dict[str, list[Positive]] = defaultdict(list)
    for positive in positives:
        by_check[positive.check].append(positive)
    views: dict[str, list[Positive]] = {"overall": positives}
    if positives and positives[0].peer == "zizmor":
        default = [p for p in positives if p.persona == "default"]
        views["default persona"] = default
        views["default, documented set aside"] = [p for p in default if _deliberate(p) is None]
    else:
        views["standard kinds"] = [p for p in positives if p.kind not in OPENSHIFT_KINDS]
        views["OpenShift pod templates"] = [p for p in positives if p.kind in OPENSHIFT_KINDS]
    return {
        "checks": {
            c: dict(zip(("found", "positives", "recall"), _ratio(ps), strict=True))
            for c, ps in sorted(by_check.items())
        },
        "recall": {
            v: dict(zip(("found", "positives", "recall"), _ratio(ps), strict=True)) for v, ps in views.items()
        },
        "misses": [f"{p.check}: {p.label}{_tag(p)}" for p in positives if not p.found],
        "negatives_drawing_findings": [
            {"check": n.check, "fixture": n.label, "note": n.note, "findings": n.drawn}
            for n in negatives
            if n.drawn
        ],
        "negatives": len(negatives),
    }


def _deliberate(positive: Positive) -> str | None:
    return ZIZMOR_DELIBERATE.get((positive.fixture, int(positive.label.rsplit(":", 1)[1])))


def _tag(positive: Positive) -> str:
    tags = [positive.severity] if positive.severity else []
    reason = _deliberate(positive) if positive.peer == "zizmor" else None
    tags += [f"deliberate: {reason}"] if reason else []
    tags += [f"{positive.persona} persona"] if positive.persona != "default" else []
    return f" [{', '.join(tags)}]" if tags else ""


def _percent(value: float | None) -> str:
    return "  n/a" if value is None else f"{value * 100:5.1f}%"


def print_text(peer: str, result: dict[str, Any], unmapped: dict[str, str]) -> None:
    print(f"== {peer}")
    for check, row in result["checks"].items():
        print(f"  {check:<40} {row['found']:>3}/{row['positives']:<3} {_percent(row['recall'])}")
    for view, row in result["recall"].items():
        print(f"  recall, {view:<32} {row['found']:>3}/{row['positives']:<3} {_percent(row['recall'])}")
    if result.get("out_of_scope"):
        print(
            f"  positives in composite-action files (not a family opsmith audits): {result['out_of_scope']}"
        )
    for miss in result["misses"]:
        print(f"  miss: {miss}")
    drawn = result["negatives_drawing_findings"]
    print(f"  negatives drawing a warning or error: {len(drawn)} of {result['negatives']}")
    for negative in drawn:
        note = f" ({negative['note']})" if negative["note"] else ""
        print(f"    {negative['check']}: {negative['fixture']}{note}")
        for finding in negative["findings"]:
            print(f"      {finding[:160]}")
    for check, why in unmapped.items():
        print(f"  not mapped: {check} ({why})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zizmor", type=Path, help="a checkout of zizmorcore/zizmor")
    parser.add_argument("--kube-linter", type=Path, help="a checkout of stackrox/kube-linter")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    options = parser.parse_args()
    if options.zizmor is None and options.kube_linter is None:
        parser.error("give --zizmor DIR, --kube-linter DIR or both")
    results: dict[str, dict[str, Any]] = {}
    if options.zizmor is not None:
        positives, negatives, out_of_scope = zizmor_measure(options.zizmor)
        results["zizmor"] = {**summary(positives, negatives), "out_of_scope": out_of_scope}
    if options.kube_linter is not None:
        results["kube-linter"] = summary(*kube_linter_measure(options.kube_linter))
    if options.json:
        print(json.dumps(results, indent=2))
        return
    unmapped = {"zizmor": ZIZMOR_UNMAPPED, "kube-linter": KUBE_LINTER_UNMAPPED}
    for peer, result in results.items():
        print_text(peer, result, unmapped[peer])


if __name__ == "__main__":
    main()
