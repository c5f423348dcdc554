"""spaCy integration: a tokenizer that makes one spaCy token per Vietnamese word.

Install with ``pip install "tachtu[spacy]"``; importing ``tachtu`` alone never
imports spaCy.  The tokenizer is registered as ``tachtu.Tokenizer.v1`` (through
the ``spacy_tokenizers`` entry point, and again when this module is imported),
so a blank Vietnamese pipeline uses it with::

    import spacy
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "tachtu.Tokenizer.v1"}}})
    doc = nlp("Nhà Trắng cho biết")
    [t.text for t in doc]            # ['Nhà Trắng', 'cho', 'biết'] with the full model

Replacing the tokenizer in the config means spaCy never builds its default
Vietnamese tokenizer, so ``pyvi`` is neither needed nor imported.

Docs are built straight from ``Segmenter.tokenize`` offsets, so ``doc.text``
is always the input, character for character.  A word of several syllables is
one token whose text keeps its inner whitespace (``"Nhà Trắng"``).  Whitespace
between words follows spaCy's own convention: a single space after a word is
that token's ``whitespace_``; any other whitespace (a newline, a second space,
leading whitespace) becomes a whitespace token of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

import spacy
import srsly
from spacy.tokens import Doc
from spacy.util import ensure_path
from spacy.vocab import Vocab

from .api import Profile
from .settings import Settings
from .userdict import UserDict

__all__ = ["TachtuTokenizer", "create_tokenizer", "words_and_spaces"]

TOKENIZER_NAME = "tachtu.Tokenizer.v1"


def words_and_spaces(text: str, spans: Iterable[tuple[int, int]]) -> tuple[list[str], list[bool]]:
    """spaCy ``words``/``spaces`` for ``text`` given ordered word spans.

    Args:
        text: the whole input.
        spans: ``(start, end)`` of each word, in order, not overlapping, with
            only whitespace between them.

    Returns:
        ``(words, spaces)`` such that ``Doc(vocab, words, spaces).text == text``.

    >>> words_and_spaces("a  b\\n", [(0, 1), (3, 4)])
    (['a', ' ', 'b', '\\n'], [True, False, False, False])
    """
    words: list[str] = []
    spaces: list[bool] = []
    pos = 0
    for start, end in spans:
        _gap(text, pos, start, words, spaces)
        words.append(text[start:end])
        spaces.append(False)
        pos = end
    _gap(text, pos, len(text), words, spaces)
    return words, spaces


def _gap(text: str, pos: int, start: int, words: list[str], spaces: list[bool]) -> None:
    """Append the whitespace ``text[pos:start]`` the way spaCy's tokenizer does."""
    if start <= pos:
        return
    # One plain space after a word is the word's trailing whitespace ...
    if words and not words[-1].isspace() and text[pos] == " ":
        spaces[-1] = True
        pos += 1
    # ... anything else is a whitespace token.
    if start > pos:
        words.append(text[pos:start])
        spaces.append(False)


class TachtuTokenizer:
    """A spaCy tokenizer backed by a ``tachtu.Segmenter``.

    Args:
        vocab: the pipeline's vocabulary.
        profile: ``"default"`` or ``"vncorenlp"`` (see ``tachtu.Segmenter``).
        user_dict: a user dictionary: a path, or a list of entries (see
            ``tachtu.userdict``).  It is stored with the pipeline, so a saved
            pipeline does not need the file again.
        model: a model file path, or None for the bundled model.  Saved
            pipelines store the path, not the model.

    >>> import spacy
    >>> nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "tachtu.Tokenizer.v1"}}})
    >>> doc = nlp("Xin chào  Việt Nam\\n")
    >>> doc.text == "Xin chào  Việt Nam\\n"
    True
    """

    def __init__(
        self,
        vocab: Vocab,
        *,
        profile: Profile = "default",
        user_dict: str | Path | Iterable[str] | None = None,
        model: str | Path | None = None,
    ) -> None:
        self.vocab = vocab
        self._configure(profile, user_dict, model)

    def _configure(self, profile: Profile, user_dict: Any, model: str | Path | None) -> None:
        # A dictionary file is read here, once: its entries are stored with the pipeline.
        entries = None if user_dict is None else UserDict.load(user_dict)
        self.settings = Settings(profile, user_dict=entries, model=model)
        self.segmenter = self.settings.segmenter()

    def __call__(self, text: str) -> Doc:
        """Tokenize ``text`` into a ``Doc`` whose ``text`` equals ``text``."""
        words, spaces = words_and_spaces(text, ((t.start, t.end) for t in self.segmenter.tokenize(text)))
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Doc]:
        """Tokenize a stream of texts (``batch_size`` is accepted for spaCy compatibility)."""
        for text in texts:
            yield self(text)

    # -- serialisation: settings only; the model itself ships with tachtu ----
    def _settings(self) -> dict[str, Any]:
        settings = self.settings.as_dict()
        del settings["normalize"]  # spaCy tokens are spans of the text: always the input's spelling
        return settings

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The tokenizer's settings (profile, user dictionary entries, model path)."""
        return srsly.msgpack_dumps(self._settings())

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> TachtuTokenizer:
        """Restore settings written by ``to_bytes``; returns ``self``."""
        cfg = srsly.msgpack_loads(data)
        self._configure(cfg["profile"], cfg.get("user_dict"), cfg.get("model"))
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the settings to ``path/cfg`` (JSON)."""
        directory = ensure_path(path)
        directory.mkdir(parents=True, exist_ok=True)
        srsly.write_json(directory / "cfg", self._settings())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TachtuTokenizer:
        """Read settings written by ``to_disk``; returns ``self``."""
        cfg = srsly.read_json(ensure_path(path) / "cfg")
        self._configure(cfg["profile"], cfg.get("user_dict"), cfg.get("model"))
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unpickle, (self.vocab, self.to_bytes()))


def _unpickle(vocab: Vocab, data: bytes) -> TachtuTokenizer:
    return TachtuTokenizer(vocab).from_bytes(data)


def create_tokenizer(
    profile: Profile = "default",
    user_dict: str | list[str] | None = None,
    model: str | None = None,
) -> Callable[[Any], TachtuTokenizer]:
    """The ``tachtu.Tokenizer.v1`` registry function (settings come from the config).

    Config example::

        [nlp.tokenizer]
        @tokenizers = "tachtu.Tokenizer.v1"
        profile = "default"
        user_dict = ["FIS Bank", "-cho biết"]
    """

    def tokenizer_factory(nlp: Any) -> TachtuTokenizer:
        return TachtuTokenizer(nlp.vocab, profile=profile, user_dict=user_dict, model=model)

    return tokenizer_factory


# Also register in-process, so the name resolves before the entry point is installed
# (e.g. running from a source checkout).  Re-registering the same function is harmless.
spacy.registry.tokenizers.register(TOKENIZER_NAME, func=create_tokenizer)
