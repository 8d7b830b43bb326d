import pytest
from django.utils import timezone


@pytest.fixture
def funded_vouchers(db):
    from beiyang.vouchers.actions import do_fund_pool

    for kind in ("compute", "model", "corpus"):
        for source in ("city", "district"):
            do_fund_pool(kind=kind, source=source, year=timezone.localdate().year, amount_fen=10_000_000_00)
