from django.core.management.base import BaseCommand

from cms_site.demo.loader import load_demo_content
from recommender.retrain import rebuild_all
from recommender.runs import RecommenderBusy


class Command(BaseCommand):
    help = "Create demo authors, categories and articles (safe to run again) and an admin user."

    def handle(self, *args, **options):
        report = load_demo_content()
        try:
            summary = rebuild_all(trigger="demo")
            self.stdout.write(
                f"Related articles: {summary.documents} pages, {summary.seconds:.1f} s."
            )
        except RecommenderBusy:
            self.stdout.write("Related articles: a retrain is already running in the background.")
        self.stdout.write(
            f"Articles: {len(report.created)} created, {report.existing} already present."
        )
        if report.upper_back_url:
            self.stdout.write(f"Upper-back mobility guide: {report.upper_back_url}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin login: username {report.username!r}, password {report.password!r} "
                "(set DEMO_ADMIN_USERNAME / DEMO_ADMIN_PASSWORD to change)."
            )
        )
