"""Chart.js configurations built on the server and handed to the page with ``json_script``;
static/js/dashboard-charts.js draws them. Each chart has a table beside it with the same
figures."""

from django.utils.translation import gettext as _

BLUE, GREEN, ORANGE, GREY = "#0d6efd", "#198754", "#fd7e14", "#adb5bd"
PALETTE = [BLUE, GREEN, ORANGE, "#6f42c1", "#20c997", "#dc3545", GREY]


def _bar(labels, datasets, *, horizontal=False, percent=False, stacked=False) -> dict:
    scale = {"beginAtZero": True}
    if percent:
        scale["suggestedMax"] = 100
    return {
        "type": "bar",
        "data": {"labels": labels, "datasets": datasets},
        "options": {
            "indexAxis": "y" if horizontal else "x",
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "scales": {
                "x": {**(scale if horizontal else {}), "stacked": stacked},
                "y": {**({} if horizontal else scale), "stacked": stacked},
            },
            "plugins": {"legend": {"display": len(datasets) > 1}},
        },
    }


def targets_progress(rows) -> dict:
    shown = [r for r in rows if r.progress is not None]
    return _bar(
        [f"{r.target.document.region.name}·{r.target.name}" for r in shown],
        [
            {
                "label": _("Progress (%)"),
                "data": [min(r.progress, 150) for r in shown],
                "backgroundColor": [GREEN if r.reached else ORANGE for r in shown],
            }
        ],
        horizontal=True,
        percent=True,
    )


def cases_by_month(table) -> dict:
    months = table["by_month"]
    return _bar(
        [r["name"] for r in months],
        [
            {
                "label": _("Received"),
                "data": [r["received"] for r in months],
                "backgroundColor": BLUE,
            },
            {
                "label": _("Decided"),
                "data": [r["decided"] for r in months],
                "backgroundColor": GREEN,
            },
            {
                "label": _("Overdue"),
                "data": [r["overdue"] for r in months],
                "backgroundColor": ORANGE,
            },
        ],
    )


def money_by_month(table) -> dict:
    months = table["by_month"]
    return _bar(
        [r["name"] for r in months],
        [
            {
                "label": _("Approved (10,000 yuan)"),
                "data": [round(float(r["approved"]) / 10000, 2) for r in months],
                "backgroundColor": BLUE,
            },
            {
                "label": _("Paid (10,000 yuan)"),
                "data": [round(float(r["paid"]) / 10000, 2) for r in months],
                "backgroundColor": GREEN,
            },
        ],
    )


def money_by_funding(table) -> dict:
    rows = table["by_funding"]
    return {
        "type": "doughnut",
        "data": {
            "labels": [r["name"] for r in rows],
            "datasets": [
                {
                    "label": _("Approved (10,000 yuan)"),
                    "data": [round(float(r["approved"]) / 10000, 2) for r in rows],
                    "backgroundColor": PALETTE[: len(rows)],
                }
            ],
        },
        "options": {"responsive": True, "maintainAspectRatio": False, "animation": False},
    }


def index_totals(scores) -> dict:
    return _bar(
        [s.district for s in scores],
        [
            {
                "label": name,
                "data": [float(s.dimensions[n][1]) for s in scores],
                "backgroundColor": PALETTE[n % len(PALETTE)],
            }
            for n, (name, _got, _full) in enumerate(scores[0].dimensions if scores else [])
        ],
        stacked=True,
    )
