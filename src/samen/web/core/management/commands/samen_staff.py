"""``samen web staff EMAIL --role office|school [--school ID ... --round SLUG]``: add a staff
account; ``--reset-totp``: remove the person's authenticator app (a lost phone), so their next
sign-in sets it up again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from samen.web.core import audit, second_factor
from samen.web.core.models import Round
from samen.web.core.roles import add_staff
from samen.web.core.signin import normalise_email


class Command(BaseCommand):
    help = "Give an e-mail address a staff role (office admin or school viewer)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=["office", "school"])
        parser.add_argument("--school", action="append", default=[], help="a school id")
        parser.add_argument("--round", default="", help="the round of the school ids (its slug)")
        parser.add_argument(
            "--reset-totp",
            action="store_true",
            help="remove the person's authenticator app; the next sign-in sets it up again",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset_totp"]:
            self._reset(options["email"])
        if options["role"] is None:
            if not options["reset_totp"]:
                raise CommandError("give --role office or --role school (or --reset-totp)")
            return
        rnd = None
        if options["school"]:
            if options["role"] != "school":
                raise CommandError("--school is for --role school")
            if not options["round"]:
                raise CommandError("give --round SLUG: the round these school ids are for")
            rnd = Round.objects.filter(slug=options["round"]).first()
            if rnd is None:
                slugs = ", ".join(Round.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"there is no round '{options['round']}' (rounds: {slugs})")
        user = add_staff(options["email"], options["role"], options["school"], round=rnd)
        audit.record(
            None,
            "staff.add",
            round=rnd,
            target=user.email,
            after={"role": options["role"], "schools": options["school"], "by": "command line"},
        )
        self.stdout.write(f"{user.email}: {options['role']}")

    def _reset(self, email: str) -> None:
        user = get_user_model().objects.filter(username=normalise_email(email)).first()
        if user is None:
            raise CommandError(f"there is no account for {email}")
        removed = second_factor.reset(user)
        audit.record(
            None,
            "totp.reset",
            target=user.email,
            before={"devices": removed},
            after={"by": "command line"},
        )
        self.stdout.write(f"{user.email}: authenticator app reset ({removed} removed)")
