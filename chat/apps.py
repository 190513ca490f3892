from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from chat import checks  # noqa: F401 - registers the checks
        from chat.debug_queries import keep_few_queries

        connection_created.connect(keep_few_queries)
