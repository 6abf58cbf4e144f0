from __future__ import annotations

import tracemalloc

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.terraform import TerraformDoc
from opsmith.parse.terraform_hcl2 import parse, unclosed


def test_unclosed_skips_strings_comments_and_heredocs() -> None:
    text = 'a = "{ ${f("}")} ["\n# {\n/* [ */\nb = <<EOT\n{\nEOT\nc = {\n'
    assert unclosed(text) == (7, "{")
    assert unclosed("a = { b = [1] }\n") is None


def test_an_operation_stops_before_the_line_break_and_comment_after_it() -> None:
    # The grammar lets a binary operation swallow what follows it on the line.
    doc = parse(SourceFile("main.tf", "locals {\n  a = x + y # password=hunter2\n  b = x * y\n}\n"))
    assert isinstance(doc, TerraformDoc)
    attributes = doc.blocks[0].attributes
    assert attributes["a"].value.source == "x + y" and attributes["b"].value.source == "x * y"


def test_a_string_left_open_before_a_long_text_is_read_in_little_memory() -> None:
    """python-hcl2's lexer kept about 200 bytes per character of an open string: 180 MB before
    800 KB of tabs."""
    text = 'variable "name' + "\t" * 400_000 + "x = 2\n"
    tracemalloc.start()
    try:
        failure = parse(SourceFile("main.tf", text))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(failure, ParseFailure) and "not closed" in failure.message
    assert peak < 20 * 2**20
    assert isinstance(parse(SourceFile("main.tf", 'a = "x ${y} $${z} %%{w} \\" \\\\ $ %"\n')), TerraformDoc)
