package transport

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/coder/websocket"
)

// ErrMessageTooBig: the relay sent a message over max_message_bytes; the
// connection has been closed with status 1009. It is
// websocket.ErrMessageTooBig, re-exported so callers need not import
// coder/websocket to test for it.
var ErrMessageTooBig = websocket.ErrMessageTooBig

// DialWebSocket opens a WebSocket to relayURL (ws:// or wss://) through the
// transport's dialer, within handshake_timeout (the overlay's timeout for
// tor/i2p/loki hosts), and sets the read limit to max_message_bytes. The
// Timings are filled as far as the dial got, also on failure.
func (t *Transport) DialWebSocket(ctx context.Context, relayURL string) (*websocket.Conn, Timings, error) {
	ws, _, tm, err := t.dialWebSocket(ctx, relayURL)
	return ws, tm, err
}

// Dial opens a WebSocket like DialWebSocket and returns it with what the
// dial learned. Speaking Nostr over it is relayclient's job.
func (t *Transport) Dial(ctx context.Context, relayURL string) (*Conn, error) {
	ws, header, tm, err := t.dialWebSocket(ctx, relayURL)
	if err != nil {
		return nil, err
	}
	return &Conn{WS: ws, URL: relayURL, Timings: tm, Header: header}, nil
}

func (t *Transport) dialWebSocket(ctx context.Context, relayURL string) (*websocket.Conn, http.Header, Timings, error) {
	u, err := url.Parse(relayURL)
	if err != nil {
		return nil, nil, Timings{}, fmt.Errorf("dial %q: %w", relayURL, err)
	}
	if (u.Scheme != "ws" && u.Scheme != "wss") || u.Hostname() == "" {
		return nil, nil, Timings{}, fmt.Errorf("dial %q: want a ws:// or wss:// URL with a host", relayURL)
	}
	_, handshake := t.cfg.timeouts(HostNetwork(u.Hostname()))
	ctx, cancel := context.WithTimeout(ctx, handshake)
	defer cancel()
	ctx, timings := WithTimings(ctx)
	start := time.Now()
	ws, resp, err := websocket.Dial(ctx, relayURL, &websocket.DialOptions{HTTPClient: t.client(t.handshakes)})
	tm := timings()
	tm.Total = time.Since(start)
	if err != nil {
		return nil, nil, tm, fmt.Errorf("dial %s: %w", relayURL, err)
	}
	ws.SetReadLimit(t.cfg.MaxMessageBytes)
	return ws, resp.Header, tm, nil
}

// Conn is a dialled WebSocket to one relay and what its dial learned.
type Conn struct {
	WS      *websocket.Conn
	URL     string
	Timings Timings     // phases of the dial
	Header  http.Header // headers of the upgrade response (Server, X-Powered-By, ...)
}

// Close closes the connection with a normal closure, waiting briefly for
// the relay's close frame.
func (c *Conn) Close() error {
	return c.WS.Close(websocket.StatusNormalClosure, "")
}
