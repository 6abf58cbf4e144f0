"""The audit trail of a compliance design: module `audit` in every environment.

- AWS: a multi-region CloudTrail with log file validation, encrypted with the environment's
  customer-managed key, into an S3 bucket under Object Lock; VPC flow logs to an encrypted
  CloudWatch log group; AWS Config recording every resource's configuration into the same
  bucket.
- GCP: Data Access audit logs for every service (Admin Activity logs are always on), routed with
  the project's Cloud Audit Logs by a sink into a Cloud Storage bucket with a locked retention
  policy; VPC flow logs on the subnet (the network module's `log_config`); a Cloud Asset feed
  publishing every resource and IAM policy change to Pub/Sub.
- Azure: the subscription's Activity Log sent by a diagnostic setting to a storage account
  whose container has a locked time-based immutability policy; VNet flow logs of Network
  Watcher into the same account; the built-in "Audit diagnostic setting" policy assigned to the
  resource group, so resources without logging show as non-compliant.

Retention: a year in production (what the design's cost drivers state) and 90 days in staging;
the lock (COMPLIANCE on AWS, a locked policy on GCP and Azure) means nobody, an administrator
included, can delete a record or shorten the retention before it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opsmith.generate.terraform import RootVar, Stack

RETENTION_DAYS = {"staging": 90, "production": 365}
# AWS Object Lock: staging's lock can be lifted by a privileged role, production's by nobody.
LOCK_MODES = {"staging": "GOVERNANCE", "production": "COMPLIANCE"}


def wanted(stack: Stack) -> bool:
    return stack.compliance


def root_vars(stack: Stack, per_env: Callable[[Any, Any], dict[str, Any]]) -> list[RootVar]:
    if not wanted(stack):
        return []
    from opsmith.generate.terraform import RootVar  # this module builds on terraform.py's types

    out = [
        RootVar(
            "audit_retention_days",
            "number",
            "Days every audit record (API calls, flow logs, configuration changes) is kept and locked.",
            per_env(RETENTION_DAYS["staging"], RETENTION_DAYS["production"]),
        )
    ]
    if stack.cloud == "aws":
        out += [
            RootVar(
                "audit_lock_mode",
                "string",
                "S3 Object Lock mode of the audit bucket: COMPLIANCE or GOVERNANCE.",
                per_env(LOCK_MODES["staging"], LOCK_MODES["production"]),
            ),
            RootVar(
                "record_configuration",
                "bool",
                "Run AWS Config's recorder (one per account and region: false in all but one"
                " environment that shares an account).",
                per_env(True, True),
                note="AWS allows one Config recorder per account and region: keep one environment"
                " per account, or set false in the second",
            ),
        ]
    return out
