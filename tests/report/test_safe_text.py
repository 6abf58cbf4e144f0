"""What the reports do to repository text before printing it."""

from __future__ import annotations

import json
import os
from urllib.parse import unquote_to_bytes

from opsmith.report.safe_text import json_path, printable, shown, uri, valid_text


def test_control_characters_are_escaped_for_people() -> None:
    assert printable("k8s/\x1b[31mred\x1b[0m.yaml") == "k8s/\\x1b[31mred\\x1b[0m.yaml"
    assert printable("a\nb\rc\x7fd\x9be") == "a\\x0ab\\x0dc\\x7fd\\x9be"
    assert printable("evil\u202egnp.yaml") == "evil\\u202egnp.yaml"
    assert printable("caf" + os.fsdecode(b"\xe9") + ".yaml") == "caf\\xe9.yaml"
    assert printable("tabs\tand café stay") == "tabs\tand café stay"


def test_shown_masks_then_escapes() -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    assert shown(f"\x1b]0;{token}\x07") == "\\x1b]0;ghp_****…(40 chars)\\x07"


def test_machine_paths_are_valid_and_lossless() -> None:
    for raw in (b"caf\xe9.yaml", b"100%.yaml", b"a%E9.yaml", "café.yaml".encode(), b"\x1b[31m.yaml"):
        name = os.fsdecode(raw)
        encoded = json_path(name)
        json.dumps(encoded).encode("utf-8")  # no lone surrogate left: strict UTF-8 holds it
        assert unquote_to_bytes(encoded) == raw
        assert unquote_to_bytes(uri(name)) == raw
    assert json_path(os.fsdecode(b"caf\xe9.yaml")) == "caf%E9.yaml"
    assert json_path("café.yaml") == "café.yaml"  # readable where it can be
    assert uri("my app/café.yaml") == "my%20app/caf%C3%A9.yaml"
    assert valid_text("copies `" + os.fsdecode(b"k\xff") + "`") == "copies `k%FF`"
