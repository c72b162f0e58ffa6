"""Korean particles (조사) chosen by the word they follow.

A Korean particle has two forms, one after a final consonant (받침) and one after a vowel:
은/는, 이/가, 을/를, 과/와, 으로/로 (``로`` after ㄹ too), 이다/다. :func:`josa` picks the form for
a word: from its last syllable, or for a number from how its last digit is read (2,896 ->
"육" ends in ㄱ: 2,896이). A word whose last character is neither (a code, a bracket) gets the
form that reads with both, as Korean writes it: ``이(가)``, ``(으)로``. Sentences are written so
that a particle follows a Korean word or a counter (명, 건), where the form is certain.
"""

from __future__ import annotations

#: The particle pairs: the form after a final consonant, the form after a vowel.
PAIRS = {
    "은/는": ("은", "는"), "이/가": ("이", "가"), "을/를": ("을", "를"), "과/와": ("과", "와"),
    "으로/로": ("으로", "로"), "이다/다": ("이다", "다"), "이며/며": ("이며", "며"),
    "이나/나": ("이나", "나"), "아/야": ("아", "야"), "이었다/였다": ("이었다", "였다"),
}
_RIEUL = 8  # ㄹ as a final consonant (jongseong index)
#: How each digit is read, as (has a final consonant, that consonant is ㄹ): 영 일 이 삼 사 오 육
#: 칠 팔 구.
_DIGITS = {"0": (True, False), "1": (True, True), "2": (False, False), "3": (True, False),
           "4": (False, False), "5": (False, False), "6": (True, False), "7": (True, True),
           "8": (True, True), "9": (False, False)}
#: Round numbers are read by their unit: 십 (10) 백 (100) 천 (1,000) 만 (10,000).
_UNITS = ((10_000, (True, False)), (1_000, (True, False)), (100, (True, False)),
          (10, (True, False)))


def final_consonant(word: str) -> tuple[bool, bool] | None:
    """(whether ``word`` ends in a final consonant, whether it is ㄹ) as read aloud; None when
    its last character is not a Hangul syllable or a digit."""
    text = word.rstrip()
    # after a parenthesis the particle agrees with the word before it: 육로(국경 인계)로
    while text.endswith(")") and "(" in text:
        text = text[:text.rindex("(")].rstrip()
    if not text:
        return None
    last = text[-1]
    if "\uac00" <= last <= "\ud7a3":
        jong = (ord(last) - 0xAC00) % 28
        return jong != 0, jong == _RIEUL
    if last.isdigit():
        digits = ""
        for ch in reversed(text):
            if ch.isdigit():
                digits = ch + digits
            elif ch != ",":
                break
        n = int(digits)
        if n % 10 == 0 and n:
            for unit, reading in _UNITS:
                if n % unit == 0:
                    return reading
        return _DIGITS[last]
    return None


def josa(word: str, pair: str) -> str:
    """``word`` followed by the right form of the particle ``pair`` (``"이/가"``, ``"을/를"``,
    ...): ``josa("캄보디아", "와/과")`` -> ``캄보디아와``; ``josa("2,896명", "이/가")`` ->
    ``2,896명이``."""
    key = pair if pair in PAIRS else "/".join(reversed(pair.split("/")))
    if key not in PAIRS:
        raise KeyError(f"unknown particle {pair!r}; known: {', '.join(PAIRS)}")
    consonant, vowel = PAIRS[key]
    reading = final_consonant(word)
    if reading is None:  # the conventional form that reads with both: 이(가), (으)로
        if consonant.endswith(vowel):
            return f"{word}({consonant[:-len(vowel)]}){vowel}"
        return f"{word}{consonant}({vowel})"
    has, rieul = reading
    if key == "으로/로":
        return word + ("로" if not has or rieul else "으로")
    return word + (consonant if has else vowel)
