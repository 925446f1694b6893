"""feedsum: summarize articles and publish them as Atom and RSS feeds."""

__version__ = "0.1.0"
#: Named in the generator element of every feed and in every request's User-Agent.
PROJECT_URL = "https://pypi.org/project/feedsum/"
