import pytest

from beiyang.accounts.actions import do_create_provider
from beiyang.vouchers.actions import do_fund_pool, do_issue_grant


@pytest.fixture
def funded(db):
    for kind in ("compute", "model", "corpus"):
        for source in ("city", "district"):
            do_fund_pool(
                kind=kind,
                source=source,
                year=__import__("django.utils.timezone").utils.timezone.localdate().year,
                amount_fen=10_000_000_00,
            )


@pytest.fixture
def provider(db):
    from conftest import Api

    provider, key = do_create_provider(name="徐汇智算中心", kinds=["compute", "model"])
    api = Api()
    api.client.defaults["HTTP_X_API_KEY"] = key
    return provider, api


@pytest.fixture
def granted(funded, founder):
    user, company, client = founder
    grant = do_issue_grant(company=company, kind="compute", amount_fen=100_000_00)
    return user, company, client, grant
