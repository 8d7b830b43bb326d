"""Money is integer fen (分) in storage and Decimal yuan at the edges; never float.

>>> yuan_to_fen("1234.5")
123450
>>> fen_to_yuan(123450)
Decimal('1234.50')
>>> format_cny(100_000_000_00)
'¥100,000,000.00'
>>> format_cny_short(1_000_000_00)
'100万元'
>>> yuan_text(Decimal("49150000")), yuan_text(Decimal("135000000000")), yuan_text(Decimal("9800.5"))
('4,915万元', '1,350亿元', '9,800.50元')
>>> yuan_text(Decimal("12345.67"), fen_matter=True)
'12,345.67元'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from beiyang.core.errors import InvalidInput
from beiyang.core.numbers import decimal_in

FEN_PER_YUAN = 100
MAX_YUAN = Decimal("1000000000000")  # 1万亿元: beyond any figure the town handles

# An amount in yuan as a caller sends it: a JSON number or a string (``"12000.00"``), within
# ±MAX_YUAN; the action reads it through ``to_decimal`` (two decimals at most, ASCII digits).
YuanIn = decimal_in(int(MAX_YUAN))


def to_decimal(value: object, field: str = "amount_cny") -> Decimal:
    if isinstance(value, (bool, float)):
        # Floats carry binary rounding errors into money; the API hands us strings or ints.
        value = str(value) if isinstance(value, float) else value
    if isinstance(value, bool):
        raise InvalidInput(
            "金额必须是数字", "The amount must be a number", field=field, code="invalid_amount"
        )
    text = str(value).strip().replace(",", "")
    if not text.isascii():
        # Decimal("１２") is 12 and Decimal("١٢") too: amounts are written in ASCII digits.
        raise InvalidInput(
            "金额必须是数字", "The amount must be a number", field=field, code="invalid_amount"
        )
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            "金额必须是数字", "The amount must be a number", field=field, code="invalid_amount"
        ) from None
    if not amount.is_finite():
        raise InvalidInput(
            "金额必须是有限的数字", "The amount must be a finite number", field=field, code="invalid_amount"
        )
    # The range first, exactly (copy_abs does not round): quantizing a number with more
    # significant digits than the decimal context holds (28) raises InvalidOperation.
    if amount.copy_abs() > MAX_YUAN:
        raise InvalidInput("金额超出范围", "The amount is out of range", field=field, code="invalid_amount")
    exponent = amount.as_tuple().exponent  # an int: the amount is finite (checked above)
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(
            "金额最多保留两位小数(分)",
            "Amounts have at most two decimals (fen)",
            field=field,
            code="invalid_amount",
        )
    return amount


def yuan_to_fen(value: object, field: str = "amount_cny") -> int:
    return int((to_decimal(value, field) * FEN_PER_YUAN).to_integral_value(ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_cny(fen: int) -> str:
    return f"¥{fen_to_yuan(fen):,}"


def format_cny_short(fen: int) -> str:
    """Chinese short form the way the town writes figures: 10万元, 20亿元."""
    yuan = fen_to_yuan(fen)
    if yuan >= 100_000_000 and yuan % 1_000_000 == 0:
        return f"{(yuan / 100_000_000).normalize():f}亿元"
    if yuan >= 10_000 and yuan % 100 == 0:
        return f"{(yuan / 10_000).normalize():f}万元"
    return f"{yuan.normalize():f}元"


def yuan_text(yuan: object, *, fen_matter: bool = False) -> str:
    """The one way the town writes an amount in Chinese: 亿元 from 1亿, 万元 from 1万 (up to four
    decimals, digits grouped), else 元 with two decimals only when there are fen. With
    ``fen_matter`` (ledgers, invoices) an amount with fen keeps every fen."""
    amount = Decimal(str(yuan))
    has_fen = amount != amount.to_integral_value()
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    exact = has_fen and fen_matter
    if amount >= 100_000_000 and not exact:
        return f"{sign}{_short(amount / 100_000_000)}亿元"
    if amount >= 10_000 and not exact:
        return f"{sign}{_short(amount / 10_000)}万元"
    return f"{sign}{amount:,.{2 if has_fen else 0}f}元"


def yuan_figure_en(yuan: object, *, fen_matter: bool = False) -> str:
    """The figure of an amount the way English readers take it, without the currency: town-scale
    sums in words (135 billion, 49.15 million), a founder's amounts with every digit (1,200,000),
    two decimals only when there are fen (or ``fen_matter``)."""
    amount = Decimal(str(yuan))
    if not fen_matter:
        for from_, unit, word in ((10**9, 10**9, "billion"), (10**7, 10**6, "million")):
            if abs(amount) >= from_:
                return f"{amount / unit:,.2f}".rstrip("0").rstrip(".") + f" {word}"
    has_fen = amount != amount.to_integral_value()
    return f"{amount:,.{2 if (has_fen or fen_matter) else 0}f}"


def fen_text(fen: int, *, fen_matter: bool = False) -> str:
    return yuan_text(Decimal(int(fen)) / FEN_PER_YUAN, fen_matter=fen_matter)


def _short(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001')):,.4f}".rstrip("0").rstrip(".")
