//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// wire is a plain Nostr client connection, for publishing canaries to a
// testnet relay and reading the node's archive back.
type wire struct{ c *websocket.Conn }

func dial(ctx context.Context, url string, hc *http.Client) (*wire, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c.SetReadLimit(16 << 20)
	return &wire{c: c}, nil
}

func (w *wire) close() { _ = w.c.CloseNow() }

func (w *wire) send(ctx context.Context, env nostr.Envelope) error {
	b, err := env.MarshalJSON()
	if err != nil {
		return err
	}
	return w.c.Write(ctx, websocket.MessageText, b)
}

var parser = nostr.NewMessageParser()

// next returns the next message it can parse; the relays here are the
// node and healthy testnet relays, so anything else is skipped.
func (w *wire) next(ctx context.Context) (nostr.Envelope, error) {
	for {
		_, b, err := w.c.Read(ctx)
		if err != nil {
			return nil, err
		}
		if env, err := parser.ParseMessage(string(b)); err == nil && env != nil {
			return env, nil
		}
	}
}

// publish sends ev and waits for its OK true.
func (w *wire) publish(ctx context.Context, ev *nostr.Event) error {
	if err := w.send(ctx, &nostr.EventEnvelope{Event: *ev}); err != nil {
		return err
	}
	for {
		env, err := w.next(ctx)
		if err != nil {
			return fmt.Errorf("publish %s: %w", ev.ID, err)
		}
		if ok, is := env.(*nostr.OKEnvelope); is && ok.EventID == ev.ID {
			if !ok.OK {
				return fmt.Errorf("publish %s: refused: %s", ev.ID, ok.Reason)
			}
			return nil
		}
	}
}

// have returns which of ids the relay serves (the node's archive), asking
// in chunks its filter limits accept.
func (w *wire) have(ctx context.Context, ids []string) (map[string]bool, error) {
	got := map[string]bool{}
	const chunk = 500
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		sub := fmt.Sprintf("have-%d", i)
		f := nostr.Filter{IDs: part, Limit: len(part)}
		if err := w.send(ctx, &nostr.ReqEnvelope{SubscriptionID: sub, Filters: nostr.Filters{f}}); err != nil {
			return nil, err
		}
	read:
		for {
			env, err := w.next(ctx)
			if err != nil {
				return nil, fmt.Errorf("query archive: %w", err)
			}
			switch e := env.(type) {
			case *nostr.EventEnvelope:
				if e.SubscriptionID != nil && *e.SubscriptionID == sub && e.CheckID() {
					got[e.ID] = true
				}
			case *nostr.EOSEEnvelope:
				if string(*e) == sub {
					break read
				}
			case *nostr.ClosedEnvelope:
				if e.SubscriptionID == sub {
					return nil, fmt.Errorf("query archive: CLOSED %s", e.Reason)
				}
			}
		}
		b, _ := json.Marshal([]string{"CLOSE", sub})
		if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
			return nil, err
		}
	}
	return got, nil
}
