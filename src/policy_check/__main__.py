"""``python -m policy_check``: the same as the ``policy-check`` command."""

import sys

from policy_check.cli import main

if __name__ == "__main__":
    sys.exit(main())
