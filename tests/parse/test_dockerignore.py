import pytest

from opsmith.parse.dockerignore import DockerIgnore


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (".git", ".git", True),
        (".git", ".git/config", True),
        ("/.git/", ".git/HEAD", True),
        ("*.pem", "a.pem", True),
        ("*.pem", "certs/a.pem", False),
        ("**/*.pem", "certs/a.pem", True),
        ("*\n!src", "src/app.py", False),
        ("*\n!src", ".git", True),
        ("**/.git\n!.git", ".git", False),
        ("# comment\n\nnode_modules", "node_modules/x/y.js", True),
        ("docs/[ab].md", "docs/a.md", True),
        ("?.txt", "a.txt", True),
    ],
)
def test_matches_like_docker(patterns: str, path: str, excluded: bool) -> None:
    assert DockerIgnore.from_text(patterns).excludes(path) is excluded
