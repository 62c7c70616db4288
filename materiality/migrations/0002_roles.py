"""Create the ESG work team and ESG Executive Committee groups with their permissions."""

from django.db import migrations

from materiality.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("materiality", "0001_initial"),
        ("stakeholders", "0001_initial"),
        ("surveys", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
