"""Data prepared for the leadership dashboard (targets of 001/002, 003 篇四's district index):
it loads, its keys are unique, and the index's weights add up as the text gives them."""

import yaml

from incentives.catalogue.files import CATALOGUE_DIR


def test_targets_load_with_unique_keys_and_numbers_per_year():
    data = yaml.safe_load((CATALOGUE_DIR / "targets.yaml").read_text(encoding="utf-8"))
    targets = [t for doc in data["documents"] for t in doc["targets"]]
    keys = [t["key"] for t in targets]
    assert len(keys) == len(set(keys)) >= 20
    tech_contract = next(
        t for t in targets if t["key"].startswith("ts2023") and "技术合同" in t["name"]
    )
    assert tech_contract["values"] == {2023: 126, 2024: 140, 2025: 200}
    hitech = next(
        t for t in targets if t["key"].startswith("ts2023") and t["name"].startswith("高新技术企业")
    )
    assert hitech["values"] == {2023: 1600, 2024: 1700, 2025: 1800} and hitech["computable"] is True


def test_district_index_weights_add_up():
    index = yaml.safe_load((CATALOGUE_DIR / "district_index.yaml").read_text(encoding="utf-8"))[
        "index"
    ]
    dimensions = index["dimensions"]
    assert sum(d["weight"] for d in dimensions) == 100
    for dimension in dimensions:
        assert sum(i["weight"] for i in dimension["indicators"]) == dimension["weight"], dimension[
            "name"
        ]
