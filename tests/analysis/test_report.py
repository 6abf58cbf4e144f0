"""`opsmith analyze` output: repository text cannot drive the terminal or show a secret."""

from __future__ import annotations

import json
import os
from pathlib import Path

from opsmith.analysis.analyze import analyze
from opsmith.analysis.report import to_json, to_text

_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def _repo(tmp_path: Path, folder: str = "svc\x1b[31mred") -> Path:
    service = tmp_path / folder
    service.mkdir()
    (service / "package.json").write_text(
        json.dumps(
            {
                "name": "api",
                "scripts": {"start": f"GITHUB_TOKEN={_TOKEN} node server.js"},
                "dependencies": {"express": "^4.19.0"},
            }
        )
    )
    (service / "server.js").write_text("require('express')().listen(3000)\n")
    return tmp_path


def test_text_escapes_control_characters_and_masks_secrets(tmp_path: Path) -> None:
    facts = analyze(_repo(tmp_path))
    text = to_text(facts)
    assert "svc\\x1b[31mred" in text
    assert "\x1b" not in text
    assert "node server.js" in text
    assert _TOKEN not in text
    assert text.endswith("\n") and "\n\n" in text  # the layout's own line breaks stay


def test_json_is_valid_unicode_and_masks_secrets(tmp_path: Path) -> None:
    root = _repo(tmp_path, os.fsdecode(b"odd\xffname"))
    data = to_json(analyze(root))
    assert _TOKEN not in data
    loaded = json.loads(data)
    assert loaded["version"] == 1
    # json.dumps writes a lone surrogate as an ASCII escape: decode to find it.
    json.dumps(loaded, ensure_ascii=False).encode("utf-8")
    assert "odd%FFname" in data
