from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsmith.config import ConfigError, config_from_mapping, find_config, load_config
from opsmith.findings import Severity


def test_reads_opsmith_toml_and_pyproject(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.opsmith]\nignore = ["DF002"]\nfail-on = "error"\n')
    sub = tmp_path / "svc"
    sub.mkdir()
    found = find_config(sub)
    assert found == (tmp_path / "pyproject.toml").resolve()
    config = load_config(found)
    assert config.ignore == ("DF002",) and config.fail_on is Severity.ERROR
    (sub / ".opsmith.toml").write_text('select = ["DF"]\n[kubernetes]\nversion = "1.31"\n')
    nearer = load_config(find_config(sub))
    assert nearer.select == ("DF",) and nearer.setting("kubernetes.version") == "1.31"


def test_search_stops_at_the_git_top(tmp_path: Path) -> None:
    (tmp_path / ".opsmith.toml").write_text("")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_config(repo) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"selct": ["DF"]}, "unknown key 'selct'"),
        ({"fail-on": "sometimes"}, "fail-on"),
        ({"severity": {"DF001": "fatal"}}, "severity.DF001"),
        ({"ignore": [1, 2]}, "list of strings"),
        ({"max-file-size": -1}, "positive"),
        ({"test-paths": {"qa": 1}}, "test-paths must be a list of strings"),
    ],
)
def test_bad_configuration_is_a_clear_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_mapping(data)


def test_test_and_production_paths() -> None:
    config = config_from_mapping({"test-paths": "qa/**", "production_paths": ["examples/"]})
    assert config.test_paths == ("qa/**",) and config.production_paths == ("examples/",)


def test_rule_enabled_by_prefix() -> None:
    config = config_from_mapping({"select": ["DF0"], "ignore": ["DF002"]})
    assert config.rule_enabled("DF001") and not config.rule_enabled("DF002")
    assert not config.rule_enabled("KU001")


def test_fail_on_never() -> None:
    assert config_from_mapping({"fail-on": "never"}).fail_on is None


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / ".opsmith.toml"
    bad.write_text("select = [\n")
    with pytest.raises(ConfigError):
        load_config(bad)


def test_special_or_huge_configuration_files_are_errors_not_hangs(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.toml")
    with pytest.raises(ConfigError, match=r"cannot read .*fifo.toml: a FIFO, not a regular file"):
        load_config(tmp_path / "fifo.toml")
    with pytest.raises(ConfigError, match="a character device"):
        load_config(Path("/dev/zero"))
    (tmp_path / "big.toml").write_bytes(b"#" * (5 * 1024 * 1024))
    with pytest.raises(ConfigError, match=r"over the \d+-byte limit"):
        load_config(tmp_path / "big.toml")


def test_a_pyproject_that_is_a_fifo_is_not_a_configuration(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / "pyproject.toml")
    assert find_config(tmp_path) is None
