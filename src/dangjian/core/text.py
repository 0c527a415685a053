"""Chinese text helpers: pinyin initials for search and sorting."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters; latin letters and digits kept ("zsf" for 张三丰)."""
    out = []
    for syllable in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"):
        out.extend(ch.lower() for ch in syllable if ch.isascii() and ch.isalnum())
    return "".join(out)
