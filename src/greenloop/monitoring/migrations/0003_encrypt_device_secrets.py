"""Encrypt the device passwords and SM4 keys stored in clear before 0002
(docs/decisions/0017-secrets-at-rest.md).

Raw SQL on purpose: the historical model's fields would try to decrypt the
clear-text values when reading them. Rows are read and written in batches
of 500; a value already encrypted is left alone, so the migration can be
re-run after a failure. Reversing decrypts them again.
"""

from django.db import migrations

BATCH = 500
TABLE = "monitoring_device"
COLUMNS = ("password", "sm4_key")


def _rewrite(apps, schema_editor, convert):
    from greenloop.monitoring.secrets import PREFIX

    connection = schema_editor.connection
    q = connection.ops.quote_name
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {q('password')}, {q('sm4_key')} FROM {q(TABLE)} "
                f"WHERE id > %s ORDER BY id LIMIT {BATCH}",
                [last],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        with connection.cursor() as cursor:
            for row_id, *values in rows:
                new = [
                    convert(value or "", f"{TABLE}.{column}", value.startswith(PREFIX) if value else False)
                    for column, value in zip(COLUMNS, values)
                ]
                if new != [v or "" for v in values]:
                    cursor.execute(
                        f"UPDATE {q(TABLE)} SET {q('password')} = %s, {q('sm4_key')} = %s "
                        f"WHERE id = %s",
                        [*new, row_id],
                    )


def encrypt_rows(apps, schema_editor):
    from greenloop.monitoring.secrets import encrypt

    def convert(value, label, encrypted):
        if encrypted or value == "":
            return value
        return encrypt(value.upper() if label.endswith("sm4_key") else value, label=label)

    _rewrite(apps, schema_editor, convert)


def decrypt_rows(apps, schema_editor):
    from greenloop.monitoring.secrets import decrypt

    def convert(value, label, encrypted):
        return decrypt(value, label=label) if encrypted else value

    _rewrite(apps, schema_editor, convert)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_device_secrets_and_commands")]

    operations = [migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False)]
