"""The application's secret as Terraform stores it and Kubernetes reads it: one JSON object per
environment in the cloud's secret store, whose keys are the variables the services read from their
Kubernetes Secret. External Secrets Operator copies it into that Secret through a
ClusterSecretStore the add-ons root creates (generate/terraform_addons.py), by the ExternalSecret
each overlay carries.

Names follow each store's rules: Secrets Manager takes `<app>/<environment>`; Secret Manager and
Key Vault allow no `/`, so there it is `<app>-<environment>` (Key Vault: one vault per
environment already).
"""

from __future__ import annotations

from opsmith.design.model import Design
from opsmith.generate.kubernetes_meta import NAME, Context, Doc, metadata, obj
from opsmith.generate.kubernetes_workloads import environment
from opsmith.generate.options import cloud_of

ESO_API = "external-secrets.io/v1"
REFRESH = "1h"  # how soon a rotated value reaches the pods' Secret (they read it at start)
_CLOUD_STORES = {"aws": "aws-secrets-manager", "gcp": "gcp-secret-manager", "azure": "azure-key-vault"}


def synced(design: Design) -> bool:
    """Whether the design's secret store is the one its cloud's Terraform creates (so External
    Secrets can read it); Fly and Railway keep secrets in their own platform."""
    return _CLOUD_STORES.get(cloud_of(design)) == design.secrets.effective


def remote_name(design: Design, env: str) -> str:
    """The name of the environment's JSON secret in the cloud's store."""
    if cloud_of(design) == "aws":
        return f"{design.app}/{env}"
    return f"{design.app}-{env}"


def store_name(design: Design, env: str) -> str:
    """The ClusterSecretStore an environment's ExternalSecret reads through."""
    return f"{design.app}-{env}"


def secret_keys(design: Design) -> tuple[list[str], list[str]]:
    """(keys some service requires, keys only passed when present) of the application's Secret."""
    ctx = Context(design)
    required: dict[str, None] = {}
    optional: dict[str, None] = {}
    for service in design.services:
        for item in environment(ctx, service)[0]:
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref is None:
                continue
            (optional if ref.get("optional") else required)[ref["key"]] = None
    return list(required), [k for k in optional if k not in required]


def external_secret(design: Design, env: str) -> Doc:
    ctx = Context(design)
    remote = remote_name(design, env)
    why = (
        f"The Secret {ctx.secret_name}, kept in sync by External Secrets Operator from the JSON secret\n"
        f"`{remote}` in {design.secrets.effective} (written by terraform/environments/{env}); every key of\n"
        f"that object becomes a key of the Secret. The ClusterSecretStore `{store_name(design, env)}` is\n"
        f"created by the add-ons root (terraform/addons/{env})."
    )
    body = obj(
        ESO_API,
        "ExternalSecret",
        metadata(ctx.secret_name, {NAME: ctx.secret_name}),
        spec={
            "refreshInterval": REFRESH,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": store_name(design, env)},
            "target": {"name": ctx.secret_name, "creationPolicy": "Owner"},
            "dataFrom": [{"extract": {"key": remote}}],
        },
    )
    return why, body
