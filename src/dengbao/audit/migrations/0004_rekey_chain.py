"""Re-key an audit chain written before keys: every link becomes an HMAC under DENGBAO_AUDIT_KEY_FILE.

The key file is created (0600) if missing. The old chain is verified first and the
result recorded in the ``audit.rekey`` event appended at the end (see audit/rekey.py).
Irreversible: going back would need the old plain links, which are not kept.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from dengbao.audit.rekey import rekey

    rekey(apps.get_model("audit", "AuditEvent"), apps.get_model("audit", "AuditHead"), schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_audithead_key_id"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop, elidable=False),
    ]
