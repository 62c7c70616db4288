"""An optional one-topic-per-screen layout per questionnaire (issue 14.1), off by default.

The freeze and reference triggers are dropped first and installed again last, in both directions: SQLite
rebuilds surveys_questionnaire to add a column with a default, which it refuses while triggers name it.
"""

from importlib import import_module

from django.db import migrations, models

# The same drop-and-reinstall of the freeze and reference triggers as materiality's 0011 (SQLite table rebuild).
triggers = import_module("materiality.migrations.0011_score_run_matrix_per_language")


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0006_response_cycle_indexes'),
        ('materiality', '0011_score_run_matrix_per_language'),
    ]

    operations = [
        migrations.RunPython(triggers.uninstall_triggers, triggers.install_triggers),
        migrations.AddField(
            model_name='questionnaire',
            name='one_topic_per_screen',
            field=models.BooleanField(default=False, help_text='For long questionnaires: respondents see one topic at a time and move on with Next.', verbose_name='one topic per screen'),
        ),
        migrations.RunPython(triggers.install_triggers, triggers.uninstall_triggers),
    ]
