import pytest

from tests.factories import ArticlePageFactory, CategoryFactory, exercise, paragraph

TOPICS = {
    "upper-back": [
        (
            "Thoracic spine mobility with a peanut ball",
            "thoracic spine upper back extension peanut ball mobility overhead",
        ),
        (
            "Upper back stretches for desk workers",
            "thoracic spine upper back stretch desk posture rounded shoulders mobility",
        ),
        (
            "Bench stretch for the thoracic spine",
            "bench stretch thoracic spine lats upper back arch mobility",
        ),
    ],
    "running": [
        (
            "Your first 5k training plan",
            "running 5k plan easy runs intervals pace race week mileage",
        ),
        (
            "Interval sessions for faster 10k times",
            "running intervals 10k pace track repeats race speed",
        ),
        (
            "Easy runs and why pace matters",
            "running easy pace aerobic base mileage heart rate race",
        ),
    ],
    "nutrition": [
        (
            "Protein timing after strength training",
            "protein meals timing recovery muscle grams breakfast",
        ),
        (
            "What to eat before a long run",
            "carbohydrate meals breakfast fuel long run timing grams",
        ),
    ],
}


def make_article(parent, title, text, category, **extra):
    article = ArticlePageFactory(
        parent=parent,
        title=title,
        intro=text[:60] or title,
        body=[paragraph(text), exercise(title.split()[0])],
        **extra,
    )
    article.categories.add(category)
    article.save_revision().publish()
    return article


@pytest.fixture
def corpus(article_index, django_capture_on_commit_callbacks):
    pages = {}
    with django_capture_on_commit_callbacks(execute=False):
        for slug, items in TOPICS.items():
            category = CategoryFactory(name=slug.title(), slug=slug)
            pages[slug] = [make_article(article_index, t, text, category) for t, text in items]
    return pages
