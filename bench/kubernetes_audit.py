"""opsmith's Kubernetes audit vs kubernetes-validate on the same manifests, in the same run.

    python bench/kubernetes_audit.py [--files 50] [--runs 3]

Builds a folder of realistic manifests (Deployments with their Service, ConfigMap, PDB, Ingress,
and a custom resource) and times:
- schema validation alone, in process: opsmith's cached validators (KU014) against
  `kubernetes_validate.validate` called per object, as its CLI does;
- one `opsmith audit --select KU` process (every KU rule, schemas included) against one
  `kubernetes-validate --strict` process (schemas only) over all the files, and one file alone;
- a kustomize base with two overlays, rendered through `kubectl kustomize` (when kubectl is
  installed), to show what rendering costs.
The peer comes from the dev extra (`kubernetes-validate`). Prints times and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, best_time, opsmith_argv, peer, report

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{i}
  namespace: shop
  labels: {{app.kubernetes.io/name: app{i}, team: t{i}}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app.kubernetes.io/name: app{i}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: app{i}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
      containers:
        - name: app
          image: registry.example.com/app{i}:1.{i}.0
          ports: [{{containerPort: 8080}}]
          env:
            - {{name: MODE, value: production}}
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: db, key: password}}}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{memory: 256Mi}}
          readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
          livenessProbe: {{httpGet: {{path: /live, port: 8080}}}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {{name: app{i}, namespace: shop, labels: {{app.kubernetes.io/name: app{i}, team: t{i}}}}}
spec:
  selector: {{app.kubernetes.io/name: app{i}}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: app{i}, namespace: shop, labels: {{app.kubernetes.io/name: app{i}, team: t{i}}}}}
data: {{LOG_LEVEL: info, FEATURE_{i}: "on"}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: app{i}, namespace: shop, labels: {{app.kubernetes.io/name: app{i}, team: t{i}}}}}
spec:
  maxUnavailable: 1
  selector: {{matchLabels: {{app.kubernetes.io/name: app{i}}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: app{i}, namespace: shop, labels: {{app.kubernetes.io/name: app{i}, team: t{i}}}}}
spec:
  tls: [{{hosts: [app{i}.example.com], secretName: app{i}-tls}}]
  rules:
    - host: app{i}.example.com
      http:
        paths:
          - {{path: /, pathType: Prefix, backend: {{service: {{name: app{i}, port: {{number: 80}}}}}}}}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {{name: app{i}, namespace: shop, labels: {{app.kubernetes.io/name: app{i}, team: t{i}}}}}
spec: {{groups: []}}
"""


def build(root: Path, files: int) -> list[Path]:
    paths = []
    for i in range(files):
        path = root / "k8s" / f"app{i}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(APP.format(i=i))
        paths.append(path)
    return paths


def build_kustomize(root: Path) -> None:
    base = root / "base"
    base.mkdir(parents=True)
    (base / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    (base / "app.yaml").write_text(APP.format(i=0).replace("  namespace: shop\n", ""))
    for overlay in ("staging", "production"):
        folder = root / "overlays" / overlay
        folder.mkdir(parents=True)
        (folder / "kustomization.yaml").write_text(f"namespace: {overlay}\nresources: [../../base]\n")


def in_process(paths: list[Path], runs: int) -> tuple[float, float, int]:
    """Seconds to validate every object: opsmith's cached validators, then kubernetes-validate."""
    import kubernetes_validate

    from opsmith.parse.kubernetes import objects_in
    from opsmith.parse.yaml_tree import load_documents
    from opsmith.rules import kubernetes_schema as schema

    objects = [o for p in paths for o in objects_in(load_documents(p.read_text()))]  # type: ignore[arg-type]
    version = schema.pick_version("1.31")
    assert version is not None

    def ours() -> None:
        for obj in objects:
            schema.validate(obj, version)

    def theirs() -> None:
        for obj in objects:
            with suppress(kubernetes_validate.SchemaNotFoundError, kubernetes_validate.ValidationError):
                kubernetes_validate.validate(dict(obj.body), "1.31", strict=True)

    return best_time(ours, runs), best_time(theirs, runs), len(objects)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    validate = peer("kubernetes-validate")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = build(root, args.files)
        ours, theirs, count = in_process(paths, args.runs)
        print(f"schema validation of {count} objects in process (first run includes loading schemas):")
        report([(f"{count} objects", ours, theirs)], "k-validate")
        print()
        rows = [
            (
                f"{args.files} files, all KU rules",
                best_of(opsmith_argv("audit", str(root), "--select", "KU", "--format", "json"), args.runs),
                best_of([validate, "-k", "1.31", "--strict", "--quiet", *map(str, paths)], args.runs),
            ),
            (
                "1 file, all KU rules",
                best_of(
                    opsmith_argv("audit", str(paths[0]), "--select", "KU", "--format", "json"), args.runs
                ),
                best_of([validate, "-k", "1.31", "--strict", "--quiet", str(paths[0])], args.runs),
            ),
        ]
        print("whole processes (opsmith runs every KU rule; the peer validates schemas only):")
        report(rows, "k-validate")
        if shutil.which("kubectl") or shutil.which("kustomize"):
            kust = root / "kustomize"
            build_kustomize(kust)
            seconds = best_of(
                opsmith_argv("audit", str(kust), "--select", "KU", "--format", "json"), args.runs
            )
            print(f"\nkustomize base + 2 overlays, rendered and audited: {seconds:.3f} s")


if __name__ == "__main__":
    main()
