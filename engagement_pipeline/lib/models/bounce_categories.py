"""Adobe Campaign's bounce categories, read from an email `bounce_reason` (SMTP code and text).

This is the reference copy of the rules in
`dbt_like_sql/intermediate/int_email_bounces__classified.sql`: the same normalisation, the
same SQL `LIKE` patterns, the same order (tests keep the two in step). The reason is
lower-cased, the separators in `SEPARATORS` become spaces, and one space is added at each
end, so a status code such as `550-5.1.1` or `<...>;5.1.1` reads ` 5.1.1 ` and a pattern
can require whole tokens. The first rule (lowest priority number) that matches wins:
enhanced status codes first, because they are standard; then phrases, invalid domain before
unknown user because "domain ... does not exist" must not count as an unknown user.
"""

import re
from dataclasses import dataclass
from functools import cache

BOUNCE_CATEGORIES = ("unknown_user", "invalid_domain", "mailbox_full", "refused", "unreachable", "other")
SEPARATORS = '-#()[]<>:;,"=\t\n\r'
_SPACES = str.maketrans(SEPARATORS, " " * len(SEPARATORS))


@dataclass(frozen=True)
class BounceRule:
    priority: int
    pattern: str
    category: str


def _rules(*groups: tuple[str, tuple[str, ...]]) -> tuple[BounceRule, ...]:
    flat = [(category, pattern) for category, patterns in groups for pattern in patterns]
    return tuple(BounceRule(n, pattern, category) for n, (category, pattern) in enumerate(flat, start=1))


RULES: tuple[BounceRule, ...] = _rules(
    ("unknown_user", ("% 5.1.1 %", "% 5.1.0 %", "% 5.1.10 %")),
    ("invalid_domain", ("% 5.1.2 %", "% 5.4.4 %")),
    ("mailbox_full", ("% _.2.2 %",)),
    ("refused", ("% 5.7._ %", "% 5.7.__ %")),
    ("unreachable", ("% 4.4._ %", "% 4.4.__ %")),
    (
        "invalid_domain",
        (
            "%host unknown%",
            "%host not found%",
            "%domain not found%",
            "%domain name not found%",
            "%domain does not exist%",
            "%invalid domain%",
            "%no mx%",
            "%unrouteable%",
        ),
    ),
    (
        "unknown_user",
        (
            "%user unknown%",
            "%unknown user%",
            "%no such user%",
            "%does not exist%",
            "%recipient not found%",
            "%unknown recipient%",
            "%invalid recipient%",
            "%mailbox not found%",
        ),
    ),
    ("mailbox_full", ("%mailbox full%", "%mailbox is full%", "%quota%", "%storage%")),
    ("refused", ("%spam%", "%blocked%", "%rejected%", "%policy%", "%blocklist%", "%blacklist%", "%denied%")),
    (
        "unreachable",
        (
            "%timed out%",
            "%timeout%",
            "%connection%",
            "%unreachable%",
            "%temporarily%",
            "%try again later%",
        ),
    ),
)


def normalize_reason(reason: str | None) -> str:
    """The text the rules match: lower case, separators as spaces, a space at each end."""
    return f" {(reason or '').lower().translate(_SPACES)} "


@cache
def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL)


def like(text: str, pattern: str) -> bool:
    """SQL `LIKE` (no escape character): `%` any run of characters, `_` any one character."""
    return _like_regex(pattern).fullmatch(text) is not None


def classify_bounce(reason: str | None) -> str:
    """The Adobe category of a bounce reason; 'other' when no rule matches (or no reason)."""
    text = normalize_reason(reason)
    return next((rule.category for rule in RULES if like(text, rule.pattern)), "other")
