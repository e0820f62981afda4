"""Applications (cases): apply online, review, decisions, payments, the notification outbox and
deadlines."""
