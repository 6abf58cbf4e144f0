import pytest

from opsmith.audit.families import artifact_types, families_by_name


@pytest.mark.parametrize(
    ("path", "kinds"),
    [
        ("Dockerfile", {"dockerfile"}),
        ("svc/Dockerfile.prod", {"dockerfile"}),
        ("api.dockerfile", {"dockerfile"}),
        ("Containerfile", {"dockerfile"}),
        ("Dockerfile.dockerignore", set()),
        ("compose.yaml", {"compose"}),
        ("docker-compose.yml", {"compose"}),
        ("docker-compose.override.yml", {"compose"}),
        ("compose.prod.yaml", {"compose"}),
        (".github/workflows/ci.yml", {"workflow"}),
        ("k8s/deploy.yaml", {"kubernetes", "prometheus", "alertmanager"}),
        ("infra/main.tf", {"terraform"}),
        ("db/migrations/0001_init.up.sql", {"migration"}),
        ("sql/V2__add_orders.sql", {"migration"}),
        ("alembic/versions/3f2a_add_col.py", {"migration"}),
        ("shop/migrations/0002_order_total.py", {"migration"}),
        ("db/migrate/20240101000000_create_users.rb", {"migration"}),
        ("shop/migrations/__init__.py", set()),
        ("src/app.py", set()),
        ("queries/report.sql", set()),
        ("README.md", set()),
    ],
)
def test_artifact_types_by_path(path: str, kinds: set[str]) -> None:
    assert artifact_types(path) == kinds


def test_only_registered_families_are_audited() -> None:
    assert families_by_name("Dockerfile") == {"dockerfile"}
