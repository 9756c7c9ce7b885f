"""Related articles for Wagtail: precomputed, pinnable, explained TF-IDF recommendations."""

__version__ = "0.2.0"
