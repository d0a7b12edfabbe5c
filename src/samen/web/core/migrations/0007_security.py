"""School viewers linked to a school id in one round; who asked for a sign-in code.

Links made before (a school id in every round) become one link per round that exists now, is
not being prepared and has that school id, so nobody loses what they saw; later rounds need a
link of their own.
"""

import django.db.models.deletion
from django.db import migrations, models


def links_per_round(apps, schema_editor):
    StaffSchool = apps.get_model("core", "StaffSchool")
    School = apps.get_model("core", "School")
    for link in StaffSchool.objects.filter(round__isnull=True):
        rounds = (
            School.objects.filter(code=link.code)
            .exclude(round__status="draft")
            .values_list("round_id", flat=True)
        )
        for round_id in rounds:
            StaffSchool.objects.get_or_create(
                user_id=link.user_id, round_id=round_id, code=link.code
            )
        link.delete()
    if schema_editor.connection.vendor == "postgresql":
        # check the new rows' foreign keys now: PostgreSQL does not alter a table with
        # constraint checks still pending in the transaction
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def links_in_every_round(apps, schema_editor):
    StaffSchool = apps.get_model("core", "StaffSchool")
    seen = set()
    for link in StaffSchool.objects.order_by("id"):
        key = (link.user_id, link.code)
        if key in seen:
            link.delete()
        else:
            seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_homes"),
    ]

    operations = [
        migrations.AddField(
            model_name="signincode",
            name="requester",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="staffschool",
            name="round",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="staff_links",
                to="core.round",
            ),
        ),
        migrations.AlterUniqueTogether(
            name="staffschool",
            unique_together={("user", "round", "code")},
        ),
        migrations.RunPython(links_per_round, links_in_every_round),
        migrations.AlterField(
            model_name="staffschool",
            name="round",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="staff_links",
                to="core.round",
            ),
        ),
    ]
