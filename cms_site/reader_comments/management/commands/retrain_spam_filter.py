from django.core.management.base import BaseCommand, CommandError

from cms_site.reader_comments import spam_model


class Command(BaseCommand):
    help = (
        "Train a new spam filter version on the moderators' decisions (approved = ham, "
        "spam = spam) plus the seed corpus, and make it the active one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            help="FILE[,FILE...] of JSON-lines examples (default: COMMENTS_SPAM_SEED_CORPUS)",
        )

    def handle(self, *args, seed, **options):
        paths = [name.strip() for name in seed.split(",") if name.strip()] if seed else None
        try:
            model = spam_model.retrain(trigger="command", seed_paths=paths)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if model is None:
            self.stdout.write(
                "Not retrained: the filter needs both approved and spam examples "
                "(moderator decisions or a seed corpus)."
            )
            return
        self.stdout.write(
            f"Spam filter {model.version} is active: {model.spam_examples} spam and "
            f"{model.ham_examples} ham examples ({model.decisions} moderator decisions, "
            f"{model.seed_examples} seed)."
        )
        if model.metrics.get("f1") is not None:
            self.stdout.write(
                "Holdout: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}".format(
                    **model.metrics
                )
            )
