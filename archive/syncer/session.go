package syncer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// Signer signs an event in place with the node key (id, pubkey, sig): the
// synchronizer uses it for NIP-42 AUTH only.
type Signer func(ctx context.Context, ev *nostr.Event) error

var (
	// errIdle: the relay sent nothing for idle_timeout while an answer was due.
	errIdle = errors.New("relay idle")
	// errAuth: the relay wants NIP-42 AUTH and we cannot or could not give it.
	errAuth = errors.New("authentication required")
	// errNegUnsupported: the relay refused or ignored NEG-OPEN.
	errNegUnsupported = errors.New("negentropy not supported")
)

// closedError is a CLOSED answer to a REQ.
type closedError struct{ reason string }

func (e *closedError) Error() string { return "closed: " + e.reason }

// session is one WebSocket to one relay. It runs one request at a time.
type session struct {
	ws        *websocket.Conn
	url       string
	idle      time.Duration
	signer    Signer
	challenge string
	authed    bool
	nsub      int
	notices   int
	buf       bytes.Buffer // the frame being parsed, reused: parsing copies out
}

// keepBuf is the largest frame buffer a session keeps between messages:
// the odd huge event does not pin its size for the rest of the sync.
const keepBuf = 256 << 10

// readFrame reads one whole message into the session's buffer, valid
// until the next call.
func (s *session) readFrame(ctx context.Context) (websocket.MessageType, []byte, error) {
	if s.buf.Cap() > keepBuf {
		s.buf = bytes.Buffer{}
	}
	s.buf.Reset()
	typ, r, err := s.ws.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.buf.ReadFrom(r); err != nil {
		return 0, nil, err
	}
	return typ, s.buf.Bytes(), nil
}

func (s *session) close() { _ = s.ws.Close(websocket.StatusNormalClosure, "") }

func (s *session) subID() string {
	s.nsub++
	return "sync" + strconv.Itoa(s.nsub)
}

func (s *session) write(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write to %s: %w", s.url, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.idle)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("write to %s: %w", s.url, err)
	}
	return nil
}

// read waits at most idle_timeout for the next message. Messages that are
// not Nostr are skipped (up to a point: a relay speaking garbage is idle).
func (s *session) read(ctx context.Context) (message, error) {
	for range 100 {
		rctx, cancel := context.WithTimeout(ctx, s.idle)
		typ, b, err := s.readFrame(rctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return message{}, fmt.Errorf("read from %s: %w after %v", s.url, errIdle, s.idle)
			}
			return message{}, fmt.Errorf("read from %s: %w", s.url, err)
		}
		if typ != websocket.MessageText {
			continue
		}
		m, err := parseMessage(b)
		if err != nil {
			continue
		}
		switch m.label {
		case "AUTH":
			s.challenge = m.text
			continue
		case "NOTICE":
			s.notices++
		}
		return m, nil
	}
	return message{}, fmt.Errorf("read from %s: %w: only malformed messages", s.url, errIdle)
}

// req sends one REQ and hands every EVENT of it to fn until EOSE, which it
// returns. A CLOSED gives *closedError.
func (s *session) req(ctx context.Context, f nostr.Filter, fn func(message)) (message, error) {
	id := s.subID()
	if err := s.write(ctx, nostr.ReqEnvelope{SubscriptionID: id, Filters: nostr.Filters{f}}); err != nil {
		return message{}, err
	}
	for {
		m, err := s.read(ctx)
		if err != nil {
			return message{}, err
		}
		if m.sub != id {
			continue // a late event of an earlier subscription, OK, COUNT...
		}
		switch m.label {
		case "EVENT":
			fn(m)
		case "EOSE":
			// Without CLOSE the relay would keep the subscription open
			// for live events.
			_ = s.write(ctx, nostr.CloseEnvelope(id))
			return m, nil
		case "CLOSED":
			return message{}, &closedError{reason: m.text}
		}
	}
}

// authenticate answers the relay's NIP-42 challenge, waiting for one if it
// has not come yet.
func (s *session) authenticate(ctx context.Context) error {
	if s.signer == nil {
		return fmt.Errorf("%s: %w (no key to sign with)", s.url, errAuth)
	}
	for s.challenge == "" {
		if _, err := s.read(ctx); err != nil {
			return fmt.Errorf("%s: %w: no challenge: %w", s.url, errAuth, err)
		}
	}
	ev := nostr.Event{
		Kind:      nostr.KindClientAuthentication,
		CreatedAt: nostr.Now(),
		Tags:      nostr.Tags{{"relay", s.url}, {"challenge", s.challenge}},
	}
	if err := s.signer(ctx, &ev); err != nil {
		return fmt.Errorf("%s: sign auth: %w", s.url, err)
	}
	if err := s.write(ctx, nostr.AuthEnvelope{Event: ev}); err != nil {
		return err
	}
	for {
		m, err := s.read(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w: %w", s.url, errAuth, err)
		}
		if m.label == "OK" && m.sub == ev.ID {
			if !m.ok {
				return fmt.Errorf("%s: %w: refused: %s", s.url, errAuth, m.text)
			}
			s.authed = true
			return nil
		}
	}
}
