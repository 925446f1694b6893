"""feedsum: summarize articles and publish them as Atom and RSS feeds."""

__version__ = "0.1.0"
