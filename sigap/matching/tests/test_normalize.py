import pytest

from sigap.matching.normalize import (
    canonical_token,
    fold,
    modernise_token,
    nickname_compatible,
    parse_name,
    phonetic_token,
    skeleton,
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("soeharto", "suharto"),
        ("djoko", "joko"),
        ("tjahjono", "cahyono"),
        ("widjaja", "wijaya"),
        ("sjahrir", "syahrir"),
        ("soerjo", "suryo"),
        ("chairul", "khairul"),
        ("joko", "joko"),  # modern spelling: j stays j
        ("jaya", "jaya"),
    ],
)
def test_old_spelling_is_modernised(old: str, new: str) -> None:
    assert modernise_token(old) == new


@pytest.mark.parametrize(
    "variant", ["Muhammad", "Muhamad", "Mohammad", "Moh.", "M.", "Mochamad", "Muh", "Moehammad"]
)
def test_muhammad_variants_share_one_token(variant: str) -> None:
    assert parse_name(f"{variant} Rizky").given == ("muhammad", "rizky")


def test_common_name_variants() -> None:
    assert canonical_token("achmad") == canonical_token("ahmad") == "ahmad"
    assert canonical_token("rizki") == "rizky"


def test_case_punctuation_and_accents() -> None:
    assert fold("  SITI  Nur'aini,  ") == "siti nuraini"
    assert fold("José") == "jose"


def test_weak_tokens_do_not_identify() -> None:
    assert parse_name("M. Rizky").key_tokens == ("rizky",)
    assert parse_name("Muhammad").key_tokens == ("muhammad",)


def test_bin_binti_give_patronym_and_sex() -> None:
    p = parse_name("Ahmad bin Yusuf")
    assert p.given == ("ahmad",) and p.patronym == "yusuf" and p.sex_hint == "M"
    q = parse_name("Siti Aisyah binti Abdullah")
    assert q.key_tokens == ("aisyah",) and q.patronym == "abdullah" and q.sex_hint == "F"


def test_batak_marga_is_family_name() -> None:
    p = parse_name("Togar Siregar")
    assert p.given == ("togar",) and p.marga == "siregar"
    assert parse_name("Siregar").given == ("siregar",)  # alone, it is all we have


def test_bugis_titles_are_kept_apart() -> None:
    p = parse_name("Andi Muhammad Fadli")
    assert p.titles == ("andi",) and p.key_tokens == ("fadli",)
    assert parse_name("Andi").given == ("andi",)  # a given name when alone
    assert parse_name("Daeng Baso").titles == ("daeng",)


def test_balinese_birth_order_and_gender_prefix() -> None:
    p = parse_name("I Wayan Sudarsana")
    assert p.birth_order == 1 and p.given == ("sudarsana",) and p.sex_hint == "M"
    assert parse_name("Ni Putu Ayu").birth_order == 1
    assert parse_name("Ni Kadek Ayu").birth_order == 2
    assert parse_name("I Komang Arta").birth_order == 3
    assert parse_name("Ketut Arta").birth_order == 4
    assert parse_name("Made").given == ("made",)


def test_phonetic_key_merges_indonesian_variants() -> None:
    assert phonetic_token("rahmad") == phonetic_token("rahmat")
    assert phonetic_token("fatimah") == phonetic_token("fatima")
    assert phonetic_token("zulkifli") == phonetic_token("dzulkifli")
    assert phonetic_token("syaiful") == phonetic_token("saiful")
    assert phonetic_token("khairul") == phonetic_token("hairul")
    assert phonetic_token("budi") != phonetic_token("bayu")
    assert skeleton("rizky") == skeleton("riski")


def test_nicknames() -> None:
    assert nickname_compatible("kiki", "rizki")
    assert nickname_compatible("budi", "budiman")
    assert nickname_compatible("liza", "nurhaliza")
    assert not nickname_compatible("ucok", "rizki")
