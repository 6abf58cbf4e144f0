"""Hostile inputs for every audit family, shared by tests/audit/test_fuzz.py and bench/fuzz.py.

Each target names the file a family reads and a few valid seed documents (these below, plus the
rule cases under tests/rules/cases/ read at run time). An input is a seed put through a few
mutations that have broken parsers before (tokens inserted, deleted or repeated, huge numbers,
long runs of one character, deep nesting, YAML aliases, odd unicode, control characters, CRLF, a
BOM, bytes that are not UTF-8) or, now and then, random text. Every choice is drawn from the
`random.Random` given, so a seed number replays an input, and hypothesis can drive and shrink it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from random import Random

CASES = Path(__file__).parent / "rules" / "cases"
# A little over the default max-file-size (1 MiB), so the size limit is crossed now and then too.
MAX_CHARS = 1_100_000

_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app.kubernetes.io/name: api, team: shop}
spec:
  selector: {matchLabels: {app: api}}
  strategy: {type: RollingUpdate}
  replicas: 2
  template:
    metadata: {labels: {app: api}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: api
          image: ghcr.io/shop/api:1.4.2
          ports: [{containerPort: 8080}]
          env:
            - {name: DB_PASSWORD, value: hunter2hunter2}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: api, key: token}}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          readinessProbe: {httpGet: {path: /health, port: 8080}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
"""

_MAIN_TF = """\
terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket = "shop-state"
    key    = "prod/terraform.tfstate"
  }
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_security_group" "web" {
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = { Name = "web-${var.env}", team = "shop" }
}
"""


def _words(spaced: str, *special: str) -> tuple[str, ...]:
    """Tokens of a format: the plain ones written space-separated, then any holding blanks."""
    return (*spaced.split(), *special)


@dataclass(frozen=True, eq=False)  # hashed by identity: the seed cache is keyed on targets
class FuzzTarget:
    name: str
    path: str  # where the fuzzed file goes in the repository
    syntax: str  # decides how nesting is written: yaml, hcl, sql, python, ruby or lines
    parsers: tuple[str, ...]  # opsmith.parse modules whose parse() is also called directly
    seeds: tuple[str, ...]
    cases: tuple[str, ...] = ()  # globs under tests/rules/cases whose files are seeds too
    beside: Mapping[str, str] = field(default_factory=dict)  # fixed files written with it
    words: tuple[str, ...] = ()  # tokens of the format, inserted by mutations


TARGETS: tuple[FuzzTarget, ...] = (
    FuzzTarget(
        "dockerfile",
        "Dockerfile",
        "lines",
        ("dockerfile",),
        (
            "# syntax=docker/dockerfile:1\nARG BASE=python:3.12.7-slim\nFROM ${BASE} AS build\n"
            "WORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
            "COPY . .\nFROM build\nUSER 1000\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n"
            'CMD ["python", "app.py"]\n',
            "FROM node:22 as deps\nENV NPM_TOKEN=abc123def456 API_KEY=${KEY:-x}\n"
            "RUN apt-get update && apt-get install -y curl \\\n    && curl -sL https://x.sh | sh\n"
            "ADD https://example.com/a.tgz /tmp/\nCOPY --from=deps --chown=1:1 .env id_rsa /app/\n"
            "RUN --mount=type=secret,id=npm cd /app && sudo npm install\nENTRYPOINT npm start\n",
        ),
        ("dockerfile/*/**/*Dockerfile*",),
        {".dockerignore": ".git\n"},
        _words(
            "FROM RUN COPY ADD ARG ENV USER CMD ENTRYPOINT HEALTHCHECK ONBUILD SHELL WORKDIR "
            "${A:-b} --from= AS --mount=type=cache && | 0 root",
            "\\\n",
            "<<EOF\n",
            "\nEOF\n",
            "# escape=`\n",
            '["sh", "-c"]',
        ),
    ),
    FuzzTarget(
        "dockerignore",
        ".dockerignore",
        "lines",
        (),
        (".git\n**/*.pem\n!keep.pem\n*.key\n.env*\nnode_modules/\n[a-c]?.txt\n# comment\n",),
        ("dockerfile/*/**/.dockerignore",),
        {"Dockerfile": "FROM alpine:3.20.3\nCOPY . /app\n", ".env": "X=1\n", "id_rsa": "k\n"},
        _words("** * ? ! [ ] [!a] \\ / .git .env {a,b} \\[ #"),
    ),
    FuzzTarget(
        "compose",
        "compose.yaml",
        "yaml",
        ("compose",),
        (
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n"
            "      POSTGRES_PASSWORD: ${PG_PASSWORD:?set it}\n    ports: ['5432:5432', "
            "'127.0.0.1:6379:6379']\n"
            "    volumes: [pgdata:/var/lib/postgresql/data]\n    healthcheck:\n"
            "      test: [CMD, pg_isready]\n  web:\n    build: ./api\n    depends_on: [db]\n"
            "    deploy: {resources: {limits: {memory: 512m}}}\n    restart: unless-stopped\n"
            "volumes:\n  pgdata: {}\n",
        ),
        ("compose/*/**/*compose*.y*ml",),
        {"api/Dockerfile": "FROM python:3.12.7-slim\nHEALTHCHECK CMD true\n"},
        _words(
            "services: image: ports: ${X:-8080} $$ 8080:80 0.0.0.0:5432:5432 extends: &x *x "
            "depends_on: /var/run/docker.sock:/var/run/docker.sock",
            "- ",
            "<<: *x",
            "condition: service_healthy",
            "network_mode: host",
            "privileged: true",
        ),
    ),
    FuzzTarget(
        "workflow",
        ".github/workflows/ci.yml",
        "yaml",
        ("workflow",),
        (
            "name: ci\non:\n  pull_request_target:\n  push: {branches: [main]}\npermissions: "
            "{contents: read}\n"
            "concurrency: deploy\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n"
            "    steps:\n      - uses: actions/checkout@v4\n        with: {ref: '${{ "
            "github.event.pull_request.head.sha }}'}\n"
            '      - run: npm ci && terraform plan -out plan\n      - run: echo "${{ '
            'github.event.issue.title }}"\n'
            "  deploy:\n    needs: [test]\n    environment: production\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - uses: docker/build-push-action@v6\n        with: {push: true, "
            "tags: 'a/b:latest'}\n",
        ),
        ("workflow/*/.github/workflows/*.y*ml",),
        {},
        _words(
            "${{ }} github.event.comment.body run: uses: needs: jobs: steps: matrix fromJSON( "
            "contains( && || ! ' @main on: env: secrets.X [ ]",
            "terraform --aa",
        ),
    ),
    FuzzTarget(
        "action",
        "action.yml",
        "yaml",
        ("action",),
        (
            "name: a\ninputs: {who: {default: x}}\nruns:\n  using: composite\n  steps:\n"
            "    - uses: some-org/tool@main\n    - run: echo ${{ inputs.who }}\n      shell: bash\n"
            "      env: {W: '${{ github.head_ref }}'}\n",
        ),
        ("action/*/action.y*ml", "action/*/.github/actions/*/action.yml"),
        {},
        _words("runs: using: composite docker steps: run: uses: shell: env: ${{ inputs.x }} @v1 docker://a"),
    ),
    FuzzTarget(
        "kubernetes",
        "k8s/app.yaml",
        "yaml",
        ("kubernetes",),
        (
            _DEPLOYMENT,
            "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  selector: {app: api}\n"
            "  ports: [{port: 80, targetPort: 8080}]\n---\napiVersion: v1\nkind: Secret\nmetadata: "
            "{name: s}\n"
            "data: {password: aHVudGVyMg==}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
            "metadata: {name: web}\nspec:\n  rules: [{host: a.example.com}]\n",
        ),
        ("kubernetes/*/*.yaml", "kubernetes/careful-production/k8s/*.yaml"),
        {},
        _words(
            "apiVersion: kind: metadata: spec: containers: image: &a *a hostPath: replicas: "
            "!!binary ~ null opsmith.dev/ignore",
            "---\n",
            "<<: *a",
            "privileged: true",
            "runAsUser: 0",
        ),
    ),
    FuzzTarget(
        "kustomize",
        "k8s/kustomization.yaml",
        "yaml",
        ("kubernetes",),
        (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\n"
            "resources: [deployment.yaml]\nimages: [{name: ghcr.io/shop/api, newTag: 1.4.3}]\n"
            "patches:\n  - target: {kind: Deployment, name: api}\n    patch: |-\n"
            "      - op: replace\n        path: /spec/replicas\n        value: 3\n",
        ),
        ("kubernetes/kustomize/k8s/base/kustomization.yaml",),
        {"k8s/deployment.yaml": _DEPLOYMENT},
        _words(
            "resources: patches: components: namePrefix: value: configMapGenerator: &a *a",
            "- deployment.yaml",
            "- ../",
            "- https://github.com/x/y",
            "op: add",
            "path: /spec",
        ),
    ),
    FuzzTarget(
        "helm",
        "chart/Chart.yaml",
        "yaml",
        ("kubernetes",),
        ("apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.x\n",),
        ("kubernetes/schema/charts/*/Chart.yaml",),
        {
            "chart/values.yaml": "image: {tag: 1.0.0}\n",
            "chart/templates/deployment.yaml": "apiVersion: v1\nkind: ConfigMap\n"
            "metadata: {name: {{ .Release.Name }}}\n",
        },
        _words("apiVersion: name: version: dependencies: {{ }} &a *a", "type: library"),
    ),
    FuzzTarget(
        "terraform",
        "infra/main.tf",
        "hcl",
        ("terraform", "terraform_hcl2"),
        (_MAIN_TF,),
        ("terraform/*/**/*.tf",),
        {"infra/prod.tfvars": 'env = "prod"\n'},
        _words(
            'resource variable module "x" { } = ${ %{ ~} [ ] for in : ? => ... // /* */ # -1 0x 1e9 \\"',
            "<<EOT\n",
            "\nEOT\n",
        ),
    ),
    FuzzTarget(
        "tfvars",
        "infra/terraform.tfvars",
        "hcl",
        ("terraform",),
        (
            'env = "prod"\ndb_password = "S3cr3t-Passw0rd!"\nsizes = { web = 2, db = "db.t3.micro" }\n'
            'zones = ["a", "b"]\n',
        ),
        ("terraform/*/**/*.tfvars",),
        {"infra/main.tf": _MAIN_TF},
        _words('= " { } [ ] ${ token password -1 true', "<<EOT\n", "\nEOT\n"),
    ),
    FuzzTarget(
        "prometheus-rules",
        "monitoring/alerts.yml",
        "yaml",
        ("prometheus",),
        (
            "groups:\n  - name: api\n    interval: 30s\n    rules:\n      - alert: HighErrorRate\n"
            '        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) / '
            "sum(rate(http_requests_total[5m])) > 0.05\n"
            "        for: 10m\n        labels: {severity: critical}\n"
            "        annotations: {summary: 'errors', runbook_url: 'https://r/x'}\n"
            "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
            "      - alert: Slow\n        expr: histogram_quantile(0.99, rate(x_bucket[5m])) > 1\n",
        ),
        ("prometheus/*/*.yml", "prometheus/*/rules/*.yml"),
        {},
        _words(
            "groups: rules: alert: expr: for: 99999999999999d 1y2w rate( ) [5m] { } =~ offset @ "
            "labels: &a *a",
            "{{ $value }}",
            "by (",
            "severity: page",
        ),
    ),
    FuzzTarget(
        "prometheus-config",
        "monitoring/prometheus.yml",
        "yaml",
        ("prometheus",),
        (
            "global:\n  scrape_interval: 15s\n  evaluation_interval: 30s\nrule_files: [alerts/*.yml]\n"
            "alerting:\n  alertmanagers: [{static_configs: [{targets: ['am:9093']}]}]\nscrape_configs:\n"
            "  - job_name: api\n    scrape_interval: 5s\n    static_configs: [{targets: ['api:8080']}]\n",
        ),
        ("repository/monitoring/*/prometheus.y*ml",),
        {},
        _words(
            "scrape_interval: 99999999999999d scrape_configs: job_name: rule_files: targets: -1s "
            "0s 1e400 &a *a"
        ),
    ),
    FuzzTarget(
        "alertmanager",
        "monitoring/alertmanager.yml",
        "yaml",
        ("alertmanager",),
        (
            "route:\n  receiver: oncall\n  group_by: [alertname]\n  group_wait: 30s\n  repeat_interval: 4h\n"
            "  routes:\n    - matchers: ['severity=\"critical\"', 'team=~\"a|b\"']\n      receiver: chat\n"
            "      continue: true\ninhibit_rules:\n  - source_matchers: [severity=critical]\n"
            "    target_matchers: [severity=warning]\n    equal: [alertname]\nreceivers:\n"
            "  - name: oncall\n    pagerduty_configs: [{routing_key: abc}]\n"
            "  - name: chat\n    slack_configs: [{api_url: 'https://hooks.slack.com/services/T/B/x'}]\n",
        ),
        ("alertmanager/*/*.yml",),
        {},
        _words(
            'route: receivers: receiver: matchers: match_re: =~ !~ " group_wait: 99999999999999d '
            "routes: &a *a { } ,",
            "- name:",
            "continue: true",
        ),
    ),
    FuzzTarget(
        "sql-migration",
        "db/migrations/000001_orders.up.sql",
        "sql",
        ("migration",),
        (
            "BEGIN;\nALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT '';\n"
            "CREATE INDEX orders_note ON orders (note);\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n"
            "UPDATE orders SET note = 'x' WHERE id > 10;\nALTER TABLE orders ADD CONSTRAINT c "
            "CHECK (id > 0);\n"
            "COMMIT;\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ "
            "LANGUAGE sql;\n"
            "-- +goose StatementEnd\n",
        ),
        ("migration/*/**/*.sql",),
        {"db/migrations/000001_orders.down.sql": "DROP TABLE orders;\n"},
        _words(
            "DROP COLUMN INDEX CONCURRENTLY ( ) ; ' $$ -- /* */ E'\\",
            "ALTER TABLE",
            "NOT NULL",
            "-- +goose Up\n",
            "-- +migrate Down\n",
            "--liquibase formatted sql\n",
        ),
    ),
    FuzzTarget(
        "alembic",
        "alembic/versions/1a2b3c4d5e6f_orders.py",
        "python",
        ("migration",),
        (
            'revision = "1a2b3c4d5e6f"\ndown_revision = None\nfrom alembic import op\nimport '
            "sqlalchemy as sa\n\n"
            "def upgrade():\n    op.add_column('orders', sa.Column('note', sa.Text(), nullable=False))\n"
            "    op.create_index('ix', 'orders', ['note'])\n    op.execute(\"ALTER TABLE orders "
            'DROP COLUMN fax")\n'
            "    with op.batch_alter_table('t') as b:\n        b.drop_column('x')\n\n"
            "def downgrade():\n    op.drop_column('orders', 'note')\n",
        ),
        ("migration/*/alembic/versions/*.py",),
        {},
        _words(
            "op. ( ) ' \" , sa.Column( nullable=False postgresql_concurrently=True op.execute( \\ f' * ** [",
            "def upgrade():\n",
            "    ",
            "lambda: ",
        ),
    ),
    FuzzTarget(
        "django",
        "shop/migrations/0001_initial.py",
        "python",
        ("migration",),
        (
            "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n"
            "    atomic = False\n    dependencies = [('shop', '0000_x')]\n    operations = [\n"
            "        migrations.AddField('order', 'note', models.TextField(null=False, default='')),\n"
            "        migrations.RemoveField(model_name='order', name='fax'),\n"
            "        migrations.RunSQL('CREATE INDEX i ON shop_order (note)'),\n    ]\n",
        ),
        ("migration/django/shop/migrations/0*.py", "migration/careful_setup/catalog/migrations/0*.py"),
        {"shop/migrations/__init__.py": ""},
        _words(
            "migrations. models. ( ) ' , [ ] AddIndexConcurrently( RunPython( null=False "
            "AlterField( RenameField( \\",
            "    ",
        ),
    ),
    FuzzTarget(
        "rails",
        "db/migrate/20240101000000_change_orders.rb",
        "ruby",
        ("migration",),
        (
            "class ChangeOrders < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n"
            "    add_column :orders, :note, :text, null: false\n"
            "    add_index :orders, :note, algorithm: :concurrently\n    remove_column :orders, :fax\n"
            "    execute <<~SQL\n      ALTER TABLE orders VALIDATE CONSTRAINT c;\n    SQL\n  end\nend\n",
        ),
        ("migration/*/db/migrate/*.rb",),
        {},
        _words(
            "end do |t| : , ( ) \" ' #{ } change_column rename_column t.references",
            "def change",
            "def up",
            "<<~SQL\n",
            "\nSQL\n",
            "safety_assured {",
        ),
    ),
    FuzzTarget(
        "repository",
        ".env",
        "lines",
        (),
        (
            "DATABASE_URL=postgresql://shop:Sup3rS3cret@db:5432/shop\n"
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n"
            "GITHUB_TOKEN=ghp_"  # split: opsmith audits itself
            "012345678901234567890123456789abcdef\nexport API_KEY='x${Y}'\n"
            "SLACK=https://hooks.slack.com/services/T000/B000/XXXXXXXX\n",
        ),
        ("repository/secrets/.env*",),
        {
            "README.md": "# shop\n\n## Rollback\n\nRedeploy the previous tag.\n",
            "package.json": '{"name": "shop", "scripts": {"build": "tsc"}}\n',
            ".gitlab-ci.yml": "stages: [test]\ntest:\n  script: [npm test]\n",
        },
        _words("= ' \" ${ } # :// @ AKIA ghp_ sk_live_ -----BEGIN PASSWORD TOKEN \\", "export "),
    ),
)

BY_NAME = {t.name: t for t in TARGETS}

# Characters that have upset parsers and terminals: NUL and other controls, odd line breaks,
# bidi overrides, zero-width and wide characters, a BOM, private-use and astral-plane code points.
_ODD_CHARS = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\xa0\u2028\u2029\u202e\u200b\ufeff\ufffd\ue000"
    "\U0001f600\u4e2d\u0301\t\r"
)
_GENERIC_WORDS = ("\n", " ", "\t", ":", "-", "'", '"', "{", "}", "[", "]", "(", ")", "#", "\\", "$", "=", "*")
_RUN_CHARS = "{[(<'\"`-*\\ a0:$=#\t\n%&!|;,.@/"
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@cache
def seeds_of(target: FuzzTarget) -> tuple[str, ...]:
    """The target's own seeds and its rule-case files (read once)."""
    found = [
        path.read_text(encoding="utf-8", errors="replace")
        for pattern in target.cases
        for path in sorted(CASES.glob(pattern))
        if path.is_file()
    ]
    return target.seeds + tuple(found)


def fuzz_input(target: FuzzTarget, rng: Random) -> bytes:
    """One input for the target: usually a mutated seed, sometimes random text."""
    if rng.random() < 0.1:
        text = _random_text(target, rng)
    else:
        seeds = seeds_of(target)
        text = seeds[rng.randrange(len(seeds))]
        for _ in range(rng.randint(1, 4)):
            text = _MUTATIONS[rng.randrange(len(_MUTATIONS))](text, target, rng)[:MAX_CHARS]
    return _encode(text, rng)


def _random_text(target: FuzzTarget, rng: Random) -> str:
    size = rng.choice((0, 1, 8, 64, 512, 4096))
    if rng.random() < 0.5:
        pool = target.words + _GENERIC_WORDS
        return "".join(rng.choice(pool) for _ in range(size // 4 + 1))
    return "".join(chr(rng.choice((rng.randrange(32, 127), rng.randrange(0x110000)))) for _ in range(size))


def _size(rng: Random) -> int:
    """A length for runs and repeats: mostly modest, now and then up to near the size limit."""
    if rng.random() < 0.01:
        return rng.choice((100_000, 300_000, 1_000_000))
    return rng.choice((2, 10, 100, 1000, 1000, 10_000))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _insert_token(text: str, target: FuzzTarget, rng: Random) -> str:
    tokens = _tokens(text)
    pool = target.words + _GENERIC_WORDS
    tokens.insert(rng.randint(0, len(tokens)), rng.choice(pool))
    return "".join(tokens)


def _delete_tokens(text: str, target: FuzzTarget, rng: Random) -> str:
    tokens = _tokens(text)
    start, end = _span(tokens, 8, rng)
    return "".join(tokens[:start] + tokens[end:])


def _duplicate_tokens(text: str, target: FuzzTarget, rng: Random) -> str:
    tokens = _tokens(text)
    start, end = _span(tokens, 12, rng)
    at = rng.randint(0, len(tokens))
    copies = _repeat("".join(tokens[start:end]), rng.choice((1, 2, 50, 1000)))
    return "".join(tokens[:at]) + copies + "".join(tokens[at:])


def _span(tokens: list[str], longest: int, rng: Random) -> tuple[int, int]:
    """Where a run of up to `longest` tokens starts and ends (empty when there are no tokens)."""
    if not tokens:
        return 0, 0
    start = rng.randrange(len(tokens))
    return start, start + rng.randint(1, longest)


def _duplicate_lines(text: str, target: FuzzTarget, rng: Random) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    start = rng.randrange(len(lines))
    block = lines[start : start + rng.randint(1, 6)]
    return (
        "".join(lines[:start])
        + _repeat("".join(block), rng.choice((2, 2, 20, 20, 200, 200, 2000)))
        + "".join(lines[start:])
    )


def _huge_number(text: str, target: FuzzTarget, rng: Random) -> str:
    numbers = [m.span() for m in re.finditer(r"\d+", text)]
    big = rng.choice(("9" * rng.choice((19, 20, 400, 5000)), "-1", "0", "1e309", "-0", "0x7fffffff", "nan"))
    big += rng.choice(("", "", "s", "d", "y", "ms", "Mi", "m"))
    if not numbers:
        return _insert_at(text, big, rng)
    start, end = numbers[rng.randrange(len(numbers))]
    return text[:start] + big + text[end:]


def _long_run(text: str, target: FuzzTarget, rng: Random) -> str:
    return _insert_at(text, _repeat(rng.choice(_RUN_CHARS), _size(rng)), rng)


def _deep_nesting(text: str, target: FuzzTarget, rng: Random) -> str:
    depth = rng.choice((10, 100, 1000, 5000))
    return _insert_at(text, _NESTING[target.syntax](depth, rng), rng)


def _yaml_nesting(depth: int, rng: Random) -> str:
    if rng.random() < 0.5:
        return "\n" + "".join("  " * i + "a:\n" for i in range(min(depth, 300))) + "  " * depth + "b: 1\n"
    return "x: " + "[{a: " * depth + "1" + "}]" * depth + "\n"


def _hcl_nesting(depth: int, rng: Random) -> str:
    if rng.random() < 0.5:
        return "\n" + 'b "x" {\n' * depth + "}\n" * depth
    return "\nlocals {\n  x = " + "[{a = " * depth + "1" + "}]" * depth + "\n}\n"


def _sql_nesting(depth: int, rng: Random) -> str:
    return "\nSELECT " + "(" * depth + "1" + ")" * depth + ";\n"


def _python_nesting(depth: int, rng: Random) -> str:
    if rng.random() < 0.5:
        return "\n    op.execute(" + "[" * depth + "1" + "]" * depth + ")\n"
    return "\n" + "".join("    " * i + "if x:\n" for i in range(min(depth, 150))) + "    " * depth + "pass\n"


def _ruby_nesting(depth: int, rng: Random) -> str:
    return "\n" + "foo do\n" * depth + "end\n" * depth


def _line_nesting(depth: int, rng: Random) -> str:
    return rng.choice(("[", "{", "(", "${")) * depth + rng.choice(("]", "}", ")")) * depth


_NESTING: dict[str, Callable[[int, Random], str]] = {
    "yaml": _yaml_nesting,
    "hcl": _hcl_nesting,
    "sql": _sql_nesting,
    "python": _python_nesting,
    "ruby": _ruby_nesting,
    "lines": _line_nesting,
}


def _aliases(text: str, target: FuzzTarget, rng: Random) -> str:
    """YAML anchors and aliases: a "billion laughs" chain, a merge key, or an unknown alias."""
    choice = rng.random()
    if choice < 0.5:
        width, depth = rng.randint(2, 10), rng.randint(1, 10)
        lines = [f"l0: &l0 {'x' * rng.randint(1, 5)}"]
        lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, depth + 1)]
        bomb = "\n".join(lines) + "\n"
        # at the top, or as the value of an existing key so the family still claims the file
        return bomb + text if rng.random() < 0.5 else _indent_into(text, bomb, rng)
    if choice < 0.8:
        return _insert_at(
            text,
            rng.choice(("&a ", "*a", "<<: *a\n", "&a [1, *a]", "? *a\n", "!!python/name:os.system ")),
            rng,
        )
    return re.sub(
        r":( +)(\S)",
        lambda m: f":{m.group(1)}&k{rng.randrange(3)} {m.group(2)}",
        text,
        count=rng.randint(1, 5),
    )


def _indent_into(text: str, block: str, rng: Random) -> str:
    lines = text.splitlines(keepends=True)
    keyed = [i for i, line in enumerate(lines) if line.rstrip().endswith(":")]
    if not keyed:
        return block + text
    at = rng.choice(keyed)
    indent = " " * (len(lines[at]) - len(lines[at].lstrip()) + 2)
    inner = "".join(indent + line + "\n" for line in block.splitlines())
    return "".join(lines[: at + 1]) + inner + "".join(lines[at + 1 :])


def _odd_chars(text: str, target: FuzzTarget, rng: Random) -> str:
    for _ in range(rng.randint(1, 5)):
        text = _insert_at(text, rng.choice(_ODD_CHARS) * rng.choice((1, 1, 3, 100)), rng)
    return text


def _line_endings(text: str, target: FuzzTarget, rng: Random) -> str:
    return text.replace("\n", rng.choice(("\r\n", "\r", "\n\n", "\r\r\n", "\u2028")))


def _truncate(text: str, target: FuzzTarget, rng: Random) -> str:
    return text[: rng.randint(0, len(text))]


def _splice(text: str, target: FuzzTarget, rng: Random) -> str:
    """Half of this text and half of another seed (any target's: formats meet in one folder)."""
    other_target = rng.choice(TARGETS)
    others = seeds_of(other_target)
    other = others[rng.randrange(len(others))]
    return text[: rng.randint(0, len(text))] + other[rng.randint(0, len(other)) :]


def _repeat(piece: str, times: int) -> str:
    """`piece` repeated, short of MAX_CHARS: mutations compound, memory must not."""
    return piece * min(times, MAX_CHARS // max(1, len(piece)))


def _insert_at(text: str, piece: str, rng: Random) -> str:
    at = rng.randint(0, len(text))
    return text[:at] + piece + text[at:]


_MUTATIONS: tuple[Callable[[str, FuzzTarget, Random], str], ...] = (
    _insert_token,
    _insert_token,
    _delete_tokens,
    _duplicate_tokens,
    _duplicate_lines,
    _huge_number,
    _long_run,
    _deep_nesting,
    _aliases,
    _odd_chars,
    _line_endings,
    _truncate,
    _splice,
)


def _encode(text: str, rng: Random) -> bytes:
    data = text.encode("utf-8", errors="surrogatepass")
    roll = rng.random()
    if roll < 0.05:
        return b"\xef\xbb\xbf" + data  # a BOM
    if roll < 0.1 and data:
        at = rng.randrange(len(data))
        return data[:at] + rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80")) + data[at:]
    return data
