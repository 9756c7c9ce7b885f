from .models import Category


def site_navigation(request):
    return {"nav_categories": Category.objects.all()}
