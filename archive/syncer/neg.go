package syncer

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

// negentropyIDs lists the ids of the events matching f on the relay with
// NIP-77, reconciling against an empty set. A relay that answers NEG-OPEN
// with NEG-ERR, NOTICE or CLOSED, or not at all, gives errNegUnsupported:
// the caller falls back to REQ. An auth-required NEG-ERR is answered with
// AUTH and the listing retried once.
func (s *session) negentropyIDs(ctx context.Context, f nostr.Filter) ([]string, error) {
	ids, err := s.negentropyOnce(ctx, f)
	if ae, ok := err.(*negRefused); ok && prefix(ae.reason) == "auth-required" && !s.authed && s.signer != nil {
		if err := s.authenticate(ctx); err != nil {
			return nil, err
		}
		ids, err = s.negentropyOnce(ctx, f)
	}
	if _, ok := err.(*negRefused); ok {
		return nil, fmt.Errorf("%s: %w: %w", s.url, errNegUnsupported, err)
	}
	return ids, err
}

type negRefused struct{ reason string }

func (e *negRefused) Error() string { return "refused: " + e.reason }

func (s *session) negentropyOnce(ctx context.Context, f nostr.Filter) ([]string, error) {
	vec := vector.New()
	vec.Seal()
	neg := negentropy.New(vec, negFrameLimit)
	var (
		ids  []string
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	// Reconcile blocks on these channels once their buffers fill, so they
	// are drained concurrently. They are closed by the final Reconcile.
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case id, ok := <-neg.HaveNots:
				if !ok {
					return
				}
				ids = append(ids, id)
			case <-stop:
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case _, ok := <-neg.Haves:
				if !ok {
					return
				}
			case <-stop:
				return
			}
		}
	}()
	done := false
	defer func() {
		if !done {
			close(stop)
		}
		wg.Wait()
	}()

	id := s.subID()
	open, _ := nip77.OpenEnvelope{SubscriptionID: id, Filter: f, Message: neg.Start()}.MarshalJSON()
	if err := s.write(ctx, json.RawMessage(open)); err != nil {
		return nil, err
	}
	for {
		m, err := s.read(ctx)
		if err != nil {
			if errors.Is(err, errIdle) {
				return nil, &negRefused{reason: "no answer to NEG-OPEN"}
			}
			return nil, err
		}
		switch {
		case m.label == "NOTICE":
			return nil, &negRefused{reason: m.text}
		case m.sub != id:
			continue
		case m.label == "NEG-ERR", m.label == "CLOSED":
			return nil, &negRefused{reason: m.text}
		case m.label == "NEG-MSG":
			out, err := neg.Reconcile(m.text)
			if err != nil {
				return nil, fmt.Errorf("%s: negentropy: %w", s.url, err)
			}
			if out == "" {
				done = true
				wg.Wait()
				closeMsg, _ := nip77.CloseEnvelope{SubscriptionID: id}.MarshalJSON()
				_ = s.write(ctx, json.RawMessage(closeMsg))
				return ids, nil
			}
			msg, _ := nip77.MessageEnvelope{SubscriptionID: id, Message: out}.MarshalJSON()
			if err := s.write(ctx, json.RawMessage(msg)); err != nil {
				return nil, err
			}
		}
	}
}
