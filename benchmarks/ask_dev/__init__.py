"""ask_dev: an independent, hand-written evaluation set for ``dnahlm ask`` (see README.md in this folder)."""
