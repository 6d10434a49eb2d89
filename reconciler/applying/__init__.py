"""Applying a plan to Box (after ``plan``, before ``status``), for ``reconciler.apply``.

``run`` executes a plan in phases; ``executors`` say what each kind of change does in Box;
``context`` is what they share during one run; ``lifecycle`` carries expiry and the invitation
ledger; ``report`` is the outcome of every line of the plan (free of the SDK, for rendering);
``written`` folds what Box answered back into the live state the plan was made from.

Nothing is imported here, so rendering a report does not load the SDK.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → **applying** → status →
session → notify → doctor → watch → render → forge → cli.
"""
