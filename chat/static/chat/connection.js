// The page's websocket: reconnects by itself with growing, jittered delays and says how it is,
// and acknowledges what it has received, so that the server goes on sending (flow control:
// docs/protocol.md).

const MAX_DELAY_MS = 15000;
// Why the server closed a socket, by its close code (docs/protocol.md), as the status says it.
const CLOSED_BECAUSE = {
  4003: "the server takes text messages only",
  4008: "this page fell too far behind reading",
  4009: "a message was too large",
  4013: "too many connections from this browser or network: close other tabs of this chat",
};
// About this much received between two acks: rare enough to cost the server little, well
// within its window (1 MiB by default).
const ACK_BYTES = 65536;

export class Connection {
  constructor({ url, onOpen, onFrame, onClose, onState }) {
    Object.assign(this, { url, onOpen, onFrame, onClose, onState });
    this.socket = null;
    this.attempts = 0;
    // Sockets the server closed in a row for a reason of its own (CLOSED_BECAUSE): their
    // opening does not end the backoff, or a page over its share would retry twice a second.
    this.refused = 0;
    this.timer = null;
  }

  get open() {
    return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN);
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    this.onState("connecting", "connecting…");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    // Every frame of this socket counts, and only this socket's.
    let received = 0;
    let unacknowledged = 0;
    socket.addEventListener("open", () => {
      this.attempts = 0;
      this.onState("connected", "connected");
      this.onOpen();
    });
    socket.addEventListener("message", (event) => {
      this.refused = 0;
      received += 1;
      unacknowledged += event.data.length;
      if (unacknowledged >= ACK_BYTES && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "ack", frames: received }));
        unacknowledged = 0;
      }
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const why = CLOSED_BECAUSE[event.code];
      if (why) {
        this.refused += 1;
        this.attempts = this.refused;
      }
      this.scheduleReconnect(why);
      this.onClose();
    });
  }

  send(frame) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  // When the network comes back or the tab is shown again, waiting out the delay helps no one.
  reconnectNow() {
    if (!this.socket && this.timer !== null) this.connect();
  }

  scheduleReconnect(why) {
    const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** this.attempts) * (0.75 + Math.random() / 2);
    this.attempts += 1;
    const seconds = Math.ceil(delay / 1000);
    this.onState("offline", `${why ?? "offline"}, reconnecting in ${seconds} s…`);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
