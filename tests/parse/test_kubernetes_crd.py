"""Large CustomResourceDefinitions are loaded without their schema bodies, and nothing else
changes: line numbers, other keys, other files."""

from __future__ import annotations

import pytest

from opsmith.parse.kubernetes_crd import LARGE, without_schema_bodies
from opsmith.parse.yaml_tree import YMap, load_documents

PROPERTY = " " * 18 + "field{n}:\n" + " " * 20 + "type: string\n" + " " * 20 + "description: a field\n"


def _crd(properties: int, newline: str = "\n") -> str:
    body = "".join(PROPERTY.format(n=n) for n in range(properties))
    text = f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  labels: {{app.kubernetes.io/name: widgets}}
spec:
  group: example.com
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:  # generated

          type: object
# a comment at the margin, inside the body
          properties:
            spec:
              properties:
{body}      storage: true
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: after}}
"""
    return text.replace("\n", newline)


def test_a_large_crd_loses_only_its_schema_body() -> None:
    text = _crd(1000)
    assert len(text) > LARGE
    light = without_schema_bodies(text)
    assert len(light) < len(text) // 10
    assert light.count("\n") == text.count("\n")
    full, cheap = load_documents(text), load_documents(light)
    assert isinstance(full, list) and isinstance(cheap, list)
    version = cheap[0]["spec"]["versions"][0]
    assert version["schema"] == {"openAPIV3Schema": None}
    assert version["storage"] is True  # the key after the body is still read
    assert version.key_line("storage") == full[0]["spec"]["versions"][0].key_line("storage")
    assert cheap[1] == full[1]
    assert isinstance(cheap[1], YMap) and cheap[1].line == full[1].line


def test_windows_line_ends_keep_their_lines() -> None:
    text = _crd(1000, "\r\n")
    light = without_schema_bodies(text)
    assert len(light) < len(text) // 10
    docs = load_documents(light)
    assert isinstance(docs, list)
    assert docs[1].line == load_documents(text)[1].line  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        _crd(3),  # small: loaded whole, so a mistake anywhere is still reported
        _crd(1000).replace("CustomResourceDefinition", "Widget"),  # not a CRD
        "kind: CustomResourceDefinition\n" + "x: openAPIV3Schema: 1\n" * 5000,  # no such key
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert without_schema_bodies(text) is text
