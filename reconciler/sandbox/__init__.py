"""A local Box for tests, rehearsals and the demo: Box's API as its docs describe it, served on
127.0.0.1, with a control plane (``/_sandbox/...``) for time, faults, quirks and clients' actions.

It imports nothing of the rest of reconciler: what it knows of Box it knows on its own, so the
client and the sandbox cannot share a wrong guess through common code.
"""
