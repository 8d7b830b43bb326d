import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beiyang.core.errors import InvalidInput
from beiyang.core.identifiers import (
    CREDIT_CODE_CHARSET,
    age_on,
    birth_date_from_resident_id,
    credit_code_check_char,
    normalize_district,
    parse_credit_code,
    parse_district,
    parse_phone,
    parse_resident_id,
    resident_id_check_char,
)

credit_bodies = st.tuples(
    st.text(CREDIT_CODE_CHARSET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_CHARSET, min_size=9, max_size=9),
).map("".join)


@given(credit_bodies)
def test_a_code_with_its_computed_check_character_is_accepted(body):
    code = body + credit_code_check_char(body)
    assert parse_credit_code(code.lower()) == code


@given(credit_bodies, st.sampled_from(CREDIT_CODE_CHARSET))
def test_any_other_check_character_is_refused(body, wrong):
    if wrong == credit_code_check_char(body):
        return
    with pytest.raises(InvalidInput) as err:
        parse_credit_code(body + wrong)
    assert err.value.field == "credit_code"


@given(credit_bodies, st.integers(0, 16), st.sampled_from(CREDIT_CODE_CHARSET))
def test_a_single_changed_character_is_caught(body, position, replacement):
    code = body + credit_code_check_char(body)
    mutated = code[:position] + replacement + code[position + 1 :]
    if mutated == code or not mutated[2:8].isdigit():
        return
    # The weights make every single substitution change the checksum.
    with pytest.raises(InvalidInput):
        parse_credit_code(mutated)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "123",
        "91310104MA1FL4XB4",
        "91310104MA1FL4XB4YY",
        "9131010IMA1FL4XB4Y",
        "91ABCDEFMA1FL4XB4Y",
        None,
        12345,
    ],
)
def test_malformed_credit_codes(bad):
    with pytest.raises(InvalidInput):
        parse_credit_code(bad)


dates = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31))


@given(st.text("0123456789", min_size=6, max_size=6), dates, st.integers(0, 999))
def test_resident_ids_round_trip(region, born, seq):
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    rid = body + resident_id_check_char(body)
    assert parse_resident_id(rid.lower()) == rid
    assert birth_date_from_resident_id(rid) == born


def test_the_standard_example_id_with_x():
    assert parse_resident_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "bad", ["11010519491231002", "110105194912310021", "11010519491331002X", "1101052999123100X1", "abc"]
)
def test_malformed_resident_ids(bad):
    with pytest.raises(InvalidInput) as err:
        parse_resident_id(bad)
    assert err.value.field == "resident_id"


def test_a_future_birth_date_in_an_id_is_refused():
    body = "110105" + "20991231" + "002"
    with pytest.raises(InvalidInput):
        parse_resident_id(body + resident_id_check_char(body), today=dt.date(2026, 1, 1))


# Prefixes the carriers use (phonenumbers knows the assigned ranges; 140 or 154 are not mobile).
MOBILE_PREFIXES = [str(p) for p in [*range(130, 140), 150, 151, 152, 153, *range(155, 160), *range(180, 190)]]


@given(st.sampled_from(MOBILE_PREFIXES), st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_mainland_mobiles(prefix, rest):
    phone = prefix + rest
    assert parse_phone(phone) == phone
    assert parse_phone(f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}") == phone


@pytest.mark.parametrize(
    "bad", ["", "12345678901", "2380013800", "1380013800", "138001380000", "1a800138000", "14000138000"]
)
def test_malformed_phones(bad):
    with pytest.raises(InvalidInput) as err:
        parse_phone(bad)
    assert err.value.field == "phone"


@given(st.text(max_size=30))
def test_parsers_never_raise_anything_but_invalid_input(text):
    for parse in (parse_phone, parse_credit_code, parse_resident_id, parse_district):
        with contextlib.suppress(InvalidInput):
            parse(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("徐汇", "徐汇"),
        ("徐汇区", "徐汇"),
        ("上海市徐汇区", "徐汇"),
        ("浦东新区", "浦东"),
        ("浦东", "浦东"),
        ("Xuhui", "徐汇"),
        ("外地", "外省市"),
        ("朝阳区", None),
    ],
)
def test_districts(text, name):
    assert normalize_district(text) == name


@given(dates, st.integers(0, 40000))
def test_age_is_whole_years_and_changes_on_the_birthday(born, days):
    on = born + dt.timedelta(days=days)
    age = age_on(born, on)
    assert 0 <= age <= days // 365 + 1
    try:
        birthday = born.replace(year=born.year + age)
    except ValueError:  # 29 February
        birthday = born.replace(year=born.year + age, day=28)
    assert birthday <= on


@pytest.mark.parametrize(
    "bad",
    [
        "91310104MA1FL4XB4Y".replace("310104", "３１０１０４"),
        "91310104MA1FL4XB4Y".replace("310104", "٣١٠١٠٤"),
    ],
)
def test_credit_codes_in_other_digits_are_refused(bad):
    with pytest.raises(InvalidInput):
        parse_credit_code(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "13800138000".replace("138", "１３８"),
        "1380013800A",
        "1-800-FLOWERS",
        "13800138000 ext 1",
        "+1 202 555 0101",
    ],
)
def test_phone_numbers_that_are_not_a_mainland_mobile_are_refused(bad):
    with pytest.raises(InvalidInput) as err:
        parse_phone(bad)
    assert err.value.field == "phone" and "手机号" in err.value.message


def test_the_check_characters_are_python_stdnums():
    from stdnum.cn import ric, uscc

    assert uscc.is_valid("91310104MA1FL4XB4Y") and credit_code_check_char("91310104MA1FL4XB4") == "Y"
    assert ric.calc_check_digit("110105194912310020") == resident_id_check_char("11010519491231002") == "X"
