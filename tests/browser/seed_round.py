"""Data for the browser test, written into the database that the environment names
(``SAMEN_DATA_DIR`` / ``SAMEN_DATABASE_URL``): an open round for children born in 2024 with
four schools (D has seats by distance), a yes/no question, five addresses and an office admin
with an authenticator app set up (its key is ``OFFICE_TOTP_KEY``). The seed is not committed:
the office does that in the browser.

Run as a script by ``tests/browser/conftest.py``: ``python seed_round.py SLUG OFFICE_EMAIL``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

#: the office admin's TOTP key (hex), as tests/browser/conftest.py knows it
OFFICE_TOTP_KEY = "3132333435363738393031323334353637383930"


def main(slug: str, office: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samen.web.settings")
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from samen.web.core.models import Address, Pool, Question, Round, School
    from samen.web.core.roles import add_staff

    now = timezone.now()
    with transaction.atomic():
        rnd = Round.objects.create(
            slug=slug,
            name="Browser 2027",
            status=Round.OPEN,
            priority_groups=["sibling"],
            default_pools=[
                {
                    "name": "other",
                    "share": "0.7",
                    "favours": "not:indicator",
                    "order_by": "lottery",
                },
                {
                    "name": "indicator",
                    "share": "0.3",
                    "favours": "indicator",
                    "order_by": "lottery",
                },
            ],
            registration_opens=now - dt.timedelta(days=1),
            registration_closes=now + dt.timedelta(days=10),
            acceptance_deadline=now + dt.timedelta(days=30),
            born_from=dt.date(2024, 1, 1),
            born_until=dt.date(2024, 12, 31),
        )
        Question.objects.create(
            round=rnd, flag="indicator", text_nl="Indicator?", text_en="Indicator?"
        )
        for k, (code, cap) in enumerate([("A", 2), ("B", 2), ("C", 3), ("D", 10)]):
            School.objects.create(
                round=rnd,
                code=code,
                name=f"School {code}",
                capacity=cap,
                x=1000.0 * k,
                y=0.0,
                seq=k,
            )
        d = School.objects.get(round=rnd, code="D")
        Pool.objects.create(school=d, seq=0, name="near", seats=5, order_by="distance")
        Pool.objects.create(school=d, seq=1, name="rest", seats=5, order_by="lottery")
        for n in range(1, 6):
            Address.objects.create(
                postcode="2800", house_number=str(n), street="Teststraat", x=100.0 * n, y=50.0
            )
        office_user = add_staff(office, "office")
        # the office admin's authenticator app, set up already (conftest.OFFICE_TOTP_KEY)
        TOTPDevice.objects.create(
            user=office_user, name="browser test", key=OFFICE_TOTP_KEY, confirmed=True
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
