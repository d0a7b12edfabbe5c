"""The rules of version 2 on the platform (allocation rules section 10): the round's family
number, first-choice-only groups, waiting lists, [[nearest]] rules, projection and numbers;
whom a school admits and its categories; flag expressions and several ordering criteria in
seat pools; the numbers the office gives a child; each placement's waiting-list positions.

Rounds made before get waiting lists like every new round, except the rounds whose seed is
already public (or that were allocated): nothing the allocation reads may change once the
seed is public (``samen.web.core.lifecycle``), so they keep the rules they were drawn with.
"""

from django.db import migrations, models

#: statuses after the allocation (``lifecycle._DONE``)
DONE = ("allocated", "published", "archived")


def keep_frozen_rounds_as_drawn(apps, schema_editor):
    Round = apps.get_model("core", "Round")
    Round.objects.filter(models.Q(status__in=DONE) | ~models.Q(seed="")).update(waitlists=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_lifecycle"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="values",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="placement",
            name="waiting",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="round",
            name="crs",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AddField(
            model_name="round",
            name="family_number",
            field=models.CharField(default="first", max_length=10),
        ),
        migrations.AddField(
            model_name="round",
            name="first_choice_only",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="round",
            name="nearest",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="round",
            name="numbers",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="round",
            name="waitlists",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="school",
            name="admits",
            field=models.CharField(blank=True, max_length=300, verbose_name="admits only"),
        ),
        migrations.AddField(
            model_name="school",
            name="categories",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="pool",
            name="favours",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="pool",
            name="order_by",
            field=models.CharField(default="lottery", max_length=300),
        ),
        migrations.RunPython(keep_frozen_rounds_as_drawn, migrations.RunPython.noop),
    ]
