"""The fast Terraform reader agrees with python-hcl2, the reference reader, on every file it reads.

Agreement is checked three ways: on every `.tf`/`.tfvars` file in this repository, on the
Terraform the generator writes for every cloud and tier, and on thousands of seeded random
mutations (characters and tokens deleted, inserted, replaced). For a mutation the fast reader must
either stop (`Unsupported`: python-hcl2 then reads the file or words the error) or build exactly the
blocks and attributes python-hcl2 builds; it must never accept a file python-hcl2 rejects.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from design.fixtures import NAMES, design, facts
from opsmith.audit.source import SourceFile
from opsmith.generate.terraform import render
from opsmith.parse import terraform_hcl2, terraform_reader
from opsmith.parse.terraform import Attribute, Block, TerraformDoc, parse

REPO = Path(__file__).resolve().parents[2]

# Shapes real configurations use, plus the corners of the grammar.
SHAPES = r"""# header comment
terraform {
  required_version = ">= 1.6" // pinned
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.40" }
  }
}

/* block
   comment */
locals {
  names  = [for s in var.names : upper(s) if s != ""]
  by_id  = { for k, v in var.items : k => v.id... }
  by_id2 = {
    for k, v in var.items :
    k => v
    if v.enabled
  }
  splat  = aws_instance.web[*].id
  splat2 = aws_instance.web.*.private_ip
  deep   = var.a.b[0]["x"].c
  cond   = var.enabled ? 1 : 0
  cond2 = (
    var.enabled
    ? "yes"
    : "no"
  )
  cond3   = var.a ? var.b ? 1 : 2 : 3
  math    = (var.a + var.b) * 2 - -1 / 3 % 2
  cmp     = var.a >= 1 && var.b <= 2 || !var.c
  floats  = [1.5e-3, 2E10, -3.25, - 4]
  paren   = (1)
  str     = "tab\there \"quoted\" \\ back \u00e9 $ % $${escaped} %%{also}"
  tmpl    = "${var.a}-${lower(var.b)}-${jsonencode({ a = "}" })}"
  multi   = "line one
line two"
  heredoc = <<EOT
plain body $${not}
EOT
  trimmed = <<-EOT
      indented
        more
    EOT
  interpolated = <<EOF
${var.x}
EOF
  empty_heredoc = <<EOT
EOT
  call     = provider::terraform::encode_tfvars({ a = 1 })
  ellipsis = max(var.list...)
  trailing = [
    1,
    2,
  ]
  obj = {
    "quoted key" = 1
    bare         = 2,
    (var.k)      = 3
    colon        : 4
    for_each     = 5
    nested       = { x = { y = [1, { z = null }] } }
  }
  one_line    = { a = 1, b = "two", c = [3] }
  empty       = [{}, []]
  long_op     = var.a +
    var.b
  long_op2 = var.a
    + var.b # a comment after an operation is not part of it
  dashed-name = local.a-b
  index_num   = var.list.0
  spacing     = var . a [ 0 ]
  unicode     = "héllo wörld ✓"
}

resource "aws_s3_bucket" "b" {
  bucket = "my-bucket"
  tags = merge(local.tags, {
    Name = "b"
  })

  dynamic "rule" {
    for_each = var.rules
    content {
      status = rule.value.enabled ? "Enabled" : "Disabled"
    }
  }

  lifecycle { prevent_destroy = true }
}

variable "x" {
  type = object({
    a = optional(string, "d")
  })
  default = null
  validation {
    condition     = can(regex("^[a-z]+$", var.x.a))
    error_message = "Must be lowercase."
  }
}
in "keyword" "label" {}
"""
CRLF_TFVARS = 'region = "us-east-1"\r\ncount = 3\r\ntags = {\r\n  a = "b"\r\n}\r\nlist = ["a", "b"] # c\r\n'


def _fast(text: str) -> tuple[list[Block], dict[str, Attribute]] | None:
    try:
        return terraform_reader.read(text)
    except terraform_reader.Unsupported:
        return None


def _reference(text: str) -> tuple[list[Block], dict[str, Attribute]] | None:
    result = terraform_hcl2.parse(SourceFile("main.tf", text))
    return (result.blocks, result.attributes) if isinstance(result, TerraformDoc) else None


def _repository_files() -> dict[str, str]:
    paths = [*REPO.glob("tests/**/*.tf"), *REPO.glob("tests/**/*.tfvars"), *REPO.glob("examples/**/*.tf")]
    return {str(p.relative_to(REPO)): p.read_bytes().decode("utf-8") for p in sorted(paths)}


def _generated_files() -> dict[str, str]:
    files: dict[str, str] = {}
    repo = next(name for name in NAMES if facts(name).services)
    for cloud in ("aws", "gcp", "azure"):
        for users in (10, 5_000, 2_000_000):
            for art in render(design(repo, cloud=cloud, users=users)):
                if art.path.endswith((".tf", ".tfvars")):
                    files[f"{cloud}/{users}/{art.path}"] = art.content
    return files


def test_the_shapes_read_the_same_as_python_hcl2() -> None:
    for text in (SHAPES, CRLF_TFVARS):
        fast = _fast(text)
        assert fast is not None
        assert fast == _reference(text)


def test_every_terraform_file_in_the_repository_reads_the_same() -> None:
    files = _repository_files()
    assert len(files) > 40
    mismatched = [name for name, text in files.items() if _fast(text) != _reference(text)]
    # Equal also when both reject: the syntax-error fixtures are the only files left to python-hcl2.
    assert mismatched == []
    assert 0 < sum(_fast(text) is None for text in files.values()) < 10


def test_generated_terraform_reads_the_same() -> None:
    files = _generated_files()
    assert len(files) > 30
    assert [
        name for name, text in files.items() if _fast(text) is None or _fast(text) != _reference(text)
    ] == []


_TOKENS = [
    *'"{}[]()=,\n #$%-:?.*</\\a1~!',
    *("%{", "${", "$${", "<<EOT\n", "EOT\n", "<<-X\n", "...", " for ", " in ", "::", "-1", "-1.5"),
    *("\n+", "\n-", "\n?", "? a : ", "=>", "/*", "*/", "//", "[*]", ".*", "\r\n", "\t", "1e5", ".5"),
    *("==", "!=", "&&", '""', "\\n", "\\u00e9", "if ", "for"),
]


@pytest.mark.parametrize("seed", range(int(os.environ.get("OPSMITH_MUTATION_SEEDS", "4"))))
def test_mutations_never_read_differently(seed: int) -> None:
    rng = random.Random(seed)
    corpus = [SHAPES, CRLF_TFVARS, *_repository_files().values()]
    corpus = [text for text in corpus if text]
    agreed = 0
    for _ in range(1500):
        text = rng.choice(corpus[:2] * 4 + corpus)
        for _ in range(rng.randint(1, 2)):
            at = rng.randrange(len(text) + 1)
            cut = rng.choice((0, 1, 1, rng.randint(0, 8)))
            text = text[:at] + rng.choice(("", rng.choice(_TOKENS))) + text[at + cut :]
        fast = _fast(text)
        if fast is not None:
            assert fast == _reference(text), text
            agreed += 1
    assert agreed > 200  # most mutations still read; the check above is not vacuous


@pytest.mark.parametrize(
    "text",
    [
        'x = "%{ if var.a }yes%{ endif }"\n',  # template directive
        'x = "${~ var.a ~}"\n',  # strip markers
        "x = 1\nx = 2\n",  # duplicate attribute: python-hcl2 words it
        "x = - -1\n",
        "x = a -1.5\n",
        "x = 4-13\n",
        "x = f(a\n,)\n",
        "x = [for]\n",
        "x = { for (a) = 1 }\n",
        "x = a.1e5\n",
        "}\n",
        'x = "open\n',
        "x = <<EOT\nno end\n",
    ],
)
def test_the_reader_leaves_what_it_does_not_read_to_python_hcl2(text: str) -> None:
    with pytest.raises(terraform_reader.Unsupported):
        terraform_reader.read(text)


def test_parse_falls_back_to_python_hcl2_for_directives() -> None:
    doc = parse(SourceFile("main.tf", 'x = "%{ if var.a }yes%{ endif }"\ny = 1\n'))
    assert isinstance(doc, TerraformDoc)
    assert doc.attributes["x"].value.kind == "template" and doc.attributes["y"].value.value == 1


def test_lines_and_sources_come_from_the_text() -> None:
    blocks, attributes = terraform_reader.read(SHAPES)
    local = blocks[1]
    assert (local.type, local.line, local.end_line) == ("locals", 11, 73)
    assert local.attributes["long_op2"].value.source == "var.a\n    + var.b"
    assert local.attributes["floats"].value.items[3].value == -4
    assert local.attributes["index_num"].value.source == "var.list.0"
    assert [k for k, _ in local.attributes["obj"].value.entries] == [
        "quoted key", "bare", "var.k", "colon", "for_each", "nested",
    ]  # fmt: skip
    assert blocks[-1].type == "in" and blocks[-1].labels == ("keyword", "label")
    assert attributes == {}
