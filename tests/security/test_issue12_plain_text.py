"""Issue 12 §6.5: names carry no control or text-direction characters.

A name with U+202E (right-to-left override) shows one thing and sorts, searches and exports as
another; a BEL or NUL breaks exports and mail. One validator refuses them, with a reason, on
every form that takes a name or similar short text, and on the models behind the admin site.
Ordinary Chinese names — with （）, · and spaces — pass.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts import forms as account_forms
from accounts.models import Role
from applications.forms import ObjectionForm
from dashboard.forms import TargetFigureForm
from enterprises import forms as enterprise_forms
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from organisations.models import Bureau, Region
from portal.validators import FORBIDDEN_IN_PLAIN_TEXT, validate_plain_text
from tests.enterprises.helpers import credit_code

BAD = ["\u202e", "\u2066", "\x07", "\u200e", "\u200f", "\u202a", "\u2069", "\x00", "\x85", "\n"]
GOOD = [
    "唐山市示例智能装备有限公司（路北分公司）",
    "阿卜杜·热合曼",
    "欧阳 娜娜",
    "Zhang San",
    "河北某某科技股份有限公司 (Tangshan)",
    "O'Neil-Smith",
]


@pytest.mark.parametrize("char", BAD, ids=lambda c: f"U+{ord(c):04X}")
def test_the_validator_refuses_control_and_direction_characters(char):
    with pytest.raises(ValidationError) as refused:
        validate_plain_text(f"唐山{char}企业")
    message = refused.value.messages[0]
    assert f"U+{ord(char):04X}" in message


@pytest.mark.parametrize("name", GOOD)
def test_the_validator_passes_ordinary_names(name):
    """Passes if no exception: validate_plain_text raises ValidationError for a text it refuses."""
    validate_plain_text(name)


@given(
    st.text(st.characters(codec="utf-8", exclude_characters=FORBIDDEN_IN_PLAIN_TEXT)),
    st.text(),
    st.sampled_from(sorted(FORBIDDEN_IN_PLAIN_TEXT)),
    st.text(),
)
def test_any_text_passes_unless_it_holds_a_forbidden_character(clean, before, bad, after):
    validate_plain_text(clean)
    with pytest.raises(ValidationError):
        validate_plain_text(before + bad + after)


REGISTRATION = {
    "credit_code": credit_code(424242),
    "name": "唐山市示例智能装备有限公司（路北分公司）",
    "username": "newboss",
    "full_name": "欧阳 娜娜",
    "email": "boss@qiye.example.cn",
    "mobile": "13903152026",
    "password1": "Qiye-mi-ma-2026-long",
    "password2": "Qiye-mi-ma-2026-long",
}


@pytest.fixture
def registration(db):
    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    district = Region.objects.get(name="路北区", parent=city)
    return {**REGISTRATION, "city": city.pk, "district": district.pk}


def test_registration_passes_an_ordinary_name(registration):
    assert enterprise_forms.RegistrationForm(registration).is_valid()


@pytest.mark.parametrize("field", ["name", "full_name"])
@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x07"], ids=["RLO", "LRI", "BEL"])
def test_registration_refuses_a_hidden_character_in_a_name(registration, field, char):
    form = enterprise_forms.RegistrationForm({**registration, field: "唐山" + char + "示例"})
    with translation.override("zh-hans"):
        assert not form.is_valid()
        assert "不可见" in str(form.errors[field])


def test_accepting_an_invitation_refuses_a_hidden_character_in_the_name(db):
    form = account_forms.InvitationAcceptForm(
        {
            "username": "tongshi",
            "full_name": "李\u202e同事",
            "password1": "Tong-shi-mi-ma-2026",
            "password2": "Tong-shi-mi-ma-2026",
        },
        email="li@qiye.example.cn",
    )
    assert not form.is_valid()
    assert "full_name" in form.errors


def test_the_profile_refuses_a_hidden_character_in_the_industry(make_user):
    user = make_user(Role.ENTERPRISE)
    form = enterprise_forms.ProfileForm({"industry": "制造\u2066业"}, instance=user.enterprise)
    assert not form.is_valid() and "industry" in form.errors


def test_an_objection_refuses_a_hidden_character_in_the_contact():
    form = ObjectionForm({"text": "公示金额有误", "contact": "王\u202e 13800000000"})
    assert not form.is_valid() and "contact" in form.errors


def test_a_bureau_refuses_a_hidden_character_in_the_figure_source():
    form = TargetFigureForm({"year": "2025", "value": "10", "source": "统计\x07年鉴"}, years=[2025])
    assert not form.is_valid() and "source" in form.errors


def test_the_models_behind_the_admin_site_refuse_them_too(make_user):
    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    with pytest.raises(ValidationError) as refused:
        Enterprise(credit_code=credit_code(515151), name="企业\u202e", city=city).full_clean()
    assert "name" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        Bureau(city=city, name="市\u2066科技局").full_clean()
    assert "name" in refused.value.error_dict
    user = make_user(Role.ENTERPRISE)
    for field in ("full_name", "first_name", "last_name"):
        setattr(user, field, "张\x07三")
        with pytest.raises(ValidationError) as refused:
            user.full_clean()
        assert field in refused.value.error_dict
        setattr(user, field, "张三")


def test_the_registration_service_refuses_them(registration):
    city = Region.objects.get(pk=registration["city"])
    with pytest.raises(ValidationError):
        enterprise_services.enterprise_register(
            credit_code=registration["credit_code"],
            name="唐山\u202e示例",
            city=city,
            district=Region.objects.get(pk=registration["district"]),
            username="bidi",
            full_name="张三",
            email="bidi@qiye.example.cn",
            password="Qiye-mi-ma-2026-long",
        )
    assert not Enterprise.objects.filter(credit_code=registration["credit_code"]).exists()
