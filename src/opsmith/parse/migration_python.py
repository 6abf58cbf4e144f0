"""Reading calls in Python migrations (Alembic, Django) from the AST, without running them."""

from __future__ import annotations

import ast
from collections.abc import Sequence

_TEXT_WRAPPERS = frozenset({"text", "f", "literal_column"})


def call_name(node: ast.expr) -> str | None:
    """`sa.Column(...)` -> "Column"; `Column(...)` -> "Column"."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def bind(call: ast.Call, params: Sequence[str]) -> dict[str, ast.expr]:
    """Arguments by parameter name: positional ones in `params` order, then keywords."""
    bound: dict[str, ast.expr] = {}
    for name, arg in zip(params, call.args, strict=False):
        if not isinstance(arg, ast.Starred):
            bound[name] = arg
    for kw in call.keywords:
        if kw.arg is not None:
            bound[kw.arg] = kw.value
    return bound


def literal(node: ast.expr | None, default: object = None) -> object:
    if node is None:
        return default
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


def string(node: ast.expr | None) -> str | None:
    """A string literal, also through `op.f("...")`, `sa.text("...")`; None for anything else."""
    if isinstance(node, ast.Call) and call_name(node) in _TEXT_WRAPPERS and node.args:
        return string(node.args[0])
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f-string: its literal parts, placeholders as names
        parts = [
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "placeholder"
            for v in node.values
        ]
        return "".join(parts)
    return None


def keyword(call: ast.expr | None, name: str) -> ast.expr | None:
    """The value of keyword argument `name` of a call."""
    if not isinstance(call, ast.Call):
        return None
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def is_true(node: ast.expr | None) -> bool:
    return literal(node) is True


def is_false(node: ast.expr | None) -> bool:
    return literal(node) is False


def source(node: ast.expr) -> str:
    return ast.unparse(node)


def short_source(node: ast.expr, limit: int = 100) -> str:
    """A call as written (normalised by ast.unparse), cut to `limit` characters for messages."""
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def does_nothing(body: Sequence[ast.stmt]) -> bool:
    """A function body of `pass`, `...` and docstrings only."""
    return all(
        isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        for stmt in body
    )


def calls_in(stmt: ast.stmt) -> list[ast.Call]:
    """Calls in one simple statement, in source order (nested function bodies excluded)."""
    found: list[ast.Call] = []
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not stmt:
            continue
        stack.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))
