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
import sys
from dataclasses import dataclass, field

from ._token import TokenInfo

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

# Bits of a token's code (``_initial.token_code``) that ``RuleTree.code_bits``
# sets for the lower-cased token: ``others`` tests it as the previous word /
# as the next word.
PREV_WORD = 32
NEXT_WORD = 64

# A test: (offset, tests_tag, value); value None stands for "outside the
# sentence", which the model writes as "".
Test = tuple[int, bool, "str | None"]


@dataclass(frozen=True)
class Rule:
    """One node: all tests must hold for it to fire; children are its exceptions."""

    tests: tuple[Test, ...]
    conclusion: str
    children: tuple["Rule", ...] = field(default=())
    order: int = 0  # position among the depth-2 rules: earlier ones win


def _parse_line(line: str) -> tuple[int, Rule]:
    depth = len(line) - len(line.lstrip("\t"))
    condition, _, conclusion = line.strip("\t").rpartition(_SEPARATOR)
    tests: list[Test] = []
    if condition != "True":
        for name, value in _TEST.findall(condition):
            offset, on_tag = _FEATURES[name]
            # Interned, as ``TokenInfo.lower`` is: lookups succeed on identity.
            tests.append((offset, on_tag, sys.intern(value) if value else None))
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


# Order in which the compiled tries branch on the window features: the
# current tag first, then the words nearest to the current one, then the tags.
_BRANCH_ORDER: tuple[tuple[int, bool], ...] = (
    (0, True), (-1, False), (1, False), (-2, False), (2, False),
    (-1, True), (1, True), (-2, True), (2, True),
)

# A trie node: (offset, tests_tag, value -> node, default node); a leaf is the
# first rule whose tests all hold, or None when none does.
Trie = "tuple[int, bool, dict[str | None, Trie], Trie] | Rule | None"
_Pending = list[tuple[Rule, dict[tuple[int, bool], "str | None"]]]


def _compile(pending: _Pending, level: int = 0) -> Trie:
    """Trie selecting the first rule of ``pending`` whose remaining tests hold.

    ``pending`` pairs each rule (in priority order) with its tests not yet
    consumed by the branches above.  Branching on a feature sends each rule
    that tests it down the branch of its value, and rules that do not test it
    down every branch, so order is kept and each lookup consumes one test.
    """
    if not pending:
        return None
    if not pending[0][1]:
        return pending[0][0]  # earliest rule and nothing left to check
    while not any(_BRANCH_ORDER[level] in tests for _, tests in pending):
        level += 1
    feature = _BRANCH_ORDER[level]
    values = {tests[feature] for _, tests in pending if feature in tests}
    branches: dict[str | None, Trie] = {}
    for value in values:
        sub = [
            (rule, {k: v for k, v in tests.items() if k != feature})
            for rule, tests in pending
            if tests.get(feature, value) == value
        ]
        branches[value] = _compile(sub, level + 1)
    default = _compile([p for p in pending if feature not in p[1]], level + 1)
    return (*feature, branches, default)


# The form the tagger runs on.  Words and tags are interleaved in one list
# ``seq`` (word k at ``2 * k + SEQ_PAD``, its tag right after), so a test of
# (offset, tests_tag) is the single index ``j + 2 * offset + tests_tag`` from
# the current word's index ``j``.
# A fast trie is a ``_Node``, a ``_Leaf`` or None.  A leaf's exceptions are
# ``(checks, conclusion, exceptions)`` with ``checks`` a tuple of
# ``(delta, value)``.  Both classes are C structs in the compiled build (see
# ``_rdr.pxd``), so a walk step is two field reads and a dict lookup.
_Exception = "tuple[tuple[tuple[int, str | None], ...], str, tuple[_Exception, ...]]"


class _Node:
    """A trie branch: the window item at ``delta`` selects the subtree."""

    __slots__ = ("delta", "branches", "default")

    def __init__(self, delta: int, branches: "dict[str | None, object]", default: object) -> None:
        self.delta = delta
        self.branches = branches
        self.default = default


class _Leaf:
    """A depth-2 rule that fired: its priority, conclusion and exceptions."""

    __slots__ = ("order", "conclusion", "children")

    def __init__(self, rule: Rule) -> None:
        self.order = rule.order
        self.conclusion = rule.conclusion
        self.children = _fast_children(rule)


def _fast_children(rule: Rule) -> tuple:  # type: ignore[type-arg]
    return tuple(
        (tuple((2 * o + t, v) for o, t, v in child.tests), child.conclusion, _fast_children(child))
        for child in rule.children
    )


def _fast(node: Trie) -> object:
    if node is None:
        return None
    if type(node) is tuple:
        offset, on_tag, branches, default = node  # type: ignore[misc]
        return _Node(2 * offset + on_tag, {v: _fast(n) for v, n in branches.items()}, _fast(default))
    return _Leaf(node)  # type: ignore[arg-type]


def _walk(node: object, seq: list, j: int) -> "_Leaf | None":  # type: ignore[type-arg]
    """The leaf a fast trie leads to for the word at ``seq[j]``."""
    while type(node) is _Node:
        branch = node
        node = branch.branches.get(seq[j + branch.delta], branch.default)
    return node  # type: ignore[return-value]


def _decide(conclusion: str, children: tuple, seq: list, j: int) -> str:  # type: ignore[type-arg]
    """Conclusion of the deepest node reached below a fired node."""
    while children:
        for checks, concl, kids in children:
            for delta, value in checks:
                if seq[j + delta] != value:
                    break
            else:
                conclusion, children = concl, kids
                break
        else:
            break
    return conclusion


SEQ_PAD = 2 * 2  # ``seq`` starts with two padding (word, tag) pairs


class RuleTree:
    """The compiled tree; immutable after construction, so safe to share.

    Depth-1 nodes test only the tag and conclude it, so a deep rule's parent
    just adds a tag test.  Deep rules that test the current word (most of
    them) are grouped by (tag, word), each group compiled into a small trie;
    the others all test the previous or the next word and share one trie,
    consulted only when that word is one they mention.
    """

    def __init__(self, text: str) -> None:
        root = _build(text.splitlines())
        by_word: dict[str, dict[str, _Pending]] = {}
        others: _Pending = []
        order = 0
        for first in root.children:
            ((_, _, tag),) = first.tests
            for rule in first.children:
                rule = Rule(rule.tests, rule.conclusion, rule.children, order)
                order += 1
                tests = {(o, t): v for o, t, v in (*first.tests, *rule.tests)}
                word = tests.pop((0, False), None)
                if word is None:
                    others.append((rule, tests))
                else:
                    del tests[(0, True)]
                    by_word.setdefault(tag, {}).setdefault(word, []).append((rule, tests))
        if any((-1, False) not in t and (1, False) not in t for _, t in others):
            raise ValueError("Model.RDR: a rule tests neither the current nor a neighbouring word")
        # word -> {tag -> fast trie}.
        self._groups: dict[str, dict[str, object]] = {}
        for tag, groups in by_word.items():
            for word, rules in groups.items():
                self._groups.setdefault(word, {})[tag] = _fast(_compile(rules))
        self._others = _fast(_compile(others))
        # Bits of ``_initial.token_code`` for the lower-cased token.
        self.code_bits: dict[str, int] = {}
        for bit, words in (
            (PREV_WORD, {t[(-1, False)] for _, t in others if (-1, False) in t}),
            (NEXT_WORD, {t[(1, False)] for _, t in others if (1, False) in t}),
        ):
            for word in words:
                self.code_bits[word] = self.code_bits.get(word, 0) | bit  # type: ignore[index]

    def group(self, word: str) -> dict[str, object] | None:
        """Tag -> trie of the rules about ``word`` (lower-cased), None if there are none."""
        return self._groups.get(word)

    def retag(self, tokens: list[TokenInfo], tags: list[str]) -> list[str]:
        """Final tags of one sentence, given its tokens and their initial tags.

        Only the tokens that have a group (``TokenInfo.group``), or whose
        previous or next word ``others`` tests (bits of ``TokenInfo.code``),
        are looked at.  One explicit scan, typed C under Cython (see
        ``_rdr.pxd``).
        """
        n = len(tokens)
        out = list(tags)
        seq: list[str | None] = [None] * (2 * n + 2 * SEQ_PAD)
        seq[SEQ_PAD : SEQ_PAD + 2 * n : 2] = [token.lower for token in tokens]
        seq[SEQ_PAD + 1 : SEQ_PAD + 2 * n : 2] = tags
        previous = None
        following = tokens[0] if n else None
        for k in range(n):
            token = following  # a window sliding over the tokens: one read each
            following = tokens[k + 1] if k + 1 < n else None
            j = 2 * k + SEQ_PAD
            leaf = None
            if token.group is not None:
                leaf = _walk(token.group.get(tags[k]), seq, j)
            if (previous is not None and previous.code & PREV_WORD) or (
                following is not None and following.code & NEXT_WORD
            ):
                other = _walk(self._others, seq, j)
                # Of two rules that fire, the earlier one in the file wins.
                if other is not None and (leaf is None or other.order < leaf.order):
                    leaf = other
            if leaf is not None:
                out[k] = _decide(leaf.conclusion, leaf.children, seq, j)
            previous = token
        return out
