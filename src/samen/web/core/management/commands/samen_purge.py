"""``samen web purge``: remove personal data of rounds past their retention date."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from samen.web.core.privacy import purge_due


class Command(BaseCommand):
    help = "Remove the personal data of every round whose retention date has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(purge_due(), indent=2))
