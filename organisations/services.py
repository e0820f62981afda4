"""Services of the organisations: they write."""

from pathlib import Path

import yaml
from django.db import transaction

from organisations.models import Bureau, BureauAlias, Region

DATA_FILE = Path(__file__).resolve().parent / "data" / "organisations.yaml"


@transaction.atomic
def organisations_load(*, path: Path = DATA_FILE) -> dict[str, int]:
    """Create or update regions, bureaus and aliases from a data file; running it twice changes
    nothing the second time."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts = {"regions": 0, "bureaus": 0, "aliases": 0}

    def region(name: str, level: str, parent: Region | None, code: str) -> Region:
        obj, _ = Region.objects.update_or_create(
            name=name, parent=parent, defaults={"level": level, "code": code or ""}
        )
        counts["regions"] += 1
        return obj

    for province_data in data["provinces"]:
        province = region(province_data["name"], Region.Level.PROVINCE, None, province_data["code"])
        for city_data in province_data.get("cities", []):
            city = region(city_data["name"], Region.Level.CITY, province, city_data["code"])
            for district in city_data.get("districts", []):
                region(district["name"], Region.Level.DISTRICT, city, district.get("code", ""))
            for bureau_data in city_data.get("bureaus", []):
                # Contacts and duties are the file's only for a new bureau: afterwards its head
                # and the admins keep them, and a reload must not undo their edits.
                bureau, _ = Bureau.objects.get_or_create(
                    city=city,
                    name=bureau_data["name"],
                    defaults={
                        **{key: bureau_data.get(key, "") for key in ("email", "phone", "address")},
                        "verifies_enterprises": bureau_data.get("verifies_enterprises", False),
                    },
                )
                counts["bureaus"] += 1
                for alias in bureau_data.get("aliases", []):
                    BureauAlias.objects.update_or_create(
                        city=city, name=alias, defaults={"bureau": bureau}
                    )
                    counts["aliases"] += 1
    return counts
