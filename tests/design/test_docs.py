"""docs/infrastructure.md and its SVG: the diagram, decisions with reasons, costs, risks, next tier."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from design.fixtures import design
from opsmith.design.decide import apply_overrides
from opsmith.design.docs import render_docs
from opsmith.design.model import Override
from opsmith.design.svg import render_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_docs_have_every_section() -> None:
    text = render_docs(design(users=5_000))
    headings = (
        "## Summary",
        "## Topology",
        "## Decisions",
        "## Services",
        "## Backing services",
        "## Environments",
        "## Cost drivers",
        "## Risks",
        "## What changes at the next tier",
    )
    for heading in headings:
        assert heading in text
    assert "```mermaid\nflowchart LR" in text and "![Topology](infrastructure.svg)" in text
    assert "lb --> svc_api" in text and "svc_api --> db_postgresql" in text
    assert (
        "svc_notifier --> db_rabbitmq" in text and "lb --> svc_notifier" not in text
    )  # workers take no traffic
    assert "| tier | startup |" in text and "table:startup" in text
    assert "The next row is **Growth (100k-1M users)**" in text


def test_overrides_are_shown_with_their_reason() -> None:
    d = apply_overrides(design(), {"registry": Override(value="ghcr", reason="images are public")})
    assert "**ghcr** (override: images are public; opsmith chose ecr)" in render_docs(d)


def test_risks_name_missing_health_endpoints_and_lockfiles() -> None:
    text = render_docs(design("java-spring", users=10, cloud="aws"))
    assert "postgresql runs as a container" in text
    assert "inventory has no lockfile" not in text  # Maven has no lockfile to ask for


def test_svg_is_well_formed_with_a_box_per_component() -> None:
    d = design(users=5_000)
    root = ET.fromstring(render_svg(d))
    assert root.tag == f"{SVG}svg"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for name in ("api", "web", "billing", "notifier", "postgresql 16", "Users", "Load balancer"):
        assert name in texts
    boxes = [r for r in root.iter(f"{SVG}rect") if r.get("rx")]
    assert len(boxes) == 3 + len(d.services) + len(d.backing_services)
    arrows = list(root.iter(f"{SVG}line"))
    expected = 2 + sum(s.kind == "web" for s in d.services) + sum(len(s.uses) for s in d.services)
    assert len(arrows) == expected


def test_svg_escapes_text() -> None:
    d = design(users=5_000, name="a-b")
    assert ET.fromstring(render_svg(d)) is not None


def test_a_start_command_with_backticks_shows_whole_in_its_code_span() -> None:
    base = design(users=5_000)
    start = "sh -c `cat cmd` | tee `x`` "
    edited = base.model_copy(
        update={"services": [base.services[0].model_copy(update={"start": start}), *base.services[1:]]}
    )
    row = next(
        line for line in render_docs(edited).splitlines() if line.startswith(f"| {base.services[0].name} |")
    )
    assert f"``` {start.replace('|', chr(92) + '|')} ```" in row


def test_docs_say_what_the_probes_call_where_metrics_come_from_and_what_is_critical() -> None:
    plan = design("python-django", users=200_000, cloud="aws")
    text = render_docs(plan)
    section = text[text.index("## Health, metrics and criticality") :]
    for service in plan.services:
        assert service.metrics is not None and service.critical is not None
        assert f"**{service.name}** metrics: none: {service.metrics.reason}" in section
        assert service.critical.reason in section
    web = next(s for s in plan.services if s.kind == "web")
    assert web.liveness is not None
    assert f"**{web.name}** readiness: `{web.health_path}`; liveness:" in section


def _tls_section(text: str) -> str:
    start = text.index("### TLS to managed data stores")
    return text[start : text.index("## Environments", start)]


def test_docs_say_how_each_client_verifies_the_managed_stores() -> None:
    on_rds = _tls_section(render_docs(design("node-express", users=5_000, cloud="aws")))
    # libpq's require does not verify; node-postgres does, and this service keeps its Dockerfile
    assert "encrypt without verifying" in on_rds
    assert "**orders-api**" in on_rds and "your own Dockerfile must add Amazon's RDS CA bundle" in on_rds
    on_gcp = _tls_section(render_docs(design("node-express", users=200_000, cloud="gcp")))
    assert "Cloud SQL Node.js Connector" in on_gcp and "REDIS_CA_CERT" in on_gcp
    python = render_docs(design("python-fastapi", users=5_000, cloud="aws"))
    assert "NODE_EXTRA_CA_CERTS" not in python and "encrypt without verifying" in _tls_section(python)
    assert "### TLS" not in render_docs(design("node-express", users=100, cloud="railway"))


def test_the_summary_counts_the_regions_the_design_serves_from() -> None:
    # 1M users asked for no regions, but the enterprise row spans two
    summary = render_docs(design(users=1_000_000, cloud="aws")).split("## Topology")[0]
    assert "in 2 regions: multi-region topology" in summary
    assert "in 1 region: multi-region" not in summary
    assert "in 1 region:" in render_docs(design(users=200_000, cloud="aws"))
