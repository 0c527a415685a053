"""One-page PDF summary of an org (WeasyPrint) from the dashboard's figures: counts, compliance, warnings and
bar charts drawn as inline SVG (no outside resources)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

PDF_CHARTS = ("category", "age", "education", "occupation", "kind", "sector")


def bar_svg(labels: list[str], values: list[int], *, width: int = 250) -> str:
    """Horizontal bars with their labels and values, as an SVG element (escaped text)."""
    row, label_w, top = 13, 95, max(values or [0]) or 1
    height = row * len(labels) + 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    bar_max = width - label_w - 32
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * row + 1
        w = round(bar_max * value / top) if value else 0
        parts.append(f'<text x="{label_w - 3}" y="{y + 9}" text-anchor="end" font-size="7">{escape(label[:12])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 1}" width="{w}" height="{row - 4}" fill="#c0392b"/>')
        parts.append(f'<text x="{label_w + w + 2}" y="{y + 9}" font-size="7">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"统计简报模板不应引用外部资源：{url}")


def html(data: dict) -> str:
    charts = [
        {**c, "svg": mark_safe(bar_svg([r["label"] for r in c["rows"]], [r["value"] for r in c["rows"]]))}
        for c in data["charts"]
        if c["id"] in PDF_CHARTS
    ]
    return render_to_string("stats/summary_pdf.html", {**data, "pdf_charts": charts})


def pdf(data: dict) -> bytes:
    from weasyprint import HTML  # imported late: loading it costs a few hundred milliseconds

    return HTML(string=html(data), url_fetcher=_no_fetch).write_pdf()
