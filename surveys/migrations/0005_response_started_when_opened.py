"""Response.started_at is set from the questionnaire page's signed opening time (the row now comes at the first
save). Only Django's state changes: the column stays as it is, so SQLite does not rebuild the table (and its
freeze triggers)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0004_rating_composite_key_response_references_per_statement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="response",
                    name="started_at",
                    field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
            ],
        ),
    ]
