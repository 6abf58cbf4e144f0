"""How the audit scales: a synthetic repository of 1,000 and 10,000 files, timed and measured.

    python bench/audit_scale.py [--sizes 1000,10000]

The repository mixes application code and docs (most files) with DevOps artifacts of every family
(Dockerfiles, compose, workflows, Kubernetes, Terraform, Prometheus rules, migrations). For each
size it runs one `opsmith audit` process and reports wall time, peak memory (RSS) and files per
second; memory should stay flat as the file count grows tenfold. As the peer measured in the same
run, hadolint lints the repository's Dockerfiles, and the ratio compares the two on those files.
Targets (architecture.md): 10,000 files under 10 s on 2 cores, flat memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, peer

ARTIFACTS = {
    "Dockerfile": 'FROM python:3.12.{i}-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n'
    'CMD ["python", "-m", "app"]\n',
    "compose.yaml": "services:\n  app:\n    image: app:1.{i}.0\n    ports: ['8080:8080']\n"
    "  db:\n    image: postgres:16.{i}\n    environment:\n      POSTGRES_PASSWORD: postgres\n",
    ".github/workflows/ci.yml": "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n",
    "k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\nspec:\n"
    "  replicas: 1\n  selector:\n    matchLabels: {{app: app{i}}}\n  template:\n    metadata:\n"
    "      labels: {{app: app{i}}}\n    spec:\n      containers:\n        - name: app\n"
    "          image: app:1.{i}.0\n",
    "infra/main.tf": 'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n}}\n',
    "monitoring/rules.yml": "groups:\n  - name: app\n    rules:\n      - alert: Down{i}\n"
    "        expr: up == 0\n        labels: {{severity: critical}}\n",
    "db/migrations/000{i}_add.up.sql": "ALTER TABLE orders ADD COLUMN note{i} text;\n",
}
CODE = {
    "src/mod{i}.py": "def handler{i}(event):\n    return {{'ok': True, 'n': {i}}}\n" * 8,
    "web/comp{i}.js": "export function comp{i}(props) {{ return props.value + {i}; }}\n" * 8,
    "docs/page{i}.md": "# Page {i}\n\nSome documentation text for page {i}.\n" * 5,
    "data/fixture{i}.json": '{{"id": {i}, "name": "item {i}", "tags": ["a", "b"]}}\n',
}


def build_repo(root: Path, total: int) -> list[Path]:
    """`total` files in service folders; every eighth folder holds one artifact of each family."""
    dockerfiles = []
    written = 0
    i = 0
    while written < total:
        service = root / f"area{i // 100:03d}" / f"svc{i:05d}"
        for pattern, body in (ARTIFACTS if i % 8 == 0 else CODE).items():
            if written >= total:
                break
            path = service / pattern.format(i=i % 10)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body.format(i=i % 10))
            written += 1
            if path.name == "Dockerfile":
                dockerfiles.append(path)
        i += 1
    return dockerfiles


def measure(root: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in MiB, and files audited for one audit run."""
    probe = (
        "import resource, sys\n"
        "from opsmith.cli import main\n"
        "code = main(['audit', sys.argv[1], '-f', 'json', '--fail-on', 'never', '-o', sys.argv[2]])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    out = root.parent / "report.json"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", probe, str(root), str(out)], capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - start
    files = json.loads(out.read_text())["summary"]["files"]
    return wall, int(proc.stdout.strip().splitlines()[-1]), files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    hadolint = peer("hadolint")
    print(f"{'files':>7} {'artifacts':>9} {'wall s':>8} {'files/s':>9} {'peak MiB':>9} "
          f"{'Dockerfiles':>11} {'opsmith s':>9} {'hadolint s':>10} {'ratio':>6}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "repo"
            dockerfiles = build_repo(root, size)
            wall, rss, audited = measure(root)
            only_docker = Path(tmp) / "docker-only"
            for n, f in enumerate(dockerfiles):
                target = only_docker / f"d{n}" / "Dockerfile"
                target.parent.mkdir(parents=True)
                target.write_text(f.read_text())
            ours = best_of([sys.executable, "-m", "opsmith", "audit", str(only_docker), "-f", "json",
                            "--fail-on", "never", "--select", "DF"], 1)
            theirs = best_of([hadolint, "--no-fail", *map(str, dockerfiles)], 1)
            print(f"{size:>7} {audited:>9} {wall:>8.2f} {size / wall:>9.0f} {rss:>9} "
                  f"{len(dockerfiles):>11} {ours:>9.2f} {theirs:>10.2f} {theirs / ours:>5.1f}x")


if __name__ == "__main__":
    main()
