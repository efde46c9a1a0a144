"""Azerbaijani IBANs (pure): ``AZ`` + 2 check digits + 4-letter bank code + 20 letters or digits,
28 characters, with ISO 13616 mod-97 check digits."""

from __future__ import annotations

import re

AZ_IBAN = re.compile(r"AZ[0-9]{2}[A-Z]{4}[A-Z0-9]{20}")


def _as_number(text: str) -> int:
    """Letters as 10 (A) to 35 (Z), digits as themselves, read as one decimal number."""
    return int("".join(str(int(c, 36)) for c in text))


def is_valid_az_iban(value: str) -> bool:
    """Whether ``value`` is an AZ IBAN in electronic form whose check digits hold: the BBAN,
    then ``AZ`` and the check digits, as a number, is 1 modulo 97."""
    if AZ_IBAN.fullmatch(value) is None:
        return False
    return _as_number(value[4:] + value[:4]) % 97 == 1


def az_iban(bank_code: str, account: str) -> str:
    """The AZ IBAN of ``account`` (20 letters or digits) at ``bank_code`` (4 letters)."""
    bban = bank_code + account
    check = 98 - _as_number(bban + "AZ00") % 97
    value = f"AZ{check:02d}{bban}"
    if not is_valid_az_iban(value):
        raise ValueError("a bank code is 4 capital letters and an account 20 letters or digits")
    return value
