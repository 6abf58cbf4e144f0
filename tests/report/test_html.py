"""`opsmith audit --format html`: a self-contained page, escaped and masked, checked in headless
Chromium (Debian's `chromium` package, listed in .ci/apt-packages.txt)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.cli import main

TOKEN = "ghp_" + "Zx81kQm2Lr7Tw4Vb9Np3Hs6Dj0Fc5Ga1Ye8K"
HOSTILE_DIR = '<img src=x onerror="window.pwned=1">'
HOSTILE_LINE = "</pre><script>window.pwned=1</script>"
DOCKERFILE = f"""\
FROM debian:12.8
ENV GH_TOKEN={TOKEN}
RUN apt-get update && apt-get install -y curl # {HOSTILE_LINE}
USER app
CMD python3 -m http.server 8000
"""


@pytest.fixture
def page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The HTML report of a repository with a secret, a hostile folder name and a hostile line."""
    root = write_tree(tmp_path / "repo", {f"{HOSTILE_DIR}/Dockerfile": DOCKERFILE, "Dockerfile": DOCKERFILE})
    capsys.readouterr()
    assert main(["audit", str(root), "-f", "html", "--fail-on", "never"]) == 0
    out = tmp_path / "report.html"
    out.write_text(capsys.readouterr().out, encoding="utf-8")
    return out


class _Tags(HTMLParser):
    """Counts the elements of a page and gathers the finding rows' rules."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.rows: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        found = dict(attrs)
        self.attrs.extend((name, value or "") for name, value in attrs)
        if "finding" in (found.get("class") or "").split():
            self.rows.append(found.get("data-rule") or "")


def _tags(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    return parser


def test_the_page_holds_findings_frames_fixes_and_rule_docs(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    tags = _tags(text)
    assert "DF010" in tags.rows and "DF013" in tags.rows
    assert tags.tags["svg"] == 1 and tags.tags.get("rect", 0) >= 2  # the chart, with its bars
    assert 'id="rule-DF010"' in text and "<h4>Why it matters</h4>" in text
    assert "fix: " in text and "automatic fix: " in text
    assert "    3 </span>RUN apt-get update" in text  # the finding's line, numbered, in its frame


def test_nothing_from_the_repository_becomes_markup(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    tags = _tags(text)
    assert tags.tags["script"] == 1 and "img" not in tags.tags  # only the page's own script
    assert "onerror" not in {name for name, _ in tags.attrs}
    assert "&lt;/pre&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;/Dockerfile" in text


def test_secrets_are_masked_in_frames_as_in_the_text_report(
    page: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html_text = page.read_text(encoding="utf-8")
    assert TOKEN not in html_text
    assert main(["audit", str(page.parent / "repo"), "--fail-on", "never", "--no-color"]) == 0
    text_report = capsys.readouterr().out
    masked = next(line.split("| ", 1)[1] for line in text_report.splitlines() if "GH_TOKEN=" in line)
    assert TOKEN not in masked and "ghp_****" in masked
    assert escape(masked) in html_text  # the same masking, then HTML-escaped


def test_the_page_loads_nothing_from_the_network(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "default-src 'none'" in text
    tags = _tags(text)
    assert not [value for name, value in tags.attrs if name == "src"]
    assert all(value.startswith("#") for name, value in tags.attrs if name == "href")
    assert "url(" not in text and "@import" not in text


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed (Debian package `chromium`, see .ci/apt-packages.txt)")
    return found


def _headless(page: Path, profile: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",  # the test may run as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *flags,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_chromium_renders_the_findings_after_the_script_ran(page: Path, tmp_path: Path) -> None:
    dom = _headless(page, tmp_path / "profile", "--dump-dom").stdout
    tags = _tags(dom)
    assert 'data-ready="true"' in dom  # the page's script ran to its end
    rows = len(tags.rows)
    assert rows >= 4 and f"{rows} of {rows} findings shown" in dom
    assert tags.tags["script"] == 1 and "img" not in tags.tags  # the hostile text stayed text


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (no imaging library needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, width, height, idat = 8, 0, 0, b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    return width, height, zlib.decompress(idat)


def test_chromium_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    _headless(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,900")
    width, height, pixels = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 900)
    # A blank page is one colour: its filtered scanlines are nearly all zeros. Text, bars and
    # frames make many distinct byte values.
    assert len(set(pixels)) > 50
    assert pixels.count(0) < 0.98 * len(pixels)
