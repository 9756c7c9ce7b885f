from wagtail import hooks


@hooks.register("before_serve_page", order=-100)
def note_served_page(page, request, serve_args, serve_kwargs):
    """Tell the page cache which page a response belongs to, for exact purges."""
    request.page_cache_page_id = page.pk
