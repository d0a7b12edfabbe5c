"""``samen web staff EMAIL --role office|school [--school ID ... --round SLUG]``: give a person
a staff role (replacing any other one; a school viewer's school ids are those of one round);
``samen web staff EMAIL --remove``: take it away (the account stays, as a parent's, and its
sessions end); ``--reset-totp``: remove the person's authenticator app (a lost phone), so their
next sign-in sets it up again. All are written to the audit log ("by: command line"); the last
office admin cannot be removed (:mod:`samen.web.core.staff`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samen.web.core import audit, second_factor, staff
from samen.web.core.models import Round

BY = "command line"


class Command(BaseCommand):
    help = (
        "Give an e-mail address a staff role (office admin or school viewer), remove it with "
        "--remove, or reset its authenticator app with --reset-totp."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=[staff.OFFICE, staff.SCHOOL])
        parser.add_argument("--school", action="append", default=[], help="a school id")
        parser.add_argument("--round", default="", help="the round of the school ids (its slug)")
        parser.add_argument(
            "--remove", action="store_true", help="take the person's staff role away"
        )
        parser.add_argument(
            "--reset-totp",
            action="store_true",
            help="remove the person's authenticator app; the next sign-in sets it up again",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"]
        if options["remove"]:
            if options["role"] or options["school"] or options["reset_totp"]:
                raise CommandError("--remove takes no --role, --school or --reset-totp.")
            self._remove(email)
            return
        if options["reset_totp"]:
            self._reset(email)
        if not options["role"]:
            if not options["reset_totp"]:
                raise CommandError("Give --role office or --role school (or --remove).")
            return
        rnd = self._round(options)
        try:
            user, _before, after = staff.set_role(
                None, email, options["role"], options["school"], round=rnd, note=BY
            )
        except staff.StaffError as exc:
            raise CommandError(str(exc)) from None
        schools = f" ({', '.join(after['schools'])})" if after["schools"] else ""
        self.stdout.write(f"{user.email}: {after['role']}{schools}")
        unknown = staff.unknown_schools(options["school"], rnd)
        if unknown:
            self.stderr.write(f"The round has no school with the id {', '.join(unknown)}.")

    def _round(self, options: dict[str, Any]) -> Round | None:
        if options["role"] != staff.SCHOOL:
            if options["school"] or options["round"]:
                raise CommandError("--school and --round are for --role school.")
            return None
        if not options["school"]:
            raise CommandError("A school viewer needs at least one --school ID.")
        if not options["round"]:
            raise CommandError("Give --round SLUG: the round these school ids are for.")
        rnd = Round.objects.filter(slug=options["round"]).first()
        if rnd is None:
            slugs = ", ".join(Round.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"There is no round '{options['round']}' (rounds: {slugs}).")
        return rnd

    def _remove(self, email: str) -> None:
        user = staff.find(email)
        if user is None:
            raise CommandError(f"{email} has no account.")
        try:
            before = staff.remove(None, user, note=BY)
        except staff.StaffError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{user.email}: no longer {before['role']} (signed out)")

    def _reset(self, email: str) -> None:
        user = staff.find(email)
        if user is None:
            raise CommandError(f"There is no account for {email}.")
        removed = second_factor.reset(user)
        audit.record(
            None,
            "totp.reset",
            target=user.email,
            before={"devices": removed},
            after={"by": BY},
        )
        self.stdout.write(f"{user.email}: authenticator app reset ({removed} removed)")
