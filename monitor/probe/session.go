package probe

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/transport"
)

// session is one WebSocket to a relay. A pump goroutine reads messages into
// a channel, so a phase can stop waiting at its own deadline without the
// read being cancelled, which would close the connection (coder/websocket
// closes on an expired read) and spoil the phases after it.
type session struct {
	t      Target
	conn   *transport.Conn
	msgs   chan inbound
	cancel context.CancelFunc
	dead   error // the read error that ended the pump, once seen

	challenge     string // latest AUTH challenge
	challenged    bool
	authenticated bool
	spoke         bool // a well-formed relay message arrived
	junk          bool // something no relay sends arrived (an echo, garbage)
	echoed        bool // our own REQ came back
}

type inbound struct {
	msg   relayMsg
	err   error // errNotRelayMessage (the session goes on) or the read error (it ends)
	fatal bool
}

var (
	// errTimeout is a phase's deadline passing while the session stays open.
	errTimeout = errors.New("no answer before the deadline")
	// errEchoed: the endpoint sent our own REQ back, an echo server.
	errEchoed = errors.New("the endpoint echoes what it receives")
)

func openSession(ctx context.Context, t Target) (*session, transport.Timings, error) {
	conn, err := t.Transport.Dial(ctx, t.URL.String())
	if err != nil {
		var tm transport.Timings
		return nil, tm, err
	}
	pumpCtx, cancel := context.WithCancel(context.Background())
	s := &session{t: t, conn: conn, msgs: make(chan inbound, 8), cancel: cancel}
	go s.pump(pumpCtx)
	return s, conn.Timings, nil
}

func (s *session) pump(ctx context.Context) {
	defer close(s.msgs)
	for {
		typ, b, err := s.conn.WS.Read(ctx)
		var in inbound
		switch {
		case err != nil:
			in = inbound{err: err, fatal: true}
		case typ != websocket.MessageText:
			in = inbound{err: fmt.Errorf("%w: binary message", errNotRelayMessage)}
		default:
			m, perr := parseRelayMessage(b)
			in = inbound{msg: m, err: perr}
		}
		select {
		case s.msgs <- in:
		case <-ctx.Done():
			return
		}
		if in.fatal {
			return
		}
	}
}

// next returns the next relay message, or errTimeout when ctx ends first,
// or the read error once the connection is gone. AUTH challenges are
// recorded and not returned; messages no relay sends are skipped (and
// remembered in junk/echoed).
func (s *session) next(ctx context.Context) (relayMsg, error) {
	for {
		if s.dead != nil {
			return relayMsg{}, s.dead
		}
		select {
		case <-ctx.Done():
			return relayMsg{}, errTimeout
		case in, open := <-s.msgs:
			switch {
			case !open:
				s.dead = errors.New("connection closed")
			case in.fatal:
				s.dead = in.err
			case in.err != nil:
				s.junk = true
				if in.msg.Label == "REQ" {
					s.echoed = true // our own REQ came back: waiting longer is pointless
					return relayMsg{}, errEchoed
				}
			case in.msg.Label == "AUTH":
				s.spoke, s.challenged, s.challenge = true, true, in.msg.Text
			default:
				s.spoke = s.spoke || in.msg.Known
				return in.msg, nil
			}
		}
	}
}

func (s *session) send(ctx context.Context, v any) error {
	return s.conn.WriteJSON(ctx, v)
}

func (s *session) close() {
	s.cancel()
	_ = s.conn.WS.CloseNow()
	for range s.msgs { // drain until the pump has exited
	}
}

// canAuth reports whether an auth-required refusal can be answered.
func (s *session) canAuth() bool { return s.t.Auth && s.t.Signer != nil }

// authenticate answers the relay's challenge (waiting for one if none came
// yet) with a NIP-42 event signed by the node key, and waits for its OK.
func (s *session) authenticate(ctx context.Context) error {
	for s.challenge == "" {
		if _, err := s.next(ctx); err != nil {
			return fmt.Errorf("no AUTH challenge: %w", err)
		}
	}
	ev := nostr.Event{
		CreatedAt: nostr.Timestamp(s.t.now().Unix()),
		Kind:      nostr.KindClientAuthentication,
		Tags:      nostr.Tags{{"relay", s.t.URL.String()}, {"challenge", s.challenge}},
	}
	if err := s.t.Signer.SignEvent(ctx, &ev); err != nil {
		return fmt.Errorf("sign AUTH: %w", err)
	}
	if err := s.send(ctx, nostr.AuthEnvelope{Event: ev}); err != nil {
		return err
	}
	for {
		m, err := s.next(ctx)
		if err != nil {
			return fmt.Errorf("no OK for AUTH: %w", err)
		}
		if m.Label == "OK" && m.EventID == ev.ID {
			if !m.OK {
				return fmt.Errorf("AUTH refused: %s", m.Text)
			}
			s.authenticated = true
			return nil
		}
	}
}

// phaseCtx gives a phase its share of what is left of ctx's budget.
func phaseCtx(ctx context.Context, share float64) (context.Context, context.CancelFunc) {
	deadline, has := ctx.Deadline()
	if !has || share >= 1 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, time.Duration(float64(time.Until(deadline))*share))
}

// subID makes subscription ids unique per session use.
func subID(name string, n int) string { return "bigbrotr-" + name + "-" + strconv.Itoa(n) }

// waitErrReason classifies an error from next.
func (s *session) waitErrReason(err error) Reason {
	switch {
	case errors.Is(err, errTimeout):
		if s.junk && !s.spoke {
			return ReasonNotNostr
		}
		return ReasonTimeout
	case errors.Is(err, errEchoed), s.junk && !s.spoke:
		return ReasonNotNostr
	}
	if r := reasonOf(err); r != ReasonError {
		return r
	}
	return ReasonClosed
}
