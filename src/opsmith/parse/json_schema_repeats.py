"""jsonschema keywords that judge a repeated value once per subschema.

YAML aliases make one mapping or list reachable by many paths (a few kilobytes of nested aliases
expand to hundreds of thousands of nodes, within yaml_tree's cap), and a block pasted a thousand
times is a thousand equal values. jsonschema walks each of them, for each branch of each `oneOf` it
tries: seconds per file. Here a keyword's errors on a repeated value (json_schema_check's
`repeated_nodes`) are kept for the rest of the run and handed out again as copies wherever the
value is reached: the same verdict and the same problems, each at its own path.

A copy carries the error's whole `context` (the reasons of each `oneOf` branch), which reports
rely on. Through nested aliases, copies of copies add up to more errors than the document has
nodes, so at most STORED errors are kept per value and keyword, and past COPY_BUDGET copied errors
in one run a copy is cut to its first reason alone: still a true error at the same place (the
verdict never changes), only worded from one branch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opsmith.parse.json_schema_check import repeated_nodes

Keyword = Callable[[Any, Any, Any, Any], Any]
_Key = tuple[str, int, int]
STORED = 10  # errors kept per repeated value and keyword
COPY_BUDGET = 2_000  # errors copied with their whole context in one run: far above any real file


class _Run:
    """What one validation has learnt: the repeated values of its instance and, for each keyword,
    subschema and repeated value judged to the end, copies of its first STORED errors."""

    def __init__(self, repeated: dict[int, int]) -> None:
        self.repeated = repeated
        self.errors: dict[_Key, list[Any]] = {}
        self.copies_left = COPY_BUDGET


_runs = [_Run({})]  # the innermost run last; outside `repeats_once`, keywords run as written


@contextmanager
def repeats_once(tree: Any) -> Iterator[None]:
    """Within the block, the validators from `keywords_once` judge each repeated value of `tree`
    once per keyword and subschema."""
    _runs.append(_Run(repeated_nodes(tree)))
    try:
        yield
    finally:
        _runs.pop()


def keywords_once(validators: dict[str, Keyword]) -> dict[str, Keyword]:
    """A validator class's keyword functions, each judging a repeated value once (for `extend`)."""
    return {name: _once(name, check) for name, check in validators.items()}


def _once(name: str, check: Keyword) -> Keyword:
    def keyword(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        repeated = _runs[-1].repeated
        number = repeated.get(id(instance)) if repeated else None
        if number is None:
            return check(validator, value, instance, schema)
        return _judged_once((name, id(schema), number), check, validator, value, instance, schema)

    return keyword


def _judged_once(key: _Key, check: Keyword, *args: Any) -> Iterator[Any]:
    run = _runs[-1]
    known = run.errors.get(key)
    if known is not None:
        for error in known:
            yield _copy(error, args[2])  # (validator, value, instance, schema)
        return
    kept: list[Any] = []
    for error in check(*args) or ():
        if len(kept) < STORED:  # before jsonschema prefixes its path: a copy is reusable anywhere
            kept.append(_copy(error))
        yield error
    run.errors[key] = kept  # only when judged to the end: a caller may stop at the first error


def _copy(error: Any, base: Any = None) -> Any:
    """A fresh error with the same contents: jsonschema extends each error's paths in place as it
    passes it up, so one object cannot be handed out twice. With `base`, the value now judged,
    each error's instance is taken from there: an equal value written elsewhere has its own
    positions, which the report reads from the instance."""
    run = _runs[-1]
    run.copies_left -= 1
    instance = error.instance if base is None else _at(base, error.relative_path, error.instance)
    if run.copies_left < 0 and error.context:
        return _first_reason(error, base)
    return type(error)(
        error.message,
        validator=error.validator,
        path=error.relative_path,
        cause=error.cause,
        context=[_copy(sub, None if base is None else instance) for sub in error.context],
        validator_value=error.validator_value,
        instance=instance,
        schema=error.schema,
        schema_path=error.relative_schema_path,
    )


def _first_reason(error: Any, base: Any) -> Any:
    """The innermost first reason of an error, as one error on the same instance path."""
    path = list(error.relative_path)
    while error.context:
        error = error.context[0]
        path += error.relative_path
    return type(error)(
        error.message,
        validator=error.validator,
        path=path,
        validator_value=error.validator_value,
        instance=error.instance if base is None else _at(base, path, error.instance),
        schema=error.schema,
        schema_path=error.relative_schema_path,
    )


def _at(node: Any, path: Any, otherwise: Any) -> Any:
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return otherwise
    return node
