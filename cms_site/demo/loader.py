"""Idempotent demo content: an admin user, taxonomy, authors and published articles."""

from __future__ import annotations

import datetime
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify
from wagtail.images import get_image_model
from wagtail.models import Site

from cms_site.articles.models import ArticleIndexPage, ArticlePage, Author, BodyArea, Category
from cms_site.home.models import HomePage, HomePagePopularArticle

from .banners import banner_png

CONTENT_FILE = Path(__file__).parent / "content" / "articles.json"
POPULAR_COUNT = 4


@dataclass
class DemoReport:
    username: str = ""
    password: str = ""
    created: list[str] = field(default_factory=list)
    existing: int = 0
    upper_back_url: str = ""


def load_demo_content(content_file: Path = CONTENT_FILE) -> DemoReport:
    content = json.loads(content_file.read_text(encoding="utf-8"))
    report = DemoReport()
    report.username, report.password = ensure_admin()
    with transaction.atomic():
        home = ensure_home()
        index = ensure_article_index(home)
        categories = {c["name"]: ensure_category(c) for c in content["categories"]}
        authors = {a["key"]: ensure_author(a) for a in content["authors"]}
        areas = {
            name: ensure_body_area(name)
            for name in sorted({a for art in content["articles"] for a in art["body_areas"]})
        }
        for data in content["articles"]:
            if ArticlePage.objects.filter(slug=data["slug"]).exists():
                report.existing += 1
                continue
            create_article(index, data, authors, categories, areas)
            report.created.append(data["title"])
        ensure_popular(home, [a["slug"] for a in content["articles"][:POPULAR_COUNT]])
    first = ArticlePage.objects.filter(slug=content["articles"][0]["slug"]).first()
    report.upper_back_url = first.url if first else ""
    return report


def ensure_admin() -> tuple[str, str]:
    username = os.environ.get("DEMO_ADMIN_USERNAME", "admin")
    password = os.environ.get("DEMO_ADMIN_PASSWORD", "fitness-demo")
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com"}
    )
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    return username, password


def ensure_home() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("The home page is missing: run `python manage.py migrate` first.")
    for site in Site.objects.filter(is_default_site=True):  # save() refreshes cached root URLs
        site.root_page = home
        site.hostname, site.port = demo_address()
        site.save()
    return home


def demo_address() -> tuple[str, int]:
    """Where `make demo` serves the site, so that links in its emails (built from the default
    Site) open it: DEMO_HOST (127.0.0.1) and WEB_PORT or PORT (8000)."""
    port = os.environ.get("WEB_PORT") or os.environ.get("PORT") or "8000"
    return os.environ.get("DEMO_HOST", "127.0.0.1"), int(port)


def ensure_article_index(home: HomePage) -> ArticleIndexPage:
    index = ArticleIndexPage.objects.child_of(home).first()
    if index is None:
        index = ArticleIndexPage(
            title="Articles",
            slug="articles",
            intro="<p>Workouts, mobility routines and recovery advice, newest first.</p>",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def ensure_category(data: dict) -> Category:
    category, _ = Category.objects.update_or_create(
        slug=data["slug"], defaults={"name": data["name"], "description": data["description"]}
    )
    return category


def ensure_body_area(name: str) -> BodyArea:
    area, _ = BodyArea.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return area


def ensure_author(data: dict) -> Author:
    author, _ = Author.objects.update_or_create(
        slug=data["key"],
        defaults={"name": data["name"], "credentials": data["credentials"], "bio": data["bio"]},
    )
    return author


def create_article(index, data, authors, categories, areas) -> ArticlePage:
    date = datetime.date.fromisoformat(data["date"])
    article = ArticlePage(
        title=data["title"],
        slug=data["slug"],
        author=authors[data["author"]],
        date=date,
        intro=data["intro"],
        hero_image=ensure_banner(data),
        body=[stream_block(block) for block in data["body"]],
    )
    article.categories = [categories[name] for name in data["categories"]]
    article.body_areas = [areas[name] for name in data["body_areas"]]
    article.tags.set(data["tags"])
    index.add_child(instance=article)
    article.save_revision().publish()
    published = datetime.datetime.combine(date, datetime.time(9), tzinfo=datetime.UTC)
    ArticlePage.objects.filter(pk=article.pk).update(
        first_published_at=published, last_published_at=published
    )
    return article


def stream_block(block: dict) -> dict:
    if block["type"] == "exercise":
        value = {
            "name": block["name"],
            "equipment": [item for item in block.get("equipment", []) if item != "none"],
            "instructions": f"<p>{escape(block['instructions'])}</p>",
            "dosage": block.get("dosage", ""),
            "image": None,
            "video": None,
        }
        return {"type": "exercise", "value": value}
    if block["type"] == "heading":
        return {"type": "heading", "value": block["text"]}
    return {"type": "paragraph", "value": f"<p>{escape(block['text'])}</p>"}


def ensure_banner(data: dict):
    image_model = get_image_model()
    title = f"Banner: {data['title']}"
    existing = image_model.objects.filter(title=title).first()
    if existing:
        return existing
    label = data["body_areas"][0]
    png = banner_png(label, data["categories"][0])
    image = image_model(
        title=title,
        description=f"Illustrated banner with the words {label} and {data['categories'][0]}",
    )
    image.file = ImageFile(io.BytesIO(png), name=f"{data['slug']}.png")
    image.save()
    return image


def ensure_popular(home: HomePage, slugs: list[str]) -> None:
    if home.popular_articles.exists():
        return
    articles = ArticlePage.objects.filter(slug__in=slugs)
    by_slug = {article.slug: article for article in articles}
    for order, slug in enumerate(s for s in slugs if s in by_slug):
        HomePagePopularArticle.objects.create(page=home, article=by_slug[slug], sort_order=order)
