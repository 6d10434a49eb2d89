"""The ``reconcile`` command line: the one place where errors become exit codes."""
