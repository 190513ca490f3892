"""`manage.py prune --older-than DAYS`: conversations nobody has touched for that long go, with
their turns; the others stay whole."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from chat.models import Conversation, Turn

pytestmark = pytest.mark.django_db


def conversation(title: str, *, days_ago: float, turns: int = 2) -> Conversation:
    made = Conversation.objects.create(session_key="s" * 32, title=title)
    for number in range(turns):
        Turn.objects.create(conversation=made, reply_id=f"{title}-{number}", question="q")
    # `updated` is set on every save: put it back in time behind the model's back.
    Conversation.objects.filter(pk=made.pk).update(
        updated=timezone.now() - timedelta(days=days_ago)
    )
    return made


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune", *args, stdout=out)
    return out.getvalue()


def test_conversations_not_updated_for_the_days_given_go_with_their_turns():
    conversation("forgotten", days_ago=45)
    conversation("abandoned", days_ago=31, turns=1)
    kept = conversation("recent", days_ago=29)

    said = prune("--older-than", "30")

    assert list(Conversation.objects.all()) == [kept]
    assert sorted(Turn.objects.values_list("reply_id", flat=True)) == ["recent-0", "recent-1"]
    assert said == "Deleted 2 conversations and 3 turns not updated for 30 days.\n"


def test_nothing_old_enough_leaves_everything():
    conversation("recent", days_ago=1)

    assert (
        prune("--older-than", "7")
        == "Deleted 0 conversations and 0 turns not updated for 7 days.\n"
    )
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize("args", [[], ["--older-than", "-1"], ["--older-than", "soon"]])
def test_the_age_must_be_given_as_days(args):
    with pytest.raises(CommandError):
        prune(*args)
