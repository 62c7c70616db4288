"""API tokens move from DRF's table (the key in clear) to knox (a SHA-512 digest with an expiry), issue 11.8.

Each existing key keeps working until API_TOKEN_DAYS from now, then expires; the clear-text table is dropped.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

OLD_TABLE = "authtoken_token"


def move_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")
        rows = cursor.fetchall()
    AuthToken.objects.bulk_create([
        AuthToken(digest=hash_token(key), token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id, expiry=expiry)
        for key, user_id in rows
    ])
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("materiality", "0008_iro_register_method_esrs_1"),
        ("knox", "0009_extend_authtoken_field"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
