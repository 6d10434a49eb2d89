"""Notifications: what happened (decisions and re-marks, acceptances, invitations, clients'
comments), the sinks that hear of it (email, chat, http, jsonl, command), each in its own thread,
and the ledger that delivers each to each sink that wants it once.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → status →
session → **notify** → doctor → watch → render → forge → cli.
"""
