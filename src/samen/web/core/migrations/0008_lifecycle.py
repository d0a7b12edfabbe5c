"""The round's life cycle: every published fingerprint of the seed is kept (SeedCommitment) and
each allocation run records the fingerprint of the seed it used.

Existing rounds get their current fingerprint as the first entry of the history. A round that
could still open its registration while its seed was public (an imported round, whose
round.toml seed counted as revealed) gets that draw voided: the seed and the fingerprint are
cleared on the round (its status stays), kept in the history, and the office must publish a
new fingerprint before the registration closes.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

VOID_NOTE = (
    "The seed was public while the registration could still open (it came with an imported "
    "round); a new fingerprint must be published."
)


def keep_history(apps: Any, schema_editor: Any) -> None:
    Round = apps.get_model("core", "Round")
    SeedCommitment = apps.get_model("core", "SeedCommitment")
    AllocationRun = apps.get_model("core", "AllocationRun")
    AuditEntry = apps.get_model("core", "AuditEntry")
    now = django.utils.timezone.now()
    for rnd in Round.objects.exclude(seed_commitment=""):
        public_too_early = bool(rnd.seed) and rnd.status in ("draft", "open")
        SeedCommitment.objects.create(
            round=rnd,
            fingerprint=rnd.seed_commitment,
            committed_at=rnd.commitment_published_at or rnd.created_at,
            seed=rnd.seed,
            revealed_at=rnd.seed_revealed_at if rnd.seed else None,
            ended_at=now if public_too_early else None,
            voided=public_too_early,
        )
        if public_too_early:
            before = {"status": rnd.status, "seed_commitment": rnd.seed_commitment}
            rnd.seed = ""
            rnd.seed_commitment = ""
            rnd.seed_revealed_at = None
            rnd.commitment_published_at = None
            rnd.save()
            AuditEntry.objects.create(
                actor_label="system",
                action="seed.void",
                round=rnd,
                target=rnd.name,
                before=before,
                after={"status": rnd.status, "seed_commitment": "", "note": VOID_NOTE},
            )
    for run in AllocationRun.objects.select_related("round"):
        run.seed_commitment = run.round.seed_commitment
        run.save(update_fields=["seed_commitment"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_security"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocationrun",
            name="seed_commitment",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.CreateModel(
            name="SeedCommitment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("fingerprint", models.CharField(max_length=64)),
                ("committed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("seed", models.CharField(blank=True, max_length=300)),
                ("revealed_at", models.DateTimeField(blank=True, null=True)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                ("voided", models.BooleanField(default=False)),
                ("reason", models.TextField(blank=True)),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="commitments",
                        to="core.round",
                    ),
                ),
            ],
            options={
                "ordering": ["committed_at", "id"],
            },
        ),
        migrations.RunPython(keep_history, migrations.RunPython.noop),
    ]
