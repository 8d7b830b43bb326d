"""Hostile pack uploads, run by ``test_pack_safety`` in a subprocess of their own: before the
YAML limits one of these killed the process (a segmentation fault in the C parser), so they
may not share the process of the suite that checks them. Not collected on its own (the name
does not start with ``test_``)."""

import pytest

from beiyang.core.models import AuditEntry
from beiyang.policies.models import PackVersion
from beiyang.policies.tests.test_pack_pages import _upload, _zip, changed_files

pytestmark = pytest.mark.django_db

HOSTILE = {
    "brackets": "[" * 100_000,  # 100 KB: the C parser overflowed its stack (SIGSEGV)
    "mappings": "{a: " * 5_000 + "1" + "}" * 5_000,  # Python's composer: RecursionError, a 500
    "block": "".join(" " * i + "a:\n" for i in range(400)) + " " * 400 + "b",
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
@pytest.mark.parametrize("where", ["facts.yaml", "policies/hostile.yaml", "tests/hostile.yaml"])
def test_a_hostile_file_is_refused_with_the_reason(admin_page, shape, where):
    response = _upload(admin_page, _zip({**changed_files(), where: HOSTILE[shape]}))
    text = response.content.decode()
    assert response.status_code == 400, text[-500:]
    assert "政策包无效" in text and "nested deeper than 16 levels" in text, text[-800:]
    assert PackVersion.objects.count() == 0
    assert not AuditEntry.objects.filter(action_type__startswith="policies").exists()
