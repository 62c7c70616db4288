"""Responses lose the single-column indexes on group, invitation and excluded_by that no read uses (issue 16.2).

The freeze and reference triggers are dropped first and installed again last, in both directions: SQLite
rebuilds surveys_response to change the columns, which it refuses while other tables' triggers name it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from surveys import integrity


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0009_questionnaire_topic_subsets'),
        ('stakeholders', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(integrity.uninstall_all_triggers, integrity.install_all_triggers),
        migrations.AlterField(
            model_name='response',
            name='group',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='stakeholders.stakeholdergroup'),
        ),
        migrations.AlterField(
            model_name='response',
            name='invitation',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, related_name='responses',
                                    to='surveys.invitation'),
        ),
        migrations.AlterField(
            model_name='response',
            name='excluded_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='excluded by'),
        ),
        migrations.RunPython(integrity.install_all_triggers, integrity.uninstall_all_triggers),
    ]
