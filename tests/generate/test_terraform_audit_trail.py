"""A compliance design's environments record every API call, every network flow and every
configuration change into storage nobody can rewrite before the retention ends, on each cloud;
other designs get none of it."""

from __future__ import annotations

import re

import pytest

from design.fixtures import design
from opsmith.generate.decisions import decision_map, problems
from opsmith.generate.terraform import render
from opsmith.generate.terraform_audit_trail import RETENTION_DAYS

CLOUDS = ("aws", "gcp", "azure")


def _files(cloud: str, **needs: object) -> dict[str, str]:
    return {a.path: a.content for a in render(design("node-express", cloud=cloud, **needs))}


def _compliance(cloud: str) -> dict[str, str]:
    return _files(cloud, users=5_000, compliance="hipaa")


def _setting(text: str, name: str) -> str:
    found = re.search(rf"(?m)^\s*{name}\s*=\s*(.+)$", text)
    assert found, name
    return found.group(1).strip()


def test_aws_cloudtrail_flow_logs_and_config_into_a_locked_encrypted_bucket() -> None:
    files = _compliance("aws")
    main = files["terraform/modules/audit/main.tf"]
    trail = main[main.index('resource "aws_cloudtrail" "main"') :]
    assert _setting(trail, "is_multi_region_trail") == "true"
    assert _setting(trail, "enable_log_file_validation") == "true"
    assert _setting(trail, "kms_key_id") == "var.kms_key_arn"
    assert _setting(main, "object_lock_enabled") == "true"
    assert 'sse_algorithm     = "aws:kms"' in main
    assert 'resource "aws_flow_log" "vpc"' in main and _setting(main, "traffic_type") == '"ALL"'
    assert 'resource "aws_config_configuration_recorder" "main"' in main
    assert "aws_config_configuration_recorder_status" in main
    # CloudTrail may use the environment's key only through the key's own policy.
    assert "cloudtrail.amazonaws.com" in files["terraform/modules/kms/main.tf"]
    root = files["terraform/environments/production/main.tf"]
    assert 'module "audit"' in root and "kms_key_arn          = module.kms.key_arn" in root
    prod = files["terraform/environments/production/terraform.tfvars"]
    staging = files["terraform/environments/staging/terraform.tfvars"]
    assert _setting(prod, "audit_lock_mode") == '"COMPLIANCE"'
    assert _setting(staging, "audit_lock_mode") == '"GOVERNANCE"'
    assert _setting(prod, "audit_retention_days") == str(RETENTION_DAYS["production"])


def test_gcp_audit_logs_flow_logs_and_asset_feed_into_a_locked_bucket() -> None:
    files = _compliance("gcp")
    main = files["terraform/modules/audit/main.tf"]
    assert 'service = "allServices"' in main
    assert {"ADMIN_READ", "DATA_READ", "DATA_WRITE"} <= set(re.findall(r'log_type = "(\w+)"', main))
    assert _setting(main, "is_locked") == "var.locked"
    assert "cloudaudit.googleapis.com" in main and "vpc_flows" in main
    assert 'resource "google_cloud_asset_project_feed" "changes"' in main
    network = files["terraform/modules/network/main.tf"]
    assert _setting(network, "flow_sampling") == "1.0"
    root = files["terraform/environments/production/main.tf"]
    assert 'locked         = var.environment == "production"' in root
    for api in ("cloudasset.googleapis.com", "pubsub.googleapis.com"):
        assert api in root


def test_azure_activity_log_flow_logs_and_policy_into_immutable_storage() -> None:
    files = _compliance("azure")
    main = files["terraform/modules/audit/main.tf"]
    setting = main[main.index('resource "azurerm_monitor_diagnostic_setting" "activity"') :]
    assert _setting(setting, "target_resource_id") == "data.azurerm_subscription.current.id"
    assert "immutability_policy {" in main and 'var.locked ? "Locked" : "Unlocked"' in main
    flow = main[main.index('resource "azurerm_network_watcher_flow_log" "vnet"') :]
    assert _setting(flow, "target_resource_id") == "var.vnet_id"
    assert 'resource "azurerm_resource_group_policy_assignment" "diagnostics"' in main


@pytest.mark.parametrize("cloud", CLOUDS)
def test_other_designs_have_no_audit_module(cloud: str) -> None:
    files = _files(cloud, users=200_000)
    assert not any(path.startswith("terraform/modules/audit/") for path in files)
    assert "audit_retention_days" not in files["terraform/environments/production/variables.tf"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_decisions_this_part_builds_are_implemented_and_not_contradicted(cloud: str) -> None:
    d = design("node-express", users=5_000, cloud=cloud, compliance="hipaa")
    artifacts = render(d)
    files = {a.path: a.content for a in artifacts}
    ours = ("audit-trail:", "network-policy:", "dns:")
    assert [p for p in problems(d, files, decision_map(d, artifacts)) if p.startswith(ours)] == []
