"""Indexes that keep the staff pages' per-cycle counts independent of the other cycles (issue 16), and the freeze
triggers installed again with their id-range shortcut (materiality.freeze.refuse_if_confirmed)."""

from django.db import migrations, models

from materiality import freeze


def reinstall_freeze(apps, schema_editor):
    freeze.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('materiality', '0011_score_run_matrix_per_language'),
        ('stakeholders', '0001_initial'),
        ('surveys', '0005_response_started_when_opened'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='response',
            name='surveys_res_assessm_00792a_idx',
        ),
        migrations.AddIndex(
            model_name='response',
            index=models.Index(fields=['assessment', 'status', 'updated_at'], include=('questionnaire', 'group', 'source', 'invitation'), name='response_cycle_status'),
        ),
        migrations.AddIndex(
            model_name='response',
            index=models.Index(fields=['assessment', 'id'], name='response_cycle_order'),
        ),
        migrations.RunPython(reinstall_freeze, reinstall_freeze),
    ]
