"""The staff roles: the groups "office admin" and "school viewer" with their permissions."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def create_roles(apps: Any, schema_editor: Any) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    round_type, _ = ContentType.objects.get_or_create(app_label="core", model="round")
    roles = (
        ("office admin", "run_office", "Can run admission rounds (admission office)"),
        ("school viewer", "see_own_school", "Can see the applicants of its own school(s)"),
    )
    for name, codename, label in roles:
        perm, _ = Permission.objects.get_or_create(
            codename=codename, content_type=round_type, defaults={"name": label}
        )
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
