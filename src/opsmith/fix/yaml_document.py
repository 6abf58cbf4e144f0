"""A YAML file's first document for a fixer's precondition, read by the audit's own loader (with
its limits on nesting and alias expansion)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def mapping_of(text: str) -> dict[Any, Any] | None:
    from opsmith.parse.yaml_tree import load_documents  # yaml: only when fixing

    documents = load_documents(text)
    if not isinstance(documents, list) or not documents or not isinstance(documents[0], dict):
        return None
    return documents[0]


def strings_in(node: Any) -> Iterator[str]:
    """Every key and value of a loaded tree that is text."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings_in(key)
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)
