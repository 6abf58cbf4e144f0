from __future__ import annotations

import subprocess
import sys

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.terraform import TerraformDoc, parse


def _doc(text: str) -> TerraformDoc:
    result = parse(SourceFile("main.tf", text))
    assert isinstance(result, TerraformDoc), result
    return result


def test_blocks_attributes_and_lines() -> None:
    doc = _doc(
        'terraform {\n  required_version = "~> 1.9"\n  backend "s3" {\n    encrypt = true\n  }\n}\n\n'
        'resource "aws_instance" "web" {\n  count = 2\n  ingress {\n    from_port = -1\n  }\n}\n'
    )
    settings, resource = doc.blocks
    assert (settings.type, settings.labels, settings.line, settings.end_line) == ("terraform", (), 1, 6)
    assert settings.attributes["required_version"].line == 2
    backend = settings.of("backend")[0]
    assert backend.label == "s3" and backend.line == 3 and backend.value("encrypt").truthy()  # type: ignore[union-attr]
    assert resource.address == "aws_instance.web" and resource.line == 8
    assert resource.value("count").number() == 2  # type: ignore[union-attr]
    ingress = resource.of("ingress")[0]
    assert ingress.line == 10 and ingress.value("from_port").value == -1  # type: ignore[union-attr]
    assert doc.resources() == [resource]


def test_expressions_keep_literals_and_source() -> None:
    doc = _doc(
        "locals {\n"
        '  plain    = "a\\tb \\u00e9 $${not}"\n'
        '  template = "x-${var.env}"\n'
        '  list     = ["0.0.0.0/0", var.cidr]\n'
        '  object   = { "quoted" = 1, bare = null, (var.k) = true }\n'
        '  call     = jsonencode({ password = "p" })\n'
        "  ref      = aws_vpc.main.id\n"
        "  number   = 1.5\n"
        "  cond     = var.a ? 1 : 2\n"
        "}\n"
    )
    values = {name: attr.value for name, attr in doc.blocks[0].attributes.items()}
    assert values["plain"].string == "a\tb é ${not}"
    assert values["template"].kind == "template" and values["template"].string is None
    assert values["list"].strings() == ["0.0.0.0/0"] and values["list"].items[1].kind == "ref"
    assert [k for k, _ in values["object"].entries] == ["quoted", "bare", "var.k"]
    assert values["object"].get("bare").kind == "literal"  # type: ignore[union-attr]
    call = values["call"]
    assert call.kind == "call" and call.name == "jsonencode" and call.items[0].get("password").string == "p"  # type: ignore[union-attr]
    assert values["ref"].kind == "ref" and values["ref"].source == "aws_vpc.main.id"
    assert values["number"].value == 1.5
    assert values["cond"].kind == "ref" and values["cond"].line == 9


def test_heredocs() -> None:
    doc = _doc(
        "locals {\n  a = <<EOT\nline one\nEOT\n  b = <<-EOT\n    indented\n      more\n    EOT\n"
        "  c = <<EOT\nhello ${var.name}\nEOT\n}\n"
    )
    attrs = doc.blocks[0].attributes
    assert attrs["a"].value.string == "line one\n"
    assert attrs["b"].value.string == "indented\n  more\n"
    assert attrs["c"].value.kind == "template" and attrs["c"].line == 9


def test_windows_line_endings_and_comments() -> None:
    doc = _doc('# comment\r\nvariable "x" {\r\n  type = string // trailing\r\n}\r\n/* end */\r\n')
    assert doc.blocks[0].line == 2 and doc.blocks[0].attributes["type"].line == 3


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "/* block */"])
def test_empty_files_parse(text: str) -> None:
    assert _doc(text).blocks == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('resource "a" "b" {\n  x =\n}\n', 2, "expected a value"),
        ('resource "a" "b" {\n  x = 1\n\nresource "c" "d" {}\n', 1, "`{` opened here is never closed"),
        ("a = [1,\n  2\n", 1, "`[` opened here is never closed"),
        ('a = "unterminated\n', 1, "not closed"),
        ("}\n", 1, "unexpected `}`"),
        ("a = 1\nb = @\n", 2, "unexpected `@`"),
        ("x {\n  y = 1\n  y = 2\n}\n", 3, "defined twice (first at line 2)"),
        ('x = "${var.a"\n', 1, "expected `}`"),
    ],
)
def test_parse_failures_point_at_the_line(text: str, line: int, message: str) -> None:
    result = parse(SourceFile("bad.tf", text))
    assert isinstance(result, ParseFailure)
    assert result.line == line and message in result.message, result


def test_truncated_and_garbage_input_never_raises() -> None:
    source = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags = { a = "b" }\n}\n'
    for cut in range(len(source)):
        result = parse(SourceFile("t.tf", source[:cut]))
        assert isinstance(result, TerraformDoc | ParseFailure)
        if isinstance(result, ParseFailure):
            assert result.line is not None and 1 <= result.line <= max(1, source[:cut].count("\n") + 1)
    deep = "a = " + "[" * 3000 + "]" * 3000 + "\n"
    for junk in ("\x1b[31m", "\ufffd\ufffd", "<<EOT", "${", "=" * 50, "{" * 3000, deep):
        assert isinstance(parse(SourceFile("j.tf", junk)), TerraformDoc | ParseFailure)


@pytest.mark.parametrize(
    "text",
    [
        "locals {\n  x = <<EOT\nabc\n}\n",
        "x = [1, <<-END\n  EN\n  ENDX\n]\n",
        'x = "${f(<<EOT\n)}"\n',
        "x = 1 + <<EOT\r\n\n\n",
    ],
)
def test_a_heredoc_never_closed_fails_as_python_hcl2_words_it(text: str) -> None:
    from opsmith.parse import terraform_hcl2

    assert parse(SourceFile("h.tf", text)) == terraform_hcl2.parse(SourceFile("h.tf", text))


def test_a_heredoc_never_closed_is_judged_without_python_hcl2() -> None:
    # python-hcl2's lexer retries the rest of the file from each blank line: hours at this size
    text = "locals {\n  x = <<EOT\n" + "\n" * 200_000 + "}\n"
    code = (
        "import sys\n"
        "from opsmith.audit.source import SourceFile\n"
        "from opsmith.parse.terraform import parse\n"
        "print(parse(SourceFile('h.tf', sys.stdin.read())))\n"
        "print('lark' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    assert out == [
        "ParseFailure(message='unexpected `<<EOT` (expected a value)', line=2, column=7, at_most=None)",
        "False",
    ]


def test_lark_is_imported_only_for_what_the_fast_reader_leaves() -> None:
    code = (
        "import sys, pathlib, tempfile\n"
        "from opsmith.audit.engine import audit, Target\n"
        "from opsmith.config import Config\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "(d / 'main.tf').write_text('locals {\\n  a = \"${var.x}\"\\n}\\n')\n"
        "audit(Target(d), Config())\n"
        "print('lark' in sys.modules)\n"
        "(d / 'if.tf').write_text('locals {\\n  b = \"%{ if true }y%{ endif }\"\\n}\\n')\n"
        "audit(Target(d), Config())\n"
        "print('lark' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


_READ_IN_CHILD = (
    "import sys\n"
    "from opsmith.audit.source import SourceFile\n"
    "from opsmith.parse.terraform import parse\n"
    "print(parse(SourceFile('main.tf', sys.stdin.read())))\n"
    "print('lark' in sys.modules)\n"
)


def _read_in_child(text: str) -> list[str]:
    """The parse result and whether python-hcl2's Lark was imported, from a fresh interpreter."""
    run = subprocess.run(
        [sys.executable, "-c", _READ_IN_CHILD],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return run.stdout.splitlines()


def test_nesting_too_deep_to_read_is_reported_at_its_line_without_python_hcl2() -> None:
    # python-hcl2 would spend seconds building a Lark tree only to fail to walk it
    text = "locals {\n  a = 1\n  x = " + "[{a = " * 40 + "\n" + "[{a = " * 3000 + "1" + "}]" * 3040 + "\n}\n"
    assert _read_in_child(text) == [
        "ParseFailure(message='blocks or expressions are nested too deeply to read', line=4, column=None, "
        "at_most=None)",
        "False",
    ]


def test_a_large_file_the_fast_reader_refuses_is_reported_unread() -> None:
    # 40 KB of dense tokens ending in a syntax error: python-hcl2 took about a second to find it
    body = "".join(f"  v{i} = [1, 2, {{a = 3}}]\n" for i in range(1600))
    large = "locals {\n" + body + "  y = = 1\n}\n"
    failure, lark_imported = _read_in_child(large)
    assert failure.startswith("ParseFailure(message='not audited: too large to read in full (")
    assert "line=1" in failure and "at_most=<Severity.INFO" in failure  # unread, not judged broken
    assert lark_imported == "False"
    small = "locals {\n" + body[:2000] + "  y = = 1\n}\n"  # the same mistake, worded by python-hcl2
    result = parse(SourceFile("main.tf", small))
    assert isinstance(result, ParseFailure) and result.line == small.count("\n") - 1
