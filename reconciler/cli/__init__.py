"""The ``reconcile`` command line: the one place where errors become exit codes.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → status →
session → notify → doctor → watch → render → forge → **cli**.
"""
