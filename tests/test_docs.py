"""The protocol notes in docs/ answer every reference the code makes to them.

Code cites the notes with `§` references (`§7.3`, `§6.1a`, `kumo.md §11`, `§6-§8`) and evidence
tags (`[C]`, `[INF, strong]`, ...). Every reference must name a heading `## §N.N ...` of the file
it points to, and every tag must be explained in docs/README.md. Files are found by directory,
not by a fixed list, so the check follows code that moves; a path's family (`kumo` or `momit`
in it, below the integration's own folder) decides which notes a bare `§N.N` means.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
import functools
import hashlib
import io
import json
from pathlib import Path, PurePosixPath
import re
import tokenize

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCANNED_DIRS = ("custom_components", "simulators", "bench")
NOTES = ("kumo.md", "momit.md")
TOKEN_VECTORS = ROOT / "tests" / "fixtures" / "kumo" / "token_vectors.json"

# References in today's code that point at research notes outside the repository. Each is
# listed in the docs helper's report; delete an entry once the comment cites docs/ instead.
# Keys: (what the reference points at, section).
KNOWN_UNRESOLVED: frozenset[tuple[str, str]] = frozenset({})

_HEADING = re.compile(r"^#{1,6}[ \t]+§(\d+(?:\.\d+)*[a-z]?)(?![\w.])", re.MULTILINE)
_SECTION = re.compile(r"§[ \t]?(\d+(?:\.\d+)*[a-z]?)")
# What a reference points at, written before it: a notes file, an RFC.
_QUALIFIER = re.compile(r"(?<![\w/.-])([\w-]+\.md)\b|\b(RFC[ \t]?\d+)\b")
# ... or after it: "§1.2 of the user-demands note".
_NOTE_AFTER = re.compile(r"[ \t]+of the ([\w-]+ note)\b")
# An evidence tag: `[` not after a name (so not `list[T]`), an upper-case word of 1-5 letters,
# then `]` or a separator: `[C]`, `[INF, strong]`, `[C: hass-kumo]`, `[SRC+INF]`, `[T SRC; ...]`.
_TAG_GROUP = re.compile(r"(?<![\w\]\)\[])\[([A-Z]{1,5})(?=[\]\s,;:+/])([^\[\]\n]*)\]")
_TAG_WORD = re.compile(r"\b[A-Z]{1,5}\b")
# Legend rows of docs/README.md: "| `[C]` | ..." (backticks and bold optional).
_LEGEND_ROW = re.compile(r"^\|\s*[`*]*\[([A-Z]{1,5})\][`*]*\s*\|", re.MULTILINE)


@dataclass(frozen=True)
class Reference:
    """One `§` reference: where it is, and what it points at."""

    where: str
    section: str
    qualifier: str | None
    """`kumo.md`, another `*.md`, `RFC nnnn`, `the ... note`, or None (bare)."""


@dataclass(frozen=True)
class Tag:
    """One evidence-tag group, e.g. `[INF, spec §1.3/§3]`."""

    where: str
    text: str
    words: tuple[str, ...]


def headings(markdown: str) -> frozenset[str]:
    """Section numbers of the `## §N.N ...` headings of a notes file."""
    return frozenset(_HEADING.findall(markdown))


def find_references(lines: list[str], where: str) -> Iterator[Reference]:
    """Every `§` reference of `lines`; `where` is a prefix for `file:line`.

    A qualifier (`kumo.md`, `RFC 7641`) is the last one written between the previous reference
    and this one; for the first reference of a line the previous line's tail counts too (a
    qualifier wrapped onto the line above). Otherwise a reference inherits the qualifier of
    the one before it on the same line (`kumo.md §3, vectors in §4`). "of the ... note" after a
    reference qualifies that reference alone.
    """
    previous_tail = ""
    for number, line in enumerate(lines, start=1):
        start = 0
        inherited: str | None = None
        for match in _SECTION.finditer(line):
            before = line[start : match.start()]
            if start == 0:
                before = previous_tail + " " + before
            for found in _QUALIFIER.finditer(before):
                inherited = found.group(1) or found.group(2)
            qualifier = inherited
            if note := _NOTE_AFTER.match(line, match.end()):
                qualifier = f"the {note.group(1)}"  # this reference only
            start = match.end()
            yield Reference(f"{where}:{number}", match.group(1), qualifier)
        previous_tail = line[start:]


def _prose(source: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of every comment and string literal of Python source."""
    kinds = {tokenize.COMMENT, tokenize.STRING, tokenize.FSTRING_MIDDLE}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in kinds:
            yield token.start[0], token.string


def find_tags(text: str, first_line: int, where: str) -> Iterator[Tag]:
    """Every evidence-tag group in `text`, which starts at line `first_line` of `where`."""
    for match in _TAG_GROUP.finditer(text):
        line = first_line + text.count("\n", 0, match.start())
        words = (match.group(1), *_TAG_WORD.findall(match.group(2)))
        yield Tag(f"{where}:{line}", match.group(0), words)


def family_notes(relative: PurePosixPath) -> str | None:
    """`kumo.md` or `momit.md` for a file of one family, None for shared code.

    The integration's own folder (`custom_components/kumo_momit`) names both families, so only
    the path below it counts.
    """
    parts = relative.parts[2:] if relative.parts[:1] == ("custom_components",) else relative.parts
    path = "/".join(parts).lower()
    kumo, momit = "kumo" in path, "momit" in path
    if kumo == momit:
        return None
    return "kumo.md" if kumo else "momit.md"


def unresolved_reason(
    reference: Reference, family: str | None, sections: dict[str, frozenset[str]]
) -> str | None:
    """Why `reference` does not resolve, or None when it does (or is external: an RFC)."""
    qualifier = reference.qualifier
    if qualifier is not None and qualifier.startswith("RFC"):
        return None
    if qualifier is not None and qualifier not in sections:
        return f"points at {qualifier}, which is not in docs/ (only {', '.join(sections)})"
    target = qualifier or family
    candidates = [target] if target else list(sections)
    if any(reference.section in sections[notes] for notes in candidates):
        return None
    return f"no heading §{reference.section} in {' or '.join(f'docs/{c}' for c in candidates)}"


def _known(reference: Reference, family: str | None) -> bool:
    return (reference.qualifier or family or "", reference.section) in KNOWN_UNRESOLVED


def _sections() -> dict[str, frozenset[str]]:
    return {notes: headings((DOCS / notes).read_text(encoding="utf-8")) for notes in NOTES}


def _legend() -> frozenset[str]:
    return frozenset(_LEGEND_ROW.findall((DOCS / "README.md").read_text(encoding="utf-8")))


def _code_files() -> list[Path]:
    return sorted(
        path
        for d in SCANNED_DIRS
        for path in (ROOT / d).rglob("*.py")
        # Not ours: virtual environments and caches (e.g. bench/.venv for the pykumo run).
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    )


@functools.cache
def _scan_code() -> tuple[tuple[tuple[Reference, str | None], ...], tuple[Tag, ...]]:
    """Every reference (with its file's family) and every tag group in the scanned code."""
    references: list[tuple[Reference, str | None]] = []
    tags: list[Tag] = []
    for path in _code_files():
        relative = PurePosixPath(path.relative_to(ROOT).as_posix())
        source = path.read_text(encoding="utf-8")
        family = family_notes(relative)
        for reference in find_references(source.splitlines(), str(relative)):
            references.append((reference, family))
        for line, text in _prose(source):
            tags.extend(find_tags(text, line, str(relative)))
    return tuple(references), tuple(tags)


def _unknown_tags(tags: Iterable[Tag], legend: frozenset[str]) -> list[str]:
    """Groups whose first word is no tag of the legend and that contain no legend tag at all
    (`[T SRC; H/B encodings SIM]` explains T by the tags after it)."""
    return [
        f"{tag.where}: {tag.text} is not explained in docs/README.md"
        for tag in tags
        if tag.words[0] not in legend and not legend.intersection(tag.words)
    ]


# --------------------------------------------------------------------------- the checks


def test_every_code_reference_resolves_to_a_heading() -> None:
    """Each `§` reference in code names a heading of docs/kumo.md or docs/momit.md."""
    sections = _sections()
    references, _tags = _scan_code()
    problems = [
        f"{reference.where}: §{reference.section} {reason}"
        for reference, family in references
        if (reason := unresolved_reason(reference, family, sections)) is not None
        and not _known(reference, family)
    ]
    if problems:
        pytest.fail(f"{len(problems)} unresolved § reference(s):\n" + "\n".join(problems))
    # Guard against a scan that silently finds nothing (moved directories, a broken pattern).
    families = {reference.qualifier or family for reference, family in references}
    assert {"kumo.md", "momit.md"} <= families


def test_known_unresolved_references_still_exist() -> None:
    """KNOWN_UNRESOLVED lists only references that still fail: delete entries once fixed."""
    sections = _sections()
    references, _tags = _scan_code()
    still_failing = {
        (reference.qualifier or family or "", reference.section)
        for reference, family in references
        if unresolved_reason(reference, family, sections) is not None
    }
    fixed = KNOWN_UNRESOLVED - still_failing
    assert not fixed, f"these references resolve or are gone now; remove them: {sorted(fixed)}"


def test_every_code_evidence_tag_is_explained() -> None:
    """Each evidence tag used in code has a row in the legend of docs/README.md."""
    legend = _legend()
    _references, tags = _scan_code()
    problems = _unknown_tags(tags, legend)
    if problems:
        pytest.fail(f"{len(problems)} unexplained evidence tag(s):\n" + "\n".join(problems))
    used = {word for tag in tags for word in tag.words if word in legend}
    assert {"C", "G", "SRC", "INF", "LAB", "UNK", "SIM"} <= used


def test_notes_cross_references_and_tags_resolve() -> None:
    """The notes' own `§` references and tags resolve too (a bare `§N` means the same file)."""
    sections = _sections()
    legend = _legend()
    problems: list[str] = []
    for notes in NOTES:
        text = (DOCS / notes).read_text(encoding="utf-8")
        for reference in find_references(text.splitlines(), f"docs/{notes}"):
            if (reason := unresolved_reason(reference, notes, sections)) is not None:
                problems.append(f"{reference.where}: §{reference.section} {reason}")
        problems += _unknown_tags(find_tags(text, 1, f"docs/{notes}"), legend)
    if problems:
        pytest.fail(f"{len(problems)} problem(s) in the notes:\n" + "\n".join(problems))


def test_legend_covers_the_four_confidence_levels() -> None:
    """Both families' tags are in the legend, mapped to the four levels the notes use."""
    readme = (DOCS / "README.md").read_text(encoding="utf-8")
    assert {"C", "R", "X", "G", "SRC", "LAB", "INF", "UNK", "SIM"} <= _legend()
    for level in ("confirmed", "reported", "inferred", "measured in the lab"):
        assert f"| {level} |" in readme


def _block_after(markdown: str, heading: str) -> str:
    """The first fenced block after the heading that starts with `heading`."""
    section = markdown.split(f"\n{heading}", 1)[1]
    return section.split("```", 2)[1]


def test_worked_token_example_is_a_fixture_vector_and_adds_up() -> None:
    """kumo.md §4's worked example is a fixture vector, and its steps follow §3's constants."""
    notes = (DOCS / "kumo.md").read_text(encoding="utf-8")
    example = dict(
        line.split(maxsplit=1) for line in _block_after(notes, "## §4").splitlines() if line
    )
    constants = re.search(r"W_PARAM = ([0-9a-f]{64})", _block_after(notes, "## §3"))
    assert constants is not None
    vectors = json.loads(TOKEN_VECTORS.read_text())["vectors"]
    fields = ("password_b64", "crypto_serial_hex", "body", "token")
    assert {k: example[k] for k in fields} in [{k: v[k] for k in fields} for v in vectors]

    password = base64.b64decode(example["password_b64"], validate=True)
    serial = bytes.fromhex(example["crypto_serial_hex"])
    digest = hashlib.sha256(password + example["body"].encode()).digest()
    tail = serial[8:9] + serial[4:8] + serial[0:4]
    message = bytes.fromhex(constants.group(1)) + digest + bytes([0x08, 0x40, 0]) + bytes(12) + tail
    assert example["password_hex"] == password.hex()
    assert example["sha256_pw_body"] == digest.hex()
    assert example["bytes_64_78"] == message[64:79].hex()
    assert example["bytes_79_87"] == tail.hex()
    assert len(message) == 88
    assert hashlib.sha256(message).hexdigest() == example["token"]


# --------------------------------------------------------------------------- the parser itself

_SECTIONS = {"kumo.md": frozenset({"3", "4", "6.1a", "8", "11"}), "momit.md": frozenset({"5.1"})}


@pytest.mark.parametrize(
    ("lines", "family", "expected"),
    [
        (["# spec §6.1a"], "kumo.md", [("6.1a", None, None)]),
        (["# § 11 with a space"], "kumo.md", [("11", None, None)]),
        (["# §7.2 (fan)"], "kumo.md", [("7.2", None, "no heading §7.2 in docs/kumo.md")]),
        (
            ["# (spec kumo.md §3, vectors in §4)"],
            None,
            [("3", "kumo.md", None), ("4", "kumo.md", None)],
        ),
        (["x = 1  # momit.md §5.1"], None, [("5.1", "momit.md", None)]),
        (["# §5.1"], None, [("5.1", None, None)]),
        (["# §5.2"], None, [("5.2", None, "no heading §5.2 in docs/kumo.md or docs/momit.md")]),
        (["# kumo.md §5.1"], "momit.md", [("5.1", "kumo.md", "no heading §5.1 in docs/kumo.md")]),
        (["# RFC 7641 §6"], "kumo.md", [("6", "RFC 7641", None)]),
        (["# ha-quality-bar.md §1.1"], None, [("1.1", "ha-quality-bar.md", "points at")]),
        (
            ["# (§1.2 of the user-demands note), see §11"],
            "kumo.md",
            [
                ("1.2", "the user-demands note", "points at the user-demands note, which is not"),
                ("11", None, None),
            ],
        ),
    ],
)
def test_reference_parsing(
    lines: list[str], family: str | None, expected: list[tuple[str, str | None, str | None]]
) -> None:
    """Qualifiers are read before (or, for notes, after) a reference; reasons name the file."""
    found = list(find_references(lines, "f.py"))
    assert [(r.section, r.qualifier) for r in found] == [(s, q) for s, q, _ in expected]
    for reference, (_section, _qualifier, reason) in zip(found, expected, strict=True):
        actual = unresolved_reason(reference, family, _SECTIONS)
        if reason is None:
            assert actual is None
        else:
            assert actual is not None
            assert actual.startswith(reason)


def test_qualifier_carries_along_a_line_and_across_a_wrap() -> None:
    """`kumo.md (§12 v2, §13 v3)` qualifies both; a qualifier at a line end qualifies the next
    line's first reference; ranges give both ends."""
    lines = [
        "Spec references are to `kumo.md` (§12 v2, §13 v3).",
        "what the AC accepts is unknown (momit.md",
        "    §5.1), and (§6-§8) here.",
    ]
    found = [(r.where, r.section, r.qualifier) for r in find_references(lines, "f.py")]
    assert found == [
        ("f.py:1", "12", "kumo.md"),
        ("f.py:1", "13", "kumo.md"),
        ("f.py:3", "5.1", "momit.md"),
        ("f.py:3", "6", "momit.md"),
        ("f.py:3", "8", "momit.md"),
    ]


def test_tag_parsing() -> None:
    """Tag groups are found in prose, not in subscripts, and explained by any legend word."""
    text = "a [C] b [INF, strong] c list[T] d [T SRC; H/B SIM] e [XYZ] f [lower] g [A-Z]"
    tags = list(find_tags(text, 3, "f.py"))
    assert [t.text for t in tags] == ["[C]", "[INF, strong]", "[T SRC; H/B SIM]", "[XYZ]"]
    assert _unknown_tags(tags, frozenset({"C", "INF", "SRC", "SIM"})) == [
        "f.py:3: [XYZ] is not explained in docs/README.md"
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("custom_components/kumo_momit/kumo/client.py", "kumo.md"),
        ("custom_components/kumo_momit/momit/relay.py", "momit.md"),
        ("custom_components/kumo_momit/climate.py", None),
        ("custom_components/kumo_momit/kumo_flow.py", "kumo.md"),
        ("simulators/momit_gateway.py", "momit.md"),
        ("simulators/demo.py", None),
        ("bench/kumo_poll.py", "kumo.md"),
    ],
)
def test_family_of_a_path(path: str, expected: str | None) -> None:
    """The integration folder's own name does not count; the rest of the path decides."""
    assert family_notes(PurePosixPath(path)) == expected
