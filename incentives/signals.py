"""Signals of the catalogue, for the apps above it to listen to (the catalogue imports none of
them)."""

from django.dispatch import Signal

# An e-mail to an enterprise's users is due: the notices matching found for it ("you now
# qualify", "applications are open"). Sent inside the transaction that marks the notices as
# e-mailed, with ``key`` (one mail, never sent twice), ``subject``, ``body`` and ``addresses``;
# the notification outbox (``applications``) writes the mail in that transaction.
enterprise_mail_due = Signal()
