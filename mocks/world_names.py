"""Name lists for generated worlds: Azerbaijani first names and surname roots, Baku's districts
and the regions, streets, universities and foreign names. Data only; see ``mocks/generate.py``."""

from __future__ import annotations

MALE_NAMES: tuple[str, ...] = (
    "Əli", "Məmməd", "Hüseyn", "Rəşad", "Elçin", "Tural", "Orxan", "Ramil", "Vüqar", "Elnur",
    "Kamran", "Fərid", "Rauf", "Şahin", "Nicat", "Cavid", "Emin", "Anar", "Samir", "Zaur",
    "İlham", "Nurlan", "Ülvi", "Murad", "Rüstəm", "Səbuhi", "Toğrul", "Fuad", "Həsən", "Cəlal",
    "Qasım", "Yaşar", "Bəhruz", "Elşən", "Vüsal", "Aydın", "Ceyhun", "Kənan", "Mübariz",
    "Namiq", "Pərviz", "Rəhim", "Sərxan", "Teymur", "Zamiq", "Ömər", "Çingiz", "Şəhriyar",
    "Əkbər", "İsmayıl", "Xəyal", "Ağası", "Qabil", "Mirələm", "Sadiq", "Eldəniz", "Mətləb",
    "Fəxrəddin", "Vaqif", "Ənvər", "Tofiq", "Nazim", "Arif", "İbrahim", "Cahangir", "Oqtay",
    "Ruslan", "Nihad", "Əziz", "Mahir", "Rövşən", "Sənan", "Telman", "Yusif", "Zahid",
)

FEMALE_NAMES: tuple[str, ...] = (
    "Aynur", "Günel", "Leyla", "Nərmin", "Səbinə", "Aysel", "Könül", "Ülviyyə", "Şəbnəm",
    "Sevinc", "Aytən", "Gülnar", "Nigar", "Fidan", "Lalə", "Zəhra", "Mələk", "Aygün", "Türkan",
    "Xədicə", "Səidə", "Nərgiz", "Şəfəq", "Ayan", "Gülşən", "Rəna", "Samirə", "Vüsalə", "Jalə",
    "Çiçək", "Ülkər", "Ləman", "Fatimə", "Həcər", "Zərifə", "Sürəyya", "Gülər", "Əsmər",
    "İlahə", "Səadət", "Dilarə", "Məryəm", "Gülnarə", "Təranə", "Sona", "Pərvanə", "Nailə",
    "Kəmalə", "Elmira", "Rəxşəndə", "Afaq", "Bəsti", "Yeganə", "Şölə", "Nübar", "Xatirə",
    "Məleykə", "Gülbəniz", "Ayşən", "Aidə", "Ofelya", "Solmaz", "Tamilla", "Zülfiyyə", "Öməl",
)

# Surname roots: the male surname is root + "ov" (after a consonant) or "yev" (after a vowel);
# the female surname adds "a".
SURNAME_ROOTS: tuple[str, ...] = (
    "Məmməd", "Əli", "Həsən", "Hüseyn", "Quli", "İsmayıl", "Abbas", "Cəfər", "Rəhim", "Baba",
    "Kərim", "Nəsib", "Qasım", "Vəli", "Musa", "Oruc", "Əhməd", "Süleyman", "Mustafa", "Şükür",
    "Zeynal", "Bağır", "Qurban", "Əsgər", "Hacı", "Sadıq", "Rüstəm", "Nəbi", "Tağı", "Cəbrayıl",
    "Səfər", "Paşa", "Ağa", "Salman", "İbrahim", "Məhərrəm", "Novruz", "Şirin", "Qəmbər",
    "Əziz", "Bayram", "Xəlil", "Cavad", "Mirzə", "Fərzəli", "Ələkbər", "Kazım", "Rza", "Nağı",
    "Hümbət", "Məhərrəmli", "İsgəndər", "Qafar", "Əmir", "Sultan", "Şahbaz", "Ağayar", "Yusif",
    "Qədir", "Ramazan", "Əhəd", "Göyüş", "Pənah", "Dadaş", "Qəhrəman", "Şıxəli", "Talıb",
)

VOWELS = frozenset("aeəıioöuüAEƏIİOÖUÜ")

# Baku's twelve districts: (name, code for household ids, relative population)
BAKU_DISTRICTS: tuple[tuple[str, str, int], ...] = (
    ("Binəqədi", "BIN", 270),
    ("Qaradağ", "QRD", 130),
    ("Xəzər", "XZR", 170),
    ("Səbail", "SBL", 100),
    ("Sabunçu", "SBC", 250),
    ("Suraxanı", "SRX", 220),
    ("Xətai", "XTI", 290),
    ("Yasamal", "YAS", 250),
    ("Nərimanov", "NRM", 170),
    ("Nəsimi", "NSM", 230),
    ("Nizami", "NZM", 200),
    ("Pirallahı", "PRL", 20),
)

# Cities and regions outside Baku: (name, code, relative population)
REGIONS: tuple[tuple[str, str, int], ...] = (
    ("Sumqayıt", "SUM", 350),
    ("Gəncə", "GNC", 340),
    ("Lənkəran", "LNK", 230),
    ("Şəki", "SKI", 190),
    ("Quba", "QBA", 170),
    ("Mingəçevir", "MNG", 110),
    ("Şirvan", "SRV", 90),
    ("Naxçıvan", "NAX", 100),
    ("Şamaxı", "SMX", 100),
    ("Qəbələ", "QBL", 110),
    ("Masallı", "MSL", 220),
    ("Bərdə", "BRD", 160),
    ("Xaçmaz", "XCM", 180),
    ("Zaqatala", "ZQT", 130),
)

STREETS: tuple[str, ...] = (
    "Nizami küç.", "Füzuli küç.", "Səməd Vurğun küç.", "Üzeyir Hacıbəyov küç.", "Azadlıq pr.",
    "Neftçilər pr.", "Həsən bəy Zərdabi küç.", "Cəfər Cabbarlı küç.", "Rəşid Behbudov küç.",
    "Bülbül pr.", "Mirzə Fətəli Axundov küç.", "Şərifzadə küç.", "Hüseyn Cavid pr.",
    "Atatürk pr.", "Tbilisi pr.", "Zərifə Əliyeva küç.", "Xətai pr.", "Qara Qarayev pr.",
    "Məhəmməd Hadi küç.", "Şövkət Ələkbərova küç.", "Əhməd Cəmil küç.", "Bakıxanov küç.",
    "Mikayıl Müşfiq küç.", "Cavadxan küç.", "Xaqani küç.", "Səttar Bəhlulzadə küç.",
    "Nəriman Nərimanov küç.", "İstiqlaliyyət küç.", "Süleyman Rəhimov küç.", "Əliağa Vahid küç.",
    "Ağa Nemətulla küç.", "Yusif Səfərov küç.", "Mehdi Hüseyn küç.", "Şəmsi Bədəlbəyli küç.",
    "Abdulla Şaiq küç.", "İnşaatçılar pr.", "Heydər Əliyev pr.", "Bəşir Səfəroğlu küç.",
    "Qurban Abbasov küç.", "Ziya Bünyadov pr.", "Fətəli xan Xoyski küç.",
    "Cəlil Məmmədquluzadə küç.", "Təbriz küç.", "Ataşgah küç.", "Çingiz Mustafayev küç.",
    "Gənclik küç.", "Şəhriyar küç.", "Xurşidbanu Natəvan küç.", "Əcəmi Naxçıvani küç.",
    "Məmməd Əmin Rəsulzadə küç.",
)

UNIVERSITIES: tuple[str, ...] = (
    "Bakı Dövlət Universiteti",
    "Azərbaycan Dövlət İqtisad Universiteti",
    "Azərbaycan Texniki Universiteti",
    "Azərbaycan Dövlət Pedaqoji Universiteti",
    "Azərbaycan Tibb Universiteti",
    "ADA Universiteti",
    "Azərbaycan Dövlət Neft və Sənaye Universiteti",
    "Gəncə Dövlət Universiteti",
    "Lənkəran Dövlət Universiteti",
    "Sumqayıt Dövlət Universiteti",
    "Bakı Mühəndislik Universiteti",
    "Azərbaycan Dillər Universiteti",
    "Bakı Slavyan Universiteti",
    "Azərbaycan Memarlıq və İnşaat Universiteti",
)

# Spouses of other citizenship: country -> (female names, surnames)
FOREIGN_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "RU": (("Olqa", "Natalya", "Yelena", "İrina", "Svetlana"), ("İvanova", "Petrova", "Smirnova")),
    "GE": (("Nino", "Tamar", "Ketevan", "Mariam"), ("Beridze", "Kapanadze", "Gelaşvili")),
    "TR": (("Ayşe", "Elif", "Zeynep", "Büşra"), ("Yılmaz", "Kaya", "Demir", "Çelik")),
    "UA": (("Oksana", "Olena", "Tetyana"), ("Şevçenko", "Kovalenko", "Bondarenko")),
    "IR": (("Məryəm", "Zəhra", "Fatimə"), ("Hüseyni", "Əhmədi", "Təbrizi")),
    "KZ": (("Aigerim", "Dana", "Əsel"), ("Nurlanova", "Seytkaliyeva", "Abenova")),
}

# Countries of trips and of residence abroad
TRIP_COUNTRIES: tuple[str, ...] = ("TR", "GE", "RU", "AE", "IR", "UA", "KZ", "DE", "IT", "EG")
ABROAD_COUNTRIES: tuple[str, ...] = ("RU", "TR", "DE", "UA", "GE", "KZ", "AE", "GB", "US", "PL")

# Villages for garden and land plots
VILLAGES: tuple[str, ...] = (
    "Mərdəkan", "Şüvəlan", "Buzovna", "Nardaran", "Novxanı", "Pirşağı", "Zirə", "Qala",
    "Türkan", "Bilgəh", "Hövsan", "Şağan",
)
