"""The profile's facts are declared once (enterprises.schema) and every reader of them follows
that declaration: forms, services, history, fact readers, the bulk loader and the vocabulary."""

from unittest import mock

import pytest
from django.db import models

from enterprises import forms, schema, selectors, services
from enterprises.models import Enterprise, YearlyFigures
from enterprises.signals import profile_changed
from incentives import facts, matching_bulk
from incentives.catalogue import files

# Fields of the models that are not declared facts, and why.
NOT_FACTS = {
    Enterprise: {
        "id",
        "credit_code",  # registration data: fixed when the enterprise registers
        "name",
        "city",
        "district",
        "created_at",
        "source",  # where the values came from, not a value
        # who acts for it (account verification) and what proves the company: not facts
        "account_status",
        "verified_at",
        "verified_by",
        "proven_by",
        "proven_at",
    },
    YearlyFigures: {"id", "enterprise", "year", "source"},
}


@pytest.mark.parametrize(
    ("section", "model"), [(schema.BASIC, Enterprise), (schema.YEARLY, YearlyFigures)]
)
def test_every_value_field_of_the_model_is_declared_once(section, model):
    fields = {f.name for f in model._meta.concrete_fields} - NOT_FACTS[model]
    declared = schema.names(section)
    assert sorted(declared) == sorted(fields), "a model field without its line in the schema"
    assert len(declared) == len(set(declared))


def test_the_forms_show_exactly_the_declared_facts():
    assert list(forms.ProfileForm.base_fields) == schema.names(schema.BASIC)
    assert list(forms.YearlyFiguresForm.base_fields) == ["year", *schema.names(schema.YEARLY)]
    assert [f.name for f in schema.YEARLY if f.unit == "元"] == forms.MONEY_FIELDS


def test_the_readers_the_loader_and_the_history_follow_the_schema():
    for name in schema.names(schema.BASIC) + schema.names(schema.YEARLY):
        assert name in facts.READERS
    assert list(matching_bulk.E_FIELDS) == schema.names(schema.BASIC)
    assert list(matching_bulk.F_FIELDS) == schema.names(schema.YEARLY)
    shown = selectors._PROFILE_FIELDS
    assert set(schema.names(schema.BASIC)) <= set(shown[Enterprise])
    assert set(schema.names(schema.YEARLY)) <= set(shown[YearlyFigures])


def test_the_vocabulary_has_every_declared_fact_and_agrees_with_facts_yaml():
    declared = schema.fact_declarations()
    vocabulary = files.base_facts()
    worded = {f["key"]: f for f in files.load_yaml(files.FACTS_FILE)["facts"]}
    for key, declaration in declared.items():
        assert key in vocabulary
        if key in worded:  # facts.yaml words it; the type (and choices) must be the schema's
            assert worded[key]["type"] == declaration["type"], key
            assert set(worded[key].get("choices") or {}) == set(declaration["choices"]), key
    assert declared["revenue"]["label"] == "上年度营业收入"
    assert declared["revenue"]["type"] == "money"
    assert declared["invention_patents_granted"]["type"] == "int"


def test_a_yearly_figure_without_a_facts_yaml_line_still_reaches_the_vocabulary(monkeypatch):
    """The dry run of adding a figure: drop one figure's facts.yaml line and the vocabulary still
    has it, worded from the model field."""
    real = files.load_yaml

    def without_patents(path):
        data = real(path)
        if path == files.FACTS_FILE:
            data = {
                **data,
                "facts": [f for f in data["facts"] if f["key"] != "invention_patents_granted"],
            }
        return data

    monkeypatch.setattr(files, "load_yaml", without_patents)
    fact = files.base_facts()["invention_patents_granted"]
    assert fact["label"] == "上年度授权发明专利数"
    assert (fact["type"], fact["unit"]) == ("int", "件")


def test_services_refuse_a_key_the_schema_does_not_declare(db, make_user):
    from accounts.models import Role

    admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    with pytest.raises(TypeError, match="credit_code"):
        services.profile_update(enterprise=admin.enterprise, by=admin, values={"credit_code": "X"})
    with pytest.raises(TypeError, match="enterprise"):
        services.yearly_figures_save(
            enterprise=admin.enterprise, by=admin, year=2024, values={"enterprise": 1}
        )


def test_a_fact_not_given_keeps_its_value(db, make_user):
    from accounts.models import Role

    admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    services.profile_update(enterprise=admin.enterprise, by=admin, values={"employees": 50})
    services.profile_update(enterprise=admin.enterprise, by=admin, values={"industry": "软件"})
    admin.enterprise.refresh_from_db()
    assert (admin.enterprise.employees, admin.enterprise.industry) == (50, "软件")


def test_a_profile_change_queues_its_recompute():
    with mock.patch("incentives.tasks.recompute_enterprise_matches.delay") as delay:
        profile_changed.send(sender=Enterprise, enterprise_id=7)
    delay.assert_called_once_with(7)


def test_the_types_of_the_model_fields_map_to_the_vocabulary():
    cases = {
        models.DecimalField(): ("money", schema.ProfileFact("x", unit="元")),
        models.PositiveIntegerField(): ("int", schema.ProfileFact("x")),
        models.BooleanField(): ("bool", schema.ProfileFact("x")),
        models.DateField(): ("date", schema.ProfileFact("x")),
        models.CharField(choices=[("a", "A")]): ("choice", schema.ProfileFact("x")),
        models.CharField(): ("text", schema.ProfileFact("x")),
    }
    for model_field, (expected, fact) in cases.items():
        assert schema.fact_type(model_field, fact) == expected


def test_a_broker_outage_does_not_fail_the_saved_change(caplog):
    """The profile change is committed before the signal: an unreachable broker is logged and
    left to the nightly recompute, not raised at the person."""
    from kombu.exceptions import OperationalError

    failing = mock.patch(
        "incentives.tasks.recompute_enterprise_matches.delay",
        side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379"),
    )
    with failing, caplog.at_level("WARNING", logger="incentives.receivers"):
        profile_changed.send(sender=Enterprise, enterprise_id=8)
    assert "enterprise 8" in caplog.text and "nightly recompute" in caplog.text
