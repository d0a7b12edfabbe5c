"""``samen web staff EMAIL --role office|school [--school ID ...]``: give a person a staff role
(replacing any other one); ``samen web staff EMAIL --remove``: take it away (the account
stays, as a parent's, and its sessions end). Both are written to the audit log ("by: command
line"); the last office admin cannot be removed (:mod:`samen.web.core.staff`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samen.web.core import staff

BY = "command line"


class Command(BaseCommand):
    help = (
        "Give an e-mail address a staff role (office admin or school viewer), or remove it "
        "with --remove."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=[staff.OFFICE, staff.SCHOOL])
        parser.add_argument("--school", action="append", default=[], help="a school id")
        parser.add_argument(
            "--remove", action="store_true", help="take the person's staff role away"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"]
        if options["remove"]:
            if options["role"] or options["school"]:
                raise CommandError("--remove takes no --role or --school.")
            user = staff.find(email)
            if user is None:
                raise CommandError(f"{email} has no account.")
            try:
                before = staff.remove(None, user, note=BY)
            except staff.StaffError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"{user.email}: no longer {before['role']} (signed out)")
            return
        if not options["role"]:
            raise CommandError("Give --role office or --role school (or --remove).")
        if options["role"] == staff.SCHOOL and not options["school"]:
            raise CommandError("A school viewer needs at least one --school ID.")
        try:
            user, _before, after = staff.set_role(
                None, email, options["role"], options["school"], note=BY
            )
        except staff.StaffError as exc:
            raise CommandError(str(exc)) from None
        schools = f" ({', '.join(after['schools'])})" if after["schools"] else ""
        self.stdout.write(f"{user.email}: {after['role']}{schools}")
        unknown = staff.unknown_schools(after["schools"])
        if unknown:
            self.stderr.write(f"No round has a school with the id {', '.join(unknown)} yet.")
