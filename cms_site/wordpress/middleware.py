"""Old ``/?p=123`` links: WordPress's own short form of a post's address.

Wagtail's redirect middleware only looks for a redirect when the page is missing, but ``/?p=123``
finds the home page. Here such a request follows the redirect the import created, if there is one.
"""

from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.contrib.redirects.models import Redirect

POST_ID_PARAMETER = "p"


class PostIdRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.GET.get(POST_ID_PARAMETER, "").isdigit():
            path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
            redirect = get_redirect(request, path)
            if redirect is not None and redirect.link:
                response_class = (
                    HttpResponsePermanentRedirect if redirect.is_permanent else HttpResponseRedirect
                )
                return response_class(redirect.link)
        return self.get_response(request)
