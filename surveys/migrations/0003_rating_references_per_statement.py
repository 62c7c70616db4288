"""Check the references of ratings once per statement (surveys.integrity) instead of by row-level foreign keys.

SQLite rebuilds the table to drop its foreign keys, which also drops the table's freeze triggers: they are
installed again here. Only the ratings' triggers belong to this step (0004 adds those of responses).
"""

import django.db.models.deletion
from django.db import migrations, models

from materiality import freeze
from surveys import integrity


def install(apps, schema_editor):
    integrity.install(schema_editor.connection, ["surveys_rating"])
    freeze.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    integrity.uninstall(schema_editor.connection, ["surveys_rating"])
    freeze.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('materiality', '0006_freeze_triggers'),
        ('surveys', '0002_invitation_tokens_quality_flags_dont_know'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, uninstall),
        migrations.AlterField(
            model_name='rating',
            name='response',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='ratings', to='surveys.response'),
        ),
        migrations.AlterField(
            model_name='rating',
            name='topic',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='ratings', to='materiality.topic'),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
