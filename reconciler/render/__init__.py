"""Renderers: each writes to the stream it is given, never to stdout. ``plan`` (text, json,
markdown), ``report`` (apply), ``status``, ``validation``; ``colour`` is how they tint text.

Nothing is imported here, so ``reconcile validate`` loads only the validation report.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → status →
session → notify → doctor → watch → **render** → forge → cli.
"""
