"""``samen web staff EMAIL --role office|school [--school ID ...]``: add a staff account."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from samen.web.core import audit
from samen.web.core.roles import add_staff


class Command(BaseCommand):
    help = "Give an e-mail address a staff role (office admin or school viewer)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=["office", "school"], required=True)
        parser.add_argument("--school", action="append", default=[], help="a school id")

    def handle(self, *args: Any, **options: Any) -> None:
        user = add_staff(options["email"], options["role"], options["school"])
        audit.record(
            None,
            "staff.add",
            target=user.email,
            after={"role": options["role"], "schools": options["school"], "by": "command line"},
        )
        self.stdout.write(f"{user.email}: {options['role']}")
