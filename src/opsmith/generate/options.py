"""What a user can ask of `opsmith generate` beyond the design itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsmith.design.model import Design

KUBERNETES_ORCHESTRATIONS = frozenset({"kubernetes", "kubernetes-mesh"})
TERRAFORM_CLOUDS = frozenset({"aws", "gcp", "azure"})


@dataclass(frozen=True)
class GenerateOptions:
    k8s: bool = False  # Kubernetes manifests even below the growth tier
    digests: dict[str, str] = field(default_factory=dict)  # image reference -> sha256 digest


def wants_kubernetes(design: Design, options: GenerateOptions) -> bool:
    return options.k8s or design.orchestration.effective in KUBERNETES_ORCHESTRATIONS


def cloud_of(design: Design) -> str:
    """aws, gcp, azure, fly or railway, from the platform the design chose."""
    platform = design.platform.effective
    for prefix in ("aws", "gcp", "azure"):
        if platform.startswith(prefix):
            return prefix
    if platform in ("fly", "railway"):
        return platform
    return design.inputs.cloud or "aws"  # self-managed Kubernetes: the cloud the user named


def wants_terraform(design: Design) -> bool:
    return cloud_of(design) in TERRAFORM_CLOUDS
