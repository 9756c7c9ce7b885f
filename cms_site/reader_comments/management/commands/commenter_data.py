import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms_site.reader_comments import privacy


class Command(BaseCommand):
    help = "Export (JSON) or erase everything stored about one commenter, found by email."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("email")
        parser.add_argument("--output", type=Path, help="export: write the JSON to this file")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="erase: do not ask for confirmation",
        )

    def handle(self, *args, action, email, output, interactive, **options):
        if action == "export":
            self.export(email, output)
        else:
            self.erase(email, interactive)

    def export(self, email: str, output: Path | None) -> None:
        data = json.dumps(privacy.export_commenter(email), indent=2, ensure_ascii=False)
        if output:
            output.write_text(data + "\n", encoding="utf-8")
            self.stdout.write(f"Wrote {output}")
        else:
            self.stdout.write(data)

    def erase(self, email: str, interactive: bool) -> None:
        if privacy.find_commenter(email) is None:
            raise CommandError("No commenter uses that email address.")
        if interactive:
            answer = input(f"Erase every comment by {email}? Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Erasure cancelled.")
        erasure = privacy.erase_commenter(email)
        self.stdout.write(
            f"Erased: {erasure.deleted} comment(s) deleted, {erasure.anonymised} emptied "
            "because others replied to them."
        )
