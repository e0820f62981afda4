"""Demo 常见问题 for the embedded run command: a few questions visitors might ask about the 唐山
高企 awards, answered and published by the lead bureau's reviewer through the real services.
Invented, plausible; the published texts carry no asker's identity. Loaded once."""

from __future__ import annotations

from consultations import services
from consultations.models import Question
from incentives.models import IncentiveItem

FAQ = [
    (
        "ts2019-hitech-new",
        "高企认定奖励需要单独申请吗？",
        "需要。取得高新技术企业证书后，在本平台在线提交申请，由市科学技术局受理审核。",
    ),
    (
        "ts2019-hitech-new",
        "同一企业重新认定还能再领20万元奖励吗？",
        "本项奖励面向首次通过认定的企业，每家企业限一次；重新认定的企业请查看复审奖励事项。",
    ),
]


def demo_questions_load(*, reviewer) -> int:
    """Ask, answer and publish each demo question unless it is already published."""
    made = 0
    for number, (key, question_text, answer_text) in enumerate(FAQ):
        item = IncentiveItem.objects.filter(key=key).first()
        if (
            item is None
            or Question.objects.filter(item=item, published_question=question_text).exists()
        ):
            continue
        question = services.question_ask(
            item=item,
            text=question_text,
            name="演示访客",
            phone=f"1390000000{number}",
            client_ip=f"demo-{number}",
        )
        services.question_answer(question_id=question.pk, by=reviewer, answer=answer_text)
        services.question_publish(
            question_id=question.pk,
            by=reviewer,
            question_text=question_text,
            answer_text=answer_text,
        )
        made += 1
    return made
