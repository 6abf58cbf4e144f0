"""The artifact families opsmith audits, and how a file is recognised as one.

Adding a family is one entry in FAMILIES, one parser module (`parse(source) -> document |
ParseFailure | None`, None meaning "not one of mine after all") and one rules module (`RULES`).
Recognition here stays cheap (names and text prefilters); parsers confirm by content.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    prefix: str  # rule ID prefix
    title: str
    rules: str  # module holding RULES
    parser: str | None  # module holding parse(); None for repository-wide families
    parse_error: str | None  # rule reported when a file of this family does not parse
    reads: tuple[str, ...] = ()  # other families whose documents its repository-wide rules read
    # Families recognised by content: words at least one of which the parser needs in a file's
    # text to claim it. A file holding none is passed over without importing the parser at all.
    markers: tuple[str, ...] = ()


FAMILIES: tuple[Family, ...] = (
    Family(
        "dockerfile",
        "DF",
        "Dockerfile",
        "opsmith.rules.dockerfile",
        "opsmith.parse.dockerfile",
        "DF018",
    ),
    Family(
        "compose",
        "DC",
        "Docker Compose",
        "opsmith.rules.compose",
        "opsmith.parse.compose",
        "DC010",
        reads=("dockerfile",),
    ),
    Family(
        "kubernetes",
        "KU",
        "Kubernetes manifests",
        "opsmith.rules.kubernetes",
        "opsmith.parse.kubernetes",
        "KU014",
    ),
    Family(
        "terraform",
        "TF",
        "Terraform",
        "opsmith.rules.terraform",
        "opsmith.parse.terraform",
        "TF012",
    ),
    Family(
        "prometheus",
        "PM",
        "Prometheus rules",
        "opsmith.rules.prometheus",
        "opsmith.parse.prometheus",
        "PM001",
        markers=("groups", "scrape_configs", "scrape_interval", "rule_files", "monitoring.coreos.com"),
    ),
    Family(
        "alertmanager",
        "PM",
        "Alertmanager",
        "opsmith.rules.alertmanager",
        "opsmith.parse.alertmanager",
        "PM011",
        reads=("prometheus",),
        markers=("receivers",),  # the parser needs both `route` and `receivers`: one rules out most
    ),
    Family(
        "migration",
        "MG",
        "SQL migrations",
        "opsmith.rules.migration",
        "opsmith.parse.migration",
        "MG010",
    ),
    Family(
        "workflow",
        "GA",
        "GitHub Actions workflows",
        "opsmith.rules.workflow",
        "opsmith.parse.workflow",
        "GA001",
    ),
    Family(
        "action",
        "GA",
        "GitHub Actions action metadata",
        "opsmith.rules.workflow_action",
        "opsmith.parse.action",
        "GA016",
        markers=("runs",),
    ),
    Family(
        "repository", "RP", "Repository-wide", "opsmith.rules.repository", None, None, reads=("workflow",)
    ),
)

BY_NAME = {f.name: f for f in FAMILIES}
# Families may share a rule prefix (prometheus and alertmanager are both PM): every family of a
# prefix, in registration order.
FAMILIES_BY_PREFIX: dict[str, tuple[Family, ...]] = {
    p: tuple(f for f in FAMILIES if f.prefix == p) for p in dict.fromkeys(f.prefix for f in FAMILIES)
}

_DOCKERFILE = re.compile(
    r"^(?:(?:Dockerfile|Containerfile)(?:\..+)?|.+\.(?:dockerfile|Dockerfile|containerfile))$"
)
_NOT_DOCKERFILE = (".dockerignore", ".containerignore")
_COMPOSE = re.compile(r"^(?:docker-compose(?:[.-][\w.-]+)?|compose(?:\.[\w.-]+)?)\.ya?ml$")
_WORKFLOW = re.compile(r"(?:^|/)\.github/workflows/[^/]+\.ya?ml$")
_YAML = re.compile(r"\.ya?ml$")
# Flyway V<n>__/U<n>__ (undo)/R__ (repeatable); golang-migrate/sqlx *.up.sql/*.down.sql;
# goose/dbmate/numbered <n>_name.sql
_SQL_MIGRATION_NAME = re.compile(
    r"(?:^[VU]\d+(?:[._]\d+)*__.+|^R__.+|\.(?:up|down)|^\d+_.+)\.sql$", re.IGNORECASE
)
_MIGRATION_DIR = re.compile(r"(?:^|/)(?:migrations?|migrate|flyway|liquibase|changelogs?|versions)/")
_PY_MIGRATION = re.compile(
    r"(?:^|/)(?:alembic|migrations)/versions/[^/]+\.py$|(?:^|/)migrations/\d{4}_[^/]+\.py$"
)
# numbered SQL that is not a migration: database init scripts, seed data
_NOT_MIGRATION_DIR = re.compile(r"(?:^|/)(?:docker-entrypoint-initdb\.d|initdb|seeds?)/")
_RB_MIGRATION = re.compile(r"(?:^|/)db/(?:\w+_)?migrate/\d+_[^/]+\.rb$")  # multi-db: db/<name>_migrate


def artifact_types(relpath: str) -> set[str]:
    """Every artifact type a path may hold, registered family or not: names decide some (a
    Dockerfile), and mark others as candidates whose content decides (any YAML file)."""
    name = relpath.rsplit("/", 1)[-1]
    found: set[str] = set()
    if _DOCKERFILE.match(name) and not name.endswith(_NOT_DOCKERFILE):
        found.add("dockerfile")
    elif _WORKFLOW.search(relpath):
        found.add("workflow")
    elif _COMPOSE.match(name):
        found.add("compose")
    elif name in ("action.yml", "action.yaml"):  # other tools use the name too: content decides
        found.add("action")
    elif _YAML.search(name):
        found.update(("kubernetes", "prometheus", "alertmanager"))
    elif name.endswith((".tf", ".tfvars")):  # variable files hold values TF006 judges
        found.add("terraform")
    elif _is_migration(relpath, name):
        found.add("migration")
    return found


def _is_migration(relpath: str, name: str) -> bool:
    if _NOT_MIGRATION_DIR.search(relpath):
        return False
    if name.endswith(".sql"):
        return bool(_SQL_MIGRATION_NAME.search(name) or _MIGRATION_DIR.search(relpath))
    if name.endswith(".py"):
        return name != "__init__.py" and bool(_PY_MIGRATION.search(relpath))
    return bool(_RB_MIGRATION.search(relpath))


_BY_CONTENT = frozenset({"kubernetes", "prometheus", "alertmanager", "action"})


def families_by_name(relpath: str) -> set[str]:
    """Registered families a file belongs to from its path alone."""
    return {t for t in artifact_types(relpath) if t in BY_NAME and t not in _BY_CONTENT}


def content_candidates(relpath: str) -> set[str]:
    """Registered families a file might belong to; its content decides (the parser returns None
    when the file is not one of its own)."""
    return {t for t in artifact_types(relpath) if t in BY_NAME and t in _BY_CONTENT}


def families_of_rule(rule_id: str) -> tuple[Family, ...]:
    """Every family whose prefix the rule ID carries (one of them holds the rule)."""
    return FAMILIES_BY_PREFIX.get(rule_id[:2].upper(), ())


def active_families(selected: Callable[[str], bool]) -> frozenset[str]:
    """Families a run needs: those with selected rules, and the ones their rules read."""
    active = {f.name for f in FAMILIES if selected(f.prefix)}
    for family in FAMILIES:
        if family.name in active:
            active.update(family.reads)
    return frozenset(active)
