"""Search keys: read per run of characters (cached), the same as character by character."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shengui_desktop.domain import search
from shengui_desktop.domain.search import search_key


def one_character_at_a_time(name: str | None) -> str | None:
    """The definition: every character's syllable in the whole name, then initials and full."""
    if not name:
        return None
    initials, full = search._initials_and_full(search._syllables(name))
    return f"{initials} {full}".lower()


def test_known_keys():
    assert search_key("秀水机械") == "xsjx xiushuijixie"
    assert search_key("盂县第12机械制造有限公司") == "yxd12jxzzyxgs yuxiandi12jixiezhizaoyouxiangongsi"
    assert search_key("中国银行") == "zgyh zhongguoyinhang"  # 行 read in context
    assert search_key("") is None and search_key(None) is None


# polyphones (行 长 重 乐 还 有 限 造 司 机 都 藏 仔), plain characters, letters, digits, signs
_CHARACTERS = st.sampled_from(list("行长重乐还有限造司机都藏仔盂县第秀水镇银中国公") +
                              list("aZ09 -_.（）()·、"))


@settings(max_examples=400, deadline=None)
@given(st.lists(_CHARACTERS, max_size=14).map("".join))
def test_runs_read_as_characters_are(name):
    assert search_key(name) == one_character_at_a_time(name)
