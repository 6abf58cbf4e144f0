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
        ("[^a]", "b", True),
        ("[!a]", "a", True),  # Go's classes negate with `^` only
        ("[a^]", "^", True),  # a class member is literal unless it makes a range
        ("[\\w]", "w", True),
        ("[.]", "x", False),
        ("*a*b", "xaxb", True),
        ("*a*b", "xbxa", False),
        ("*.tar*gz", "x.tar.1.gz", True),
        ("*-*-*.log", "a-b-c.log", True),
        ("*-*-*.log", "a-b.log", False),
    ],
)
def test_matches_like_docker(patterns: str, path: str, excluded: bool) -> None:
    assert DockerIgnore.from_text(patterns).excludes(path) is excluded


@pytest.mark.parametrize("broken", ["[]", "[^]", "[z-a]", "src/[]/*.py"])
def test_a_pattern_docker_refuses_excludes_nothing(broken: str) -> None:
    ignore = DockerIgnore.from_text(f"{broken}\n.git\n")
    assert ignore.excludes(".git") and not ignore.excludes("[]") and not ignore.excludes("z")
