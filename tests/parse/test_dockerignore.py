import random
import re
import warnings

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


def _docker_regex(pattern: str) -> str | None:
    """Docker's own translation (moby/patternmatcher `compile`), read star by star and without
    shortcuts, as the reference; None where Docker compares text instead (no wildcard)."""
    out, at, text_only = "^", 0, True
    while at < len(pattern):
        char = pattern[at]
        if pattern.startswith("**", at):
            first = at == 0
            at += 2
            if pattern.startswith("/", at):
                at += 1
            if at == len(pattern):
                if text_only:  # `dir/**`: a prefix of the path
                    return "^" + re.escape(pattern[: at - 2]) + ".*$" if not first else ".*"
                out += ".*"
            elif first and not any(c in pattern[at:] for c in "*?[]\\"):
                return "^.*" + re.escape(pattern[2:]) + "$" if pattern[2] != "/" else None
            else:
                out += "(?:.*/)?"
            text_only = False
            continue
        out += "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
        text_only = text_only and char not in "*?"
        at += 1
    return out + "$" if not text_only else None


def _docker_excludes(pattern: str, path: str) -> bool:
    """Whether Docker's matcher excludes `path` by `pattern`: the path or one of its folders."""
    regex = _docker_regex(pattern)
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    if regex is None:
        if pattern.startswith("**/"):  # a suffix of the path, or the path itself
            return any(c.endswith(pattern[2:]) or c == pattern[3:] for c in candidates)
        return pattern in candidates
    return any(re.match(regex, c) for c in candidates)


def test_runs_of_stars_match_as_docker_reads_them() -> None:
    # Seeded: the same patterns and paths on every run, among them runs of `*` of every length
    # before a name, a `/` and the end, which opsmith collapses and makes atomic.
    rng = random.Random(20261207)
    segment = ["a", "b", ".", "*", "**", "***", "****", "?"]
    for _ in range(3000):
        pattern = "/".join(
            "".join(rng.choice(segment) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 3))
        )
        if pattern in (".", "..") or "/./" in f"/{pattern}/" or "/../" in f"/{pattern}/":
            continue  # Docker cleans these path steps away first
        path = "/".join(
            "".join(rng.choice("ab.") for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 4))
        )
        assert DockerIgnore.from_text(pattern).excludes(path) is _docker_excludes(pattern, path), (
            pattern,
            path,
        )


def test_dashes_in_a_class_read_as_go_reads_them_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Python warns about `--` in a class, on the user's terminal
        assert DockerIgnore.from_text("[+--]").excludes(",")  # a range from `+` to `-`
        assert DockerIgnore.from_text("[---]").excludes("-") and not DockerIgnore.from_text("[---]").excludes(
            ","
        )
        assert not DockerIgnore.from_text("[a--b]").patterns  # a reversed range: Docker refuses it


def test_many_leading_folder_wildcards_against_a_deep_path_are_matched_without_backtracking() -> None:
    """A regex tried every way to share 200 folders among twelve `**`: hours. Matching here
    carries the places each prefix of the pattern can end at, so this returns at once."""
    deep = "a/" * 200 + "c"
    assert not DockerIgnore.from_text("**/a*/" * 12 + "b").excludes(deep)
    assert DockerIgnore.from_text("**/a*/" * 12 + "c").excludes(deep)
    assert DockerIgnore.from_text("a/**/" * 12 + "a/c").excludes(deep)
    assert not DockerIgnore.from_text("a/**/" * 12 + "a/c").excludes("a/" * 11 + "c")


def test_a_long_line_of_repeats_holds_one_piece_per_distinct_token() -> None:
    ignore = DockerIgnore.from_text("*a" * 100_000 + "\n!keep\n")
    pieces = ignore.patterns[0].pieces
    assert len(pieces) == 200_000 and len({id(p) for p in pieces}) == 2
    assert ignore.excludes("a" * 100_000) and not ignore.excludes("keep") and not ignore.excludes("b")


@pytest.mark.parametrize("pattern", ["**/a/**/b", "a/**/**/b", "**/a*/**/*b", "a/**/b/**"])
def test_several_leading_folder_wildcards_match_as_docker_reads_them(pattern: str) -> None:
    for path in ["a/b", "a/x/b", "x/a/y/z/b", "a/b/c", "a/x/y", "b/a", "ab/cb/db", "a/a/a/b/b/b"]:
        assert DockerIgnore.from_text(pattern).excludes(path) is _docker_excludes(pattern, path), path
