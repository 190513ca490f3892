from django.urls import path

from chat import views

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<uuid:conversation_id>/", views.conversation, name="conversation"),
    path("c/<uuid:conversation_id>/export.md", views.export, name="export"),
]
