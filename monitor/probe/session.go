package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/transport"
)

// relayMsg is one relay-to-client message, as relayclient parses it.
type relayMsg = relayclient.Message

// session is one connection of the relay client, read message by message:
// a phase stops waiting at its own deadline while the connection stays
// open for the phases after it, and the client's connection budgets bound
// the whole. It remembers what the relay showed of itself.
type session struct {
	t    Target
	c    *relayclient.Conn
	dead error // why the connection ended, once seen

	challenged    bool // an AUTH challenge came
	authenticated bool
	spoke         bool // a well-formed relay message arrived
	junk          bool // something no relay sends arrived (an echo, garbage)
	echoed        bool // our own REQ came back
}

var (
	// errTimeout is a phase's deadline passing while the session stays open.
	errTimeout = errors.New("no answer before the deadline")
	// errEchoed: the endpoint sent our own REQ back, an echo server.
	errEchoed = errors.New("the endpoint echoes what it receives")
)

func openSession(ctx context.Context, t Target) (*session, transport.Timings, error) {
	o := relayclient.Options{Limits: t.limits(), Now: t.now}
	if t.Signer != nil {
		o.Signer = t.Signer.SignEvent
	}
	c, err := relayclient.Dial(ctx, t.Transport, t.URL.String(), o)
	if err != nil {
		return nil, transport.Timings{}, err
	}
	return &session{t: t, c: c}, c.Timings, nil
}

// next returns the next relay message, or errTimeout when ctx ends first,
// or why the connection ended. AUTH challenges are recorded and not
// returned; messages no relay sends are skipped (and remembered in
// junk/echoed).
func (s *session) next(ctx context.Context) (relayMsg, error) {
	for {
		if s.dead != nil {
			return relayMsg{}, s.dead
		}
		m, err := s.c.Recv(ctx)
		switch {
		case errors.Is(err, relayclient.ErrNotRelayMessage):
			s.junk = true
			if m.Label == "REQ" {
				s.echoed = true // our own REQ came back: waiting longer is pointless
				return relayMsg{}, errEchoed
			}
		case err != nil && ctx.Err() != nil && s.c.Err() == nil:
			return relayMsg{}, errTimeout
		case err != nil:
			s.dead = err
		case m.Label == "AUTH":
			s.spoke, s.challenged = true, true
		default:
			s.spoke = s.spoke || m.Known
			return m, nil
		}
	}
}

func (s *session) send(ctx context.Context, v any) error {
	return s.c.Send(ctx, v)
}

func (s *session) close() { _ = s.c.Close() }

// canAuth reports whether an auth-required refusal can be answered.
func (s *session) canAuth() bool { return s.t.Auth && s.t.Signer != nil }

// authenticate answers the relay's challenge (waiting for one if none came
// yet) with a NIP-42 event signed by the node key, and waits for its OK.
func (s *session) authenticate(ctx context.Context) error {
	if err := s.c.Auth(ctx); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	s.challenged, s.authenticated = true, true
	return nil
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
func (s *session) subID(name string) string { return s.c.NewSubID(name) }

// waitErrReason classifies an error from next.
func (s *session) waitErrReason(err error) Reason {
	switch {
	case errors.Is(err, errTimeout), errors.Is(err, relayclient.ErrNoAnswer), errors.Is(err, relayclient.ErrIdle):
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
