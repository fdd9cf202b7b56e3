"""The English catalogue is complete and its compiled .mo matches the .po
(docs/decisions/0003-chinese-message-ids.md).

Regenerate and review with ``scripts/i18n``; these tests read the files only
(no database, no gettext tools: the .po is parsed here and the .mo is read
with the standard library's ``gettext``).
"""

from __future__ import annotations

import ast
import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import greenloop

LC_MESSAGES = Path(greenloop.__file__).parent / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        ctx = f" [{self.msgctxt}]" if self.msgctxt is not None else ""
        return f"django.po:{self.line}{ctx} {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file; the header and obsolete (``#~``) entries left out."""
    entries: list[Entry] = []
    flags: set[str] = set()
    previous = ""  # the keyword of the line before, for msgctxt + msgid
    target: tuple[str, int] | None = None  # where a continuation line goes

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if (
            not line
            or line.startswith(("#~", "#|"))
            or (line.startswith("#") and not line.startswith("#,"))
        ):
            target = None
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith('"'):
            assert target is not None, f"django.po:{number}: stray {raw!r}"
            name, index = target
            entry = entries[-1]
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt" or (keyword == "msgid" and previous != "msgctxt"):
            entries.append(Entry(line=number, flags=flags))
            flags = set()
        entry = entries[-1]
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, 0)
        elif keyword == "msgstr" or re.fullmatch(r"msgstr\[\d+\]", keyword):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"django.po:{number}: cannot read {raw!r}")
        previous = keyword
    return [e for e in entries if e.msgid or e.msgctxt is not None]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO)


# %% (a literal percent), %(name)s / %(ratio).0f, %s / %d, and {name}.
PLACEHOLDER = re.compile(
    r"%(?:%|\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc])"
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"
)
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text: str) -> Counter[str]:
    return Counter(p for p in PLACEHOLDER.findall(text) if p != "%%")


def tags(text: str) -> Counter[str]:
    return Counter(TAG.findall(text))


def test_the_catalogue_has_a_good_number_of_messages(entries):
    assert len(entries) > 1000


def test_no_message_is_untranslated(entries):
    untranslated = [e.label for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    assert not untranslated, f"{len(untranslated)} untranslated (run scripts/i18n):\n" + "\n".join(
        untranslated[:40]
    )


def test_no_message_is_fuzzy(entries):
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check, fix and drop the flag):\n" + "\n".join(
        fuzzy[:40]
    )


def test_plural_messages_have_both_english_forms(entries):
    wrong = [e.label for e in entries if e.msgid_plural is not None and sorted(e.msgstr) != [0, 1]]
    assert not wrong, "\n".join(wrong)


def test_placeholders_are_the_same_in_the_translation(entries):
    wrong = []
    for e in entries:
        if e.msgid_plural is None:
            if placeholders(e.msgstr.get(0, "")) != placeholders(e.msgid):
                wrong.append(f"{e.label} -> {e.msgstr.get(0)!r}")
            continue
        expected = placeholders(e.msgid_plural)
        for index, text in sorted(e.msgstr.items()):
            found = placeholders(text)
            # the singular may leave the count out ("one day"), nothing else
            ok = found == expected or (index == 0 and not found - expected)
            if not ok:
                wrong.append(f"{e.label} [{index}] -> {text!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_html_tags_are_the_same_in_the_translation(entries):
    wrong = [
        f"{e.label} -> {text!r}"
        for e in entries
        for text in e.msgstr.values()
        if tags(text) != tags(e.msgid)
    ]
    assert not wrong, "HTML tags differ:\n" + "\n".join(wrong)


def test_the_compiled_catalogue_matches_the_po_file(entries):
    with MO.open("rb") as f:
        compiled = dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)  # the header

    expected: dict[object, str] = {}
    for e in entries:
        if "fuzzy" in e.flags or not e.msgstr or not all(e.msgstr.values()):
            continue  # msgfmt leaves these out
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            expected[key] = e.msgstr[0]
        else:
            for index, text in e.msgstr.items():
                expected[(key, index)] = text

    missing = sorted(str(k) for k in expected.keys() - compiled.keys())
    stale = sorted(str(k) for k in compiled.keys() - expected.keys())
    changed = sorted(
        str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]
    )
    problems = [
        *(f"not in django.mo: {k!r}" for k in missing),
        *(f"only in django.mo: {k!r}" for k in stale),
        *(f"translated differently in django.mo: {k!r}" for k in changed),
    ]
    assert not problems, (
        "django.mo is out of date with django.po; run `scripts/i18n --compile`:\n"
        + "\n".join(problems[:40])
    )
