"""Synthetic Indonesian child records with known duplicates, for tests and benchmarks.

Names are assembled at random from common name parts: they describe no real child. Children
come in families (siblings, twins) and clans (cousins share a Batak marga, an origin, a
kelurahan), popular names repeat, and each child may be recorded several times with the
variations seen in the field: old spelling, Muhammad written six ways, typos, swapped or dropped
names, a nickname only, an estimated age, a move to another kelurahan, no NIK.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from .records import Record

AS_OF = date(2026, 1, 1)

_MALE = {
    "jawa": "Budi Agus Joko Eko Dwi Tri Bambang Hadi Slamet Wahyu Adi Yoga Dimas Bayu Arif Teguh "
    "Gilang Galih Satria Wisnu Bagas Aditya Rangga Panji Danang Yudha",
    "muslim": "Rizky Fajar Ilham Faisal Hasan Husein Yusuf Ikhsan Rahmat Hidayat Syaiful Zainal "
    "Akbar Fauzan Hafiz Rafi Alif Farhan Haikal Zidan Khairul Fikri Ridwan Rasyid Ahmad",
    "sunda": "Asep Ujang Dede Cecep Deden Endang Yayan Iwan Jajang Ade Dadang Ajat",
    "batak": "Togar Poltak Rudi Hotman Parlindungan Jonathan Samuel Daniel Yosua Immanuel Ucok",
    "bugis": "Fadli Arifin Ridwan Syamsul Baso Hasanuddin Amir Rusdi Haris Muliadi Irwan",
    "bali": "Agung Bagus Dharma Sudarsana Arta Suastika Wirawan Putra Adi Yasa Mahendra",
}
_FEMALE = {
    "jawa": "Sri Dewi Ayu Rina Wulan Putri Indah Fitri Lestari Rahayu Wahyuni Sari Kartika "
    "Anggraini Puspita Nurhaliza Ratna Wening Endah Tutik Yuliani Novita",
    "muslim": "Aisyah Fatimah Khadijah Zahra Nabila Salsabila Aulia Rahma Annisa Azizah Hafizah "
    "Zahira Syifa Nayla Khairunnisa Rizka Husna Hasna Jannah Mutiara",
    "sunda": "Euis Neng Ai Imas Yeni Nurjanah Rosita Komalasari Sumiati Cucu Enung Yati",
    "batak": "Butet Rosma Lamria Dame Tiur Sondang Maria Ruth Debora Ester Friska",
    "bugis": "Tenri Besse Hasnah Nurul Megawati Sitti Hartina Asriani Jumriani",
    "bali": "Ayu Sri Lestari Dewi Astiti Pradnyani Suryani Ariani Wulandari Purnami",
}
_SECOND_MALE = [
    "Santoso",
    "Prasetyo",
    "Wibowo",
    "Saputra",
    "Setiawan",
    "Nugroho",
    "Kurniawan",
    "Hidayat",
    "Susanto",
    "Wijaya",
    "Pratama",
    "Ramadhan",
    "Firmansyah",
    "Maulana",
    "Syahputra",
    "Kusuma",
    "Permana",
    "Hakim",
    "Fauzi",
    "Gunawan",
]
_SECOND_FEMALE = [
    "Lestari",
    "Rahayu",
    "Wahyuni",
    "Safitri",
    "Anggraini",
    "Puspitasari",
    "Maharani",
    "Oktaviani",
    "Ramadhani",
    "Putri",
    "Aprilia",
    "Kurniasih",
    "Handayani",
    "Utami",
    "Pertiwi",
    "Yuliana",
    "Sulistyowati",
    "Rahmawati",
]
_MARGA = [
    "Siregar",
    "Nasution",
    "Harahap",
    "Lubis",
    "Hutapea",
    "Panjaitan",
    "Sinaga",
    "Situmorang",
    "Simanjuntak",
    "Sitompul",
    "Simatupang",
    "Sihombing",
    "Pardede",
    "Pasaribu",
    "Manurung",
    "Napitupulu",
    "Tambunan",
    "Ginting",
    "Tarigan",
    "Sembiring",
]
_BALI_ORDER = [["Wayan", "Putu", "Gede"], ["Made", "Kadek"], ["Nyoman", "Komang"], ["Ketut"]]
_STREET_NICK = [
    "Ucok",
    "Acong",
    "Bule",
    "Item",
    "Kribo",
    "Gendut",
    "Cimol",
    "Botak",
    "Kancil",
    "Bejo",
    "Ipin",
    "Upin",
    "Ateng",
    "Kecil",
    "Udin",
    "Cuplis",
    "Jabrik",
    "Pesek",
    "Unyil",
    "Ableh",
]
_KELURAHAN = [
    "Gunung Samarinda",
    "Karang Rejo",
    "Sepinggan",
    "Klandasan Ilir",
    "Klandasan Ulu",
    "Prapatan",
    "Damai",
    "Gunung Bahagia",
    "Muara Rapak",
    "Batu Ampar",
    "Graha Indah",
    "Karang Joang",
    "Baru Ilir",
    "Baru Tengah",
    "Margasari",
    "Kariangau",
    "Manggar",
    "Lamaru",
    "Teritip",
    "Sumber Rejo",
    "Gunung Sari Ilir",
    "Telaga Sari",
    "Marga Mulya",
    "Mekar Sari",
    "Karang Jati",
    "Sungai Nangka",
    "Gunung Sari Ulu",
    "Manggar Baru",
]
_ORIGIN = {
    "jawa": "Surabaya Malang Semarang Solo Yogyakarta Kediri Blitar Jember Banyuwangi",
    "muslim": "Balikpapan Samarinda Banjarmasin Tarakan Bontang Kutai Kartanegara Penajam",
    "sunda": "Bandung Garut Tasikmalaya Cianjur Sukabumi Ciamis Bogor",
    "batak": "Medan Tarutung Balige Siantar Sibolga Padangsidimpuan",
    "bugis": "Makassar Bone Parepare Sidrap Wajo Soppeng Palopo",
    "bali": "Denpasar Gianyar Tabanan Buleleng Karangasem Bangli",
}
_STREETS = [
    "Melati",
    "Mawar",
    "Kenanga",
    "Anggrek",
    "Cempaka",
    "Flamboyan",
    "Pramuka",
    "Sudirman",
    "Ahmad",
    "Yani",
    "Soekarno",
    "Hatta",
]
_ETHNIC = ("jawa", "muslim", "sunda", "batak", "bugis", "bali")
_ETHNIC_WEIGHTS = (0.25, 0.3, 0.12, 0.12, 0.12, 0.09)
_MUHAMMAD = ("Muhammad", "M.", "Moh.", "Mohammad", "Muhamad", "Mochamad", "Muh.", "Mohamad")
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@dataclass
class SyntheticSet:
    records: list[Record]
    cluster: list[int]  # ground-truth child id per record
    as_of: date = AS_OF
    # For error analysis only (never read by the engine): the family (household) of each
    # record's child, whether the child is a twin, and how the record was varied.
    family: list[int] = field(default_factory=list)
    twin: list[bool] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)

    def true_pairs(self) -> set[tuple[int, int]]:
        """Index pairs (i < j) of records of the same child."""
        by: dict[int, list[int]] = {}
        for i, c in enumerate(self.cluster):
            by.setdefault(c, []).append(i)
        out = set()
        for members in by.values():
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    out.add((members[a], members[b]))
        return out


_SYL_START = [
    "Su",
    "Har",
    "Wi",
    "Pur",
    "Bam",
    "Sug",
    "Tri",
    "Dwi",
    "Ra",
    "Ad",
    "Nu",
    "Yu",
    "Ku",
    "Se",
    "Pra",
    "War",
    "Jo",
    "Ha",
    "Sap",
    "Ru",
    "Mar",
    "Sar",
    "Da",
    "Ge",
]
_SYL_MID = ["", "", "ri", "ma", "da", "si", "ti", "na", "la"]
_SYL_END = {
    "M": [
        "yanto",
        "yono",
        "tono",
        "mono",
        "man",
        "wan",
        "adi",
        "jaya",
        "santo",
        "ranto",
        "yadi",
        "diman",
    ],
    "F": ["wati", "yati", "ningsih", "ningrum", "sari", "yani", "tini", "nah", "mini", "rahmi"],
}


def _syllabic(rng: random.Random, sex: str) -> str:
    """A Javanese-style name built from syllables (Suyanto, Purwaningsih): many distinct names."""
    return (rng.choice(_SYL_START) + rng.choice(_SYL_MID) + rng.choice(_SYL_END[sex])).capitalize()


def _zipf(rng: random.Random, items: list[str], s: float = 1.1) -> str:
    weights = [1.0 / (k + 1) ** s for k in range(len(items))]
    return rng.choices(items, weights)[0]


def _old_spelling(token: str) -> str:
    """Write a token the way it was spelt before 1972 (Soeharto, Djakarta, Tjahjono)."""
    low = token.lower()
    out = low.replace("j", "dj").replace("sy", "sj").replace("y", "j").replace("c", "tj")
    out = out.replace("u", "oe").replace("kh", "ch")
    return out.capitalize() if out != low else token


def _typo(rng: random.Random, token: str) -> str:
    if len(token) < 4:
        return token
    i = rng.randrange(1, len(token) - 1)
    op = rng.random()
    if op < 0.3:
        return token[:i] + rng.choice(_KEYBOARD) + token[i + 1 :]
    if op < 0.55:
        return token[:i] + token[i + 1 :]
    if op < 0.8:
        return token[:i] + rng.choice("aiueo") + token[i:]
    return token[:i] + token[i + 1] + token[i] + token[i + 2 :]


def _nickname(rng: random.Random, given: list[str]) -> str:
    base = rng.choice(given).lower()
    r = rng.random()
    if r < 0.3 and len(base) >= 4:
        return (base[-2:] * 2).capitalize()  # Rizki -> Kiki
    if r < 0.55 and len(base) >= 5:
        return base[:4].capitalize()  # Budiman -> Budi
    if r < 0.7 and len(base) >= 6:
        return base[-4:].capitalize()  # Nurhaliza -> Liza
    return rng.choice(_STREET_NICK)


@dataclass
class _Child:
    cluster: int
    ethnic: str
    sex: str
    given: list[str]
    prefix: list[str]  # I/Ni + birth order, Andi, Muhammad/Siti
    marga: str
    dob: date
    nik: str
    pob: str
    origin: str
    father: str
    mother: str
    address: str
    kelurahan: str
    nickname: str
    bin: bool
    family: int = 0
    twin: bool = False


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cluster = 0
        self.serial = 0
        self.families = 0
        self.tags: list[str] = []  # variations applied by the last vary(); draws no randomness

    def person(self, ethnic: str, sex: str, marga: str = "") -> tuple[list[str], list[str]]:
        rng = self.rng
        pool = (_MALE if sex == "M" else _FEMALE)[ethnic].split()
        given = [_zipf(rng, pool)]
        if ethnic in ("jawa", "sunda", "bali") and rng.random() < 0.4:
            given = [_syllabic(rng, sex)]
        if rng.random() < 0.55:
            second = _SECOND_MALE if sex == "M" else _SECOND_FEMALE
            if rng.random() < 0.5:
                given.append(_syllabic(rng, sex))
            elif ethnic in ("jawa", "muslim", "sunda", "bugis"):
                given.append(_zipf(rng, second))
            else:
                given.append(_zipf(rng, pool))
        prefix: list[str] = []
        if ethnic == "muslim" and rng.random() < 0.5:
            prefix.append("Muhammad" if sex == "M" else rng.choice(["Siti", "Nur"]))
        if ethnic == "bugis" and rng.random() < 0.35:
            prefix.append(rng.choice(["Andi", "Andi", "Daeng"]))
        if given[0] == given[-1] and len(given) > 1:
            given.pop()
        return prefix, given

    def parent_name(self, ethnic: str, sex: str, marga: str) -> str:
        prefix, given = self.person(ethnic, sex)
        if ethnic == "bali":
            prefix = ["I" if sex == "M" else "Ni", self.rng.choice(self.rng.choice(_BALI_ORDER))]
        parts = prefix + given + ([marga] if marga and sex == "M" else [])
        return " ".join(parts)

    def nik(self, dob: date, sex: str, region: str) -> str:
        self.serial += 1
        day = dob.day + (40 if sex == "F" else 0)
        return f"{region}{day:02d}{dob.month:02d}{dob.year % 100:02d}{self.serial % 10000:04d}"

    def family(self) -> list[_Child]:
        rng = self.rng
        ethnic = rng.choices(_ETHNIC, _ETHNIC_WEIGHTS)[0]
        marga = _zipf(rng, _MARGA) if ethnic == "batak" else ""
        father = self.parent_name(ethnic, "M", marga)
        mother = self.parent_name(ethnic, "F", "")
        origin = rng.choice(_ORIGIN[ethnic].split())
        kel = _zipf(rng, _KELURAHAN, 0.6)
        address = (
            f"Jl. {rng.choice(_STREETS)} No. {rng.randint(1, 120)} RT {rng.randint(1, 40):02d}"
        )
        region = f"64{rng.randint(1, 11):02d}{rng.randint(1, 9):02d}"
        n_children = rng.choices([1, 2, 3, 4], [0.45, 0.3, 0.17, 0.08])[0]
        dob = AS_OF - timedelta(days=rng.randint(365, 17 * 365))
        children: list[_Child] = []
        twins = rng.random() < 0.08
        self.families += 1
        for k in range(n_children + (1 if twins else 0)):
            if k > 0 and not (twins and k == 1):
                dob = dob - timedelta(days=rng.randint(300, 1400))
            sex = rng.choice("MF")
            prefix, given = self.person(ethnic, sex)
            if twins and k == 1 and rng.random() < 0.5:
                # twins with near names: Hasan/Husein, Rizky/Rizka
                given = list(children[0].given)
                given[0] = {"Hasan": "Husein", "Rizky": "Rizka", "Putra": "Putri"}.get(
                    given[0], _typo(rng, given[0]) + "a"
                )
            if ethnic == "bali":
                prefix = ["I" if sex == "M" else "Ni", rng.choice(_BALI_ORDER[min(k, 3)])]
            self.cluster += 1
            children.append(
                _Child(
                    self.cluster, ethnic, sex, given, prefix, marga, dob,
                    self.nik(dob, sex, region),
                    origin if rng.random() < 0.7 else "Balikpapan", origin, father, mother,
                    address, kel, _nickname(rng, given),
                    ethnic in ("muslim", "bugis") and rng.random() < 0.15,
                    self.families, twins and k <= 1,
                )
            )  # fmt: skip
        return children

    def base_record(self, c: _Child) -> Record:
        name = " ".join(c.prefix + c.given + ([c.marga] if c.marga else []))
        if c.bin:
            name += (" bin " if c.sex == "M" else " binti ") + c.father.split()[-1]
        return Record(
            id="",
            full_name=name,
            alias=c.nickname if self.rng.random() < 0.4 else "",
            sex=c.sex,
            birth_date=c.dob.isoformat(),
            place_of_birth=c.pob,
            origin=c.origin,
            father_name=c.father,
            mother_name=c.mother,
            nik=c.nik,
            address=c.address,
            kelurahan=c.kelurahan,
        )

    def vary(self, r: Record, c: _Child, duplicate: bool) -> Record:
        """The record as one agency wrote it down."""
        rng = self.rng
        tag = self.tags = []
        toks = r.full_name.split()
        if duplicate:
            if rng.random() < 0.15:
                k = rng.randrange(len(toks))
                toks[k] = _old_spelling(toks[k])
                tag.append("old_spelling")
            if toks and toks[0] == "Muhammad" and rng.random() < 0.6:
                toks[0] = rng.choice(_MUHAMMAD)
                tag.append("muhammad_variant")
            if rng.random() < 0.2:
                k = rng.randrange(len(toks))
                toks[k] = _typo(rng, toks[k])
                tag.append("name_typo")
            if len(toks) > 1 and rng.random() < 0.08:
                toks = toks[::-1]
                tag.append("name_reversed")
            if len(toks) > 2 and rng.random() < 0.1:
                del toks[rng.randrange(1, len(toks))]
                tag.append("name_token_dropped")
        name = " ".join(toks)
        alias = r.alias
        if duplicate and rng.random() < 0.08:
            name, alias = c.nickname, ""  # only the nickname is known
            tag.append("nickname_only")
        elif duplicate and rng.random() < 0.3:
            alias = c.nickname if not alias else ""
            tag.append("alias_changed")
        # what is known about the birth
        birth_date, birth_year, age = r.birth_date, "", ""
        x = rng.random()
        if x < (0.25 if duplicate else 0.1):
            birth_date = ""
            true_age = (AS_OF - c.dob).days / 365.25
            est = max(1, round(true_age + rng.gauss(0, 1.0)))
            age = str(est) if rng.random() < 0.7 else f"{est - 1}-{est + 1}"
            tag.append("age_estimated")
        elif x < (0.35 if duplicate else 0.2):
            birth_date, birth_year = "", str(c.dob.year)
            tag.append("birth_year_only")
        elif x < (0.42 if duplicate else 0.25):
            birth_date = ""
            tag.append("birth_unknown")
        elif duplicate and x < 0.47:
            d = c.dob.isoformat()
            k = rng.choice([2, 3, 5, 6, 8, 9])
            swapped = d[:k] + str((int(d[k]) + 1) % 10) + d[k + 1 :]
            try:
                date.fromisoformat(swapped)
                birth_date = swapped
                tag.append("birth_date_typo")
            except ValueError:
                pass

        def maybe(value: str, p_missing: float) -> str:
            return "" if rng.random() < p_missing else value

        father = r.father_name
        if duplicate and father and rng.random() < 0.2:
            ft = father.split()
            k = rng.randrange(len(ft))
            ft[k] = _typo(rng, ft[k]) if rng.random() < 0.5 else _old_spelling(ft[k])
            father = " ".join(ft)
            tag.append("father_varied")
        kel, address = r.kelurahan, r.address
        if duplicate and rng.random() < 0.25:  # moved
            kel = rng.choice(_KELURAHAN)
            address = f"Jl. {rng.choice(_STREETS)} No. {rng.randint(1, 120)}"
            tag.append("moved")
        nik = r.nik
        if duplicate and nik and rng.random() < 0.05:
            k = rng.randrange(len(nik))
            nik = nik[:k] + str((int(nik[k]) + 1) % 10) + nik[k + 1 :]
            tag.append("nik_typo")
        return replace(
            r,
            full_name=name,
            alias=alias,
            sex=maybe(r.sex, 0.1),
            birth_date=birth_date,
            birth_year=birth_year,
            age=age,
            place_of_birth=maybe(r.place_of_birth, 0.5),
            origin=maybe(r.origin, 0.3),
            father_name=maybe(father, 0.4),
            mother_name=maybe(r.mother_name, 0.3),
            nik=maybe(nik, 0.75 if duplicate else 0.45),
            address=maybe(address, 0.3),
            kelurahan=maybe(kel, 0.15),
        )


def generate(n: int, *, seed: int = 0) -> SyntheticSet:
    """About n records (exactly n) of children, some recorded more than once.

    Deterministic for a seed. Record ids are "r0", "r1", ... in a shuffled order.
    """
    g = _Generator(seed)
    rng = g.rng
    rows: list[tuple[Record, int, tuple[int, bool, tuple[str, ...]]]] = []
    while len(rows) < n:
        for child in g.family():
            copies = rng.choices([1, 2, 3, 4], [0.6, 0.25, 0.1, 0.05])[0]
            base = g.base_record(child)
            for k in range(copies):
                varied = g.vary(base, child, duplicate=k > 0)
                info = (child.family, child.twin, (() if k == 0 else ("copy",)) + tuple(g.tags))
                rows.append((varied, child.cluster, info))
    rows = rows[:n]
    rng.shuffle(rows)
    records = [replace(r, id=f"r{i}") for i, (r, _, _) in enumerate(rows)]
    return SyntheticSet(
        records,
        [c for _, c, _ in rows],
        AS_OF,
        family=[f for _, _, (f, _, _) in rows],
        twin=[t for _, _, (_, t, _) in rows],
        tags=[tg for _, _, (_, _, tg) in rows],
    )
