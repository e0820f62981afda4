"""The pages: the enterprise rates from its case page and 我的申报, is told why it may not, sees
the reply and rates again; the head rectifies, a reviewer reads; nobody else finds anything."""

import pytest
from django.urls import reverse

from accounts.models import BureauPosition, Role
from applications.models import Notification
from ratings import services
from ratings.models import Rating, Rectification
from tests.ratings.conftest import ended_row

pytestmark = pytest.mark.django_db


def test_the_case_page_and_my_applications_offer_the_rating(client, ended, qualified):
    client.force_login(qualified)
    rate_url = reverse("ratings:rate", args=[ended.reference])
    page = client.get(reverse("applications:detail", args=[ended.reference])).content.decode()
    assert 'data-testid="rate-button"' in page and rate_url in page
    page = client.get(reverse("applications:mine")).content.decode()
    assert rate_url in page


def test_my_applications_reads_the_ratings_at_once(
    client, ended, qualified, django_assert_max_num_queries
):
    for period in ("2019", "2020", "2021", "2022"):
        ended_row(qualified, period=period)
    client.force_login(qualified)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("applications:mine")).status_code == 200


def test_rating_through_the_form(client, ended, qualified):
    client.force_login(qualified)
    url = reverse("ratings:rate", args=[ended.reference])
    assert client.get(url).status_code == 200
    response = client.post(url, {"level": "2", "comment": "", "reason": ""})
    assert response.status_code == 200 and not Rating.objects.exists()
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"level": "9"})
    assert response.status_code == 200 and not Rating.objects.exists()
    response = client.post(url, {"level": "5", "comment": "很满意\r\n谢谢"})
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:detail", args=[ended.reference])
    assert Rating.objects.get().comment == "很满意\n谢谢"
    # Rated: the form sends back to the case page, saying why.
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[ended.reference])
    assert 'data-testid="rate-button"' not in response.content.decode()


def test_a_running_case_cannot_be_rated_from_its_url(client, submitted, qualified):
    client.force_login(qualified)
    response = client.post(reverse("ratings:rate", args=[submitted.reference]), {"level": "5"})
    assert response.status_code == 302 and not Rating.objects.exists()


def test_others_find_nothing(client, ended, qualified, make_user, reviewer):
    poor = services.rating_give(application_id=ended.pk, user=qualified, level=1, reason="差")
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    client.force_login(other)
    assert client.get(reverse("ratings:rate", args=[ended.reference])).status_code == 404
    assert client.post(reverse("ratings:rate", args=["no\x00such"])).status_code == 404
    client.force_login(reviewer)
    assert client.get(reverse("ratings:rate", args=[ended.reference])).status_code == 403
    other_bureau = make_user(
        Role.BUREAU, bureau_name="市财政局", bureau_position=BureauPosition.HEAD
    )
    client.force_login(other_bureau)
    url = reverse("ratings:rectify", args=[poor.rectification.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"rectified": "x", "reply": "y"}).status_code == 404
    assert (
        reverse("applications:detail", args=[ended.reference])
        not in client.get(reverse("ratings:rectifications") + "?show=all").content.decode()
    )


def test_the_reviewer_reads_the_head_answers_the_enterprise_rates_again(
    client, ended, qualified, reviewer, head
):
    poor = services.rating_give(application_id=ended.pk, user=qualified, level=2, reason="窗口无人")
    url = reverse("ratings:rectify", args=[poor.rectification.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "窗口无人" in page and 'data-testid="read-only"' in page
    assert 'data-testid="rectification-form"' not in page
    assert client.post(url, {"rectified": "x", "reply": "y"}).status_code == 403
    listing = client.get(reverse("ratings:rectifications")).content.decode()
    assert url in listing
    case_page = client.get(reverse("applications:detail", args=[ended.reference])).content.decode()
    assert "窗口无人" in case_page
    client.force_login(head)
    assert 'data-testid="rectification-form"' in client.get(url).content.decode()
    response = client.post(url, {"rectified": "", "reply": "已安排专人"})
    assert response.status_code == 200 and "rectified" in response.context["form"].errors
    response = client.post(url, {"rectified": "增设值班岗", "reply": "已安排专人"})
    assert response.status_code == 302
    assert Rectification.objects.get().replied_by == head
    client.force_login(qualified)
    case_page = client.get(reverse("applications:detail", args=[ended.reference])).content.decode()
    assert "已安排专人" in case_page and "增设值班岗" not in case_page
    assert 'data-testid="rate-button"' in case_page
    response = client.post(reverse("ratings:rate", args=[ended.reference]), {"level": "4"})
    assert response.status_code == 302
    assert list(Rating.objects.values_list("round", "level")) == [(1, 2), (2, 4)]
    case_page = client.get(reverse("applications:detail", args=[ended.reference])).content.decode()
    assert 'data-testid="rate-button"' not in case_page


def test_the_bureau_pages_list_the_poor_ratings(client, ended, qualified, reviewer):
    services.rating_give(application_id=ended.pk, user=qualified, level=1, reason="差")
    client.force_login(reviewer)
    page = client.get(reverse("ratings:bureau")).content.decode()
    assert reverse("ratings:rectifications") in page
    assert client.get(reverse("portal:bureau_home")).status_code == 200


def test_the_invitation_in_the_inbox_opens_the_rating_form(client, ended, qualified):
    client.force_login(qualified)
    invitation = Notification.objects.get(
        key__startswith=f"rating-invite:{ended.pk}:", channel="inbox"
    )
    response = client.get(reverse("applications:inbox_open", args=["case", invitation.pk]))
    assert response["Location"] == reverse("ratings:rate", args=[ended.reference])
    assert client.get(response["Location"]).status_code == 200
