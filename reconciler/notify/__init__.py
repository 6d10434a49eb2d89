"""Notifications: what happened (decisions, acceptances, invitations), the sinks that hear of it,
and the ledger that delivers each to each sink once."""
