"""The topology as a small SVG drawn here (boxes and arrows, no external tools): users, the edge
(DNS, load balancer), the services, the backing services they use, left to right."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from opsmith.design.model import Design

BOX_W, BOX_H, GAP_Y, GAP_X, MARGIN, TITLE_H = 200, 54, 22, 70, 24, 40
_COLOURS = {
    "users": ("#eef2ff", "#4f46e5"),
    "edge": ("#ecfeff", "#0e7490"),
    "web": ("#f0fdf4", "#15803d"),
    "worker": ("#fefce8", "#a16207"),
    "cron": ("#fff7ed", "#c2410c"),
    "backing": ("#fdf2f8", "#be185d"),
    "unknown": ("#f4f4f5", "#52525b"),
}


@dataclass(frozen=True)
class _Box:
    key: str
    title: str
    subtitle: str
    style: str
    column: int
    row: int


def render_svg(design: Design) -> str:
    boxes = _boxes(design)
    edges = _edges(design)
    rows = max((b.row for b in boxes), default=0) + 1
    columns = max((b.column for b in boxes), default=0) + 1
    width = MARGIN * 2 + columns * BOX_W + (columns - 1) * GAP_X
    height = TITLE_H + MARGIN * 2 + rows * BOX_H + (rows - 1) * GAP_Y
    where = {b.key: b for b in boxes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" role="img" '
        f'aria-label="{escape(design.app)} topology">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#52525b"/>'
        "</marker></defs>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 8}" font-size="16" font-weight="bold" fill="#18181b">'
        f"{escape(design.app)}: {escape(design.tier.effective)} tier on "
        f"{escape(design.platform.effective)}</text>",
    ]
    for source, target in edges:
        a, b = where.get(source), where.get(target)
        if a is None or b is None:
            continue
        x1, y1 = _x(a.column) + BOX_W, _y(a.row) + BOX_H // 2
        x2, y2 = _x(b.column), _y(b.row) + BOX_H // 2
        out.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#52525b" stroke-width="1.5" '
            'marker-end="url(#arrow)"/>'
        )
    for box in boxes:
        fill, stroke = _COLOURS.get(box.style, _COLOURS["unknown"])
        x, y = _x(box.column), _y(box.row)
        out.append(
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{x + BOX_W // 2}" y="{y + 23}" text-anchor="middle" font-size="14" font-weight="bold" '
            f'fill="#18181b">{escape(_clip(box.title))}</text>'
        )
        out.append(
            f'<text x="{x + BOX_W // 2}" y="{y + 41}" text-anchor="middle" font-size="11" fill="#3f3f46">'
            f"{escape(_clip(box.subtitle, 30))}</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _x(column: int) -> int:
    return MARGIN + column * (BOX_W + GAP_X)


def _y(row: int) -> int:
    return TITLE_H + MARGIN + row * (BOX_H + GAP_Y)


def _clip(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _boxes(design: Design) -> list[_Box]:
    boxes = [
        _Box("users", "Users", f"{design.inputs.users:,} expected", "users", 0, 0),
        _Box("dns", "DNS", design.networking.dns.effective, "edge", 1, 0),
        _Box("lb", "Load balancer", design.networking.load_balancer.effective, "edge", 1, 1),
    ]
    for row, service in enumerate(design.services):
        detail: str = service.kind or "kind unknown"
        if service.port:
            detail += f" :{service.port}"
        detail += f", {service.resources.replicas_min}-{service.resources.replicas_max}x"
        boxes.append(_Box(f"svc:{service.name}", service.name, detail, service.kind or "unknown", 2, row))
    for row, backing in enumerate(design.backing_services):
        version = f" {backing.version}" if backing.version else ""
        boxes.append(
            _Box(f"db:{backing.kind}", backing.kind + version, backing.provider.effective, "backing", 3, row)
        )
    return boxes


def _edges(design: Design) -> list[tuple[str, str]]:
    edges = [("users", "dns"), ("users", "lb")]
    for service in design.services:
        if service.kind == "web":
            edges.append(("lb", f"svc:{service.name}"))
        edges.extend((f"svc:{service.name}", f"db:{kind}") for kind in service.uses)
    return edges
