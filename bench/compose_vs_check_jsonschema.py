"""opsmith's Compose audit vs check-jsonschema validating the same files, in the same run.

    python bench/compose_vs_check_jsonschema.py [--files 50] [--runs 3]

Builds a corpus of compose files (a careful production stack, a quick development stack with the
usual mistakes, a file with overrides and anchors) in a temporary folder, one project per folder,
then times one `opsmith audit --select DC` process (YAML, interpolation, the Compose Specification
schema and every DC rule) and one `check-jsonschema` process that only validates the same files
against the same vendored schema (best of N runs each), and one file alone. check-jsonschema comes
from the dev extra. Prints wall times and the ratio; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, opsmith_argv, peer, report

SCHEMA = Path(__file__).resolve().parents[1] / "src" / "opsmith" / "data" / "schemas" / "compose-spec.json"

TEMPLATES = [
    """name: shop{v}
x-limits: &limits
  resources:
    limits: {{memory: 512M, cpus: "1.0"}}
services:
  api:
    image: ghcr.io/acme/api:1.{v}.0
    restart: unless-stopped
    ports: ["127.0.0.1:3000:3000"]
    environment:
      DATABASE_URL: postgresql://shop:${{POSTGRES_PASSWORD}}@db:5432/shop
      SESSION_SECRET: ${{SESSION_SECRET:?set it}}
    depends_on:
      db: {{condition: service_healthy}}
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:3000/healthz"]
    deploy: *limits
  db:
    image: postgres:16.{v}
    restart: unless-stopped
    environment:
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:?set it}}
    volumes: [pgdata:/var/lib/postgresql/data]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
    deploy: *limits
volumes:
  pgdata:
""",
    """services:
  web:
    build: ./web
    ports: ["80:80", "${{PORT:-8{v}}}:8080"]
    environment:
      - DATABASE_URL=postgresql://app:hunter{v}@db/app
      - JWT_SECRET=${{JWT_SECRET:-dev-secret}}
    depends_on: [db, cache]
  db:
    image: mysql
    environment:
      MYSQL_ROOT_PASSWORD: root{v}
    ports: ["3306:3306"]
    healthcheck:
      test: ["CMD", "mysqladmin", "ping"]
  cache:
    image: redis:latest
    ports: ["6379:6379"]
  agent:
    image: acme/agent:{v}.0.1
    privileged: true
    volumes: [/var/run/docker.sock:/var/run/docker.sock]
""",
    """version: "3.9"
services:
  worker:
    image: ghcr.io/acme/worker:2.{v}.1
    command: ["celery", "-A", "app", "worker"]
    restart: always
    mem_limit: 512m
    deploy:
      replicas: ${{REPLICAS:-2}}
    depends_on:
      broker:
        condition: service_healthy
        required: ${{BROKER_REQUIRED:-true}}
  broker:
    image: rabbitmq:4.0.{v}-management
    restart: always
    volumes:
      - type: volume
        source: rabbit
        target: /var/lib/rabbitmq
    healthcheck:
      test: rabbitmq-diagnostics -q ping
    mem_limit: 1g
  migrate:
    image: ghcr.io/acme/worker:2.{v}.1
    command: alembic upgrade head
    mem_limit: 256m
volumes:
  rabbit: {{}}
""",
]


def build_corpus(root: Path, count: int) -> list[Path]:
    """One project per folder, alternating the two usual file names."""
    paths = [
        root / f"stack{i:03d}" / ("compose.yaml" if i % 2 else "docker-compose.yml") for i in range(count)
    ]
    for i, path in enumerate(paths):
        path.parent.mkdir(parents=True)
        path.write_text(TEMPLATES[i % len(TEMPLATES)].format(v=i % 20))
    return paths


def timings(root: Path, files: list[Path], runs: int) -> list[tuple[str, float, float]]:
    """(workload, opsmith seconds, check-jsonschema seconds) for the whole corpus and one file."""
    ours = [*opsmith_argv("audit"), "--select", "DC", "-f", "json", "--fail-on", "never"]
    theirs = [peer("check-jsonschema"), "--schemafile", str(SCHEMA)]
    return [
        (
            f"{len(files)} files",
            best_of([*ours, str(root)], runs),
            best_of([*theirs, *map(str, files)], runs),
        ),
        ("1 file", best_of([*ours, str(files[0])], 5), best_of([*theirs, str(files[0])], 5)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = timings(Path(tmp), build_corpus(Path(tmp), args.files), args.runs)
    print(f"{args.files} compose files, best of {args.runs} runs, one process per tool per run")
    print("(opsmith runs the schema and all DC rules; check-jsonschema only the schema)")
    report(rows, "check-jsonschema")


if __name__ == "__main__":
    main()
