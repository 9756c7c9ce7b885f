from wagtail.search import index


def reindex_published(instance, **kwargs) -> None:
    """Index the page again once publishing is complete. Wagtail indexes on post_save, before a
    cluster page writes its many-to-many fields (body areas, categories, tags), so a first
    publish would otherwise leave them out of the index until the next save."""
    index.insert_or_update_object(instance.specific)
