"""Keyed hashing for the audit chain (bonta.audit.chain): a chain version on every event and a
key mark on the head.

Events written before this migration keep their unkeyed sha256 hashes (chain version 1, so
existing databases keep verifying). If there are any, one keyed `audit.rekey` event is appended
after them, naming how many they are: from then on a rewritten unkeyed prefix breaks the link
to that event, and a chain rewritten entirely as unkeyed events has no seal and fails.
"""

from django.db import migrations, models
from django.utils import timezone


def seal_unkeyed_events(apps, schema_editor):
    from bonta.audit.chain import KEYED, REKEY_ACTION, event_hash, head_mac
    from bonta.audit.keys import audit_key

    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    db = schema_editor.connection.alias
    last = AuditEvent.objects.using(db).order_by("-seq").first()
    head = ChainHead.objects.using(db).filter(pk=1).first()
    if last is None:
        if head is not None:  # an empty chain: mark the head as it stands
            ChainHead.objects.using(db).filter(pk=1).update(mac=head_mac(head.seq, head.hash))
        return
    key = audit_key()
    count = AuditEvent.objects.using(db).count()
    seal = AuditEvent(
        seq=last.seq + 1,
        at=timezone.now(),
        actor_id=None,
        actor_role="",
        action=REKEY_ACTION,
        object_type="audit_chain",
        object_id="",
        patient_id=None,
        detail={"count": count, "version": KEYED},
        prev_hash=last.hash,
        chain=KEYED,
    )
    seal.hash = event_hash(last.hash, seal, key)
    seal.save(using=db, force_insert=True)
    ChainHead.objects.using(db).update_or_create(
        pk=1,
        defaults={"seq": seal.seq, "hash": seal.hash, "mac": head_mac(seal.seq, seal.hash, key)},
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="mac",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.RunPython(seal_unkeyed_events, migrations.RunPython.noop),
    ]
