"""Access-matrix rows of the consultations pages (see access_parts/__init__.py): a visitor's
question on 高企 认定奖励 to bureau X (唐山市科学技术局). Asking and the private link are for
everyone (staff see the page without the form); the queue is for bureau staff; a question is
404 to staff of another bureau; the contacts page is for heads."""

from consultations import services
from incentives.models import IncentiveItem
from tests.security.access import BUREAU_STAFF, BUREAU_X, EVERYONE, only

ITEM = "ts2019-hitech-new"
ROWS: dict = {
    "consultations:ask": ("get", lambda w: {"key": ITEM}, EVERYONE),
    "consultations:question": ("get", lambda w: {"token": w["question"].token}, EVERYONE),
    "consultations:queue": ("get", None, only(BUREAU_STAFF)),
    "consultations:bureau_question": (
        "get",
        lambda w: {"pk": w["question"].pk},
        only(BUREAU_X, hidden={"reviewer_y"}),
    ),
    # The matrix posts no answer: bureau X gets the page back with "write the answer"; the
    # question stays open.
    "consultations:bureau_step": (
        "post",
        lambda w: {"pk": w["question"].pk, "step": "answer"},
        only(BUREAU_X, hidden={"reviewer_y"}),
    ),
    "consultations:contacts": ("get", None, only({"head_x"})),
}
ADMIN_ALLOWED: set[str] = set()


def build(world: dict) -> dict:
    question = services.question_ask(
        item=IncentiveItem.objects.get(key=ITEM),
        text="高企认定奖励何时申报？",
        name="访客",
        phone="13812345678",
        client_ip="10.9.9.9",
    )
    return {"question": question}
