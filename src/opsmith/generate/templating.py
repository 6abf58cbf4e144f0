"""Jinja2 set up once for every generator: strict about missing values, no HTML escaping."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2

from opsmith.generate.hcl_format import literal


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("opsmith.generate", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is YAML, HCL and Dockerfiles, never HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson"] = _json
    env.filters["hcl"] = literal  # a string's `${` and `%{` stay text, never Terraform syntax
    return env


def _json(value: Any) -> str:
    """JSON as a person would write it (Jinja's own filter escapes quotes for HTML)."""
    return json.dumps(value, ensure_ascii=False)


def render_template(name: str, **values: Any) -> str:
    return _environment().get_template(name).render(**values)
