import re
import shutil
import subprocess
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from wagtail.users.models import UserProfile

import recommender
from recommender import runs
from recommender.models import RecommenderRun, RelatedArticle
from recommender.retrain import rebuild_all

PACKAGE = Path(recommender.__file__).parent
PO = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.mark.django_db
def test_reader_heading_and_reasons_in_french(corpus):
    rebuild_all()
    page = corpus["running"][0]
    template = Template("{% load recommender_tags %}{% related_articles page %}")
    with translation.override("fr"):
        html = template.render(Context({"page": page}))
        reason = RelatedArticle.objects.filter(source_id=page.pk, reason="similar").first()
        assert "Vous aimerez aussi" in html and "Articles You May Like" not in html
        assert reason.get_reason_display() == "Texte similaire"
        assert [str(label) for label in RelatedArticle.Reason.labels] == [
            "Texte similaire",
            "Épinglé par la rédaction",
            "Repli\u00a0: même catégorie, le plus récent",
            "Repli\u00a0: le plus récent",
        ]


@pytest.mark.django_db
def test_admin_status_page_in_the_editors_language(client, admin_user, corpus):
    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "fr"
    profile.save()
    rebuild_all(trigger="command")
    RecommenderRun.objects.create(kind="full", status="failed", error=runs.WORKER_LOST)
    client.force_login(admin_user)
    html = client.get("/admin/recommender/").content.decode()
    for text in [
        "Réentraîner maintenant",
        "Exécutions récentes",
        "Modèle actif",
        "Réentraînement complet",
        "Réussi",
        "Commande de gestion",
        "les anciennes listes ont été conservées",
    ]:
        assert text in html
    assert "Retrain now" not in html and "Recent runs" not in html
    response = client.post("/admin/recommender/retrain/", follow=True)
    assert "Réentraînement terminé." in response.content.decode()


def msgfmt_statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def assert_fully_translated(po: Path) -> None:
    """msgfmt mentions fuzzy or untranslated messages only when there are some."""
    stats = msgfmt_statistics(po)
    assert re.fullmatch(r"\d+ translated messages?\.", stats), stats


def test_french_catalog_has_no_untranslated_or_fuzzy_entries():
    assert_fully_translated(PO)


def test_french_catalog_covers_every_string_of_the_plugin(tmp_path, monkeypatch):
    """makemessages on a copy merges the current strings into the committed catalog: a new
    string would come out untranslated or fuzzy, a removed one as an obsolete (#~) entry."""
    copy = tmp_path / "recommender"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["fr"], verbosity=0)
    regenerated = copy / PO.relative_to(PACKAGE)
    assert_fully_translated(regenerated)
    assert "#~" not in regenerated.read_text()


def test_compiled_catalog_matches_the_po(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    with MO.open("rb") as shipped, fresh.open("rb") as compiled:
        assert GNUTranslations(shipped)._catalog == GNUTranslations(compiled)._catalog
