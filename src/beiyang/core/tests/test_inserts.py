"""insert_all: the rows it writes and the ids it hands back are the ones the database holds."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from beiyang.accounts.tests.factories import UserFactory
from beiyang.core.audit import audit_entry
from beiyang.core.inserts import insert_all
from beiyang.core.models import AuditEntry
from beiyang.notifications.actions import new_message
from beiyang.notifications.models import Message

pytestmark = pytest.mark.django_db


def _entries(count, actor=None, **data):
    return [
        audit_entry("tests.insert", actor=actor, n=i, nested={"list": [i, "二"]}, **data)
        for i in range(count)
    ]


def _stored(entry: AuditEntry):
    return (entry.actor_id, entry.action_type, entry.data, entry.before, entry.after)


def test_rows_and_ids_match_what_the_database_holds():
    user = UserFactory()
    entries = _entries(5, actor=user)
    before = dt.datetime.now(dt.UTC)
    assert insert_all(entries) == entries
    stored = {e.pk: e for e in AuditEntry.objects.filter(action_type="tests.insert")}
    assert sorted(stored) == [e.pk for e in entries]
    for entry in entries:
        assert _stored(stored[entry.pk]) == _stored(entry)
        assert stored[entry.pk].data["n"] == entries.index(entry)
        assert stored[entry.pk].created_at >= before - dt.timedelta(seconds=1)  # auto_now_add ran
        assert not entry._state.adding


def test_more_rows_than_one_statement_takes_are_split_and_numbered_right():
    # SQLite takes 999 parameters a statement and an audit row has 9 columns; elsewhere this is
    # bulk_create, which splits on its own, so a modest batch does.
    per_statement = connection.features.max_query_params // 9 if connection.vendor == "sqlite" else 50
    entries = _entries(per_statement * 2 + 7)
    insert_all(entries)
    stored = dict(AuditEntry.objects.filter(action_type="tests.insert").values_list("id", "data"))
    assert len(stored) == len(entries)
    assert all(stored[e.pk]["n"] == i for i, e in enumerate(entries))


def test_ids_go_on_after_deleted_rows_and_inside_savepoints():
    first = insert_all(_entries(3))
    AuditEntry.objects.filter(pk=first[-1].pk).delete()
    with transaction.atomic(), transaction.atomic():
        second = insert_all(_entries(4, batch="second"))
    assert second[0].pk > first[-1].pk  # never a reused id
    stored = dict(AuditEntry.objects.filter(data__batch="second").values_list("id", "data"))
    assert sorted(stored) == [e.pk for e in second]
    assert [stored[e.pk]["n"] for e in second] == [0, 1, 2, 3]


def test_a_rolled_back_insert_leaves_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_all(_entries(3))
        raise RuntimeError("the batch failed")
    assert not AuditEntry.objects.filter(action_type="tests.insert").exists()


def test_a_failed_insert_leaves_no_instance_with_an_id():
    entries = _entries(3)
    entries[2].action_type = None  # NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_all(entries)
    assert all(e.pk is None and e._state.adding for e in entries)
    entries[2].action_type = "tests.insert"
    insert_all(entries)  # the retry the caller makes
    assert AuditEntry.objects.filter(action_type="tests.insert").count() == 3


def test_foreign_keys_and_json_of_another_model():
    users = UserFactory.create_batch(3)
    messages = [
        new_message(u.pk, kind="event", title="标题", body="正文", data={"event_id": i})
        for i, u in enumerate(users)
    ]
    insert_all(messages)
    stored = {m.pk: m for m in Message.objects.filter(pk__in=[m.pk for m in messages])}
    assert [(stored[m.pk].user_id, stored[m.pk].data) for m in messages] == [
        (u.pk, {"event_id": i}) for i, u in enumerate(users)
    ]


def test_instances_with_ids_and_mixed_models_are_not_guessed_at():
    assert insert_all([]) == []
    entry = _entries(1)[0]
    entry.pk = 987654
    insert_all([entry])
    assert AuditEntry.objects.filter(pk=987654).exists()
    with pytest.raises(TypeError):
        insert_all([*_entries(1), new_message(UserFactory().pk, kind="event", title="t", body="b")])
