"""News vocabularies."""

from comcep.core.enums import Visibility

__all__ = ["Visibility"]
