"""Public signals of the plugin, for sites that cache rendered pages.

``related_lists_changed`` is sent once per committed batch of list writes, with
``sender=RelatedArticle`` and two keyword arguments:

``page_ids``
    ``frozenset[int]``: the source pages whose shown list (the first "number of suggestions"
    rows: target, order, reason and the card's title, URL, excerpt, category and thumbnail) is
    different after the write. Pages whose list was removed count; never empty.
``trigger``
    ``str``: what caused the write: "publish" (an incremental refresh), "unpublish",
    "delete" or "private" (a page removed from every list), or a full retrain's trigger
    ("command", "admin", "manual", "first-publish", "unusable-model", or the host's own name).

It is sent after the transaction commits, with ``send_robust``: a receiver that raises is
logged and never undoes or interrupts the refresh.
"""

from django.dispatch import Signal

related_lists_changed = Signal()
