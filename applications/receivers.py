"""Receivers of the signals of the apps below (connected in ``ApplicationsConfig.ready``)."""

from applications import notifications


def enterprise_mail(sender, *, key: str, subject: str, body: str, addresses, **kwargs) -> None:
    """Matching's mail to an enterprise (``incentives.signals.enterprise_mail_due``): outbox rows
    written in the sender's transaction, delivered once it commits."""
    notifications.notify_by_email(key=key, subject=subject, body=body, addresses=addresses)


def people_notice(
    sender, *, key: str, subject: str, body: str, link="", users=(), addresses=(), **kwargs
) -> None:
    """A notice of the apps below that belongs to no case (``enterprises.signals.people_to_tell``:
    an account verified, a claim decided): inbox rows and e-mails in the sender's transaction."""
    notifications.notify_people(
        key=key, subject=subject, body=body, link=link, users=users, addresses=addresses
    )
