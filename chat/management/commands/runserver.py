"""daphne's runserver, which exits at once when it cannot listen instead of running on, deaf.

When the port is taken, daphne logs "Listen failure: ..." and returns without serving: with
--noreload the command then exits with status 0, and under Django's autoreloader the process
keeps running, watching files, with no server in it. Here the address is tried before anything
starts, and a failure is one line on stderr and status 1.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import Any

from daphne.management.commands.runserver import Command as DaphneRunserverCommand
from daphne.server import Server
from twisted.internet.error import CannotListenError
from twisted.python.failure import Failure

from chat.replies.lifecycle import end_replies_before_exit


def cannot_listen(host: str, port: int) -> OSError | None:
    """Why daphne could not listen on host:port, or None when it can.

    The socket is made as Twisted makes daphne's: IPv6 for an IPv6 address, and SO_REUSEADDR
    on POSIX, so that connections of a server that has just exited (as the autoreloader's
    child does on every reload) do not count as the port being taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            if os.name == "posix":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            probe.listen()
    except OSError as error:
        return error
    return None


def _free_port_near(port: int) -> int | None:
    """A port to suggest instead: the first free one of port + 10, port + 20, ..."""
    for candidate in range(port + 10, min(port + 100, 65535) + 1, 10):
        if cannot_listen("127.0.0.1", candidate) is None:
            return candidate
    return None


def explain(host: str, port: int, error: OSError) -> str:
    """One sentence saying why the server cannot listen, and what to do about it."""
    shown = f"[{host}]" if ":" in host else "0.0.0.0" if host == "0" else host
    if isinstance(error, socket.gaierror):
        return f"{shown} is not an address this machine can listen on ({error.strerror})"
    if error.errno == errno.EADDRINUSE:
        advice = "stop the other server or pick another port"
        other = _free_port_near(port)
        if other is not None:
            advice += f", e.g. make run PORT={other}"
        return f"Port {port} on {shown} is already in use: {advice}"
    if error.errno == errno.EACCES:
        return f"Port {port} on {shown} needs privileges this user lacks: pick one above 1023"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{shown} is not an address of this machine: pick one it has, e.g. 127.0.0.1"
    return f"Cannot listen on {shown}:{port}: {error.strerror or error}"


class ListeningServer(Server):
    """daphne's server, saying when it listens and exiting when it cannot."""

    def listen_success(self, port: Any) -> None:
        super().listen_success(port)
        # daphne's runserver announces its address before it binds it, and logs the bind only
        # at INFO, which no handler here shows: this line is the one that means it is serving.
        address = port.getHost()
        print(f"Listening on TCP address {address.host}:{address.port}", flush=True)

    def listen_error(self, failure: Failure) -> None:
        # Reached only if the port was taken after Command.run tried it (two servers started
        # at once). daphne would stop and return, leaving the autoreloader running, and this
        # runs in its thread, where sys.exit ends only the thread: end the process, as Django's
        # own runserver does, and its autoreloader exits with the same status.
        error = failure.value
        if isinstance(error, CannotListenError) and isinstance(error.socketError, OSError):
            message = explain(error.interface, error.port, error.socketError)
        else:
            message = f"Cannot listen: {failure.getErrorMessage()}"
        sys.stdout.flush()
        sys.stderr.write(f"Error: {message}\n")
        sys.stderr.flush()
        os._exit(1)


class Command(DaphneRunserverCommand):
    server_cls = ListeningServer

    def run(self, **options: Any) -> None:
        # Django calls run() in the main thread of the process started, before its autoreloader
        # starts a child to serve, and again in that child: a taken port ends the command before
        # any child exists, and should a child find it taken, the parent exits with its status.
        error = cannot_listen(self.addr, int(self.port))
        if error is not None:
            self.stderr.write(f"Error: {explain(self.addr, int(self.port), error)}")
            sys.exit(1)
        try:
            super().run(**options)
        finally:
            # Under the autoreloader the server runs in a daemon thread, and a reload, Ctrl-C or
            # SIGTERM ends this thread's run() and then the process, server and all: the replies
            # it runs are ended and saved first, while the process can still do so.
            end_replies_before_exit()
