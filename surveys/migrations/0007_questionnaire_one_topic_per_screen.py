"""An optional one-topic-per-screen layout per questionnaire (issue 14.1), off by default.

The freeze and reference triggers are dropped first and installed again last, in both directions: SQLite
rebuilds surveys_questionnaire to add a column with a default, which it refuses while triggers name it.
"""

from django.db import migrations, models

from surveys import integrity


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0006_response_cycle_indexes'),
        ('materiality', '0011_score_run_matrix_per_language'),
    ]

    operations = [
        migrations.RunPython(integrity.uninstall_all_triggers, integrity.install_all_triggers),
        migrations.AddField(
            model_name='questionnaire',
            name='one_topic_per_screen',
            field=models.BooleanField(default=False, help_text='For long questionnaires: respondents see one topic at a time and move on with Next.', verbose_name='one topic per screen'),
        ),
        migrations.RunPython(integrity.install_all_triggers, integrity.uninstall_all_triggers),
    ]
