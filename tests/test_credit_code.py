"""统一社会信用代码 checks (GB 32100-2015, check character mod 31), on real-shaped examples."""

import pytest

from shengui_desktop.domain import credit_code as cc


@pytest.mark.parametrize("code", ["91110000600037341L", "91310110666007217T", "91512081MA62K0260E"])
def test_valid_examples(code):
    result = cc.check(code)
    assert result.ok and result.warning is None


def test_z_is_not_allowed():
    result = cc.check("91350100M000100Y4Z")
    assert not result.ok
    assert "Z" in result.error and "不允许" in result.error


def test_wrong_mod31_check_warns_but_does_not_block():
    # early pilot codes were legally issued yet fail the mod-31 check
    result = cc.check("91110000600037341M")
    assert result.ok
    assert "校验位应为L" in result.warning


def test_organisation_check_blocks():
    # passes mod 31, but the embedded organisation code check must be 7
    assert cc.check_character("91310110666007218") == "X"
    result = cc.check("91310110666007218X")
    assert not result.ok and "应为7" in result.error


def test_normalisation_full_width_spaces_case():
    result = cc.check(" ９１１１００００６０００３７３４１ｌ ")
    assert result.code == "91110000600037341L" and result.ok


@pytest.mark.parametrize("raw, message", [("", "不能为空"), ("9111000060003734", "应为18位")])
def test_length_and_empty(raw, message):
    assert message in cc.check(raw).error


def test_weights_are_powers_of_three_mod_31():
    assert cc._WEIGHTS[:6] == [1, 3, 9, 27, 19, 26]
    assert cc._WEIGHTS[-1] == 28


def test_sole_proprietor():
    assert cc.is_sole_proprietor("92140322MA0K12345X")
    assert not cc.is_sole_proprietor("91110000600037341L")
