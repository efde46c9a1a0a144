"""The notices a family receives, in Azerbaijani (the default) and English (pure).

Three notices follow an application (api.md: "registration, decision and card pickup are each
notified by SMS or e-mail"): *registered* (number, registration date, decision due date),
*decided* — granted (monthly amount, period) or refused (every refusal ground, in plain words)
— and *card ready* (branch address, first pickup day). Each renders as a :class:`Notice`: an
e-mail subject and body, and an SMS text.

Formats: amounts ``285.50 AZN`` (two decimals, a point), dates ``15.11.2026`` (day.month.year,
as Azerbaijani documents write them).

SMS length: every SMS text fits the messaging gateway's limit of three segments (see
:func:`sms_segments`; docs/agency-protocols.md, "messaging"). Azerbaijani letters (``ə``,
``ğ``, ``ı``, ``ş``) make a text UCS-2, so an Azerbaijani SMS has at most 201 characters; the
texts are written to fit with application numbers of up to 24 characters. Where an input can be
long (a branch address, many refusal grounds) the SMS falls back to a shorter form that points
to the e-mail or the application's page, which always carry everything; an input that does not
fit even then (an absurd application number) is a ``ValueError``, never a truncated notice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

MAX_SMS_SEGMENTS = 3


class Language(StrEnum):
    AZ = "az"
    EN = "en"


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice: ``subject`` and ``text`` for e-mail, ``sms`` (≤ 3 segments) for SMS."""

    subject: str
    text: str
    sms: str


@dataclass(frozen=True, slots=True)
class SmsLength:
    """How the gateway would send a text: ``encoding`` (``GSM-7`` or ``UCS-2``), ``units``
    (septets or UTF-16 code units) and ``segments``."""

    encoding: str
    units: int
    segments: int


# GSM 03.38: the default alphabet, and the extension table (each costs an escape, 2 septets).
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_ESCAPED = frozenset("\f^{}\\[~]|€")


def sms_segments(text: str) -> SmsLength:
    """The SMS encoding and segments ``text`` needs: GSM-7 when every character is in GSM
    03.38 (160 septets in one segment, else 153 per segment), UCS-2 otherwise (70 UTF-16 units
    in one segment, else 67 per segment); a character is never split across segments."""
    if all(c in _GSM7 or c in _GSM7_ESCAPED for c in text):
        sizes = [2 if c in _GSM7_ESCAPED else 1 for c in text]
        encoding, single, per_segment = "GSM-7", 160, 153
    else:
        sizes = [len(c.encode("utf-16-le")) // 2 for c in text]
        encoding, single, per_segment = "UCS-2", 70, 67
    units = sum(sizes)
    if units <= single:
        return SmsLength(encoding, units, 1)
    segments, used = 1, 0
    for size in sizes:
        if used + size > per_segment:
            segments, used = segments + 1, 0
        used += size
    return SmsLength(encoding, units, segments)


def fits_sms(text: str) -> bool:
    """Whether ``text`` fits in :data:`MAX_SMS_SEGMENTS` segments."""
    return sms_segments(text).segments <= MAX_SMS_SEGMENTS


def format_amount(amount: Decimal) -> str:
    """``Decimal("285.5")`` → ``285.50 AZN``."""
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{cents:f} AZN"


def format_date(day: date) -> str:
    """``date(2026, 11, 15)`` → ``15.11.2026``."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


# --- refusal grounds in plain words (codes of means-test.md, section 4) -------------------

#: A short sentence per refusal ground: (Azerbaijani, English).
REFUSAL_TEXTS: dict[str, tuple[str, str]] = {
    "INCOME_AT_OR_ABOVE_THRESHOLD": (
        "ailənin orta aylıq gəliri ehtiyac həddindən aşağı deyil",
        "the family's average monthly income is not below the need threshold",
    ),
    "VEHICLE_OWNED_OR_USED": (
        "ailə üzvünün nəqliyyat vasitəsi var",
        "a family member owns or uses a motor vehicle",
    ),
    "MULTIPLE_PROPERTIES_SAME_PURPOSE": (
        "ailənin eyni təyinatlı birdən çox əmlakı var",
        "the family owns more than one property of the same kind",
    ),
    "PURCHASES_ABOVE_LIMIT": (
        "son 12 ayda alınan əmlakın dəyəri həddi aşır",
        "property bought in the last 12 months is worth more than the limit",
    ),
    "UTILITY_COSTS_ABOVE_LIMIT": (
        "adambaşına kommunal və rabitə xərcləri həddən aşağı deyil",
        "utility and phone bills per person are not below the limit",
    ),
    "JOB_OFFERS_REFUSED": (
        "ailə üzvü iki uyğun iş təklifindən imtina edib",
        "a family member turned down two suitable job offers",
    ),
    "DECLARATION_MISMATCH": (
        "göstərilən ailə tərkibi reyestrdəkindən fərqlənir",
        "the family you declared differs from the registry",
    ),
    "NO_QUALIFYING_REASON": (
        "yardım üçün əsas verən səbəb yoxdur",
        "none of the reasons that qualify for assistance applies",
    ),
    "FALSE_INFORMATION_BAN": (
        "son 12 ayda yanlış məlumat verilib",
        "false information was given in the last 12 months",
    ),
    "ACTIVE_ASSIGNMENT_EXISTS": (
        "ailə artıq ünvanlı sosial yardım alır",
        "the family already receives targeted social assistance",
    ),
}


def refusal_text(code: str, language: Language = Language.AZ) -> str:
    """The plain-words sentence for refusal ground ``code``; ``ValueError`` for any other code
    (qualifying reasons explain no refusal, and an unknown code must not be sent blank)."""
    try:
        az, en = REFUSAL_TEXTS[code]
    except KeyError:
        raise ValueError(f"not a refusal ground: {code!r}") from None
    return az if language is Language.AZ else en


# --- the notices --------------------------------------------------------------------------


def _first_fitting(*candidates: Callable[[], str]) -> str:
    for render in candidates:
        text = render()
        if fits_sms(text):
            return text
    raise ValueError("the notice does not fit in an SMS of three segments")


def registered_notice(
    number: str, registered_on: date, decision_due_on: date, language: Language = Language.AZ
) -> Notice:
    """The application was registered: its number, the day, and when the decision is due."""
    reg, due = format_date(registered_on), format_date(decision_due_on)
    if language is Language.AZ:
        return Notice(
            subject=f"Müraciətiniz qeydə alındı: {number}",
            text=(
                "Ünvanlı dövlət sosial yardımı üçün müraciətiniz qeydə alındı.\n"
                f"Müraciət nömrəsi: {number}\n"
                f"Qeydiyyat tarixi: {reg}\n"
                f"Qərar {due} tarixinədək veriləcək."
            ),
            sms=_first_fitting(
                lambda: (
                    f"Sosial yardım müraciətiniz {reg} tarixində qeydə alındı. "
                    f"Nömrə: {number}. Qərar {due} tarixinədək veriləcək."
                )
            ),
        )
    return Notice(
        subject=f"Your application has been registered: {number}",
        text=(
            "Your application for targeted state social assistance has been registered.\n"
            f"Application number: {number}\n"
            f"Registered on: {reg}\n"
            f"A decision will be made by {due}."
        ),
        sms=_first_fitting(
            lambda: (
                f"Your social assistance application {number} was registered on {reg}. "
                f"A decision will be made by {due}."
            )
        ),
    )


def granted_notice(
    number: str,
    monthly_amount: Decimal,
    period_start: date,
    period_end: date,
    language: Language = Language.AZ,
) -> Notice:
    """Assistance was granted: the monthly amount in AZN and the period it is paid for."""
    amount = format_amount(monthly_amount)
    start, end = format_date(period_start), format_date(period_end)
    if language is Language.AZ:
        return Notice(
            subject=f"Ünvanlı dövlət sosial yardımı təyin edildi: {number}",
            text=(
                f"{number} nömrəli müraciət üzrə ailənizə ünvanlı dövlət sosial yardımı "
                "təyin edildi.\n"
                f"Aylıq məbləğ: {amount}\n"
                f"Dövr: {start} - {end}\n"
                "Ödəniş kartı sifariş edildi; kart hazır olanda sizə xəbər veriləcək."
            ),
            sms=_first_fitting(
                lambda: (
                    f"{number} nömrəli müraciət üzrə sosial yardım təyin edildi: ayda "
                    f"{amount}, {start} - {end}. Kart hazır olanda xəbər veriləcək."
                )
            ),
        )
    return Notice(
        subject=f"Targeted state social assistance granted: {number}",
        text=(
            "Targeted state social assistance has been granted to your family "
            f"(application {number}).\n"
            f"Monthly amount: {amount}\n"
            f"Period: {start} - {end}\n"
            "A payment card has been ordered; we will let you know when it is ready."
        ),
        sms=_first_fitting(
            lambda: (
                f"Application {number}: social assistance granted, {amount} a month, "
                f"{start} - {end}. We will let you know when your card is ready."
            )
        ),
    )


def refused_notice(
    number: str, refusal_grounds: Sequence[str], language: Language = Language.AZ
) -> Notice:
    """Assistance was refused: every refusal ground (codes of means-test.md), in plain words.

    ``refusal_grounds`` are the decision's reasons of kind ``REFUSAL`` in its order (at least
    one). The e-mail lists every one; so does the SMS when they fit, else it counts them and
    points to the e-mail and the application's page.
    """
    if not refusal_grounds:
        raise ValueError("a refusal has at least one ground")
    reasons = [refusal_text(code, language) for code in _unique(refusal_grounds)]
    listed = "\n".join(f"- {_capitalized(reason, language)}." for reason in reasons)
    inline = "; ".join(reasons)
    if language is Language.AZ:
        heading = "Səbəb" if len(reasons) == 1 else "Səbəblər"
        return Notice(
            subject=f"Ünvanlı dövlət sosial yardımı təyin edilmədi: {number}",
            text=(
                f"{number} nömrəli müraciət üzrə ünvanlı dövlət sosial yardımı təyin "
                f"edilmədi.\n{heading}:\n{listed}"
            ),
            sms=_first_fitting(
                lambda: f"{number}: sosial yardım təyin edilmədi. {heading}: {inline}.",
                lambda: (
                    f"{number}: sosial yardım təyin edilmədi ({len(reasons)} səbəb). "
                    "Səbəblər e-poçtda və müraciətin səhifəsindədir."
                ),
            ),
        )
    heading = "Reason" if len(reasons) == 1 else "Reasons"
    return Notice(
        subject=f"Targeted state social assistance refused: {number}",
        text=(
            "Targeted state social assistance has not been granted "
            f"(application {number}).\n{heading}:\n{listed}"
        ),
        sms=_first_fitting(
            lambda: f"Application {number}: social assistance refused. {heading}: {inline}.",
            lambda: (
                f"Application {number}: social assistance refused ({len(reasons)} reasons). "
                "See the e-mail or your application's page."
            ),
        ),
    )


def card_ready_notice(
    number: str, branch_address: str, pickup_from: date, language: Language = Language.AZ
) -> Notice:
    """The payment card is ready: where to collect it, and from which day."""
    day = format_date(pickup_from)
    if language is Language.AZ:
        return Notice(
            subject=f"Ödəniş kartınız hazırdır: {number}",
            text=(
                f"{number} nömrəli müraciət üzrə ödəniş kartınız hazırdır.\n"
                f"Kartı {day} tarixindən bu ünvanda götürə bilərsiniz: {branch_address}.\n"
                "Şəxsiyyət vəsiqənizi özünüzlə gətirin."
            ),
            sms=_first_fitting(
                lambda: (
                    f"Ödəniş kartınız hazırdır. {day} tarixindən şəxsiyyət vəsiqəsi ilə "
                    f"götürə bilərsiniz: {branch_address}."
                ),
                lambda: (
                    f"Ödəniş kartınız hazırdır, {day} tarixindən bankın filialında götürə "
                    "bilərsiniz. Ünvan e-poçtda və müraciətin səhifəsindədir."
                ),
            ),
        )
    return Notice(
        subject=f"Your payment card is ready: {number}",
        text=(
            f"Your payment card for application {number} is ready.\n"
            f"You can collect it from {day} at: {branch_address}.\n"
            "Please bring your ID card."
        ),
        sms=_first_fitting(
            lambda: (
                f"Your payment card is ready. Collect it with your ID card from {day} at: "
                f"{branch_address}."
            ),
            lambda: (
                f"Your payment card is ready to collect from {day} at the bank's branch. "
                "See the e-mail or your application's page for the address."
            ),
        ),
    )


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _capitalized(sentence: str, language: Language) -> str:
    first = sentence[:1]
    if language is Language.AZ and first in "iı":
        first = "İ" if first == "i" else "I"  # Azerbaijani dotted and dotless i
    return first.upper() + sentence[1:]
