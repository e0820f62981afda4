"""Demo figures for the embedded run command: district figures of the innovation index for the
districts of 唐山市 (this year), a few figures the lead bureaus would enter against 廊坊's and
唐山's targets, and this year's dashboard snapshots. Invented, plausible, marked 演示数据."""

from __future__ import annotations

import random
from decimal import Decimal

from dashboard import selectors, services
from dashboard.models import IndexIndicator, Target, TargetFigure
from organisations.models import Region
from portal import clock

DEMO_SOURCE = "演示数据"
# Ranges the invented figures are drawn from, per banded indicator (the scheme's units).
RANGES = {
    "fiscal_expenditure": (800, 16000),
    "fiscal_st_expenditure_share": (0.3, 2.6),
    "above_scale_rd_intensity": (0.2, 1.9),
    "hitech_per_1000_firms": (0.5, 12),
    "tech_sme_per_1000_firms": (10, 320),
    "above_scale_rd_institution_ratio": (5, 60),
    "invention_patents_per_10k": (0.5, 12),
    "hitech_industry_va_share": (5, 40),
    "agri_industrialisation_rate": (40, 75),
}
TARGET_FIGURES = {  # key: (year, share of the goal reached)
    "ts2023-tech-contract-turnover": (2025, Decimal("1.04")),
    "ts2023-platforms-total-2025": (2025, Decimal("0.92")),
    "ts2023-rd-growth": (2025, Decimal("1.1")),
    "lf2023-tech-contract-turnover": (2025, Decimal("0.87")),
    "lf2023-rd-platforms": (2025, Decimal("0.97")),
}


def demo_figures_load(*, recorder, city_name: str = "唐山市", seed: int = 11) -> int:
    """District figures and target figures, unless demo figures exist; returns rows written."""
    if TargetFigure.objects.filter(source=DEMO_SOURCE).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - invented demo data, not secrets
    year = clock.today().year
    scheme = selectors.index_scheme()
    written = 0
    city = Region.objects.filter(name=city_name, level=Region.Level.CITY).first()
    if scheme and city:
        indicators = selectors.index_indicators(scheme)
        for district in Region.objects.filter(parent=city, level=Region.Level.DISTRICT):
            entries = []
            for indicator in indicators:
                if indicator.portal_source:
                    continue
                if indicator.method == IndexIndicator.Method.PER_UNIT:
                    counts = {
                        unit["what"]: rng.choice([0, 0, 1, 1, 2])
                        if unit.get("points") is not None
                        else rng.choice([0, 0.5, 1])
                        for unit in indicator.units
                    }
                    entries.append((indicator, None, {k: v for k, v in counts.items() if v}))
                elif indicator.method == IndexIndicator.Method.ASSESSED:
                    entries.append(
                        (indicator, round(rng.uniform(2, float(indicator.weight)), 1), None)
                    )
                elif indicator.key in RANGES:
                    low, high = RANGES[indicator.key]
                    entries.append((indicator, round(rng.uniform(low, high), 2), None))
            written += services.district_figures_save(
                district=district, year=year, entries=entries, by=recorder
            )
    for key, (target_year, share) in TARGET_FIGURES.items():
        target = Target.objects.filter(key=key).prefetch_related("values").first()
        goal = target.values.filter(year=target_year).first() if target else None
        if goal is None or goal.value is None:
            continue
        TargetFigure.objects.create(
            target=target,
            year=target_year,
            value=(goal.value * share).quantize(Decimal("0.01")),
            source=DEMO_SOURCE,
            entered_by=recorder,
        )
        written += 1
    return written
