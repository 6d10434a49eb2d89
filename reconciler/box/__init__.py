"""Box, through its official SDK (``box_sdk_gen``): the only package that imports it.
Connecting, reading, writing, events, webhooks and comments; Box's errors become ours here.

Pipeline (README, "Developing"): manifest → model → **box** → planning → plan → applying → status →
session → notify → doctor → watch → render → forge → cli.
"""
