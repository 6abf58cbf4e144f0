"""Column types as the migration tools write them, compared the way PostgreSQL stores them.

Only one question is answered: does a type change widen a character column? `varchar(n)` to a
larger `n`, to unbounded `varchar`, or to `text` (and `text` back to unbounded `varchar`) is a
catalog change on PostgreSQL 12+: no row is rewritten or checked.
"""

from __future__ import annotations

import re

# varchar(n), character varying(n), Rails' string(n), SQLAlchemy's String(n)/String(length=n),
# Unicode(n), VARCHAR(n); the name alone (or empty brackets) is unbounded.
_VARYING = re.compile(
    r"^(?:varchar|charactervarying|string|unicode)(?:\((?:length=)?(?P<n>\d+)?(?:,[^)]*)?\))?$"
)
_TEXT = re.compile(r"^(?:text|unicodetext)(?:\(\))?$")
_MODULE = re.compile(r"^(?:sa|sqlalchemy|types|sqltypes|postgresql|mysql|models)\.")


def _width(type_name: str) -> float | None:
    """How many characters the type holds (infinite when unbounded); None when not a varchar/text."""
    compact = _MODULE.sub("", re.sub(r"\s+", "", type_name.lower()))
    varying = _VARYING.match(compact)
    if varying:
        return float(varying.group("n")) if varying.group("n") else float("inf")
    return float("inf") if _TEXT.match(compact) else None


def widens(old: str | None, new: str | None) -> bool:
    """Whether changing a column from `old` to `new` only widens a character type."""
    if old is None or new is None:
        return False
    before, after = _width(old), _width(new)
    return before is not None and after is not None and after >= before
