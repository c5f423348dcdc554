"""Ripple-down rule tree of RDRsegmenter (``Model.RDR``), compiled for fast lookup.

Each line of ``Model.RDR`` is a node; its tab indentation is its depth and the
nodes indented under it are its exceptions, tried in file order.  For a syllable
the walk starts at the root, follows the first satisfied exception at each
level and stops when none is satisfied; the last satisfied node decides the tag.

The model has a root (``True``), two depth-1 nodes that simply confirm the
initial tag (``tag == "B"`` / ``tag == "I"``) and ~1,450 deeper exceptions.
Every depth-2 exception tests at least one word in the +-2 window, so the tree
is compiled into, per initial tag, an index ``(offset, word) -> exceptions``:
a syllable whose window words hit no key keeps its initial tag without any
condition being evaluated.  That keeps tagging close to a few set lookups per
syllable instead of a scan over hundreds of rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Window feature names -> (offset from the current syllable, tests the tag?).
_FEATURES: dict[str, tuple[int, bool]] = {
    "word": (0, False),
    "tag": (0, True),
    "prevWord1": (-1, False),
    "prevTag1": (-1, True),
    "prevWord2": (-2, False),
    "prevTag2": (-2, True),
    "nextWord1": (1, False),
    "nextTag1": (1, True),
    "nextWord2": (2, False),
    "nextTag2": (2, True),
}
_TEST = re.compile(r'object\.(\w+) == "(.*?)"(?= and |$)')
_SEPARATOR = ' : object.conclusion = "'

# A test: (offset, tests_tag, value); value None stands for "outside the
# sentence", which the model writes as "".
Test = tuple[int, bool, "str | None"]


@dataclass(frozen=True)
class Rule:
    """One node: all tests must hold for it to fire; children are its exceptions."""

    tests: tuple[Test, ...]
    conclusion: str
    children: tuple["Rule", ...] = field(default=())

    def holds(self, words: list[str | None], tags: list[str | None], i: int) -> bool:
        """Whether every test holds at padded position ``i`` (see ``RuleTree.tag``)."""
        for offset, on_tag, value in self.tests:
            if (tags if on_tag else words)[i + offset] != value:
                return False
        return True

    def decide(self, words: list[str | None], tags: list[str | None], i: int) -> str:
        """Conclusion of the deepest node reached from this (already fired) node."""
        node = self
        while True:
            for child in node.children:
                if child.holds(words, tags, i):
                    node = child
                    break
            else:
                return node.conclusion


def _parse_line(line: str) -> tuple[int, Rule]:
    depth = len(line) - len(line.lstrip("\t"))
    condition, _, conclusion = line.strip("\t").rpartition(_SEPARATOR)
    tests: list[Test] = []
    if condition != "True":
        for name, value in _TEST.findall(condition):
            offset, on_tag = _FEATURES[name]
            tests.append((offset, on_tag, value or None))
    return depth, Rule(tuple(tests), conclusion[:-1])


def _build(lines: list[str]) -> Rule:
    """Assemble the indented lines into an immutable tree."""
    stack: list[tuple[Rule, list[Rule]]] = []

    def close() -> None:
        rule, kids = stack.pop()
        done = Rule(rule.tests, rule.conclusion, tuple(kids))
        if stack:
            stack[-1][1].append(done)
        else:
            stack.append((done, []))

    for line in lines:
        if not line.strip():
            continue
        depth, rule = _parse_line(line.rstrip("\n"))
        while len(stack) > depth:
            close()
        stack.append((rule, []))
    while len(stack) > 1:
        close()
    close()
    return stack[0][0]


class RuleTree:
    """The compiled tree; immutable after construction, so safe to share."""

    PAD = 2  # callers pad word/tag lists with this many ``None`` on each side

    def __init__(self, text: str) -> None:
        root = _build(text.splitlines())
        self._index: dict[str, dict[tuple[int, str], tuple[tuple[int, Rule], ...]]] = {}
        keys_per_offset: dict[int, set[str]] = {o: set() for o in range(-2, 3)}
        for first in root.children:
            ((_, _, tag),) = first.tests  # depth 1: ``tag == X`` confirming X
            index: dict[tuple[int, str], list[tuple[int, Rule]]] = {}
            for order, rule in enumerate(first.children):
                offset, _, word = next(t for t in rule.tests if not t[1] and t[2])
                index.setdefault((offset, word), []).append((order, rule))
                keys_per_offset[offset].add(word)
            self._index[tag] = {k: tuple(v) for k, v in index.items()}
        # Words that can trigger any exception, whatever their offset.
        self.trigger_words: frozenset[str] = frozenset().union(*keys_per_offset.values())

    def retag(self, words: list[str | None], tags: list[str | None], i: int) -> str:
        """Final tag of padded position ``i``; ``words`` are lower-cased syllables."""
        tag = tags[i]
        index = self._index.get(tag)  # type: ignore[arg-type]
        if not index:
            return tag  # type: ignore[return-value]
        best: tuple[int, Rule] | None = None
        for offset in (-2, -1, 0, 1, 2):
            word = words[i + offset]
            if word is None:
                continue
            for cand in index.get((offset, word), ()):
                if (best is None or cand[0] < best[0]) and cand[1].holds(words, tags, i):
                    best = cand
                    break
        if best is None:
            return tag  # type: ignore[return-value]
        return best[1].decide(words, tags, i)
