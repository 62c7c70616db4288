"""Freeze confirmed assessments in the database (triggers), and the chair role that may confirm."""

from django.db import migrations

from materiality import freeze, roles


def install(apps, schema_editor):
    freeze.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    freeze.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("materiality", "0005_committee_register"),
        ("surveys", "0002_invitation_tokens_quality_flags_dont_know"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(roles.sync_roles, migrations.RunPython.noop),
    ]
