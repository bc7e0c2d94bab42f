from sigap.intake import tracking


def test_new_code_has_60_bits_in_crockford_alphabet():
    codes = {tracking.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 12
        assert set(code) <= set(tracking.ALPHABET)
        assert not set(code) & set("ILOU")
    assert len(tracking.ALPHABET) ** tracking.LENGTH >= 2**60


def test_display_groups_in_fours():
    assert tracking.display("K7QM4XPA9TZD") == "K7QM-4XPA-9TZD"


def test_normalize_forgives_case_dashes_spaces_and_lookalikes():
    assert tracking.normalize("k7qm-4xpa-9tzd") == "K7QM4XPA9TZD"
    assert tracking.normalize(" K7QM 4XPA 9TZD ") == "K7QM4XPA9TZD"
    assert tracking.normalize("O0IL-1111-2222") == "00111111" + "2222"


def test_normalize_refuses_wrong_characters_and_lengths():
    assert tracking.normalize("K7QM-4XPA-9TZU") is None  # U is not in the alphabet
    assert tracking.normalize("K7QM-4XPA") is None
    assert tracking.normalize("K7QM-4XPA-9TZD-1") is None
    assert tracking.normalize("<script>") is None
    assert tracking.normalize("") is None
