"""Signals of applications, for the apps above it to listen to (applications imports none of
them)."""

from django.dispatch import Signal

# A case has ended (退回, 不予支持, 已兑现, 推荐上报 or withdrawn): sent by ``services.transition``
# with ``application_id`` and ``state`` inside the transaction of the step that ends it, so what a
# receiver writes (an outbox row: the 好差评 invitation) commits with the step or not at all.
case_ended = Signal()
