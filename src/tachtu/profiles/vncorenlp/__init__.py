"""The "vncorenlp" profile: output identical to VnCoreNLP's RDRsegmenter.

PhoBERT and other models were trained on text segmented by RDRsegmenter, so
their users need exactly its segmentation, including its quirks.
"""

from .segmenter import RDRSegmenter

__all__ = ["RDRSegmenter"]
