"""Verified homes (the address list's ids, where coordinates come from), boxes in the address
list, the round's range of dates of birth, the office's reason for a date outside it and its
allowances of such a date before a child is registered.

Children already in the database: imported ones keep their coordinates (the office's round
folder); registered ones are linked to their address in the list, or else marked "address to be
checked" without coordinates (a family could type coordinates before)."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def homes_of_existing_children(apps: Any, schema_editor: Any) -> None:
    Child = apps.get_model("core", "Child")
    Address = apps.get_model("core", "Address")
    Child.objects.filter(parent__isnull=True).update(home="imported")
    for child in Child.objects.filter(parent__isnull=False).iterator():
        found = Address.objects.filter(
            postcode=child.postcode, house_number=child.house_number, box=""
        ).first()
        if found is not None and child.postcode:
            child.address = found
            child.home = "address"
            child.x, child.y, child.lat, child.lon = found.x, found.y, found.lat, found.lon
        else:
            child.home = "check"
            child.x = child.y = child.lat = child.lon = None
        child.save(update_fields=["address", "home", "x", "y", "lat", "lon"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_notify"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterUniqueTogether(
            name="address",
            unique_together=set(),
        ),
        migrations.AddField(
            model_name="address",
            name="box",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
        migrations.AddField(
            model_name="child",
            name="address",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="children",
                to="core.address",
            ),
        ),
        migrations.AddField(
            model_name="child",
            name="birth_date_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="child",
            name="box",
            field=models.CharField(blank=True, max_length=12, verbose_name="box"),
        ),
        migrations.AddField(
            model_name="child",
            name="home",
            field=models.CharField(
                choices=[
                    ("address", "from the address list"),
                    ("office", "set by the admission office"),
                    ("imported", "from the imported round"),
                    ("check", "address to be checked"),
                ],
                default="check",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="child",
            name="home_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="child",
            name="street",
            field=models.CharField(blank=True, max_length=200, verbose_name="street"),
        ),
        migrations.AddField(
            model_name="round",
            name="born_from",
            field=models.DateField(blank=True, null=True, verbose_name="born on or after"),
        ),
        migrations.AddField(
            model_name="round",
            name="born_until",
            field=models.DateField(blank=True, null=True, verbose_name="born on or before"),
        ),
        migrations.AlterUniqueTogether(
            name="address",
            unique_together={("postcode", "house_number", "box")},
        ),
        migrations.CreateModel(
            name="BirthDateAllowance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email", models.EmailField(max_length=254)),
                ("birth_date", models.DateField()),
                ("reason", models.CharField(max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "child",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="birth_allowance",
                        to="core.child",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="birth_allowances",
                        to="core.round",
                    ),
                ),
            ],
            options={"ordering": ["-created_at", "-id"]},
        ),
        migrations.RunPython(homes_of_existing_children, migrations.RunPython.noop),
    ]
