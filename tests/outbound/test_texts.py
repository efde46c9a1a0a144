"""The notices' texts: exact wording in Azerbaijani and English, formats, and SMS length."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapters.messaging import MessagingAdapter
from adapters.messaging.texts import (
    MAX_SMS_SEGMENTS,
    REFUSAL_TEXTS,
    Language,
    Notice,
    card_ready_notice,
    format_amount,
    format_date,
    granted_notice,
    refusal_text,
    refused_notice,
    registered_notice,
    sms_segments,
)
from assessment.reasons import REFUSAL_ORDER, ReasonCode

from .support import CTX, PHONE, Mocks

AZ, EN = Language.AZ, Language.EN
NUMBER = "2026-000123"
BRANCH = "Yasamal filialı, Şərifzadə küç. 201, Bakı"


def test_the_registered_notice_in_azerbaijani() -> None:
    notice = registered_notice(NUMBER, date(2026, 11, 15), date(2026, 12, 7))
    assert notice == Notice(
        subject="Müraciətiniz qeydə alındı: 2026-000123",
        text=(
            "Ünvanlı dövlət sosial yardımı üçün müraciətiniz qeydə alındı.\n"
            "Müraciət nömrəsi: 2026-000123\n"
            "Qeydiyyat tarixi: 15.11.2026\n"
            "Qərar 07.12.2026 tarixinədək veriləcək."
        ),
        sms=(
            "Sosial yardım müraciətiniz 15.11.2026 tarixində qeydə alındı. "
            "Nömrə: 2026-000123. Qərar 07.12.2026 tarixinədək veriləcək."
        ),
    )


def test_the_registered_notice_in_english() -> None:
    notice = registered_notice(NUMBER, date(2026, 11, 15), date(2026, 12, 7), EN)
    assert notice.subject == "Your application has been registered: 2026-000123"
    assert notice.text == (
        "Your application for targeted state social assistance has been registered.\n"
        "Application number: 2026-000123\n"
        "Registered on: 15.11.2026\n"
        "A decision will be made by 07.12.2026."
    )
    assert notice.sms == (
        "Your social assistance application 2026-000123 was registered on 15.11.2026. "
        "A decision will be made by 07.12.2026."
    )


def test_the_granted_notice_gives_the_monthly_amount_in_azn_and_the_period() -> None:
    az = granted_notice(NUMBER, Decimal("285.5"), date(2026, 11, 1), date(2027, 10, 31))
    assert az.subject == "Ünvanlı dövlət sosial yardımı təyin edildi: 2026-000123"
    assert az.text == (
        "2026-000123 nömrəli müraciət üzrə ailənizə ünvanlı dövlət sosial yardımı təyin edildi.\n"
        "Aylıq məbləğ: 285.50 AZN\n"
        "Dövr: 01.11.2026 - 31.10.2027\n"
        "Ödəniş kartı sifariş edildi; kart hazır olanda sizə xəbər veriləcək."
    )
    assert az.sms == (
        "2026-000123 nömrəli müraciət üzrə sosial yardım təyin edildi: ayda 285.50 AZN, "
        "01.11.2026 - 31.10.2027. Kart hazır olanda xəbər veriləcək."
    )
    en = granted_notice(NUMBER, Decimal("1040.00"), date(2026, 11, 1), date(2027, 10, 31), EN)
    assert en.text == (
        "Targeted state social assistance has been granted to your family "
        "(application 2026-000123).\n"
        "Monthly amount: 1040.00 AZN\n"
        "Period: 01.11.2026 - 31.10.2027\n"
        "A payment card has been ordered; we will let you know when it is ready."
    )
    assert en.sms == (
        "Application 2026-000123: social assistance granted, 1040.00 AZN a month, "
        "01.11.2026 - 31.10.2027. We will let you know when your card is ready."
    )


def test_the_refused_notice_gives_every_ground_in_plain_words() -> None:
    grounds = ["INCOME_AT_OR_ABOVE_THRESHOLD", "VEHICLE_OWNED_OR_USED"]
    az = refused_notice(NUMBER, grounds)
    assert az.subject == "Ünvanlı dövlət sosial yardımı təyin edilmədi: 2026-000123"
    assert az.text == (
        "2026-000123 nömrəli müraciət üzrə ünvanlı dövlət sosial yardımı təyin edilmədi.\n"
        "Səbəblər:\n"
        "- Ailənin orta aylıq gəliri ehtiyac həddindən aşağı deyil.\n"
        "- Ailə üzvünün nəqliyyat vasitəsi var."
    )
    assert az.sms == (
        "2026-000123: sosial yardım təyin edilmədi. Səbəblər: ailənin orta aylıq gəliri "
        "ehtiyac həddindən aşağı deyil; ailə üzvünün nəqliyyat vasitəsi var."
    )
    en = refused_notice(NUMBER, ["JOB_OFFERS_REFUSED"], EN)
    assert en.text == (
        "Targeted state social assistance has not been granted (application 2026-000123).\n"
        "Reason:\n"
        "- A family member turned down two suitable job offers."
    )
    assert en.sms == (
        "Application 2026-000123: social assistance refused. "
        "Reason: a family member turned down two suitable job offers."
    )


def test_a_refusal_on_every_ground_lists_them_all_by_email_and_counts_them_by_sms() -> None:
    every = [code.value for code in REFUSAL_ORDER]
    az = refused_notice(NUMBER, every)
    for code in every:
        assert REFUSAL_TEXTS[code][0][1:] in az.text
    assert az.sms == (
        "2026-000123: sosial yardım təyin edilmədi (10 səbəb). "
        "Səbəblər e-poçtda və müraciətin səhifəsindədir."
    )
    en = refused_notice(NUMBER, every, EN)
    assert en.text.count("\n- ") == 10
    assert en.sms == (
        "Application 2026-000123: social assistance refused (10 reasons). "
        "See the e-mail or your application's page."
    )


def test_a_ground_given_twice_is_listed_once() -> None:
    notice = refused_notice(NUMBER, ["VEHICLE_OWNED_OR_USED", "VEHICLE_OWNED_OR_USED"], EN)
    assert notice.text.endswith("Reason:\n- A family member owns or uses a motor vehicle.")


def test_every_refusal_ground_of_the_means_test_has_words_in_both_languages() -> None:
    assert set(REFUSAL_TEXTS) == {code.value for code in REFUSAL_ORDER}
    for code in REFUSAL_ORDER:
        assert refusal_text(code, AZ) and refusal_text(code, EN)
        assert refusal_text(code, AZ) != refusal_text(code, EN)


@pytest.mark.parametrize("code", ["MEMBER_DISABLED", "SOMETHING_ELSE"])
def test_a_code_that_is_no_refusal_ground_is_refused_rather_than_sent_blank(code: str) -> None:
    with pytest.raises(ValueError, match=code):
        refused_notice(NUMBER, ["VEHICLE_OWNED_OR_USED", code])


def test_a_refusal_without_grounds_is_refused() -> None:
    with pytest.raises(ValueError):
        refused_notice(NUMBER, [])


def test_the_card_ready_notice_gives_the_branch_and_the_first_pickup_day() -> None:
    az = card_ready_notice(NUMBER, BRANCH, date(2026, 11, 25))
    assert az.subject == "Ödəniş kartınız hazırdır: 2026-000123"
    assert az.text == (
        "2026-000123 nömrəli müraciət üzrə ödəniş kartınız hazırdır.\n"
        "Kartı 25.11.2026 tarixindən bu ünvanda götürə bilərsiniz: "
        "Yasamal filialı, Şərifzadə küç. 201, Bakı.\n"
        "Şəxsiyyət vəsiqənizi özünüzlə gətirin."
    )
    assert az.sms == (
        "Ödəniş kartınız hazırdır. 25.11.2026 tarixindən şəxsiyyət vəsiqəsi ilə götürə "
        "bilərsiniz: Yasamal filialı, Şərifzadə küç. 201, Bakı."
    )
    en = card_ready_notice(NUMBER, BRANCH, date(2026, 11, 25), EN)
    assert en.text == (
        "Your payment card for application 2026-000123 is ready.\n"
        "You can collect it from 25.11.2026 at: Yasamal filialı, Şərifzadə küç. 201, Bakı.\n"
        "Please bring your ID card."
    )


def test_a_branch_address_too_long_for_an_sms_is_left_to_the_email() -> None:
    branch = "Filial, " + "Çox uzun küçə adı " * 8 + "1, Bakı"
    notice = card_ready_notice(NUMBER, branch, date(2026, 11, 25))
    assert branch in notice.text
    assert branch not in notice.sms
    assert "25.11.2026" in notice.sms


def test_an_absurdly_long_application_number_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="SMS"):
        registered_notice("N" * 200, date(2026, 11, 15), date(2026, 12, 7))


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("285.5"), "285.50 AZN"),
        (Decimal("300"), "300.00 AZN"),
        (Decimal("0.005"), "0.01 AZN"),
        (Decimal("1234.56"), "1234.56 AZN"),
    ],
)
def test_amounts_are_written_with_two_decimals_and_azn(amount: Decimal, text: str) -> None:
    assert format_amount(amount) == text


def test_dates_are_written_day_month_year() -> None:
    assert format_date(date(2026, 11, 15)) == "15.11.2026"
    assert format_date(date(2027, 1, 5)) == "05.01.2027"


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 459, "GSM-7", 3),
        ("a" * 460, "GSM-7", 4),
        ("€" * 80, "GSM-7", 1),  # 160 septets
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 3),  # 306 septets, but € is never split
        ("Müraciət" + "a" * 62, "UCS-2", 1),  # 70 units
        ("ə" * 71, "UCS-2", 2),
        ("ə" * 201, "UCS-2", 3),
        ("ə" * 202, "UCS-2", 4),
        ("Çöü äñ", "GSM-7", 1),  # in GSM 03.38
        ("ç", "UCS-2", 1),  # small ç is not
    ],
)
def test_sms_length_follows_gsm_7_and_ucs_2_segments(
    text: str, encoding: str, segments: int
) -> None:
    length = sms_segments(text)
    assert (length.encoding, length.segments) == (encoding, segments)


def _every_notice() -> list[Notice]:
    notices: list[Notice] = []
    for language in Language:
        notices += [
            registered_notice(
                "2026-9999999999999999999", date(2026, 11, 15), date(2026, 12, 7), language
            ),
            granted_notice(
                NUMBER, Decimal("99999.99"), date(2026, 11, 1), date(2027, 10, 31), language
            ),
            card_ready_notice(NUMBER, BRANCH, date(2026, 11, 25), language),
            card_ready_notice(NUMBER, "Q" * 300, date(2026, 11, 25), language),
        ]
        notices += [
            refused_notice(NUMBER, [code], language) for code in ReasonCode if code in REFUSAL_ORDER
        ]
        notices.append(refused_notice(NUMBER, list(REFUSAL_ORDER), language))
    return notices


def test_every_notice_fits_in_three_sms_segments() -> None:
    for notice in _every_notice():
        assert sms_segments(notice.sms).segments <= MAX_SMS_SEGMENTS, notice.sms


async def test_the_gateway_accepts_every_notice_as_an_sms(
    messaging: MessagingAdapter, mocks: Mocks
) -> None:
    notices = _every_notice()
    for n, notice in enumerate(notices):
        await messaging.send_sms(PHONE, notice.sms, f"notice-{n}", CTX)
        await messaging.send_email(
            "aynur@example.az", notice.subject, notice.text, f"mail-{n}", CTX
        )
    assert len(await mocks.outbox()) == 2 * len(notices)
