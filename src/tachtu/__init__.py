"""tachtu: fast, accurate, lossless Vietnamese word segmentation.

>>> import tachtu
>>> tachtu.segment("Nhà Trắng cho biết")
'Nhà_Trắng cho biết'
"""

from .api import Segmenter, Token, segment, tokenize
from .errors import DictionaryError, InputError, ModelError, TachtuError

__all__ = [
    "Segmenter",
    "Token",
    "segment",
    "tokenize",
    "TachtuError",
    "ModelError",
    "InputError",
    "DictionaryError",
]
__version__ = "0.1.0"
