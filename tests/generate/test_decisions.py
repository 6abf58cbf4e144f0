"""The decision -> artifacts map and its checks, on hand-written files so each check is seen to
fire on the contradiction it names and stay quiet when the files agree."""

from __future__ import annotations

from design.fixtures import design
from opsmith.design.model import Design
from opsmith.generate.artifact import Artifact
from opsmith.generate.decisions import DECISIONS, decision_map, problems

PRODUCTION_VARS = "terraform/environments/production/terraform.tfvars"
NAMESPACE = (
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n"
)


def _growth() -> Design:
    return design("node-express", users=200_000, cloud="aws")


def _enterprise() -> Design:
    return design("node-express", users=2_000_000, cloud="gcp", regions=2)


def _about(found: list[str], decision: str) -> list[str]:
    return [p for p in found if p.startswith(f"{decision}: ")]


def _peer_authentication(mode: str) -> str:
    return (
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
        f"metadata:\n  name: default\n  namespace: shop\nspec:\n  mtls:\n    mode: {mode}\n"
    )


def test_the_list_is_closed_and_covers_what_the_issue_names() -> None:
    ids = [d.id for d in DECISIONS]
    assert len(ids) == len(set(ids))
    assert set(ids) == {
        "topology", "regions", "mesh", "mtls", "dns", "replication", "audit-trail", "network-policy",
        "autoscaling", "secrets", "backups", "platform", "orchestration", "database", "cache", "registry",
    }  # fmt: skip


def test_the_map_lists_implementing_files_and_manual_steps() -> None:
    artifacts = [
        Artifact("terraform/modules/registry/main.tf", "", implements=("registry",)),
        Artifact("docs/bootstrap.md", "## Delegate the zone\n", manual=(("dns", "Delegate the zone"),)),
        Artifact("README.md", "no decision here"),
    ]
    recorded = decision_map(_growth(), artifacts)
    assert set(recorded) == {d.id for d in DECISIONS}
    assert recorded["registry"] == {
        "decided": "ecr",
        "files": ["terraform/modules/registry/main.tf"],
        "manual": [],
    }
    assert recorded["dns"]["manual"] == [{"doc": "docs/bootstrap.md", "section": "Delegate the zone"}]
    assert recorded["mesh"]["decided"] is None  # growth has no mesh: nothing to build


def test_a_decision_with_no_file_and_no_manual_step_is_named() -> None:
    found = problems(_growth(), {}, decision_map(_growth(), []))
    assert (
        "platform: decided (aws-eks) but no generated file implements it and no manual step covers it"
        in found
    )
    assert not _about(found, "mesh") and not _about(found, "audit-trail")  # not decided at growth


def test_a_manual_step_counts_only_when_its_document_has_the_section() -> None:
    step = Artifact(
        "docs/bootstrap.md", "# Bootstrap\n\n## Delegate the zone\n", manual=(("dns", "Delegate the zone"),)
    )
    files = {step.path: step.content}
    assert not _about(problems(_growth(), files, decision_map(_growth(), [step])), "dns")
    files[step.path] = "# Bootstrap\n\nDelegate the zone by hand.\n"
    assert _about(problems(_growth(), files, decision_map(_growth(), [step])), "dns") == [
        "dns: docs/bootstrap.md has no section 'Delegate the zone' for the manual step"
    ]


def test_a_manual_step_must_be_named_by_the_design_document() -> None:
    step = Artifact("docs/bootstrap.md", "## Delegate the zone\n", manual=(("dns", "Delegate the zone"),))
    files = {step.path: step.content, "docs/infrastructure.md": "# Infrastructure\n"}
    unsaid = "dns: docs/infrastructure.md does not say that docs/bootstrap.md covers it by hand"
    assert unsaid in problems(_growth(), files, decision_map(_growth(), [step]))
    files["docs/infrastructure.md"] += "Steps done by hand: docs/bootstrap.md.\n"
    assert unsaid not in problems(_growth(), files, decision_map(_growth(), [step]))


def test_a_recorded_file_that_was_not_generated_is_named() -> None:
    recorded = decision_map(
        _growth(), [Artifact("terraform/modules/registry/main.tf", "", implements=("registry",))]
    )
    assert "registry: terraform/modules/registry/main.tf is recorded but was not generated" in problems(
        _growth(), {}, recorded
    )


def test_a_multi_az_design_contradicted_by_a_single_zone_database() -> None:
    files = {PRODUCTION_VARS: 'region = "us-east-1"\ndb_multi_az = false\ncache_replicas = 1\n'}
    found = _about(problems(_growth(), files, {}), "replication")
    assert "replication: the design keeps a postgresql standby; production sets db_multi_az = false" in found
    assert not [p for p in found if "redis standby" in p]  # one replica is the cache's standby
    files[PRODUCTION_VARS] = "db_multi_az = true\ncache_replicas = 1\n"
    assert [p for p in _about(problems(_growth(), files, {}), "replication") if "sets" in p] == []


def test_a_basic_azure_cache_contradicts_a_cache_standby() -> None:
    growth = design("node-express", users=200_000, cloud="azure")
    files = {PRODUCTION_VARS: 'db_high_availability = true\ncache_sku = "Basic"\n'}
    assert _about(problems(growth, files, {}), "replication")[-1] == (
        'replication: the design keeps a redis standby; production sets cache_sku = "Basic"'
    )
    files[PRODUCTION_VARS] = 'db_high_availability = true\ncache_sku = "Standard"\n'
    assert [p for p in problems(growth, files, {}) if "production sets" in p] == []


def test_the_mesh_needs_its_control_plane_enrolment_and_strict_mtls() -> None:
    files = {"k8s/base/peer-authentication.yaml": _peer_authentication("PERMISSIVE")}
    found = problems(_enterprise(), files, {})
    assert "mtls: a PeerAuthentication sets mTLS to PERMISSIVE, not STRICT" in found
    assert "mtls: no PeerAuthentication requires STRICT mTLS" in found
    assert "mesh: nothing installs the mesh's control plane (istiod)" in found
    assert "mesh: no namespace is enrolled in the mesh (sidecar injection or ambient label)" in found
    files = {
        "k8s/base/peer-authentication.yaml": _peer_authentication("STRICT"),
        "k8s/base/namespace.yaml": NAMESPACE,
        "terraform/addons/main.tf": 'resource "helm_release" "istiod" {\n  chart = "istiod"\n}\n',
    }
    found = problems(_enterprise(), files, {})
    assert [p for p in _about(found, "mesh") + _about(found, "mtls") if "decided (" not in p] == []


def test_mesh_objects_without_a_mesh_in_the_design_contradict_it() -> None:
    files = {"k8s/base/peer-authentication.yaml": _peer_authentication("STRICT")}
    assert "mesh: mesh policy objects are generated but the design has no mesh" in problems(
        _growth(), files, {}
    )


def test_the_regional_stacks_must_match_the_design_regions() -> None:
    enterprise = _enterprise()
    names = list(enterprise.networking.regions.effective) if enterprise.networking.regions else []
    count = len(names) or enterprise.inputs.regions
    assert count == 2
    one = {PRODUCTION_VARS: 'regions = ["us-central1"]\n'}
    assert "regions: the design serves from 2 region(s); production has 1 regional stack(s)" in problems(
        enterprise, one, {}
    )
    listed = ",\n".join(f'  "{n}"' for n in names or ["us-central1", "europe-west1"])
    both = {PRODUCTION_VARS: f"regions = [\n{listed},\n]\n"}
    assert [p for p in problems(enterprise, both, {}) if "regional stack" in p] == []


def test_network_policies_without_an_enforcing_plugin_are_named() -> None:
    policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec: {}\n"
    files = {"k8s/base/network-policies.yaml": policy}
    message = (
        "network-policy: NetworkPolicies are generated but nothing makes the cluster's network plugin"
        " enforce them"
    )
    assert message in problems(_growth(), files, {})
    files["terraform/modules/cluster/main.tf"] = (
        'resource "aws_eks_addon" "vpc_cni" {\n'
        '  configuration_values = jsonencode({ enableNetworkPolicy = "true" })\n}\n'
    )
    assert message not in problems(_growth(), files, {})


def test_tags_that_name_no_decision_are_recorded_and_named() -> None:
    artifacts = [
        Artifact("a.tf", "", implements=("regions", "region")),
        Artifact("b.md", "## x\n", manual=(("msh", "x"),)),
    ]
    recorded = decision_map(_growth(), artifacts)
    assert recorded["region"] == {"decided": None, "files": ["a.tf"], "manual": []}
    found = problems(_growth(), {"a.tf": "", "b.md": "## x\n"}, recorded)
    assert found[:2] == [
        "msh: tagged on b.md, but no decision has this id",
        "region: tagged on a.tf, but no decision has this id",
    ]


def test_a_damaged_record_reads_as_nothing_recorded() -> None:
    recorded = {"registry": "ecr", "dns": {"files": "x.tf", "manual": [3, None]}, "typo": [1]}
    found = problems(_growth(), {}, recorded)
    assert "typo: tagged on ?, but no decision has this id" in found
    assert "registry: decided (ecr) but no generated file implements it and no manual step covers it" in found


def test_hand_edited_manifests_of_any_shape_are_read_without_crashing() -> None:
    odd = (
        "apiVersion: v1\nkind: Namespace\nmetadata: [1, 2]\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: 7}\n---\n"
        "apiVersion: x/v1\nkind: PeerAuthentication\nspec: strict\n---\n"
        "apiVersion: x/v1\nkind: ExternalSecret\nspec: {data: 3, dataFrom: [1, {extract: 2}]}\n---\n"
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: []\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nspec: {template: [configMapRef, {configMapRef: x}]}\n---\n"
        "[not, an, object]\n"
    )
    found = problems(_enterprise(), {"k8s/base/odd.yaml": odd, "k8s/base/broken.yaml": "apiVersion: [\n"}, {})
    assert "mtls: no PeerAuthentication requires STRICT mTLS" in found
    assert "secrets: ConfigMap c is mounted by no workload" in found
