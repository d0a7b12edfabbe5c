"""Django's management commands for the platform (``samen web manage ...``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """Run a Django management command, e.g. ``main(["manage", "migrate"])``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samen.web.settings")
    from django.core.management import execute_from_command_line

    from samen.web.i18n import compile_all

    compile_all()
    execute_from_command_line(list(argv) if argv is not None else sys.argv)


if __name__ == "__main__":  # pragma: no cover
    main()
