"""Names in the order a Chinese reader expects: by pinyin, then tone (阿 before 李 before 林 before 王 before
朱), not by code point. Ties between different names that read the same are broken by the name itself, so
the order is total and a keyset page never skips or repeats a row.

SQLite views get it as the collation ``pinyin``; on PostgreSQL the views' SQL says ``COLLATE pinyin`` too,
and the store turns it into ICU's Chinese collation (pinyin order) where the server has ICU.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

NAME = "pinyin"
#: ICU's collation for Simplified Chinese, whose order for Han characters is by pinyin.
POSTGRES_ICU = "zh-Hans-x-icu"


@lru_cache(maxsize=65_536)
def pinyin_key(name: str) -> tuple[tuple[str, ...], str]:
    """What a name sorts by: its syllables with their tone numbers (``王家`` → wang2, jia1), then itself."""
    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    return tuple(s.lower() for s in syllables), name


def compare(a: str, b: str) -> int:
    """The collation: negative, zero or positive as ``a`` sorts before, with, or after ``b``."""
    ka, kb = pinyin_key(a), pinyin_key(b)
    return (ka > kb) - (ka < kb)
