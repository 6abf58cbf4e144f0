from __future__ import annotations

from pathlib import Path

from opsmith.rules.terraform_modules import env_tokens, is_env_dir, terraform_repo
from terraform_repo import TreeRepo

PROVIDER = 'provider "aws" {\n  region = "eu-west-1"\n}\n'


def test_roots_and_the_modules_they_call(tmp_path: Path) -> None:
    repo = TreeRepo(
        tmp_path,
        {
            "envs/prod/main.tf": PROVIDER + 'module "app" {\n  source = "../../components/app"\n}\n',
            "components/app/main.tf": PROVIDER + 'module "db" {\n  source = "./db"\n}\n',
            "components/app/db/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
            "modules/vpc/main.tf": PROVIDER,
            "modules/vpc/examples/basic/main.tf": PROVIDER,
            "stack/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
            "stack/prod.tfvars": "a = 1\n",
            "lonely/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
            "main.tf": 'module "x" {\n  source = "./lonely"\n}\n',
        },
    )
    model = terraform_repo(repo)
    assert [m.dir for m in model.roots] == ["envs/prod", "stack"]
    app = model.modules["components/app"]
    assert app.callers == {"envs/prod"} and not app.is_root
    db = model.modules["components/app/db"]
    assert [(root.dir, [c.block.label for c in chain]) for root, chain in model.roots_of(db)] == [
        ("envs/prod", ["app", "db"])
    ]
    assert [m.dir for m in model.tree(model.modules["envs/prod"])] == [
        "envs/prod",
        "components/app",
        "components/app/db",
    ]
    assert model.modules["lonely"].callers == {""}
    assert terraform_repo(repo) is model  # built once per repository view


def test_a_module_missing_a_file_is_incomplete(tmp_path: Path) -> None:
    repo = TreeRepo(tmp_path, {"infra/main.tf": PROVIDER})
    (tmp_path / "infra" / "backend.tf").write_text("terraform {\n")
    (tmp_path / "infra" / "backend_override.tf").write_text("terraform {}\n")
    assert not terraform_repo(repo).modules["infra"].complete


def test_module_calls_between_each_other_do_not_loop(tmp_path: Path) -> None:
    repo = TreeRepo(
        tmp_path,
        {
            "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
            "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
        },
    )
    model = terraform_repo(repo)
    assert model.roots == [] and model.roots_of(model.modules["a"]) == []


def test_environment_names() -> None:
    assert env_tokens("envs/prod-eu_west.1") == {"envs", "prod", "eu", "west", "1"}
    assert is_env_dir("environments/eu") and is_env_dir("infra/staging") and is_env_dir("live/shop")
    assert not is_env_dir("infra") and not is_env_dir("") and not is_env_dir("products/api")
