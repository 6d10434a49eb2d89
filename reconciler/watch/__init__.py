"""``reconcile watch``: hints (Box events, later webhooks) say which deliveries to look at; the
same read, plan and apply as ``reconcile apply`` does the rest, with a periodic full resync.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → status →
session → notify → doctor → **watch** → render → forge → cli.
"""
