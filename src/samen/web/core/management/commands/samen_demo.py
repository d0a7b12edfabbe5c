"""``samen web demo --load``: fill an empty database with the demo round and sign-ins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samen.web.core import demo
from samen.web.core.models import Round


class Command(BaseCommand):
    help = "Load the demo round (examples/mechelen-2027), an address list, staff and parents."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--folder", default="examples/mechelen-2027")

    def handle(self, *args: Any, **options: Any) -> None:
        if Round.objects.exists():
            raise CommandError("the database already has rounds; the demo needs an empty one")
        d = demo.load(Path(options["folder"]))
        self.stdout.write(
            "\n".join(
                [
                    f"round: {d.round.name}",
                    f"office admin: {d.office}",
                    f"school viewer ({d.school_code}): {d.school}",
                    "parents: " + ", ".join(d.parents),
                    f"seed for the draw: {d.seed}",
                    f"an address: postcode {d.address[0]}, house number {d.address[1]}",
                ]
            )
        )
