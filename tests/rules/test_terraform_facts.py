from __future__ import annotations

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.terraform import Expr, TerraformDoc, parse
from opsmith.rules import terraform_facts as facts


def _expr(text: str) -> Expr:
    doc = parse(SourceFile("t.tf", f"x = {text}\n"))
    assert isinstance(doc, TerraformDoc), doc
    return doc.attributes["x"].value


@pytest.mark.parametrize(
    ("source", "version", "problem"),
    [
        ("terraform-aws-modules/vpc/aws", None, "has no `version`"),
        ("terraform-aws-modules/vpc/aws", '"5.1.0"', None),
        ("app.terraform.io/acme/vpc/aws", None, "has no `version`"),
        ("terraform-aws-modules/iam/aws//modules/role", '"~> 5.0"', None),
        ("git::https://example.com/vpc.git", None, "has no `?ref=`"),
        ("git::https://example.com/vpc.git?ref=v1.2.0", None, None),
        ("git::https://example.com/vpc.git?ref=develop", None, "a branch"),
        ("git@github.com:acme/vpc.git?ref=4c1b2a9", None, None),
        ("github.com/acme/vpc?ref=release/1.x", None, "a branch"),
        ("bitbucket.org/acme/vpc", None, "has no `?ref=`"),
        ("./modules/vpc", None, None),
        ("../vpc", None, None),
        ("https://example.com/vpc.zip", None, None),
        ("gcs::https://www.googleapis.com/storage/v1/modules/vpc.zip", None, None),
    ],
)
def test_module_sources(source: str, version: str | None, problem: str | None) -> None:
    found = facts.source_problem(source, _expr(version) if version else None)
    assert (found is None) if problem is None else (found is not None and problem in found), found


def test_taggable_types_are_data() -> None:
    for kind in (
        "aws_instance",
        "aws_s3_bucket",
        "aws_db_instance",
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_eks_cluster",
        "aws_ecs_service",
        "aws_lb",
        "google_compute_instance",
        "google_storage_bucket",
        "azurerm_resource_group",
        "azurerm_kubernetes_cluster",
    ):
        assert facts.tag_support(kind) is not None, kind
    sql = facts.tag_support("google_sql_database_instance")
    gke = facts.tag_support("google_container_cluster")
    assert sql is not None and sql.path == ("settings", "user_labels") and sql.default == "default_labels"
    assert gke is not None and gke.path == ("resource_labels",)
    azure = facts.tag_support("azurerm_resource_group")
    assert azure is not None and azure.default is None
    assert facts.tag_support("aws_iam_role_policy_attachment") is None
    assert facts.tag_support("random_password") is None


def test_port_ranges_and_exposure() -> None:
    assert facts.port_ranges(["22", " 1000 - 2000 ", "*", "http"]) == [(22, 22), (1000, 2000), (0, 65535)]
    assert facts.exposed([(3300, 3400)]) == ["RDP 3389", "MySQL 3306"]
    assert facts.exposed([(80, 443)]) == []
    assert facts.aws_port_range(_expr('"-1"'), _expr("0"), _expr("0")) == (0, 65535)
    assert facts.aws_port_range(_expr('"udp"'), _expr("53"), _expr("53")) is None
    assert facts.aws_port_range(_expr('"tcp"'), _expr("var.port"), _expr("var.port")) is None
    assert facts.aws_port_range(_expr("var.proto"), _expr('"22"'), None) == (22, 22)


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("password", '"hunter2-but-longer"', True),
        ("password", '""', False),
        ("password", "var.password", False),
        ("password", 'file("pw.txt")', False),
        ("password", '"${var.a}${var.b}"', False),
        ("secret_name", '"prod/db"', False),
        ("access_token", '"hours"', False),
        ("token", '"arn:aws:secretsmanager:eu-west-1:1:secret:x"', False),
        ("endpoint", '"https://user:pa55word@example.com"', True),
        ("endpoint", '"https://user:${var.pw}@example.com"', False),
        ("settings", '{ nested = { api_key = "0123456789abcdef" } }', True),
        ("settings", 'merge(var.base, { client_secret = "0123456789abcdef" })', True),
        ("note", '"AKIA' + '5TQ2WZ7RXN4KM3PB"', True),  # split: opsmith audits itself
        ("note", '"AKIAIOSFODNN7EXAMPLE"', False),  # the documentation's example key
        ("db_password", '"replace-me-before-apply"', False),
        ("ssl_private_key", '"/etc/ssl/private/site.key"', False),
        ("secret_image", '"registry.example.com/vault-agent:1.17"', False),
    ],
)
def test_secret_literals(name: str, value: str, secret: bool) -> None:
    hits = list(facts.secrets_in(name, _expr(value)))
    assert bool(hits) is secret, hits
    assert all("hunter2-but-longer" not in h.what and "pa55word" not in h.what for h in hits)
