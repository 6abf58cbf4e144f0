"""opsmith vs zizmor on the same GitHub Actions workflows, in the same run.

    python bench/workflows_vs_zizmor.py [--files 50] [--runs 3] [--corpus DIR]

Builds a corpus of realistic workflows (CI for several ecosystems, image builds, Kubernetes and
Terraform deploys, reusable-workflow calls, issue triage, pull_request_target checks; careful and
careless ones) under `.github/workflows/` of a temporary folder, or takes an existing repository
with `--corpus`. Then times one `opsmith audit --select GA` process and one `zizmor --offline`
process over the same files (best of N runs each). zizmor comes from the dev extra (`pip install
zizmor`); this script installs nothing. Prints the file count, both wall times and the ratio (also
for opsmith without GA001, whose JSON-schema validation zizmor does not do); it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, opsmith_argv, peer, report

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"

TEMPLATES = [
    # Node CI, careful.
    """name: CI {i}
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
concurrency:
  group: ci-{i}-${{{{ github.ref }}}}
  cancel-in-progress: true
jobs:
  lint:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: {checkout}
        with:
          persist-credentials: false
      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0
        with:
          node-version: {node}
      - run: npm ci
      - run: npm run lint
  test:
    runs-on: ubuntu-24.04
    timeout-minutes: 15
    strategy:
      matrix:
        node: [20, 22]
    steps:
      - uses: {checkout}
        with:
          persist-credentials: false
      - run: npm ci && npm test
  audit:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: {checkout}
        with:
          persist-credentials: false
      - run: npm audit --audit-level=high
""",
    # Python CI, careless.
    """name: Python {i}
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.{py}"
      - run: pip install -r requirements.txt
      - run: pytest -q --cov
      - uses: codecov/codecov-action@v4
        with:
          token: ${{{{ secrets.CODECOV_TOKEN }}}}
""",
    # Image build and Kubernetes deploy, careless.
    """name: Deploy {i}
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{{{ github.actor }}}}
          password: ${{{{ secrets.GITHUB_TOKEN }}}}
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/acme/svc{i}:latest
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: azure/setup-kubectl@v4
      - run: kubectl -n svc{i} set image deployment/svc{i} app=ghcr.io/acme/svc{i}:latest
      - run: echo "Deployed ${{{{ github.sha }}}}"
""",
    # Terraform through a reusable workflow, careful.
    """name: Infra {i}
on:
  push:
    branches: [main]
    paths: ["infra/**"]
permissions:
  contents: read
  id-token: write
concurrency: infra-{i}
jobs:
  plan:
    runs-on: ubuntu-24.04
    timeout-minutes: 20
    steps:
      - uses: {checkout}
        with:
          persist-credentials: false
      - uses: hashicorp/setup-terraform@dfe3c3f87815947d99a8997f908cb6525fc44e9e # v4.0.1
      - run: terraform -chdir=infra init -input=false && terraform -chdir=infra plan -input=false
      - uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0
        with:
          scan-type: config
          scan-ref: infra
  apply:
    needs: plan
    uses: acme/platform/.github/workflows/terraform-apply.yml@0123456789abcdef0123456789abcdef01234567
    with:
      environment: production
      directory: infra
""",
    # Issue triage with injections, careless.
    """name: Triage {i}
on:
  issues:
    types: [opened, edited]
  issue_comment:
    types: [created]
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: echo "Issue ${{{{ github.event.issue.title }}}} opened by ${{{{ github.actor }}}}"
      - uses: actions/github-script@v7
        with:
          script: |
            const body = `${{{{ github.event.comment.body }}}}`
            if (body.includes('/label')) core.info('labelling')
      - uses: actions-ecosystem/action-add-labels@v1
        with:
          labels: triage
""",
    # pull_request_target checking out the head, careless.
    """name: Preview {i}
on:
  pull_request_target:
    types: [opened, synchronize]
permissions:
  contents: read
  pull-requests: write
jobs:
  preview:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{{{ github.event.pull_request.head.sha }}}}
      - run: npm install && npm run build
      - uses: amondnet/vercel-action@v25
        with:
          vercel-token: ${{{{ secrets.VERCEL_TOKEN }}}}
          github-comment: true
""",
]


def build_corpus(root: Path, count: int) -> list[Path]:
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    files = []
    for i in range(count):
        text = TEMPLATES[i % len(TEMPLATES)].format(
            i=i, checkout=CHECKOUT, node=20 + 2 * (i % 2), py=10 + i % 4
        )
        path = folder / f"workflow-{i:03d}.yml"
        path.write_text(text)
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, help="audit this repository instead of a generated corpus")
    args = parser.parse_args()
    zizmor = peer("zizmor")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.corpus or Path(tmp)
        if args.corpus is None:
            build_corpus(root, args.files)
        count = len(list((root / ".github" / "workflows").glob("*.y*ml")))
        audit = opsmith_argv("audit", str(root), "--select", "GA", "-f", "json", "--fail-on", "never")
        ours = best_of(audit, args.runs)
        ours_no_schema = best_of([*audit, "--ignore", "GA001"], args.runs)
        theirs = best_of([zizmor, "--offline", "--format", "json", "--no-exit-codes", str(root)], args.runs)
    print(f"{count} workflows, best of {args.runs} runs, one process per tool per run")
    report(
        [
            (f"{count} workflows, all GA", ours, theirs),
            (f"{count} workflows, no GA001", ours_no_schema, theirs),
        ],
        "zizmor",
    )


if __name__ == "__main__":
    main()
