"""The documentation stands on its own: what README.md and docs/ state about the repository is
true, and nothing points to a document or tracker that a reader of the repository cannot see."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_README = ROOT / "tests" / "data" / "bad" / "README.md"
#: Where a reader looks: prose, tests, the package and the scripts beside it.
SCANNED = ("README.md", "docs", "tests", "xhf", "examples", "benchmarks", "templates", "workspaces")
SUFFIXES = {".md", ".py", ".yml", ".yaml", ".json", ".txt", ".sh", ".csv"}
MAX_BYTES = 100_000
#: A reference to a tracker entry (the word issue and a number, or a bare number sign and digits) or to a
#: document outside the repository. External projects' issues ("scikit-hep/pyhf#2563") are
#: facts a reader can look up and stay allowed.
FORBIDDEN = re.compile(
    r"\bissues? #?\d+"
    r"|(?<![\w/.-])#\d+\b"
    r"|physics"
    r" reference"
    r"|\bshared"
    r"/",
    re.IGNORECASE,
)


def corpus_total() -> int:
    match = re.search(r"^\| \*\*total\*\* \| \| \*\*(\d+)\*\* \|$", CORPUS_README.read_text(), re.M)
    assert match, "tests/data/bad/README.md has no total row"
    return int(match[1])


def scanned_files() -> list[Path]:
    files = []
    for name in SCANNED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [p for p in candidates if p.is_file() and p.suffix in SUFFIXES]
    # generated numbers (shipped workspaces, patchsets, template tables) hold no prose
    return [p for p in files if p.stat().st_size < MAX_BYTES]


def test_readme_and_reliability_state_the_corpus_total():
    total = corpus_total()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reliability = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert re.findall(r"a corpus of (\d+)", readme) == [str(total)]
    assert re.findall(r"`tests/data/bad/` \((\d+) cases", reliability) == [str(total)]


def test_every_document_the_readme_links_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = set(re.findall(r"\]\(((?!https?:)[^)#]+)\)", readme))
    targets |= set(re.findall(r"\b(docs/[\w.-]+\.md)\b", readme))
    assert targets, "the README links no document"
    assert sorted(t for t in targets if not (ROOT / t).exists()) == []


def test_no_reference_to_a_tracker_or_an_outside_document():
    hits = []
    for path in scanned_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        if not FORBIDDEN.search(text):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if "pyhf#" in line or "pdoc#" in line:
                continue
            if FORBIDDEN.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert hits == []


def test_the_physics_equations_are_numbered_once_and_every_citation_exists():
    physics = (ROOT / "docs" / "physics.md").read_text(encoding="utf-8")
    # an equation is an indented formula line that ends with its number
    defined = [int(n) for n in re.findall(r"^    .*\(P(\d+)\)$", physics, re.M)]
    assert defined == list(range(1, len(defined) + 1))
    cited = set()
    for path in scanned_files():
        if path.suffix in (".md", ".py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for line in text.splitlines():
                if "physics.md" in line or path.name == "physics.md":
                    cited |= {int(n) for n in re.findall(r"\(P(\d+)\)", line)}
    assert cited and cited <= set(defined)
