"""Receivers of the signals of the apps below (connected in ``ApplicationsConfig.ready``)."""

from applications import notifications


def enterprise_mail(sender, *, key: str, subject: str, body: str, addresses, **kwargs) -> None:
    """Matching's mail to an enterprise (``incentives.signals.enterprise_mail_due``): outbox rows
    written in the sender's transaction, delivered once it commits."""
    notifications.notify_by_email(key=key, subject=subject, body=body, addresses=addresses)
