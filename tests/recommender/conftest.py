import pytest

from recommender.signals import related_lists_changed
from tests.support.related import shown_everywhere


@pytest.fixture
def sent():
    """Each related_lists_changed as received, with the lists as they were when it arrived."""
    calls = []

    def record(sender, **kwargs):
        calls.append({"sender": sender, **kwargs, "lists": shown_everywhere()})

    related_lists_changed.connect(record, weak=False, dispatch_uid="test_related_lists_changed")
    yield calls
    related_lists_changed.disconnect(dispatch_uid="test_related_lists_changed")
