"""Standing in front of daphne's producer: told when the connection holds too much unsent."""

import functools

from chat.transport import TransportPressure
from tests.support.twisted_transport import Channel, Transport


def sent_through(transport) -> functools.partial:
    """daphne's `send` for a connection: its server's handler, bound to the protocol."""
    protocol = type("Protocol", (), {"transport": transport})()
    return functools.partial(print, protocol)


def test_it_stands_in_front_of_daphnes_channel_and_passes_every_call_on():
    resumed, channel = [], Channel()
    transport = Transport(channel)
    pressure = TransportPressure(lambda: resumed.append(True))

    assert pressure.attach(sent_through(transport))
    transport.overflow()
    assert pressure.paused
    transport.drain()

    assert not pressure.paused
    assert resumed == [True]
    assert channel.calls == ["pause", "resume"]


def test_detaching_gives_the_transport_its_producer_back_and_lets_waiters_go():
    resumed, channel = [], Channel()
    transport = Transport(channel)
    pressure = TransportPressure(lambda: resumed.append(True))
    pressure.attach(sent_through(transport))
    transport.overflow()

    pressure.detach()

    assert transport.producer is channel
    assert not pressure.paused
    assert resumed == [True]


def test_without_daphnes_transport_there_is_nothing_to_attach_to():
    pressure = TransportPressure(lambda: None)

    assert not pressure.attach(print)
    assert not pressure.attach(functools.partial(print, object()))
    assert not pressure.paused


def test_what_the_client_sends_is_not_read_while_the_connection_holds_too_much_unsent():
    transport = Transport(Channel())
    pressure = TransportPressure(lambda: None)
    pressure.attach(sent_through(transport))

    transport.overflow()
    assert not transport.reading  # its pings would each add a pong to what waits
    pressure.hold_reading(True)
    transport.drain()
    assert not transport.reading  # still held, for what the client sent too fast
    pressure.hold_reading(False)
    assert transport.reading


def test_a_lost_connection_is_told():
    transport = Transport(Channel())
    pressure = TransportPressure(lambda: None)
    pressure.attach(sent_through(transport))

    pressure.stopProducing()

    assert pressure.lost
