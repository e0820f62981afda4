"""What the 一企一档 tells the apps above it. Enterprises sits below the catalogue, so it cannot
call the matching itself: it announces the change and the catalogue (``incentives.apps``)
listens."""

from django.dispatch import Signal

# Sent once the change of an enterprise's profile is committed; argument: ``enterprise_id``.
profile_changed = Signal()

# Sent inside the transaction of a decision on who acts for an enterprise (a verified account, a
# claim decided) for the outbox to tell those it concerns; arguments: ``key``, ``subject``,
# ``body``, ``link``, ``users``, ``addresses`` (``applications.receivers.people_notice``).
people_to_tell = Signal()
