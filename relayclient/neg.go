package relayclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip77"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy/storage/vector"
)

// negFrameLimit bounds one NEG-MSG we send (the protocol's minimum is 4096).
const negFrameLimit = 256 << 10

// NegIDs lists the ids of the events matching f on the relay with NIP-77,
// reconciling against an empty set. A relay that answers NEG-OPEN with
// NEG-ERR, NOTICE or CLOSED, or not at all, gives ErrNegUnsupported. An
// auth-required refusal is answered with Auth (when a signer is set) and
// the listing tried once more. The listing is bounded like a REQ: its ids
// count against req_events.
func (c *Conn) NegIDs(ctx context.Context, f nostr.Filter) ([]string, error) {
	ids, err := c.negOnce(ctx, f)
	var nr *negRefused
	if errors.As(err, &nr) && Prefix(nr.reason) == "auth-required" && !c.authed && c.opts.Signer != nil {
		if err := c.Auth(ctx); err != nil {
			return nil, err
		}
		ids, err = c.negOnce(ctx, f)
	}
	if errors.As(err, &nr) {
		return nil, fmt.Errorf("%s: %w: %s", c.URL, ErrNegUnsupported, nr.reason)
	}
	return ids, err
}

type negRefused struct{ reason string }

func (e *negRefused) Error() string { return "refused: " + e.reason }

func (c *Conn) negOnce(ctx context.Context, f nostr.Filter) ([]string, error) {
	vec := vector.New()
	vec.Seal()
	neg := negentropy.New(vec, negFrameLimit)
	var (
		mu   sync.Mutex
		ids  []string
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	// Reconcile blocks on these channels once their buffers fill, so they
	// are drained concurrently. They are closed by the final Reconcile.
	drain := func(ch chan string, keep bool) {
		defer wg.Done()
		for {
			select {
			case id, ok := <-ch:
				if !ok {
					return
				}
				if keep {
					mu.Lock()
					ids = append(ids, id)
					mu.Unlock()
				}
			case <-stop:
				return
			}
		}
	}
	wg.Add(2)
	go drain(neg.HaveNots, true)
	go drain(neg.Haves, false)
	done := false
	defer func() {
		if !done {
			close(stop)
		}
		wg.Wait()
	}()

	id := c.NewSubID("neg")
	open, _ := nip77.OpenEnvelope{SubscriptionID: id, Filter: f, Message: neg.Start()}.MarshalJSON()
	if err := c.Send(ctx, json.RawMessage(open)); err != nil {
		return nil, err
	}
	w := c.newWaiter(c.opts.Limits.ReqTime)
	defer w.stop()
	for {
		m, err := w.recv(ctx)
		if err != nil {
			if errors.Is(err, ErrNoAnswer) {
				return nil, &negRefused{reason: "no answer to NEG-OPEN"}
			}
			return nil, err
		}
		switch {
		case m.Label == "NOTICE":
			return nil, &negRefused{reason: m.Text}
		case m.SubID != id:
			continue
		case m.Label == "NEG-ERR", m.Label == "CLOSED":
			return nil, &negRefused{reason: m.Text}
		case m.Label == "NEG-MSG":
			w.progress()
			out, err := neg.Reconcile(m.Text)
			if err != nil {
				return nil, fmt.Errorf("%s: negentropy: %w", c.URL, err)
			}
			mu.Lock()
			n := len(ids)
			mu.Unlock()
			if n > c.opts.Limits.ReqEvents {
				closeMsg, _ := nip77.CloseEnvelope{SubscriptionID: id}.MarshalJSON()
				_ = c.Send(ctx, json.RawMessage(closeMsg))
				return nil, fmt.Errorf("%s: %w (%d ids)", c.URL, ErrReqEvents, c.opts.Limits.ReqEvents)
			}
			if out == "" {
				done = true
				wg.Wait()
				closeMsg, _ := nip77.CloseEnvelope{SubscriptionID: id}.MarshalJSON()
				_ = c.Send(ctx, json.RawMessage(closeMsg))
				return ids, nil
			}
			msg, _ := nip77.MessageEnvelope{SubscriptionID: id, Message: out}.MarshalJSON()
			if err := c.Send(ctx, json.RawMessage(msg)); err != nil {
				return nil, err
			}
		}
	}
}
