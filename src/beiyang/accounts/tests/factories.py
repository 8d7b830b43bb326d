import datetime as dt
import itertools

import factory

from beiyang.accounts.models import User

_phones = itertools.count(1)


def next_phone() -> str:
    return f"137{next(_phones):08d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.LazyFunction(next_phone)
    name = factory.Sequence(lambda n: f"创业者{n}")
    birth_date = dt.date(1992, 6, 18)
    password = factory.PostGenerationMethodCall("set_password", "Str0ng-pass-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
