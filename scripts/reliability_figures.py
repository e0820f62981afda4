#!/usr/bin/env python3
"""Print the figures the reliability tests wrote to var/reliability/*.json: how many access checks
and leaks, fuzz cases and server errors, parallel operations and anomalies, notices during faults
and how many were lost. docs/reliability.md quotes a run of this."""

import json
import sys
from pathlib import Path

FIGURES = Path(__file__).resolve().parent.parent / "var" / "reliability"


def main() -> int:
    if not FIGURES.is_dir():
        print("no figures: run the test suite first (python3 scripts/dev.py test)")
        return 1
    for path in sorted(FIGURES.glob("*.json")):
        data = json.loads(path.read_text())
        print(f"{path.stem}:")
        for name, figures in sorted(data.items()) if isinstance(data, dict) else []:
            if isinstance(figures, dict):
                shown = ", ".join(f"{k}={v}" for k, v in figures.items())
                print(f"  {name}: {shown}")
            else:
                print(f"  {name}: {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
