"""`manage.py prune --older-than DAYS`: delete the conversations nobody has touched for that long.

A conversation goes with all its turns once it has not been updated (asked in) for DAYS days.
Run it from cron, say, beside Django's `clearsessions`, which deletes expired sessions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chat.models import Conversation


class Command(BaseCommand):
    help = "Delete conversations (and their turns) not updated for the given number of days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            required=True,
            metavar="DAYS",
            help="delete conversations last updated more than DAYS days ago",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than"]
        if days < 0:
            raise CommandError("--older-than takes a number of days, 0 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        _, deleted = Conversation.objects.filter(updated__lt=cutoff).delete()
        conversations = deleted.get("chat.Conversation", 0)
        turns = deleted.get("chat.Turn", 0)
        self.stdout.write(
            f"Deleted {conversations} conversation{'s' * (conversations != 1)} "
            f"and {turns} turn{'s' * (turns != 1)} not updated for {days:g} days."
        )
