"""On PostgreSQL, let the database itself refuse to rewrite the audit log.

The model layer already refuses UPDATE and DELETE; these triggers also stop raw SQL
from any client that is not allowed to disable triggers (only the table owner or a
superuser can). The head row may only move forward. TRUNCATE fires no row trigger,
so restoring a backup and Django's test flush still work; the hash chain and the head
row are what reveal a truncated or rewritten log.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION dengbao_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'the audit log is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused',
            ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION dengbao_audit_head_forward() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq <= OLD.seq OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION USING
                MESSAGE = 'the audit head may only move forward',
                ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    """
    CREATE TRIGGER audit_auditevent_append_only
        BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION dengbao_audit_append_only()
    """,
    "DROP TRIGGER IF EXISTS audit_audithead_no_delete ON audit_audithead",
    """
    CREATE TRIGGER audit_audithead_no_delete
        BEFORE DELETE ON audit_audithead
        FOR EACH ROW EXECUTE FUNCTION dengbao_audit_append_only()
    """,
    "DROP TRIGGER IF EXISTS audit_audithead_forward ON audit_audithead",
    """
    CREATE TRIGGER audit_audithead_forward
        BEFORE UPDATE ON audit_audithead
        FOR EACH ROW EXECUTE FUNCTION dengbao_audit_head_forward()
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_audithead_forward ON audit_audithead",
    "DROP TRIGGER IF EXISTS audit_audithead_no_delete ON audit_audithead",
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS dengbao_audit_head_forward()",
    "DROP FUNCTION IF EXISTS dengbao_audit_append_only()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
