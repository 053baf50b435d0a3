"""Blocks set at a royement (T2): how a phone number is recognised without being kept.

A telefoonbeheerder who royeert a member may block them, so that nobody
adds them again. The telefoonbeheerder adds members by phone number (T1),
so the block is on that number; names are neither unique nor stable.

The hierarchy does not keep the number: it keeps :func:`block_key`, a
BLAKE2b digest of the number written one way (:func:`normalize_phone`),
so exports, snapshots and screens show no number. A digest is no
anonymisation: there are few enough Dutch mobile numbers to try them all,
so a block is still personal data (pseudonymised, AVG art. 4(5)), and is
treated as such: it holds nothing else (no name, no member id, no reason),
it is lifted with :class:`~routing.hierarchy.changes.Unblock`, and
``docs/privacy.md`` says why erasing the member does not lift it.
"""

from __future__ import annotations

import hashlib

import attrs

from routing.errors import InvalidValueError

__all__ = ["Block", "block_key", "normalize_phone"]

#: Domain separation: a digest of a number here never equals one made elsewhere.
_PERSON = b"routing-block1"


def normalize_phone(phone: str) -> str:
    """The number as digits, Dutch style: ``+31 6-1234 5678`` and ``0031612345678``
    become ``0612345678``; spaces, dashes, dots and brackets go.

    :class:`~routing.errors.InvalidValueError` if no digit is left.
    """
    text = phone.strip()
    plus = text.startswith("+")
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if not digits:
        raise InvalidValueError(phone, "a phone number needs digits")
    if plus:
        digits = "00" + digits
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    return digits


def block_key(phone: str) -> str:
    """The key a block on ``phone`` is kept and found by (hex, 32 characters)."""
    number = normalize_phone(phone).encode("ascii")
    return hashlib.blake2b(number, digest_size=16, person=_PERSON).hexdigest()


@attrs.frozen(kw_only=True)
class Block:
    """A phone number that may not be admitted again (T2), and who may lift the block.

    ``key`` is :func:`block_key` of the number; ``stuurgroep`` is the one
    whose telefoonbeheerder royeerde the member and may lift it.
    """

    key: str
    stuurgroep: str
