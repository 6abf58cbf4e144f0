"""Secrets of every kind planted in a repository, audited in every output format: each is found,
and none appears whole in anything opsmith prints (findings, code frames, fixes, notes). File names
holding terminal escapes or bytes that are not UTF-8 come out escaped, and JSON stays valid."""

from __future__ import annotations

import base64
import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from helpers import write_tree

_RANDOM = random.Random(20261207)  # fixed seed: the same made-up credentials on every run
_ALNUM = string.ascii_letters + string.digits


def _token(size: int, alphabet: str = _ALNUM) -> str:
    return "".join(_RANDOM.choice(alphabet) for _ in range(size))


GITHUB_TOKEN = "ghp_" + _token(36)
AWS_KEY_ID = "AKIA" + _token(16, string.ascii_uppercase + string.digits)
STRIPE_KEY = "sk_live_" + _token(24)
_TEAM, _CHANNEL = _token(8, string.ascii_uppercase), _token(8, string.ascii_uppercase)
SLACK_HOOK = f"https://hooks.slack.com/services/T{_TEAM}/B{_CHANNEL}/{_token(24)}"
URL_PASSWORD = "Pr0d-" + _token(12)
DB_PASSWORD = "Kd9-" + _token(12)
JWT_SECRET = _token(32)
TFVARS_PASSWORD = "Tv7-" + _token(12)
SECRET_DATA = "Sd3-" + _token(14)
KEY_BODY = base64.b64encode(bytes(_RANDOM.randrange(256) for _ in range(600))).decode()
KEY_LINES = [KEY_BODY[i : i + 64] for i in range(0, len(KEY_BODY), 64)]
PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(KEY_LINES) + "\n-----END RSA PRIVATE KEY-----\n"
ONE_LINE_KEY = PEM.replace("\n", "\\n")

PLANTED = {
    "GitHub token": GITHUB_TOKEN,
    "AWS access key ID": AWS_KEY_ID,
    "Stripe live key": STRIPE_KEY,
    "Slack webhook": SLACK_HOOK,
    "URL password": URL_PASSWORD,
    "secret-named value": DB_PASSWORD,
    "JWT secret": JWT_SECRET,
    "tfvars password": TFVARS_PASSWORD,
    "Secret data (decoded)": SECRET_DATA,
    "Secret data (base64)": base64.b64encode(SECRET_DATA.encode()).decode(),
    "private key body": KEY_BODY,
    "one-line private key": ONE_LINE_KEY,
}

ESCAPED_NAME = "k8s/\x1b[31mred.yaml"
NOT_UTF8_NAME = os.fsdecode(b"k8s/caf\xe9.yaml")
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
"""


def _repository(root: Path) -> Path:
    write_tree(
        root,
        {
            "Dockerfile": f"FROM node:22.11.0-slim\nENV GITHUB_TOKEN={GITHUB_TOKEN}\n"
            f'ARG AWS_KEY={AWS_KEY_ID}\nUSER node\nCMD ["node", "server.js"]\n',
            "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1.2.3\n    environment:\n"
            f"      DATABASE_URL: postgresql://app:{URL_PASSWORD}@db.prod.acme-corp.io/app\n"
            f"      JWT_SECRET: {JWT_SECRET}\n",
            "k8s/api.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n"
            "  template:\n    spec:\n      containers:\n        - name: api\n"
            "          image: ghcr.io/acme/api:1.2.3\n          env:\n            - name: DB_PASSWORD\n"
            f"              value: {DB_PASSWORD}\n",
            "k8s/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n"
            f"  password: {PLANTED['Secret data (base64)']}\n",
            "infra/terraform.tfvars": f'db_password = "{TFVARS_PASSWORD}"\n',
            # a parse error on a line holding a token: TF012 may quote it
            "infra/broken.tf": f'locals {{\n  token = "{GITHUB_TOKEN}" {{\n',
            ".github/workflows/ci.yml": "on: push\npermissions: {}\njobs:\n  notify:\n"
            f"    runs-on: ubuntu-latest\n    timeout-minutes: {STRIPE_KEY}\n    steps:\n"
            f"      - run: curl -X POST {SLACK_HOOK}\n",
            ".env": f"STRIPE_SECRET_KEY={STRIPE_KEY}\n",
            "deploy/id_rsa": PEM,
            "gcp.json": f'{{"type": "service_account", "private_key": "{ONE_LINE_KEY}"}}\n',
            ESCAPED_NAME: DEPLOYMENT,
            NOT_UTF8_NAME: DEPLOYMENT,
        },
    )
    return root


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _repository(tmp_path_factory.mktemp("planted"))


def _audit(root: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    # A real process with a strict UTF-8 stdout: a lone surrogate would crash it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8")}
    return subprocess.run(
        [sys.executable, "-m", "opsmith", "audit", str(root), "--format", fmt, "--no-color"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_format_prints_a_planted_secret_whole(repository: Path, fmt: str) -> None:
    proc = _audit(repository, fmt)
    assert proc.returncode == 1, proc.stderr
    shown = proc.stdout + proc.stderr
    for rule in ("DF005", "DC004", "KU008", "TF006", "TF012", "GA015", "RP003"):
        assert rule in proc.stdout, f"{rule} did not fire"
    leaked = [kind for kind, secret in PLANTED.items() if secret in shown]
    assert leaked == []
    assert not any(line in shown for line in KEY_LINES)  # not even one line of a key


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_human_formats_escape_control_characters_in_names(repository: Path, fmt: str) -> None:
    proc = _audit(repository, fmt)
    assert "\x1b" not in proc.stdout
    assert "\\x1b[31mred.yaml" in proc.stdout
    assert "k8s/caf\\xe9.yaml" in proc.stdout


def test_json_paths_are_valid_and_lossless(repository: Path) -> None:
    proc = _audit(repository, "json")
    assert "\\ud" not in proc.stdout  # no lone surrogate escapes, which strict parsers reject
    paths = {f["path"] for f in json.loads(proc.stdout)["findings"]}
    assert "k8s/caf%E9.yaml" in paths and "k8s/\x1b[31mred.yaml" in paths
    assert {os.fsdecode(unquote_to_bytes(p)) for p in paths} >= {ESCAPED_NAME, NOT_UTF8_NAME}


def test_sarif_uris_are_percent_encoded(repository: Path) -> None:
    proc = _audit(repository, "sarif")
    results = json.loads(proc.stdout)["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert {"k8s/caf%E9.yaml", "k8s/%1B%5B31mred.yaml"} <= uris
