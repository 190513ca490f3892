"""The websocket's address."""

from chat.consumers import ChatConsumer
from chat.routing import websocket_urlpatterns


def test_the_chat_socket_is_served_at_ws_chat():
    (route,) = websocket_urlpatterns

    assert str(route.pattern) == "ws/chat/"
    assert route.callback.consumer_class is ChatConsumer
