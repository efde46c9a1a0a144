"""Reason codes (stable API values), their kind, legal reference and messages in az, en, ru."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

LAW = 'Law No. 1039-IIQ of 21 Oct 2005 "On targeted state social assistance"'
DECISION_37 = "Cabinet of Ministers Decision No. 37 of 5 Feb 2016"
DECISION_445 = "Cabinet of Ministers Decision No. 445 (Nov 2020)"
REFUSAL_LIST = "State Social Protection Fund refusal list"


class ReasonKind(StrEnum):
    REFUSAL = "REFUSAL"
    QUALIFYING = "QUALIFYING"


class Language(StrEnum):
    """Languages of messages; ``message(lang)`` in the API maps AZ, EN, RU to these."""

    AZ = "az"
    EN = "en"
    RU = "ru"


class ReasonCode(StrEnum):
    # refusal grounds, in the order means-test.md lists them
    INCOME_AT_OR_ABOVE_THRESHOLD = "INCOME_AT_OR_ABOVE_THRESHOLD"
    VEHICLE_OWNED_OR_USED = "VEHICLE_OWNED_OR_USED"
    MULTIPLE_PROPERTIES_SAME_PURPOSE = "MULTIPLE_PROPERTIES_SAME_PURPOSE"
    PURCHASES_ABOVE_LIMIT = "PURCHASES_ABOVE_LIMIT"
    UTILITY_COSTS_ABOVE_LIMIT = "UTILITY_COSTS_ABOVE_LIMIT"
    JOB_OFFERS_REFUSED = "JOB_OFFERS_REFUSED"
    DECLARATION_MISMATCH = "DECLARATION_MISMATCH"
    NO_QUALIFYING_REASON = "NO_QUALIFYING_REASON"
    FALSE_INFORMATION_BAN = "FALSE_INFORMATION_BAN"
    ACTIVE_ASSIGNMENT_EXISTS = "ACTIVE_ASSIGNMENT_EXISTS"
    # qualifying reasons (Law art. 3, as amended in 2020)
    MEMBER_DISABLED = "MEMBER_DISABLED"
    CARER = "CARER"
    STUDENT = "STUDENT"
    UNEMPLOYMENT_INSURANCE = "UNEMPLOYMENT_INSURANCE"
    MEMBER_DIED = "MEMBER_DIED"
    MEMBER_MISSING = "MEMBER_MISSING"
    MEMBER_IMPRISONED = "MEMBER_IMPRISONED"
    NO_ABLE_BODIED_MEMBER = "NO_ABLE_BODIED_MEMBER"


@dataclass(frozen=True, slots=True)
class ReasonText:
    kind: ReasonKind
    reference: str
    az: str
    en: str
    ru: str

    def message(self, language: Language) -> str:
        return {Language.AZ: self.az, Language.EN: self.en, Language.RU: self.ru}[language]


_R = ReasonKind.REFUSAL
_Q = ReasonKind.QUALIFYING
_ART3 = f"{LAW}, art. 3 (as amended in 2020)"

REASONS: dict[ReasonCode, ReasonText] = {
    ReasonCode.INCOME_AT_OR_ABOVE_THRESHOLD: ReasonText(
        _R,
        f"{LAW}, art. 1; {REFUSAL_LIST}",
        "Ailənin orta aylıq gəliri ehtiyac meyarının ailə üzvlərinin sayına hasilinə bərabər "
        "və ya ondan çoxdur.",
        "The family's average monthly income is at or above the need criterion times the "
        "number of counted members.",
        "Среднемесячный доход семьи равен произведению критерия нуждаемости на число "
        "учитываемых членов семьи или превышает его.",
    ),
    ReasonCode.VEHICLE_OWNED_OR_USED: ReasonText(
        _R,
        REFUSAL_LIST,
        "Ailə üzvünün mülkiyyətində və ya istifadəsində nəqliyyat vasitəsi var (dövlətin "
        "reabilitasiya üçün verdiyi istisna olmaqla).",
        "A family member owns or is a registered user of a motor vehicle (other than one the "
        "state gave for rehabilitation).",
        "Член семьи владеет транспортным средством или является его зарегистрированным "
        "пользователем (кроме выданного государством для реабилитации).",
    ),
    ReasonCode.MULTIPLE_PROPERTIES_SAME_PURPOSE: ReasonText(
        _R,
        REFUSAL_LIST,
        "Ailə üzvlərinin müxtəlif ünvanlarda eyni təyinatlı iki və ya daha çox daşınmaz "
        "əmlakı var.",
        "Family members own two or more real-estate objects of the same purpose at different "
        "addresses.",
        "Члены семьи владеют двумя или более объектами недвижимости одного назначения по "
        "разным адресам.",
    ),
    ReasonCode.PURCHASES_ABOVE_LIMIT: ReasonText(
        _R,
        f"{REFUSAL_LIST}; {DECISION_37}",
        "Son 12 ayda alınmış daşınmaz əmlakın və nəqliyyat vasitələrinin dəyəri həddi aşır.",
        "The value of real estate and vehicles acquired in the last 12 months is above the limit.",
        "Стоимость недвижимости и транспортных средств, приобретённых за последние 12 "
        "месяцев, превышает предел.",
    ),
    ReasonCode.UTILITY_COSTS_ABOVE_LIMIT: ReasonText(
        _R,
        f"{DECISION_445}",
        "Bir ailə üzvünə düşən orta aylıq kommunal və rabitə xərcləri həddə bərabərdir və ya "
        "onu aşır.",
        "The average monthly utility and communication charges per counted member are at or "
        "above the limit.",
        "Среднемесячные коммунальные расходы и расходы на связь на одного учитываемого члена "
        "семьи достигают предела или превышают его.",
    ),
    ReasonCode.JOB_OFFERS_REFUSED: ReasonText(
        _R,
        f"{REFUSAL_LIST}; {DECISION_37}",
        "Ailə üzvü Dövlət Məşğulluq Agentliyinin iki və ya daha çox uyğun iş təklifindən imtina "
        "edib; yenidən müraciət bir aydan sonra mümkündür.",
        "A family member refused two or more suitable job offers from the State Employment "
        "Agency; the family may apply again one month after the last refusal.",
        "Член семьи отказался от двух или более подходящих предложений работы "
        "Государственного агентства занятости; повторно обратиться можно через месяц.",
    ),
    ReasonCode.DECLARATION_MISMATCH: ReasonText(
        _R,
        DECISION_37,
        "Müraciətdə göstərilən ailə üzvləri ailə tərkibi haqqında qeydiyyat məlumatından "
        "fərqlənir.",
        "The members declared in the application differ from the registry's family composition.",
        "Члены семьи, указанные в заявлении, отличаются от состава семьи по данным реестра.",
    ),
    ReasonCode.NO_QUALIFYING_REASON: ReasonText(
        _R,
        _ART3,
        "Ailənin aztəminatlılığı onlardan asılı olmayan səbəblərlə əsaslandırılmayıb.",
        "None of the reasons beyond the family's control that qualify it for assistance holds.",
        "Отсутствуют не зависящие от семьи причины, дающие право на помощь.",
    ),
    ReasonCode.FALSE_INFORMATION_BAN: ReasonText(
        _R,
        f"{LAW}, as amended by Law No. 125-VIQD of 2 Jun 2020",
        "Ailənin son 12 ayda yanlış məlumat verdiyi müəyyən edilib.",
        "The family was found to have given false information within the last 12 months.",
        "Установлено, что семья в течение последних 12 месяцев предоставила ложные сведения.",
    ),
    ReasonCode.ACTIVE_ASSIGNMENT_EXISTS: ReasonText(
        _R,
        DECISION_37,
        "Ailə müraciət ayını əhatə edən dövr üçün artıq ünvanlı dövlət sosial yardımı alır.",
        "The family already receives targeted social assistance for a period covering the "
        "application month.",
        "Семья уже получает адресную государственную социальную помощь за период, "
        "включающий месяц обращения.",
    ),
    ReasonCode.MEMBER_DISABLED: ReasonText(
        _Q,
        _ART3,
        "Ailədə əlilliyi olan (əmək qabiliyyəti olmayan) üzv var.",
        "A family member has a disability (is unable to work).",
        "В семье есть член с инвалидностью (нетрудоспособный).",
    ),
    ReasonCode.CARER: ReasonText(
        _Q,
        _ART3,
        "Əmək qabiliyyətli, işləməyən ailə üzvü ağır sağlamlıq məhdudiyyəti olan üzvə, əlilliyi "
        "olan 18 yaşınadək uşağa və ya 8 yaşınadək uşağa qulluq edir.",
        "An able-bodied member who does not work cares for a member with a severe impairment, "
        "a disabled child under 18, or a child under 8.",
        "Трудоспособный неработающий член семьи ухаживает за членом семьи с тяжёлым "
        "нарушением здоровья, ребёнком-инвалидом до 18 лет или ребёнком до 8 лет.",
    ),
    ReasonCode.STUDENT: ReasonText(
        _Q,
        _ART3,
        "Ailədə əyani təhsil alan 23 yaşınadək əmək qabiliyyətli üzv var.",
        "An able-bodied member under 23 is in full-time education.",
        "Трудоспособный член семьи младше 23 лет обучается по очной форме.",
    ),
    ReasonCode.UNEMPLOYMENT_INSURANCE: ReasonText(
        _Q,
        _ART3,
        "Ailə üzvü işsizlikdən sığorta ödənişi alır.",
        "A family member receives unemployment insurance.",
        "Член семьи получает выплату по страхованию от безработицы.",
    ),
    ReasonCode.MEMBER_DIED: ReasonText(
        _Q,
        _ART3,
        "Ailə üzvü son 12 ay ərzində vəfat edib.",
        "A family member died within the income window.",
        "Член семьи умер в течение расчётного периода дохода.",
    ),
    ReasonCode.MEMBER_MISSING: ReasonText(
        _Q,
        _ART3,
        "Ailə üzvü məhkəmə tərəfindən itkin düşmüş və ya ölmüş elan edilib, yaxud onun harada "
        "olduğu məlum deyil.",
        "A family member was declared missing or dead by a court, or their whereabouts are "
        "unknown.",
        "Член семьи признан судом безвестно отсутствующим или умершим либо его "
        "местонахождение неизвестно.",
    ),
    ReasonCode.MEMBER_IMPRISONED: ReasonText(
        _Q,
        _ART3,
        "Ailə üzvü azadlıqdan məhrumetmə cəzasını çəkir.",
        "A family member is serving a prison sentence.",
        "Член семьи отбывает наказание в виде лишения свободы.",
    ),
    ReasonCode.NO_ABLE_BODIED_MEMBER: ReasonText(
        _Q,
        f"{_ART3} (project interpretation)",
        "Ailədə əmək qabiliyyətli yaşda olan əmək qabiliyyətli üzv yoxdur.",
        "No counted member is of working age and able-bodied.",
        "В семье нет трудоспособного члена трудоспособного возраста.",
    ),
}

REFUSAL_ORDER: tuple[ReasonCode, ...] = tuple(c for c in ReasonCode if REASONS[c].kind is _R)
QUALIFYING_ORDER: tuple[ReasonCode, ...] = tuple(c for c in ReasonCode if REASONS[c].kind is _Q)
