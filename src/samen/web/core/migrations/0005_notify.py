"""E-mail to families: the outbox (Notification), each person's language (Profile) and the
time a school was put on a list or moved (Choice.changed_at, for the registration receipts).

Lists made before this migration keep an empty changed_at: they get no receipt for changes
they had before, only for later ones (and the final receipt at closing)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_office"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # the table gets the column without a value (lists already there stay without a time);
        # new rows get the time they are made from Django (a default of the model, not the table)
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddField(
                    model_name="choice",
                    name="changed_at",
                    field=models.DateTimeField(blank=True, editable=False, null=True),
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="choice",
                    name="changed_at",
                    field=models.DateTimeField(
                        blank=True, default=django.utils.timezone.now, editable=False, null=True
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Profile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("language", models.CharField(default="nl", max_length=8)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="samen_profile",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("receipt", "receipt of a list"),
                            ("final", "final list at closing"),
                            ("results", "results"),
                            ("offer", "waiting-list offer"),
                            ("reminder", "answer reminder"),
                            ("signin", "sign-in code"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "waiting"),
                            ("sending", "being sent"),
                            ("sent", "sent"),
                            ("failed", "failed"),
                            ("cancelled", "not needed"),
                        ],
                        default="queued",
                        max_length=20,
                    ),
                ),
                ("address", models.EmailField(blank=True, max_length=254)),
                ("key", models.CharField(max_length=120)),
                ("language", models.CharField(blank=True, max_length=8)),
                ("subject", models.CharField(blank=True, max_length=300)),
                ("body", models.TextField(blank=True)),
                ("payload", models.JSONField(blank=True, default=dict)),
                ("changed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("due_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                ("claim", models.CharField(blank=True, max_length=32)),
                ("claimed_by", models.CharField(blank=True, max_length=120)),
                ("claimed_at", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "child",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="core.child",
                    ),
                ),
                (
                    "placement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="core.placement",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="core.round",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-id"],
                "indexes": [
                    models.Index(fields=["status", "due_at"], name="core_notifi_status_037e32_idx"),
                    models.Index(
                        fields=["round", "status", "kind"], name="core_notifi_round_i_64fdfb_idx"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("child__isnull", False)),
                        fields=("kind", "child", "key"),
                        name="notification_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "receipt"), ("status", "queued")),
                        fields=("child",),
                        name="notification_one_waiting_receipt",
                    ),
                ],
            },
        ),
    ]
