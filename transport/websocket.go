package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

var (
	// ErrMessageTooBig: the relay sent a message over max_message_bytes;
	// the connection has been closed with status 1009. It is
	// websocket.ErrMessageTooBig, re-exported so callers need not import
	// coder/websocket to test for it.
	ErrMessageTooBig = websocket.ErrMessageTooBig
	// ErrBadMessage: the relay sent something that is not a NIP-01 message
	// (binary frame, malformed JSON, unknown label).
	ErrBadMessage = errors.New("not a nostr message")
)

// DialWebSocket opens a WebSocket to relayURL (ws:// or wss://) through the
// transport's dialer, within handshake_timeout (the overlay's timeout for
// tor/i2p/loki hosts), and sets the read limit to max_message_bytes. The
// Timings are filled as far as the dial got, also on failure.
func (t *Transport) DialWebSocket(ctx context.Context, relayURL string) (*websocket.Conn, Timings, error) {
	ws, _, tm, err := t.dialWebSocket(ctx, relayURL)
	return ws, tm, err
}

// Dial opens a WebSocket like DialWebSocket and wraps it to speak NIP-01.
func (t *Transport) Dial(ctx context.Context, relayURL string) (*Conn, error) {
	ws, header, tm, err := t.dialWebSocket(ctx, relayURL)
	if err != nil {
		return nil, err
	}
	p := nostr.NewMessageParser()
	return &Conn{
		WS:          ws,
		URL:         relayURL,
		Timings:     tm,
		Header:      header,
		readTimeout: t.cfg.ReadTimeout,
		parse:       p.ParseMessage,
	}, nil
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

// Conn is a WebSocket to one relay speaking NIP-01 JSON envelopes. Like the
// underlying websocket.Conn, it allows one reader and one writer at a time.
type Conn struct {
	WS      *websocket.Conn
	URL     string
	Timings Timings     // phases of the dial
	Header  http.Header // headers of the upgrade response (Server, X-Powered-By, ...)

	readTimeout time.Duration
	parse       func(string) (nostr.Envelope, error)
}

// WriteJSON sends v (a go-nostr envelope such as nostr.ReqEnvelope, or any
// JSON value) as one text message, within read_timeout.
func (c *Conn) WriteJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write to %s: %w", c.URL, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.readTimeout)
	defer cancel()
	if err := c.WS.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("write to %s: %w", c.URL, err)
	}
	return nil
}

// ReadEnvelope waits, at most read_timeout, for the next message and parses
// it. A message that is not a NIP-01 envelope gives ErrBadMessage and leaves
// the connection usable; a timeout, like any read error, closes the
// connection (coder/websocket closes on an expired read context).
func (c *Conn) ReadEnvelope(ctx context.Context) (nostr.Envelope, error) {
	ctx, cancel := context.WithTimeout(ctx, c.readTimeout)
	defer cancel()
	typ, b, err := c.WS.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read from %s: %w", c.URL, err)
	}
	if typ != websocket.MessageText {
		return nil, fmt.Errorf("read from %s: %w: binary message", c.URL, ErrBadMessage)
	}
	env, err := c.parse(string(b))
	if err != nil || env == nil {
		return nil, fmt.Errorf("read from %s: %w: %q: %v", c.URL, ErrBadMessage, snippet(b), err)
	}
	return env, nil
}

// Close closes the connection with a normal closure, waiting briefly for
// the relay's close frame.
func (c *Conn) Close() error {
	return c.WS.Close(websocket.StatusNormalClosure, "")
}

// snippet keeps error messages short when a relay sends something large.
func snippet(b []byte) string {
	const n = 80
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
