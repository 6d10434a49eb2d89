"""Where each delivery stands (after ``applying``, before ``session``).

``report`` reads the desired and live snapshots into a ``StatusReport`` (``model``), and
``feedback`` adds the clients' Box comments. Pure: no I/O, no SDK, no clock.

Nothing is imported here; import the module you need.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → **status** →
session → notify → doctor → watch → render → forge → cli.
"""
