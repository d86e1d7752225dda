package relayclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/nbd-wtf/go-nostr"
)

// Result is what one REQ received.
type Result struct {
	SubID  string
	Events int      // EVENT frames of the subscription delivered to the callback
	Bytes  int64    // bytes of their events' JSON
	Hints  []string // NIP-67 hints of the EOSE
	Notice string   // the last NOTICE seen meanwhile
}

// HasHint reports whether the EOSE carried the NIP-67 hint h.
func (r Result) HasHint(h string) bool { return Message{Hints: r.Hints}.HasHint(h) }

// Req sends one REQ of f and hands every EVENT of it to fn (Message.Event
// nil when it did not decode) until EOSE, after which the subscription is
// closed. It ends otherwise with ErrNoAnswer, ErrIdle, ErrReqTime,
// ErrReqEvents, ErrReqBytes, ErrOverLimit (f.Limit exceeded), a
// *ClosedError, or the connection's end; Result holds what came until
// then either way.
func (c *Conn) Req(ctx context.Context, name string, f nostr.Filter, fn func(Message)) (Result, error) {
	id := c.NewSubID(name)
	res := Result{SubID: id}
	if err := c.Send(ctx, nostr.ReqEnvelope{SubscriptionID: id, Filters: nostr.Filters{f}}); err != nil {
		return res, err
	}
	lim := c.opts.Limits
	w := c.newWaiter(lim.ReqTime)
	defer w.stop()
	end := func(err error) (Result, error) {
		// Without CLOSE the relay would keep the subscription open, for
		// live events or for the rest of what we stopped reading.
		if c.Err() == nil {
			_ = c.Send(ctx, nostr.CloseEnvelope(id))
		}
		return res, err
	}
	for {
		m, err := w.recv(ctx)
		if err != nil {
			return end(err)
		}
		if m.Label == "NOTICE" {
			res.Notice = m.Text
			continue
		}
		if m.SubID != id {
			continue // a late frame of an earlier subscription, OK, COUNT, AUTH...
		}
		switch m.Label {
		case "EVENT":
			w.progress()
			if f.Limit > 0 && res.Events >= f.Limit {
				return end(fmt.Errorf("%s: %w (%d)", c.URL, ErrOverLimit, f.Limit))
			}
			if res.Events >= lim.ReqEvents {
				return end(fmt.Errorf("%s: %w (%d)", c.URL, ErrReqEvents, lim.ReqEvents))
			}
			if res.Bytes+int64(m.Size) > lim.ReqBytes {
				return end(fmt.Errorf("%s: %w (%d)", c.URL, ErrReqBytes, lim.ReqBytes))
			}
			res.Events++
			res.Bytes += int64(m.Size)
			fn(m)
		case "EOSE":
			res.Hints = m.Hints
			return end(nil)
		case "CLOSED":
			return res, fmt.Errorf("%s: %w", c.URL, &ClosedError{Reason: m.Text})
		}
	}
}

// Count sends one COUNT of f (NIP-45) and returns the relay's count.
func (c *Conn) Count(ctx context.Context, name string, f nostr.Filter) (int64, error) {
	id := c.NewSubID(name)
	if err := c.Send(ctx, nostr.CountEnvelope{SubscriptionID: id, Filter: f}); err != nil {
		return 0, err
	}
	w := c.newWaiter(c.opts.Limits.ReqTime)
	defer w.stop()
	for {
		m, err := w.recv(ctx)
		if err != nil {
			return 0, err
		}
		if m.SubID != id {
			continue
		}
		switch m.Label {
		case "COUNT":
			return m.Count, nil
		case "CLOSED":
			return 0, fmt.Errorf("%s: %w", c.URL, &ClosedError{Reason: m.Text})
		}
	}
}

// Publish sends ev and waits for its OK. OK false gives a *RefusedError.
func (c *Conn) Publish(ctx context.Context, ev *nostr.Event) error {
	if err := c.Send(ctx, nostr.EventEnvelope{Event: *ev}); err != nil {
		return err
	}
	return c.waitOK(ctx, ev.ID)
}

func (c *Conn) waitOK(ctx context.Context, id string) error {
	w := c.newWaiter(c.opts.Limits.ReqTime)
	defer w.stop()
	for {
		m, err := w.recv(ctx)
		if err != nil {
			return err
		}
		if m.Label == "OK" && m.EventID == id {
			if !m.OK {
				return fmt.Errorf("%s: %w", c.URL, &RefusedError{Reason: m.Text})
			}
			return nil
		}
	}
}

// Auth answers the relay's NIP-42 challenge with the signer, waiting for
// one (within first_answer) if none came yet, and waits for the OK. It
// runs once per connection: later calls return the first outcome, unless
// that was cut short by the caller's ctx.
func (c *Conn) Auth(ctx context.Context) error {
	if c.authed {
		return nil
	}
	if c.authErr != nil {
		return c.authErr
	}
	err := c.auth(ctx)
	switch {
	case err == nil:
		c.authed = true
	case ctx.Err() == nil:
		c.authErr = err
	}
	return err
}

func (c *Conn) auth(ctx context.Context) error {
	if c.opts.Signer == nil {
		return fmt.Errorf("%s: %w: no key to sign with", c.URL, ErrAuth)
	}
	if c.challenge == "" {
		w := c.newWaiter(c.opts.Limits.FirstAnswer)
		for c.challenge == "" {
			if _, err := w.recv(ctx); err != nil {
				w.stop()
				return fmt.Errorf("%w: no challenge: %w", ErrAuth, err)
			}
		}
		w.stop()
	}
	ev := nostr.Event{
		Kind:      nostr.KindClientAuthentication,
		CreatedAt: nostr.Timestamp(c.opts.Now().Unix()),
		Tags:      nostr.Tags{{"relay", c.URL}, {"challenge", c.challenge}},
	}
	if err := c.opts.Signer(ctx, &ev); err != nil {
		return fmt.Errorf("%s: %w: sign: %w", c.URL, ErrAuth, err)
	}
	if err := c.Send(ctx, nostr.AuthEnvelope{Event: ev}); err != nil {
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	if err := c.waitOK(ctx, ev.ID); err != nil {
		var re *RefusedError
		if errors.As(err, &re) {
			return fmt.Errorf("%s: %w: refused: %s", c.URL, ErrAuth, re.Reason)
		}
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return nil
}
