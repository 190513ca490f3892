"""The page's addresses."""

import uuid

from django.urls import resolve, reverse

from chat import views


def test_each_page_has_its_address():
    conversation = uuid.uuid4()

    assert resolve(reverse("index")).func is views.index
    assert reverse("conversation", args=[conversation]) == f"/c/{conversation}/"
    assert resolve(f"/c/{conversation}/export.md").func is views.export
