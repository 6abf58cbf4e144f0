"""The deploy verbs' flag values: a bad one is a usage error (exit 2) in one line."""

from __future__ import annotations

import pytest

from opsmith.cli import main
from opsmith.deploy.flags import Listen, parse_image, parse_listen, parse_tag


def test_good_values_parse() -> None:
    assert parse_image("web=localhost/shop:1.2") == ("web", "localhost/shop:1.2")
    assert parse_image("api=ghcr.io/o/api@sha256:" + "a" * 64)[0] == "api"
    assert parse_listen("web=127.0.0.1:8080") == ("web", Listen("127.0.0.1", 8080))
    assert parse_tag("3f2a9c1") == "3f2a9c1"


@pytest.mark.parametrize(
    "text", ["web", "web=", "Web=shop:1", "web=shop:1 --rm", "web=-shop", "=shop:1", "web=shop;rm"]
)
def test_bad_images_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="SERVICE=IMAGE"):
        parse_image(text)


@pytest.mark.parametrize(
    "text",
    ["web=8080", "web=localhost:8080", "web=127.0.0.1:0", "web=127.0.0.1:70000", "web=127.0.0.1:", "x"],
)
def test_bad_listen_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="SERVICE=HOST:PORT"):
        parse_listen(text)


@pytest.mark.parametrize(
    "argv",
    [
        ["deploy", "--image-tag", "a b"],
        ["deploy", "--image", "web"],
        ["deploy", "--listen", "web=example.com:80"],
        ["deploy", "--strategy", "yolo"],
        ["rollback", "--runtime", "lxc"],
    ],
)
def test_a_bad_flag_is_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error:" in err
