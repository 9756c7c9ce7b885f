import datetime

import factory
import wagtail_factories

from cms_site.articles.models import ArticleIndexPage, ArticlePage, Author, BodyArea, Category


def exercise(name, equipment=("bench",), instructions="Move slowly.", dosage="2 x 8"):
    return {
        "type": "exercise",
        "value": {
            "name": name,
            "equipment": list(equipment),
            "instructions": f"<p>{instructions}</p>",
            "dosage": dosage,
            "image": None,
            "video": None,
        },
    }


def paragraph(text):
    return {"type": "paragraph", "value": f"<p>{text}</p>"}


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    credentials = "Physical therapist (DPT)"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class BodyAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BodyArea
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")


class ArticleIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ArticleIndexPage

    title = "Articles"
    slug = "articles"


class ArticlePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ArticlePage

    title = factory.Sequence(lambda n: f"Workout article {n}")
    slug = factory.Sequence(lambda n: f"workout-article-{n}")
    intro = "A short summary of the workout."
    date = factory.LazyFunction(datetime.date.today)
    author = factory.SubFactory(AuthorFactory)
    body = factory.LazyFunction(lambda: [paragraph("Warm up first."), exercise("Bench stretch")])


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
