"""Production settings with the article page's "Articles You May Like" block emptied.

The override template in ``templates/`` extends the site's own article template (Django skips
the overriding file when it resolves an ``extends`` of the same name) and empties its
``related`` block, so the page costs what it would cost without the recommender's slot.
"""

from pathlib import Path

from cms_site.settings.production import *  # noqa: F403
from cms_site.settings.production import TEMPLATES

TEMPLATES[0]["DIRS"] = [Path(__file__).resolve().parent / "templates", *TEMPLATES[0]["DIRS"]]
