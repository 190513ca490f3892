"""ASGI entry point: HTTP goes to Django, websockets to the chat consumer."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamdemo.settings")
# Django must be set up before anything imports models or the consumer.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from chat.open_files import raise_open_files_limit  # noqa: E402
from chat.origins import ExactOriginValidator  # noqa: E402
from chat.replies.lifecycle import shut_down_with_daphne  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": ExactOriginValidator(CookieMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

shut_down_with_daphne()
raise_open_files_limit()
