"""The SQLite backend: connections pooled across request threads, writers queued in-process."""

import os
import sqlite3
import threading
import time

import pytest
from django.db import connections

from beiyang.core.sqlite import base

pytestmark = [
    pytest.mark.backend("sqlite"),
    pytest.mark.django_db(transaction=True),
]


def _wrapper(name):
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "NAME": str(name)}
    return wrapper


def _opened(name):
    wrapper = _wrapper(name)
    wrapper.ensure_connection()
    return wrapper


def test_a_closed_connection_serves_the_next_thread(tmp_path):
    name = tmp_path / "pool.sqlite3"
    first = _opened(name)
    raw = first.connection
    first.close()
    assert raw.execute("SELECT 1").fetchone() == (1,)  # handed back, not closed
    second = _opened(name)
    assert second.connection is raw
    second.close()


def test_a_connection_closed_inside_a_transaction_is_not_pooled(tmp_path):
    name = tmp_path / "pool.sqlite3"
    first = _opened(name)
    raw = first.connection
    raw.execute("BEGIN")
    first._close()
    with pytest.raises(sqlite3.ProgrammingError):
        raw.execute("SELECT 1")  # really closed
    second = _opened(name)
    assert second.connection is not raw
    second.close()


def test_a_replaced_database_file_gets_fresh_connections(tmp_path):
    name = tmp_path / "pool.sqlite3"
    first = _opened(name)
    first.connection.execute("CREATE TABLE t (x)")
    raw = first.connection
    first.close()
    os.remove(name)
    sqlite3.connect(name).close()  # a new file under the old name (as the test runner does)
    second = _opened(name)
    assert second.connection is not raw
    assert second.connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    second.close()


def test_writers_of_one_process_queue_instead_of_failing(tmp_path):
    name = tmp_path / "writers.sqlite3"
    setup = _opened(name)
    setup.connection.execute("CREATE TABLE t (x)")
    setup.close()
    events = []

    def writer(tag, hold):
        wrapper = _opened(name)
        wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        events.append(("begin", tag))
        wrapper.connection.execute("INSERT INTO t VALUES (?)", [tag])
        time.sleep(hold)
        wrapper.commit()
        events.append(("commit", tag))
        wrapper.set_autocommit(True)
        wrapper.close()

    lock = base._writer_lock(str(name))
    first = threading.Thread(target=writer, args=("a", 0.3))
    first.start()
    time.sleep(0.05)
    assert lock.locked()  # held for the length of the transaction
    second = threading.Thread(target=writer, args=("b", 0))
    second.start()
    first.join()
    second.join()
    assert events == [("begin", "a"), ("commit", "a"), ("begin", "b"), ("commit", "b")]
    assert not lock.locked()
    rolled_back = _opened(name)
    rolled_back.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert lock.locked()
    rolled_back.rollback()
    assert not lock.locked()
    rolled_back.set_autocommit(True)
    rolled_back.close()
