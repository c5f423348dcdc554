"""Segmentation profiles that reproduce other tools' output."""
