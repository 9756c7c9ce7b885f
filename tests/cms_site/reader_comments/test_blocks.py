"""Moderators block an email address or a network; posts from it are quietly marked as spam."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cms_site.reader_comments import blocks
from cms_site.reader_comments.models import ArticleComment, Block
from tests.support.comments import make_comment, post_comment

pytestmark = pytest.mark.django_db
Status = ArticleComment.Status
Reason = ArticleComment.Reason
Kind = Block.Kind
QUEUE = "/admin/comments/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


@pytest.fixture
def spammer(article):
    post_comment(from_address("198.51.100.20"), article, email="spam@example.net")
    return ArticleComment.objects.get()


def latest() -> ArticleComment:
    return ArticleComment.objects.latest("pk")


class TestBlockedPosts:
    def test_blocked_email_is_marked_spam_without_emails(
        self, article, spammer, moderator, django_capture_on_commit_callbacks
    ):
        blocks.block(spammer, Kind.EMAIL, "Link spam", None, moderator)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = post_comment(
                from_address("192.0.2.1"), article, email="SPAM@example.net", notify="on"
            )
        assert response.status_code == 302
        assert (latest().status, latest().status_reason) == (Status.SPAM, Reason.BLOCKED)
        assert mail.outbox == []

    def test_blocked_network_covers_its_neighbours_only(self, article, spammer, moderator):
        blocks.block(spammer, Kind.NETWORK, "Bot farm", None, moderator)
        post_comment(from_address("198.51.100.99"), article, email="other@example.org")
        assert latest().status_reason == Reason.BLOCKED
        post_comment(from_address("203.0.113.5"), article, email="other@example.org")
        assert latest().status_reason == Reason.NEW_COMMENTER

    def test_expired_and_removed_blocks_stop_applying(self, article, spammer, moderator):
        block = blocks.block(spammer, Kind.EMAIL, "Cooling off", None, moderator)
        Block.objects.filter(pk=block.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        post_comment(from_address("192.0.2.1"), article, email="spam@example.net")
        assert latest().status_reason == Reason.NEW_COMMENTER

        block = blocks.block(spammer, Kind.EMAIL, "Again", None, moderator)
        assert Block.objects.count() == 1 and block.expires_at is None
        blocks.unblock(block, moderator)
        post_comment(from_address("192.0.2.1"), article, email="spam@example.net", comment="Hi")
        assert latest().status_reason == Reason.NEW_COMMENTER

    def test_only_hashes_are_stored(self, spammer, moderator):
        email_block = blocks.block(spammer, Kind.EMAIL, "Spam", None, moderator)
        network_block = blocks.block(spammer, Kind.NETWORK, "Spam", None, moderator)
        stored = " ".join(str(v) for v in Block.objects.values_list().order_by("pk"))
        assert "spam@example.net" not in stored and "198.51.100" not in stored
        assert email_block.label == "s…@example.net"
        assert network_block.value_hash == spammer.ip_hash

    def test_nothing_to_block_is_refused(self, article, moderator):
        reply = make_comment(article, ip_hash="", commenter=None)
        with pytest.raises(blocks.NothingToBlock):
            blocks.block(reply, Kind.NETWORK, "x", None, moderator)
        assert not Block.objects.exists()


class TestBlockScreens:
    def test_moderator_blocks_from_the_detail_screen_and_it_is_logged(self, spammer, moderator):
        client = logged_in(moderator)
        detail = client.get(f"{QUEUE}{spammer.pk}/")
        html = detail.content.decode()
        assert "Block email address" in html and "Block network" in html
        assert "spam@example.net" not in html

        response = client.post(
            f"{QUEUE}{spammer.pk}/block/",
            {"kind": "network", "reason": "Bot farm", "expires_in": "7"},
            follow=True,
        )
        assert response.status_code == 200
        assert "Block of network" in response.content.decode()
        block = Block.objects.get()
        assert block.kind == Kind.NETWORK and block.created_by == moderator
        assert timedelta(days=6) < block.expires_at - timezone.now() <= timedelta(days=7)
        entry = ModelLogEntry.objects.get(action="reader_comments.block")
        assert entry.user == moderator and entry.object_id == str(block.pk)
        assert entry.data["reason"] == "Bot farm" and entry.data["comment"] == spammer.pk
        assert "is in force" in client.get(f"{QUEUE}{spammer.pk}/").content.decode()

    def test_block_without_a_reason_is_refused(self, spammer, moderator):
        response = logged_in(moderator).post(
            f"{QUEUE}{spammer.pk}/block/", {"kind": "email", "reason": ""}, follow=True
        )
        assert response.status_code == 200
        assert "Give a reason for the block." in response.content.decode()
        assert not Block.objects.exists()

    def test_bad_input_is_a_clear_refusal(self, spammer, moderator):
        client = logged_in(moderator)
        bad = client.post(f"{QUEUE}{spammer.pk}/block/", {"kind": "shoe", "reason": "x"})
        assert bad.status_code == 302 and not Block.objects.exists()
        gone = client.post(f"{QUEUE}999999/block/", {"kind": "email", "reason": "x"})
        assert gone.status_code == 404
        assert client.post(f"{QUEUE}blocks/999999/remove/").status_code == 404

    def test_list_shows_blocks_and_removing_is_logged(self, spammer, moderator):
        block = blocks.block(spammer, Kind.EMAIL, "Repeated link spam", None, moderator)
        client = logged_in(moderator)
        assert f'href="{QUEUE}blocks/"' in client.get(QUEUE).content.decode()
        listing = client.get(f"{QUEUE}blocks/").content.decode()
        assert "Repeated link spam" in listing and "s…@example.net" in listing

        response = client.post(f"{QUEUE}blocks/{block.pk}/remove/", follow=True)
        assert response.status_code == 200 and "removed" in response.content.decode()
        assert not Block.objects.exists()
        entry = ModelLogEntry.objects.get(action="reader_comments.unblock")
        assert entry.user == moderator and entry.data["label"] == "s…@example.net"

        history = client.get("/admin/reports/site-history/").content.decode()
        assert "Commenter blocked" in history and "Block removed" in history

    def test_editor_cannot_block_or_unblock(self, spammer, moderator, editor):
        block = blocks.block(spammer, Kind.EMAIL, "Spam", None, moderator)
        client = logged_in(editor)
        blocked = client.post(f"{QUEUE}{spammer.pk}/block/", {"kind": "network", "reason": "x"})
        assert blocked.status_code == 403
        assert client.get(f"{QUEUE}blocks/").status_code == 403
        assert client.post(f"{QUEUE}blocks/{block.pk}/remove/").status_code == 403
        assert list(Block.objects.values_list("kind", flat=True)) == [Kind.EMAIL]
