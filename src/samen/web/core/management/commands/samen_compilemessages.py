"""``samen web compilemessages``: .po to .mo in pure Python (no GNU gettext needed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from samen.web.i18n import compile_all


class Command(BaseCommand):
    help = "Compile the translations (.po to .mo) without GNU gettext."

    def handle(self, *args: Any, **options: Any) -> None:
        written = compile_all()
        self.stdout.write(f"{len(written)} file(s) written")
