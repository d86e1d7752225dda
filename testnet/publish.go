package testnet

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// Publish writes events to one relay of the network (by URL, as the
// manifest has it) over one WebSocket and waits for each OK; a refusal is
// an error naming the event. It is meant for tests that put events where a
// crawler will find them.
func (n *Network) Publish(ctx context.Context, url string, evs ...*nostr.Event) error {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: n.HTTPClient()})
	if err != nil {
		return fmt.Errorf("testnet publish to %s: %w", url, err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 22)
	for _, ev := range evs {
		b, err := nostr.EventEnvelope{Event: *ev}.MarshalJSON()
		if err != nil {
			return err
		}
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			return fmt.Errorf("testnet publish to %s: %w", url, err)
		}
		for {
			_, msg, err := ws.Read(ctx)
			if err != nil {
				return fmt.Errorf("testnet publish to %s: %w", url, err)
			}
			var frame []json.RawMessage
			if json.Unmarshal(msg, &frame) != nil || len(frame) < 3 {
				continue
			}
			var label, id string
			var ok bool
			if json.Unmarshal(frame[0], &label) != nil || label != "OK" || json.Unmarshal(frame[1], &id) != nil || id != ev.ID {
				continue
			}
			if json.Unmarshal(frame[2], &ok) != nil || !ok {
				reason := ""
				if len(frame) > 3 {
					_ = json.Unmarshal(frame[3], &reason)
				}
				return fmt.Errorf("testnet publish to %s: %s refused: %s", url, ev.ID, reason)
			}
			break
		}
	}
	return nil
}
