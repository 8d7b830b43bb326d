"""Two administrators import the same new pack version at the same moment (a double click, two
tabs): one version is stored, both get it; the same version number with other content is a
409 for whoever comes second, never a 500."""

from functools import partial

import pytest

from beiyang.core.errors import Conflict
from beiyang.core.tests.threads import all_at_once
from beiyang.policies.actions import do_import_pack
from beiyang.policies.models import PackVersion
from beiyang.policies.tests.test_pack_pages import NEXT_VERSION, changed_files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # threads racing on the database


def test_the_same_version_imported_twice_at_once_is_stored_once():
    files = changed_files()
    results = all_at_once([partial(do_import_pack, files, note="并发导入")] * 4)
    assert all(isinstance(r, PackVersion) for r in results), results
    assert {r.pk for r in results} == {PackVersion.objects.get(version=NEXT_VERSION).pk}


def test_one_version_number_with_two_contents_at_once_is_one_version_and_a_conflict():
    first = changed_files()
    second = {
        **first,
        "policies/agent-grant.yaml": first["policies/agent-grant.yaml"].replace("专项补贴", "专项资助"),
    }
    results = all_at_once([partial(do_import_pack, first), partial(do_import_pack, second)])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "PackVersion"], results
    assert isinstance(next(r for r in results if not isinstance(r, PackVersion)), Conflict)
    assert PackVersion.objects.filter(version=NEXT_VERSION).count() == 1
