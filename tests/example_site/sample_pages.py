"""Sample pages for the example site's tests: two topics, both page types, published for real."""

import io

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page
from wagtail.rich_text import RichText

from blog.models import BlogPage, NewsPage

# Two topics with words of their own, so similar pages are easy to tell from fallbacks.
ARTICLES = {
    "running": [
        (
            BlogPage,
            "Interval training for faster running",
            "Track intervals and tempo runs make runners faster.",
            "Sprint hard intervals on the track, jog to recover, and add a weekly tempo run. "
            "Runners who mix intervals with easy running race faster over ten kilometres.",
        ),
        (
            BlogPage,
            "Marathon pacing for beginner runners",
            "Pace your first marathon with easy running and long runs.",
            "Run the first half of the marathon slower than goal pace. Long runs at an easy "
            "running pace teach runners to hold marathon pace without hitting the wall.",
        ),
        (
            NewsPage,
            "City marathon adds a trail running course",
            "Runners can race the marathon on trails this year.",
            "The city marathon adds a trail course for runners. Race organisers expect "
            "faster running on the flat track section and tough hills on the trail.",
        ),
    ],
    "nutrition": [
        (
            BlogPage,
            "Protein and fibre in balanced meals",
            "Plan meals with protein, fibre and vegetables.",
            "Balanced meals pair lean protein with fibre from vegetables, beans and whole "
            "grains. Protein portions and vegetables keep meals filling and nutritious.",
        ),
        (
            BlogPage,
            "Vitamins from vegetables instead of supplements",
            "Vegetables and fruit cover most vitamins.",
            "Colourful vegetables, fruit and beans supply vitamins and minerals. Most diets "
            "with enough vegetables need no vitamin supplements or pills.",
        ),
        (
            NewsPage,
            "Study links fibre-rich diets to healthier eating",
            "A diet study praises fibre, beans and vegetables.",
            "Researchers found that diets rich in fibre, beans, vegetables and protein "
            "improved nutrition; meals with whole grains kept eaters full for longer.",
        ),
    ],
}


def cover_image(title: str) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 400), "seagreen").save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name="cover.png"))


def publish(parent: Page, model, title: str, summary: str, text: str) -> Page:
    """Create a draft and publish it the way the editor's Publish button does."""
    if model is BlogPage:
        page = BlogPage(
            title=title,
            summary=summary,
            content=[("paragraph", RichText(f"<p>{text}</p>"))],
            cover=cover_image(title),
            published_on=timezone.localdate(),
        )
    else:
        page = NewsPage(title=title, summary=summary, content=f"<p>{text}</p>")
    page.live = False
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page
