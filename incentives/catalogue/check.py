"""Check catalogue files without a database: structure, bureaus, rules and golden cases.

python -m incentives.catalogue.check                      # every file in documents/
python -m incentives.catalogue.check documents/000_*.yaml # some files
"""

import os
import sys
from pathlib import Path

import django
from django.utils import translation


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    django.setup()
    # Not at the top: a command-line entry point, and the files module reads the enterprise
    # models (the profile's facts), which exist only once Django is set up.
    from incentives.catalogue.files import check_files, document_files

    translation.activate("zh-hans")
    paths = [Path(a).resolve() for a in argv] or document_files()
    failed = False
    for report in check_files(paths):
        bad = [g for g in report.golden if not g.ok]
        print(
            f"{report.path.name}: {report.measures} measures, {report.items} items, "
            f"{report.money_items} with money, golden cases {len(report.golden) - len(bad)}"
            f"/{len(report.golden)} pass"
        )
        for problem in report.problems:
            print(f"  PROBLEM {problem}")
        for outcome in bad:
            print(f"  GOLDEN FAIL {outcome.item} «{outcome.name}»: {outcome.detail}")
        failed = failed or bool(report.problems or bad)
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
