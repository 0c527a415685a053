"""Chinese text helpers: pinyin initials for search and sorting."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose reading as a surname differs from the character's most common reading (曾 zēng, not céng):
# a name's first character is read with this table.
SURNAME_INITIALS = {
    "曾": "z", "单": "s", "解": "x", "仇": "q", "区": "o", "查": "z", "朴": "p", "盖": "g", "尉": "y", "乐": "y",
    "缪": "m", "翟": "z", "种": "c", "覃": "q", "秘": "b", "繁": "p", "召": "s", "员": "y", "黑": "h", "柏": "b",
}  # fmt: skip


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters; latin letters and digits kept ("zsf" for 张三丰).

    Character by character, each with its most common reading (names are not dictionary phrases, so the
    phrase matching of a whole-text conversion buys nothing and costs ~80 µs a name: a 200,000-row import
    spent seconds in it), the first character read as a surname."""
    text = text.strip()
    if not text:
        return ""
    head = SURNAME_INITIALS.get(text[0])
    return (head + _rest(text[1:])) if head else _rest(text)


def _rest(text: str) -> str:
    return "".join(_char_initial(ch) for ch in text)


@lru_cache(maxsize=32768)
def _char_initial(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    syllable = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="default")[0]
    return "".join(c.lower() for c in syllable if c.isascii() and c.isalnum())
