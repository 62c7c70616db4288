"""Key ratings by (response, topic) instead of a surrogate id; check the references of responses per statement.

Django cannot move a table to a composite primary key by itself, so the state and the database change apart.
PostgreSQL changes the table in place (dropping the id column does not rewrite it; the new key's index is built
once); SQLite cannot change a primary key, so the table is copied into a new one created from the new state.
The freeze and reference triggers are dropped first and installed again last, in both directions: SQLite refuses
to rebuild surveys_response (which dropping or adding its foreign keys does) while a trigger of surveys_rating
names it. The reverse restores the id column (numbered in key order on SQLite, at the end of the column list on
PostgreSQL) and the foreign keys of responses.

Response.assessment loses its single-column index: the unique (assessment, respondent_key) index covers it.
"""

import django.db.models.deletion
from django.db import migrations, models

from materiality import freeze
from surveys import integrity


def copy_into_new_table(model, schema_editor):
    """Rebuild surveys_rating from `model`'s state, keeping every row (the id, when the state has one, is new)."""
    table = model._meta.db_table
    old = f"{table}__old"
    quote = schema_editor.quote_name
    columns = ", ".join(quote(f.column) for f in model._meta.local_concrete_fields if f.column != "id")
    schema_editor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(old)}")
    schema_editor.create_model(model)
    schema_editor.execute(f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {quote(old)} "
                          "ORDER BY response_id, topic_id")
    schema_editor.execute(f"DROP TABLE {quote(old)}")


def to_composite_key(apps, schema_editor):
    rating = apps.get_model("surveys", "Rating")
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(rating._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN id")
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT surveys_rating_pkey PRIMARY KEY (response_id, topic_id)")
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT one_rating_per_topic")
    else:
        copy_into_new_table(rating, schema_editor)


def to_surrogate_key(apps, schema_editor):
    rating = apps.get_model("surveys", "Rating")
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(rating._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT surveys_rating_pkey")
        schema_editor.add_field(rating, rating._meta.get_field("id"))
        for constraint in rating._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                schema_editor.add_constraint(rating, constraint)
    else:
        copy_into_new_table(rating, schema_editor)


def uninstall_triggers(apps, schema_editor):
    integrity.uninstall(schema_editor.connection)
    freeze.uninstall(schema_editor.connection)


def install_triggers(apps, schema_editor):
    freeze.install(schema_editor.connection)
    integrity.install(schema_editor.connection)


def install_triggers_of_0003(apps, schema_editor):
    freeze.install(schema_editor.connection)
    integrity.install(schema_editor.connection, ["surveys_rating"])


class Migration(migrations.Migration):

    dependencies = [
        ('materiality', '0007_previous_classification_labels'),
        ('stakeholders', '0001_initial'),
        ('surveys', '0003_rating_references_per_statement'),
    ]

    operations = [
        migrations.RunPython(uninstall_triggers, install_triggers_of_0003),
        # Reversing, this runs after the state has the id column again.
        migrations.RunPython(migrations.RunPython.noop, to_surrogate_key),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='rating',
                    name='one_rating_per_topic',
                ),
                migrations.RemoveField(
                    model_name='rating',
                    name='id',
                ),
                migrations.AddField(
                    model_name='rating',
                    name='pk',
                    field=models.CompositePrimaryKey('response', 'topic', blank=True, editable=False,
                                                     primary_key=True, serialize=False),
                ),
            ],
        ),
        migrations.RunPython(to_composite_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='response',
            name='assessment',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='responses', to='materiality.assessment'),
        ),
        migrations.AlterField(
            model_name='response',
            name='group',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to='stakeholders.stakeholdergroup'),
        ),
        migrations.AlterField(
            model_name='response',
            name='invitation',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, related_name='responses',
                                    to='surveys.invitation'),
        ),
        migrations.AlterField(
            model_name='response',
            name='questionnaire',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='responses', to='surveys.questionnaire'),
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
