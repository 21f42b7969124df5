"""Seeded, realistic benchmark data for the tasks extension.

Names: German (with Müller / Mueller / Muller and Schröder / Schroeder
variants), Spanish (two surnames), Polish (gendered -ski/-ska), Russian in
Cyrillic, Greek, Chinese (Han characters, some in pinyin), written in the ways
people type them: "Given Surname", "Surname, Given", all caps, with middle
names; exact duplicates (the same person entered twice) are injected.
Workspaces have very different sizes (a lognormal tail plus the fixed 1k, 100k
and 1M ones) and different language mixes.

Everything depends on one seed only: ids are UUIDv7-shaped with a synthetic
clock, so two runs with the same seed load byte-identical data.

Run alone to look at a sample:  python3 bench/datagen.py --sample 40
"""
import random
import unicodedata

# ---------------------------------------------------------------------------
# name pools
# ---------------------------------------------------------------------------
DE_GIVEN_M = "Hans Jürgen Jörg Björn Günther Uwe Klaus Stefan Matthias Andreas Thomas Michael Sebastian Lukas Maximilian Felix Sören Ulrich Götz Dieter Wolfgang Horst Bernd Rüdiger Tobias Florian".split()
DE_GIVEN_F = "Anna Lena Sophie Marie Käthe Ursula Sabine Claudia Birgit Jana Julia Hannah Lea Mia Grete Frauke Dörte Mareike Jutta Heike Bärbel Renate Gisela Anke Silke".split()
DE_SURNAMES = (
    "Müller Müller Müller Müller Mueller Mueller Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz "
    "Hoffmann Schäfer Schaefer Koch Bauer Richter Klein Wolf Schröder Schröder Schroeder Neumann Schwarz "
    "Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze "
    "Maier Köhler Koehler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Moeller Weiß "
    "Weiss Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
    "Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Schumacher Krämer Vogt Stein Jäger Jaeger Otto "
    "Sommer Groß Gross Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel "
    "Horn Busch Bergmann Voigt Sauer Arnold Wolff Pfeiffer Thalmann Strauß Brückner Götze Nußbaum").split()
ES_GIVEN_M = "José Andrés Ramón Javier Álvaro Raúl Jesús Ángel Óscar Martín Pablo Diego Sergio Adrián Alejandro Manuel Francisco Antonio Juan Iñigo Joaquín Rubén Germán Hernán Tomás".split()
ES_GIVEN_F = "María Lucía Inés Sofía Carmen Pilar Dolores Núria Begoña Elena Marta Laura Paula Ainhoa Rocío Mónica Verónica Belén Ángela Natalia Irene Noelia Concepción Encarnación Raquel".split()
ES_SURNAMES = (
    "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz "
    "Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano "
    "Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido "
    "Cortés Castillo Santos Lozano Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera "
    "Peña Flores Cabrera Campos Vega Fuentes Carrasco Díez Caballero Reyes Nieto Aguilar Pascual Santana "
    "Herrero Lorenzo Montero Hidalgo Giménez Ibáñez Ferrer Durán Santiago Benítez Mora Vicente Vargas Arias "
    "Carmona Crespo Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas Acuña Echeverría").split()
PL_GIVEN_M = "Łukasz Paweł Krzysztof Wojciech Grzegorz Piotr Tomasz Michał Jakub Józef Stanisław Zbigniew Jarosław Mirosław Kamil Maciej Bartłomiej Przemysław Radosław Bogdan".split()
PL_GIVEN_F = "Małgorzata Agnieszka Zofia Katarzyna Anna Joanna Magdalena Ewa Dorota Jadwiga Bożena Żaneta Urszula Grażyna Halina Elżbieta Krystyna Teresa Wiesława Beata".split()
PL_SURNAMES = (
    "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski "
    "Kozłowski Jankowski Mazur Wojciechowski Kwiatkowski Krawczyk Kaczmarek Piotrowski Grabowski Zając "
    "Pawłowski Michalski Król Wieczorek Jabłoński Wróbel Nowakowski Majewski Olszewski Stępień Malinowski "
    "Jaworski Adamczyk Dudek Nowicki Pawlak Górski Witkowski Walczak Sikora Baran Rutkowski Michalak Szewczyk "
    "Ostrowski Tomaszewski Pietrzak Zalewski Wróblewski Marciniak Jasiński Zawadzki Bąk Jakubowski Sadowski Duda "
    "Włodarczyk Wilk Chmielewski Borkowski Sokołowski Szczepański Sawicki Lis Kucharski Mazurek Kubiak "
    "Kalinowski Wysocki Żak Ciesielski Czarnecki Przybylski Głowacki Łuczak").split()
RU_GIVEN_M = "Александр Дмитрий Сергей Андрей Алексей Михаил Иван Николай Владимир Евгений Павел Юрий Пётр Фёдор Артём Максим Константин Григорий".split()
RU_GIVEN_F = "Анна Ольга Наталья Юлия Елена Татьяна Мария Екатерина Ирина Светлана Ксения Алёна Дарья Людмила Вера Надежда Софья Полина".split()
RU_SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев "
    "Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев "
    "Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв "
    "Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков "
    "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов "
    "Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев "
    "Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов").split()
GR_GIVEN_M = "Γιώργος Δημήτρης Νίκος Γιάννης Κώστας Παναγιώτης Βασίλης Χρήστος Αθανάσιος Ευάγγελος Θεόδωρος Σπύρος Μιχάλης Στέλιος Ηλίας".split()
GR_GIVEN_F = "Μαρία Ελένη Κατερίνα Σοφία Αικατερίνη Βασιλική Γεωργία Δέσποινα Ιωάννα Άννα Αναστασία Χριστίνα Ευτυχία Δήμητρα Ζωή".split()
GR_SURNAMES = (
    "Παπαδόπουλος Βλάχος Αγγελόπουλος Νικολάου Γεωργίου Δημητρίου Κωνσταντίνου Ιωάννου Οικονόμου "
    "Παπαγεωργίου Μακρής Παππάς Καραγιάννης Αθανασίου Χριστοδούλου Πετρόπουλος Μιχαηλίδης Αντωνίου "
    "Ζαχαρίου Σταματόπουλος Λαμπράκης Κυριακίδης Τσακίρης Ραφαηλίδης Πολυχρόνης Αλεξίου Σπυρόπουλος "
    "Κωστόπουλος Ευαγγέλου Μαυρίδης").split()
# Han surname / given characters with their pinyin (no tone marks, as typed).
ZH_SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
               ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
               ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"),
               ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
               ("唐", "Tang"), ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao")]
ZH_GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"),
            ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"),
            ("杰", "Jie"), ("娟", "Juan"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀", "Xiu"),
            ("霞", "Xia"), ("平", "Ping"), ("刚", "Gang"), ("华", "Hua"), ("玉", "Yu"), ("萍", "Ping"),
            ("红", "Hong"), ("玲", "Ling"), ("鹏", "Peng"), ("辉", "Hui"), ("建", "Jian"), ("文", "Wen"),
            ("飞", "Fei"), ("宇", "Yu"), ("浩", "Hao"), ("欣", "Xin"), ("婷", "Ting"), ("雪", "Xue"),
            ("琳", "Lin"), ("晨", "Chen"), ("阳", "Yang"), ("思", "Si"), ("佳", "Jia"), ("怡", "Yi"),
            ("子", "Zi"), ("涵", "Han"), ("梓", "Zi"), ("轩", "Xuan"), ("博", "Bo")]
# Names that never occur in the data (for "absent" queries).
ABSENT = ["Sigrún Þórsdóttir", "Oluwaseun Adebayo", "Haruto Takahashi", "Aoife Ní Bhriain", "Tiago Gonçalves",
          "Mikael Lindqvist", "Chidi Okonkwo", "Yusuf Demirtaş", "Priyanka Raghunathan", "Kwame Mensah",
          "Ingrid Bjørnstad", "Ngozi Eze", "Kalani Kealoha", "Astrid Fjeldstad", "Bolat Nurlanuly",
          "Tupac Quispe", "Dilnoza Rashidova", "Aarav Venkataraman", "Siosaia Tupou", "Eero Häkkinen",
          "Mathilde Duchâteau", "Xochitl Tlacaelel", "Ruairí Ó Súilleabháin", "Zaid Al-Khatib"]

# Long tails: compound surnames, so that common names repeat and rare ones do not.
DE_ROOTS = ("Berg Wald Stein Bach Feld Brun Hof Lind Eich Rosen Schön Gold Silber Kirch Mühl Wein Roth Grün Stahl Eisen "
            "Holz Sonnen Blumen Kling Hart Stolz Wies Ober Unter Neu Alt Stadt Dorf Hoch Tief Kalt Falken Adler Wolfs "
            "Fried Kron Bären Hasel Brenn Zimmer Schwarz Weiß Löwen Tann").split()
DE_SUFFIXES = "mann er berger hofer huber meier bauer müller ner inger stätter hausen feld baum thaler brunner wald heim reiter schläger".split()
PL_ROOTS = ("Kowal Nowak Wiśni Zieli Lewan Kamie Dąbro Kozło Jabło Krzy Wróbl Głowa Sosno Brzezi Dębi Grab Lipi Olsz "
            "Jasie Czarno Biało Zawadz Sadow Mroz Rud Pias Kraw Stęp Żuraw Szyma Gaw Kras Lach Mał Pruszk Rak Sienk "
            "Tar Wol Zdun").split()
PL_SUFFIXES = "ski wski cki czyk ak ek icz iewicz owski iński".split()
RU_ROOTS = ("Бел Чёрн Сер Мороз Кузьм Лебед Соболь Журавл Голуб Ворон Медвед Волк Зайц Орл Сокол Берёз Дуб Лип Рыбак "
            "Кузнец Плотник Гончар Мельник Пахом Ерём Сав Прох Тих Зим Весн Аксён Бобр Грибоед Дорофе Жар Калач Карась "
            "Лапт Мух Ныр Пирог Рогоз Самар Толст Усп Хомяк Шил Щеглов Ябл").split()
RU_SUFFIXES = "ов ев ин ский ов".split()
GR_ROOTS = ("Παπαδ Αγγελ Νικολ Γεωργ Δημητρ Κωνσταντιν Σταυρ Χριστ Μαυρ Καλ Λαζαρ Αλεξ Μανωλ Σπυρ Θεοδωρ Βασιλ "
            "Μιχαλ Ζαχαρ Πετρ Αντων Ηλι Φωτ Παντελ Στεφαν Τσαν Κοντ Μπακ Ραπτ Γιαννακ Λουκ").split()
GR_SUFFIXES = "άκης ίδης όπουλος άτος έας ίου".split()
RU_PATRONYMIC_ROOTS = "Александр Дмитри Серге Андре Алексе Михайл Иван Никола Владимир Евгени Павл Петр Фёдор Максим Григори".split()


def long_tail_surname(rng, lang):
    if lang == "de":
        return rng.choice(DE_ROOTS) + rng.choice(DE_SUFFIXES)
    if lang == "pl":
        return rng.choice(PL_ROOTS) + rng.choice(PL_SUFFIXES)
    if lang == "ru":
        return rng.choice(RU_ROOTS) + rng.choice(RU_SUFFIXES)
    return rng.choice(GR_ROOTS) + rng.choice(GR_SUFFIXES)


RU_LAT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                   "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
GR_LAT = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                  ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s", "s",
                   "t", "y", "f", "ch", "ps", "o"]))
LANGS = ["de", "es", "pl", "ru", "gr", "zh"]


def strip_accents(s):
    s = s.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def transliterate(s, lang):
    """How someone without the script types the name (Иванов -> Ivanov, Müller -> Mueller)."""
    if lang == "de":
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
            s = s.replace(a, b)
        return s
    table = RU_LAT if lang == "ru" else GR_LAT if lang == "gr" else None
    if table is None:
        return strip_accents(s)
    out = []
    for ch in strip_accents(s):
        lo = ch.lower()
        if lo in table:
            t = table[lo]
            out.append(t.capitalize() if ch != lo else t)
        else:
            out.append(ch)
    return "".join(out)


class Person:
    __slots__ = ("lang", "given", "surname", "display", "latin")

    def __init__(self, lang, given, surname, display, latin=None):
        self.lang, self.given, self.surname, self.display, self.latin = lang, given, surname, display, latin


def make_person(rng, lang):
    female = rng.random() < 0.5
    if lang == "de":
        g = rng.choice(DE_GIVEN_F if female else DE_GIVEN_M)
        if rng.random() < 0.12:
            g += " " + rng.choice(DE_GIVEN_F if female else DE_GIVEN_M)
        s = rng.choice(DE_SURNAMES) if rng.random() < 0.65 else long_tail_surname(rng, "de")
        if rng.random() < 0.04:
            s += "-" + rng.choice(DE_SURNAMES)
    elif lang == "es":
        g = rng.choice(ES_GIVEN_F if female else ES_GIVEN_M)
        s = rng.choice(ES_SURNAMES)
        if rng.random() < 0.6:
            s += " " + rng.choice(ES_SURNAMES)
    elif lang == "pl":
        g = rng.choice(PL_GIVEN_F if female else PL_GIVEN_M)
        s = rng.choice(PL_SURNAMES) if rng.random() < 0.65 else long_tail_surname(rng, "pl")
        if female:
            for m, f in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
                if s.endswith(m):
                    s = s[: -len(m)] + f
                    break
    elif lang == "ru":
        g = rng.choice(RU_GIVEN_F if female else RU_GIVEN_M)
        s = rng.choice(RU_SURNAMES) if rng.random() < 0.65 else long_tail_surname(rng, "ru")
        if female and s[-2:] in ("ов", "ев", "ёв", "ин"):
            s += "а"
        elif female and s.endswith("ский"):
            s = s[:-2] + "ая"
        if rng.random() < 0.3:   # with a patronymic: Иван Петрович Сидоров
            root = rng.choice(RU_PATRONYMIC_ROOTS)
            soft = root.endswith(("и", "е"))
            pat = root + (("евна" if soft else "овна") if female else ("евич" if soft else "ович"))
            g = f"{g} {pat}"
    elif lang == "gr":
        g = rng.choice(GR_GIVEN_F if female else GR_GIVEN_M)
        s = rng.choice(GR_SURNAMES) if rng.random() < 0.6 else long_tail_surname(rng, "gr")
        if female and s.endswith("ης"):
            s = s[:-1]
    else:  # zh
        sur, sur_py = rng.choice(ZH_SURNAMES)
        n = 1 if rng.random() < 0.35 else 2
        chars = [rng.choice(ZH_GIVEN) for _ in range(n)]
        given = "".join(c for c, _ in chars)
        given_py = "".join(p for _, p in chars).capitalize()
        if rng.random() < 0.25:  # entered in pinyin, given name first
            return Person(lang, given_py, sur_py, f"{given_py} {sur_py}", f"{given_py} {sur_py}")
        return Person(lang, given, sur, sur + given, f"{sur_py} {given_py}")
    r = rng.random()
    if r < 0.08:
        display = f"{s}, {g}"
    elif r < 0.11:
        display = f"{s.upper()}, {g}"
    elif lang == "ru" and r < 0.35:
        display = f"{s} {g}"
    else:
        display = f"{g} {s}"
    return Person(lang, g, s, display)


COMPANY_FORMS = {"de": ["{s} GmbH", "{s} & Söhne KG", "Bäckerei {s}", "{s} Logistik AG"],
                 "es": ["{s} y Asociados SL", "Construcciones {s} SA", "Farmacia {s}"],
                 "pl": ["{s} Sp. z o.o.", "Przedsiębiorstwo {s}", "Hurtownia {s}"],
                 "ru": ["ООО «{s}»", "ИП {s}", "{s} и партнёры"],
                 "gr": ["{s} Α.Ε.", "Φαρμακείο {s}", "{s} & Σία"],
                 "zh": ["{s}氏贸易有限公司", "{s}记餐厅", "{s}家科技"]}


def company_name(rng, lang):
    p = make_person(rng, lang)
    return rng.choice(COMPANY_FORMS[lang]).format(s=p.surname)


def language_mix(rng):
    """Each workspace has its own mix: mostly one or two languages."""
    w = [rng.random() ** 3 for _ in LANGS]
    w[rng.randrange(len(LANGS))] += 2.0
    t = sum(w)
    return [x / t for x in w]


def pick_lang(rng, mix):
    r, acc = rng.random(), 0.0
    for lang, p in zip(LANGS, mix):
        acc += p
        if r < acc:
            return lang
    return LANGS[-1]


# ---------------------------------------------------------------------------
# ids: UUIDv7 layout (48-bit ms, version 7, variant 10), synthetic clock
# ---------------------------------------------------------------------------
class Ids:
    def __init__(self, rng, base_ms=1735689600000):  # 2025-01-01
        self.rng, self.ms, self.n = rng, base_ms, 0

    def next(self):
        self.n += 1
        if self.n % 64 == 0:
            self.ms += 1
        r = self.rng.getrandbits(74)
        v = (self.ms << 80) | (0x7 << 76) | ((r >> 62) << 64) | (0b10 << 62) | (r & ((1 << 62) - 1))
        h = f"{v:032x}"
        return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


# ---------------------------------------------------------------------------
# workspaces and records
# ---------------------------------------------------------------------------
def workspace_sizes(rng, total_other):
    """Many workspaces with lognormal sizes (median ~60, tail to 40k) summing to ~total_other."""
    sizes, acc = [], 0
    while acc < total_other:
        n = int(min(40000, max(3, rng.lognormvariate(4.1, 1.7))))
        n = min(n, total_other - acc) if total_other - acc > 3 else n
        sizes.append(n)
        acc += n
    return sizes


def contacts(rng, n, mix):
    """n contact names for one workspace; ~3% are exact duplicates of an earlier one."""
    out = []
    for i in range(n):
        if out and rng.random() < 0.03:
            out.append(rng.choice(out))
        else:
            out.append(make_person(rng, pick_lang(rng, mix)))
    return out


def edit_typo(rng, s):
    """One keyboard slip in the longest word: substitute, drop, double or swap a letter."""
    words = s.split(" ")
    wi = max(range(len(words)), key=lambda i: len(words[i]))
    w = words[wi]
    if len(w) < 4:
        return s + "s"
    i = rng.randrange(1, len(w) - 1)
    op = rng.randrange(4)
    if op == 0:
        alphabet = "aeiourstnlm" if w.isascii() else w
        w = w[:i] + rng.choice(alphabet) + w[i + 1:]
    elif op == 1:
        w = w[:i] + w[i + 1:]
    elif op == 2:
        w = w[:i] + w[i] + w[i:]
    else:
        w = w[:i - 1] + w[i] + w[i - 1] + w[i + 1:]
    words[wi] = w
    return " ".join(words)


QUERY_KINDS = ["exact", "typo", "accent_stripped", "transliterated", "surname_only", "two_letter", "absent"]


def queries(rng, people, per_kind):
    """per_kind queries of each kind, taken from this workspace's contacts."""
    out = {k: [] for k in QUERY_KINDS}
    present = {p.display for p in people}
    tries = 0
    while any(len(v) < per_kind for v in out.values()) and tries < 200000:
        tries += 1
        p = rng.choice(people)
        if len(out["exact"]) < per_kind:
            out["exact"].append(p.display)
        if len(out["typo"]) < per_kind and len(p.display) >= 8:
            out["typo"].append(edit_typo(rng, p.display))
        if len(out["accent_stripped"]) < per_kind and p.lang in ("de", "es", "pl"):
            s = strip_accents(p.display)
            if s != p.display:
                out["accent_stripped"].append(s.lower() if rng.random() < 0.5 else s)
        if len(out["transliterated"]) < per_kind:
            if p.lang in ("ru", "gr"):
                out["transliterated"].append(transliterate(f"{p.given} {p.surname}", p.lang))
            elif p.lang == "de" and any(c in p.display for c in "äöüÄÖÜß"):
                out["transliterated"].append(transliterate(p.display, "de"))
        if len(out["surname_only"]) < per_kind and p.lang != "zh":
            out["surname_only"].append(p.surname.split(" ")[0])
        if len(out["two_letter"]) < per_kind:
            g = p.latin.split(" ")[0] if p.latin else p.given
            out["two_letter"].append(g[:2])
    for _ in range(per_kind * 4):
        if len(out["absent"]) >= per_kind:
            break
        a = rng.choice(ABSENT)
        if rng.random() < 0.5:
            a = a.split(" ")[0] + " " + rng.choice(ABSENT).split(" ")[-1]
        if a not in present and a not in out["absent"]:
            out["absent"].append(a)
    # A workspace without some script (e.g. no Cyrillic) falls back to typos.
    for k in QUERY_KINDS:
        while len(out[k]) < per_kind:
            out[k].append(edit_typo(rng, rng.choice(people).display))
    return out


def _main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20260310)
    ap.add_argument("--sample", type=int, default=30)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    mix = language_mix(rng)
    people = contacts(rng, a.sample, [1 / 6] * 6)
    for p in people:
        print(p.lang, p.display)
    q = queries(rng, people, 3)
    for k, v in q.items():
        print(k, v)
    print([company_name(rng, l) for l in LANGS])


if __name__ == "__main__":
    _main()
