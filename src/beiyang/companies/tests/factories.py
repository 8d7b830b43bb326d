import datetime as dt
import itertools

import factory

from beiyang.accounts.tests.factories import UserFactory
from beiyang.companies.models import Company, Membership
from beiyang.core.identifiers import make_credit_code

_codes = itertools.count(1)


def next_credit_code(district_code: str = "310104") -> str:
    return make_credit_code(next(_codes), district_code)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    credit_code = factory.LazyFunction(next_credit_code)
    name = factory.Sequence(lambda n: f"测试智能科技{n}(上海)有限公司")
    district = "徐汇"
    founded_on = dt.date(2025, 3, 1)
    stage = "seed"
    sectors = factory.LazyFunction(lambda: ["llm"])
    programmes = factory.LazyFunction(list)
    headcount = 8
    in_town = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = "founder"
