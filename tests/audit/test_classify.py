"""Production or test: judged by the path relative to the audited root, overridable by configuration."""

from __future__ import annotations

import pytest

from opsmith.audit.classify import FileClasses, folder_of_tests


@pytest.mark.parametrize(
    "path",
    [
        "tests/fixtures/Dockerfile",
        "pkg/lint/testdata/deploy.yaml",
        "e2e/kind/cluster.yaml",
        "hack/local-up/compose.yaml",
        ".devcontainer/Dockerfile",
        ".ci/docker-compose.yml",
        "examples/shop/k8s/deployment.yaml",
        "docs/monitoring/alerts.yml",
        "spec/fixtures/rules.yml",
        "integration-tests/compose.yaml",
        "test-utils/Dockerfile",
        "kind_examples/pod.yaml",
        "Tests/Dockerfile",
        "deploy/values_test.yaml",
        "docker-compose.test.yml",
        "Dockerfile.dev",
        "src/cart/Dockerfile.debug",
        "e2e.Dockerfile",
        "k8s/cluster.e2e.yaml",
        "compose.local.yaml",
        "docker-compose-ci.yml",
        "test.yaml",
        "_archived/guestbook/redis-master-deployment.yaml",
    ],
)
def test_test_example_and_development_paths(path: str) -> None:
    assert FileClasses().is_test(path)


@pytest.mark.parametrize(
    "path",
    [
        "",  # the repository as a whole
        "Dockerfile",
        "deploy/k8s/deployment.yaml",
        "latest/compose.yaml",  # `latest` is not `test`
        "attestation/Dockerfile",
        "contest/deployment.yaml",
        "specs-api/deployment.yaml",
        ".github/workflows/test.yml",  # the repository's CI, whatever the workflow is called
        ".github/workflows/e2e.yaml",
        "db/migrations/0042_add_test_results.sql",  # a production migration about tests
        "db/migrate/20240101_create_tests.rb",
        "infra/test.tf",
        "k8s/kubernetes-dashboard.yaml",
        "k8s/namespace-dev.yaml",  # a development environment is still a cluster
        "k8s/values.local.yaml",
    ],
)
def test_production_paths(path: str) -> None:
    assert not FileClasses().is_test(path)


def test_configuration_adds_tests_and_forces_production() -> None:
    classes = FileClasses(test_paths=["qa/**", "examples/shop/ci/"], production_paths=["examples/"])
    assert classes.is_test("qa/load/compose.yaml")
    assert not classes.is_test("examples/shop/k8s/deployment.yaml")  # the repository's product
    assert classes.is_test("examples/shop/ci/compose.yaml")  # test-paths wins over production-paths
    assert classes.is_test("tests/Dockerfile")  # the built-in list still applies elsewhere
    assert not FileClasses(production_paths=["*.dev"]).is_test("Dockerfile.dev")


def test_the_folder_that_makes_a_path_a_test_path() -> None:
    assert folder_of_tests("src/pkg/testdata/sub/x.yaml") == "src/pkg/testdata/"
    assert folder_of_tests("deploy/e2e-tests/a.yaml") == "deploy/e2e-tests/"
    assert folder_of_tests("docker-compose.test.yml") is None  # judged by its name
    assert folder_of_tests("deploy/app.yaml") is None
