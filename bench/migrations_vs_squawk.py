"""opsmith's migration rules (MG) vs squawk on the same SQL migrations, in the same run.

    python bench/migrations_vs_squawk.py [--migrations 25] [--runs 5] [--seed 7]

Writes a corpus of realistic golang-migrate migrations (`N_name.up.sql` and, for most, the matching
`N_name.down.sql`: about 50 files by default) to a temporary folder: new tables with their indexes
and foreign keys, expand/contract steps, backfills, concurrent indexes, constraints added NOT VALID
and validated later, and the usual mistakes (required columns without a default, renames, drops,
type changes, blocking indexes, SET NOT NULL, volatile defaults). It then times one
`opsmith audit DIR --select MG` process and one `squawk FILE...` process over the same files (best
of N runs each), prints both wall times and the ratio, and a table of which squawk rules map to
which MG rule with the findings each tool reported on the corpus. It asserts nothing.
squawk comes from PyPI (`pip install squawk-cli`, in the dev extra).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, opsmith_argv, peer, report

from opsmith.parse.errors import ParseFailure
from opsmith.parse.migration_sql import statements
from opsmith.rules.migration import SQUAWK_EQUIVALENTS

TABLES = ("orders", "customers", "products", "invoices", "shipments", "carts", "payments", "reviews")

# (up, down) templates; {t} an existing table, {n} a number, {new} a table created here
SAFE = [
    (
        "CREATE TABLE {new} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "    {t}_id bigint NOT NULL REFERENCES {t} (id),\n    note text,\n"
        "    created_at timestamptz NOT NULL DEFAULT now()\n);\n"
        "CREATE INDEX {new}_{t}_id_idx ON {new} ({t}_id);\n",
        "DROP TABLE {new};\n",
    ),
    (
        "SET lock_timeout = '3s';\nALTER TABLE {t} ADD COLUMN label_{n} text;\n",
        "ALTER TABLE {t} DROP COLUMN label_{n};\n",
    ),
    (
        "ALTER TABLE {t} ADD COLUMN status_{n} text NOT NULL DEFAULT 'active';\n",
        "ALTER TABLE {t} DROP COLUMN status_{n};\n",
    ),
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {t}_ref_{n}_idx ON {t} (ref_{n});\n",
        "DROP INDEX CONCURRENTLY IF EXISTS {t}_ref_{n}_idx;\n",
    ),
    (
        "ALTER TABLE {t} ADD CONSTRAINT {t}_owner_{n}_fk\n"
        "    FOREIGN KEY (owner_id) REFERENCES customers (id) NOT VALID;\n",
        "ALTER TABLE {t} DROP CONSTRAINT {t}_owner_{n}_fk;\n",
    ),
    (
        "UPDATE {t} SET label_{n} = 'n/a' WHERE label_{n} IS NULL;\n",
        "-- nothing to undo: a backfill\n",
    ),
    (
        "CREATE OR REPLACE VIEW {t}_summary_{n} AS\n    SELECT id, created_at FROM {t};\n",
        "DROP VIEW {t}_summary_{n};\n",
    ),
]
RISKY = [
    (
        "ALTER TABLE {t} ADD COLUMN region_{n} text NOT NULL;\n",
        "ALTER TABLE {t} DROP COLUMN region_{n};\n",
    ),
    ("ALTER TABLE {t} DROP COLUMN legacy_{n};\n", "ALTER TABLE {t} ADD COLUMN legacy_{n} text;\n"),
    (
        "ALTER TABLE {t} RENAME COLUMN title_{n} TO name_{n};\n",
        "ALTER TABLE {t} RENAME COLUMN name_{n} TO title_{n};\n",
    ),
    (
        "ALTER TABLE {t} ALTER COLUMN amount_{n} TYPE bigint;\n",
        "ALTER TABLE {t} ALTER COLUMN amount_{n} TYPE integer;\n",
    ),
    ("CREATE INDEX {t}_placed_{n}_idx ON {t} (placed_at);\n", "DROP INDEX {t}_placed_{n}_idx;\n"),
    (
        "ALTER TABLE {t} ADD CONSTRAINT {t}_total_{n}_positive CHECK (total_{n} >= 0);\n",
        "ALTER TABLE {t} DROP CONSTRAINT {t}_total_{n}_positive;\n",
    ),
    (
        "ALTER TABLE {t} ALTER COLUMN email_{n} SET NOT NULL;\n",
        "ALTER TABLE {t} ALTER COLUMN email_{n} DROP NOT NULL;\n",
    ),
    ("DROP TABLE IF EXISTS {t}_archive_{n};\n", "CREATE TABLE {t}_archive_{n} (id bigint PRIMARY KEY);\n"),
    (
        "ALTER TABLE {t} ADD COLUMN public_id_{n} uuid NOT NULL DEFAULT gen_random_uuid();\n",
        "ALTER TABLE {t} DROP COLUMN public_id_{n};\n",
    ),
    (
        "ALTER TABLE {t} ADD CONSTRAINT {t}_code_{n}_key UNIQUE (code_{n});\n",
        "ALTER TABLE {t} DROP CONSTRAINT {t}_code_{n}_key;\n",
    ),
    (
        "BEGIN;\nCREATE INDEX CONCURRENTLY {t}_sku_{n}_idx ON {t} (sku_{n});\nCOMMIT;\n",
        "DROP INDEX CONCURRENTLY {t}_sku_{n}_idx;\n",
    ),
    (
        "ALTER TABLE {t} ADD CONSTRAINT {t}_email_{n}_nn CHECK (email_{n} IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE {t} VALIDATE CONSTRAINT {t}_email_{n}_nn;\n"
        "ALTER TABLE {t} ALTER COLUMN email_{n} SET NOT NULL;\n",
        "ALTER TABLE {t} ALTER COLUMN email_{n} DROP NOT NULL;\n",
    ),
]


def build_corpus(root: Path, migrations: int, seed: int) -> list[Path]:
    """`migrations` up files, each with statements from 1-3 templates; 9 in 10 have a down file."""
    rng = random.Random(seed)
    folder = root / "db" / "migrations"
    folder.mkdir(parents=True)
    files = []
    for n in range(1, migrations + 1):
        # every other migration carries one mistake, in turn, so the corpus has each kind
        risky = [RISKY[(n // 2) % len(RISKY)]] if n % 2 == 0 else rng.sample(RISKY, rng.randint(0, 1))
        picks = rng.sample(SAFE, rng.randint(1, 2)) + risky
        rng.shuffle(picks)
        fill = {"t": rng.choice(TABLES), "n": n, "new": f"audit_log_{n}"}
        up = "".join(u.format(**fill) for u, _ in picks)
        down = "".join(d.format(**fill) for _, d in reversed(picks))
        name = f"{n:06d}_step_{n}"
        files.append(folder / f"{name}.up.sql")
        files[-1].write_text(f"-- migration {n}\n{up}")
        if rng.random() < 0.9:
            files.append(folder / f"{name}.down.sql")
            files[-1].write_text(down)
    return files


def opsmith_findings(root: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        opsmith_argv("audit", str(root), "--select", "MG", "-f", "json", "--fail-on", "never"),
        capture_output=True,
        text=True,
        check=True,
    )
    findings: list[dict[str, object]] = json.loads(out.stdout)["findings"]
    return findings


def squawk_findings(squawk: str, files: list[Path], root: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        [squawk, "--reporter", "json", *map(str, files)], capture_output=True, text=True, check=False
    )
    items: list[dict[str, object]] = json.loads(out.stdout or "[]")
    for item in items:  # squawk lines are 0-based; paths as given
        item["line"] = int(str(item["line"])) + 1
        item["path"] = Path(str(item["file"])).resolve().relative_to(root.resolve()).as_posix()
    return items


def statement_index(root: Path, path: str) -> dict[int, int]:
    """line -> statement number, so findings of both tools on one statement can be matched."""
    text = (root / path).read_text()
    parsed = statements(text)
    starts = [] if isinstance(parsed, ParseFailure) else [s.line for s in parsed]
    total = text.count("\n") + 1
    return {line: sum(1 for s in starts if s <= line) for line in range(1, total + 1)}


def compare(root: Path, ours: list[dict[str, object]], theirs: list[dict[str, object]]) -> None:
    index: dict[str, dict[int, int]] = {}

    def where(item: dict[str, object]) -> tuple[str, int]:
        path = str(item["path"])
        if path not in index:
            index[path] = statement_index(root, path)
        return path, index[path].get(int(str(item["line"] or 0)), 0)

    squawk_at: dict[str, set[tuple[str, int]]] = {}
    for item in theirs:
        squawk_at.setdefault(str(item["rule_name"]), set()).add(where(item))
    labels = {
        r: ", ".join(n) or "(none: squawk reads one file at a time)" for r, n in SQUAWK_EQUIVALENTS.items()
    }
    width = max(map(len, labels.values()))
    print(
        f"\n{'MG rule':<7}  {'squawk rule(s)':<{width}}  {'opsmith':>7}  {'squawk':>6}  "
        f"{'squawk on up files':>18}  {'both':>4}"
    )
    mapped: set[str] = set()
    for rule, names in SQUAWK_EQUIVALENTS.items():
        mine = {where(f) for f in ours if f["rule"] == rule}
        peers = set().union(*(squawk_at.get(name, set()) for name in names)) if names else set()
        up_only = {p for p in peers if not p[0].endswith(".down.sql")}
        mapped.update(names)
        print(
            f"{rule:<7}  {labels[rule]:<{width}}  {len(mine):>7}  {len(peers):>6}  {len(up_only):>18}  "
            f"{len(mine & peers):>4}"
        )
    print("(counts are statements: one per file and statement, however many clauses)")
    others = Counter(str(item["rule_name"]) for item in theirs if item["rule_name"] not in mapped)
    print("\nsquawk rules with no MG counterpart (findings on the corpus):")
    for name, count in others.most_common():
        print(f"  {name:<40} {count:>5}")
    down_files = sum(1 for item in theirs if str(item["path"]).endswith(".down.sql"))
    down_mapped = sum(
        1 for item in theirs if str(item["path"]).endswith(".down.sql") and item["rule_name"] in mapped
    )
    print(
        f"\nsquawk findings in down migrations: {down_files} ({down_mapped} of MG-mapped rules); "
        "opsmith judges only the up direction"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migrations", type=int, default=27, help="up migrations (plus ~90%% downs)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    squawk = peer("squawk")
    version = subprocess.run(
        [squawk, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = build_corpus(root, args.migrations, args.seed)
        ours_s = best_of(
            opsmith_argv("audit", str(root), "--select", "MG", "-f", "json", "--fail-on", "never"), args.runs
        )
        theirs_s = best_of([squawk, "--reporter", "json", *map(str, files)], args.runs)
        print(f"corpus: {len(files)} SQL migration files; peer: {version}; best of {args.runs} runs\n")
        report([(f"{len(files)} migration files", ours_s, theirs_s)], "squawk")
        print(f"ratio: opsmith takes {ours_s / theirs_s:.1f}x squawk's wall time")
        compare(root, opsmith_findings(root), squawk_findings(squawk, files, root))


if __name__ == "__main__":
    main()
