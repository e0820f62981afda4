"""Every page demands the right role: anonymous visitors go to the login page, a logged-in user
of the wrong role gets the 403 page in Chinese, and each role's navigation lists its own pages."""

import pytest
from django.urls import reverse

from accounts.models import BureauPosition, Role

ANON, ENTERPRISE, REVIEWER, HEAD, ADMIN, LEADER, NO_ROLE = (
    "anonymous",
    "enterprise",
    "reviewer",
    "head",
    "catalogue_admin",
    "leadership",
    "no_role",
)
EVERYONE = {ANON, ENTERPRISE, REVIEWER, HEAD, ADMIN, LEADER, NO_ROLE}
LOGGED_IN = EVERYONE - {ANON}

# url name → who may open it. Every other kind of user is refused.
PAGES = {
    "portal:home": EVERYONE,
    "login": EVERYONE,
    "password_reset": EVERYONE,
    "incentives:catalogue": EVERYONE,
    "incentives:documents": EVERYONE,
    "portal:workspace": LOGGED_IN,
    "accounts:account": LOGGED_IN,
    "password_change": LOGGED_IN,
    "portal:enterprise_home": {ENTERPRISE},
    "portal:bureau_home": {REVIEWER, HEAD},
    "portal:bureau_team": {HEAD},
    "portal:catalogue_admin_home": {ADMIN},
    "portal:leadership_home": {LEADER},
    "admin:index": {ADMIN},
}


@pytest.fixture
def client_as(client, make_user):
    def login(kind: str):
        if kind == ANON:
            return client
        if kind == NO_ROLE:
            user = make_user("")
        elif kind in (REVIEWER, HEAD):
            position = BureauPosition.HEAD if kind == HEAD else BureauPosition.REVIEWER
            user = make_user(Role.BUREAU, bureau_position=position)
        else:
            user = make_user(kind)
        client.force_login(user)
        return client

    return login


@pytest.mark.parametrize("kind", sorted(EVERYONE))
@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_each_page_admits_exactly_its_roles(client_as, kind, url_name):
    client = client_as(kind)
    url = reverse(url_name)
    response = client.get(url)

    if kind in PAGES[url_name]:
        assert response.status_code in (200, 302)
        if response.status_code == 302:  # the workspace redirect goes to the role's own page
            assert url_name == "portal:workspace"
            assert client.get(response["Location"]).status_code == 200
    elif kind == ANON:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login")) or response["Location"].startswith(
            reverse("admin:login")
        )
    elif url_name == "admin:index":
        # The admin site sends non-staff accounts to its own login form instead of a 403.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == 403
        page = response.content.decode()
        assert "您无权打开此页面" in page
        assert "此页面仅供" in page  # the reason names the roles the page is for


def test_forbidden_page_names_the_role_it_is_for_in_chinese(client_as):
    response = client_as(ENTERPRISE).get(reverse("portal:leadership_home"))
    assert response.status_code == 403
    assert "此页面仅供：领导查看人员" in response.content.decode()


def test_reviewer_is_refused_the_heads_page_with_the_reason(client_as):
    response = client_as(REVIEWER).get(reverse("portal:bureau_team"))
    assert response.status_code == 403
    assert "此页面仅供部门的负责人使用" in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "shown", "hidden"),
    [
        (ENTERPRISE, ["portal:enterprise_home"], ["portal:bureau_home", "portal:leadership_home"]),
        (REVIEWER, ["portal:bureau_home"], ["portal:bureau_team", "portal:enterprise_home"]),
        (HEAD, ["portal:bureau_home", "portal:bureau_team"], ["portal:catalogue_admin_home"]),
        (ADMIN, ["portal:catalogue_admin_home", "admin:index"], ["portal:bureau_home"]),
        (LEADER, ["portal:leadership_home"], ["portal:enterprise_home", "admin:index"]),
    ],
)
def test_navigation_shows_each_role_its_own_pages(client_as, kind, shown, hidden):
    page = client_as(kind).get(reverse("portal:home")).content.decode()
    nav = page.split('data-testid="role-navigation"', 1)[1].split("</ul>", 1)[0]
    for url_name in shown:
        assert f'href="{reverse(url_name)}"' in nav
    for url_name in hidden:
        assert f'href="{reverse(url_name)}"' not in nav


def test_login_lands_each_role_on_its_own_home_page(client, demo_accounts):
    expected = {
        "qiye": reverse("portal:enterprise_home"),
        "shenhe": reverse("portal:bureau_home"),
        "kezhang": reverse("portal:bureau_home"),
        "guanli": reverse("portal:catalogue_admin_home"),
        "lingdao": reverse("portal:leadership_home"),
    }
    for username, home in expected.items():
        password = demo_accounts[username]["password"]
        response = client.post(
            reverse("login"), {"username": username, "password": password}, follow=True
        )
        assert response.redirect_chain[-1][0] == home
        assert response.status_code == 200
        client.post(reverse("logout"))


def test_bureau_head_sees_only_the_staff_of_their_own_bureau(client, make_user):
    head = make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD, full_name="本局科长")
    make_user(Role.BUREAU, full_name="本局审核员")
    make_user(Role.BUREAU, bureau_name="市财政局", full_name="财政局审核员")
    client.force_login(head)
    page = client.get(reverse("portal:bureau_team")).content.decode()
    assert "本局科长" in page and "本局审核员" in page
    assert "财政局审核员" not in page


def test_enterprise_page_shows_its_own_enterprise_only(client, make_user):
    mine = make_user(Role.ENTERPRISE)
    other = make_user(Role.ENTERPRISE)
    client.force_login(mine)
    page = client.get(reverse("portal:enterprise_home")).content.decode()
    assert mine.enterprise.credit_code in page
    assert other.enterprise.credit_code not in page
