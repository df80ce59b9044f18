from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from townhall.core.models import AuditEvent
from townhall.core.selectors.audit import audit_chains_verify
from townhall.core.services.audit import audit_record, chain_key


def test_each_write_appends_a_linked_event(district):
    first = AuditEvent.objects.filter(chain=chain_key(district)).get(sequence=1)
    second = audit_record(organisation=district, actor=None, action="test.happened", data={"n": 1})
    assert first.action == "organisation.created"
    assert second.sequence == 2
    assert second.prev_hash == first.hash
    assert audit_chains_verify()[chain_key(district)] is None


def test_a_changed_event_is_caught_and_named(district):
    for n in range(3):
        audit_record(organisation=district, actor=None, action="test.happened", data={"n": n})
    # Tamper below the ORM, as an attacker with database access would.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET data = %s WHERE chain = %s AND sequence = 3",
            ['{"n": 99}', chain_key(district)],
        )
    broken = audit_chains_verify()[chain_key(district)]
    assert broken is not None
    assert broken.sequence == 3
    assert "changed" in broken.reason

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=out)
    assert f"{chain_key(district)}: BROKEN at event 3" in out.getvalue()


def test_a_removed_event_is_caught(district):
    for n in range(3):
        audit_record(organisation=district, actor=None, action="test.happened", data={"n": n})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE chain = %s AND sequence = 2", [chain_key(district)])
    broken = audit_chains_verify()[chain_key(district)]
    assert broken is not None and broken.sequence == 2


def test_events_cannot_be_updated_or_deleted_through_the_orm(district):
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(chain=chain_key(district)).update(action="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(chain=chain_key(district)).delete()


def test_audit_verify_command_reports_intact_chains(district, county):
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue()
    assert "verified" in out.getvalue()


def test_deferred_events_are_appended_together_at_the_end_of_the_block(district):
    from django.db import transaction

    from townhall.core.services.audit import audit_deferred

    before = AuditEvent.objects.filter(chain=chain_key(district)).count()
    with transaction.atomic(), audit_deferred():
        first = audit_record(organisation=district, actor=None, action="test.first", data={"n": 1})
        second = audit_record(organisation=district, actor=None, action="test.second")
        assert AuditEvent.objects.filter(chain=chain_key(district)).count() == before  # held until the end
    assert (first.sequence, second.sequence) == (before + 1, before + 2)
    assert second.prev_hash == first.hash
    stored = AuditEvent.objects.get(chain=chain_key(district), sequence=before + 2)
    assert (stored.action, stored.pk) == ("test.second", second.pk)
    assert audit_chains_verify()[chain_key(district)] is None


def test_deferred_events_are_dropped_when_the_block_fails(district):
    from django.db import transaction

    from townhall.core.services.audit import audit_deferred

    before = AuditEvent.objects.filter(chain=chain_key(district)).count()
    with pytest.raises(ValueError), transaction.atomic(), audit_deferred():
        audit_record(organisation=district, actor=None, action="test.lost")
        raise ValueError("the write failed")
    assert AuditEvent.objects.filter(chain=chain_key(district)).count() == before
    audit_record(organisation=district, actor=None, action="test.after")  # not held: no block is open
    assert AuditEvent.objects.filter(chain=chain_key(district)).count() == before + 1


@pytest.mark.django_db
def test_rows_and_events_written_together_start_a_new_chain_and_follow_it():
    from django.db import transaction
    from django.utils import timezone

    from townhall.core.inserts import insert
    from townhall.core.models import AuditChain, Organisation
    from townhall.core.services.audit import written_together
    from townhall.notifications.models import Notification

    fresh = Organisation.objects.create(code="fresh", name="Fresh Council")  # no audit chain yet

    def write(reference: str) -> list[AuditEvent]:
        with transaction.atomic(), written_together():
            insert(
                Notification(
                    organisation=fresh,
                    channel="email",
                    to="resident@example.test",
                    subject="Received",
                    body="Received",
                    reference=reference,
                    next_attempt_at=timezone.now(),
                )
            )
            return [audit_record(organisation=fresh, actor=None, action=f"test.{n}") for n in (1, 2)]

    first = write("th-one")  # no head yet: it is made, and the events follow it
    second = write("th-two")  # on PostgreSQL the head moves on and the events are hashed in the one statement
    head = AuditChain.objects.get(key=chain_key(fresh))
    assert [e.sequence for e in [*first, *second]] == [1, 2, 3, 4]
    assert second[0].prev_hash == first[1].hash and head.last_hash == second[1].hash
    stored = AuditEvent.objects.get(pk=second[1].pk)
    assert (stored.sequence, stored.prev_hash, stored.hash) == (4, second[1].prev_hash, second[1].hash)
    assert audit_chains_verify()[chain_key(fresh)] is None
