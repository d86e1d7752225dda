package frontdoor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// conn is one client WebSocket speaking raw NIP-01, so that every message
// is seen as the relay sent it. One goroutine reads and one writes.
type conn struct {
	ws        *websocket.Conn
	url       string
	challenge string // the relay's NIP-42 challenge, once seen
}

func dial(ctx context.Context, url string) (*conn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(64 << 20)
	return &conn{ws: ws, url: url}, nil
}

func (c *conn) close() { c.ws.CloseNow() }

func (c *conn) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// read returns the next message, remembering an AUTH challenge.
func (c *conn) read(ctx context.Context) (nostr.Envelope, error) {
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	env, err := parser.ParseMessage(string(b))
	if err != nil {
		return nil, fmt.Errorf("message %.200q: %w", b, err)
	}
	if a, ok := env.(*nostr.AuthEnvelope); ok && a.Challenge != nil {
		c.challenge = *a.Challenge
	}
	return env, nil
}

var parser = nostr.NewMessageParser()

// auth answers the relay's NIP-42 challenge with sk (the node offers it as
// soon as the connection opens) and waits for the OK.
func (c *conn) auth(ctx context.Context, sk string) error {
	for c.challenge == "" {
		if _, err := c.read(ctx); err != nil {
			return fmt.Errorf("wait for AUTH challenge: %w", err)
		}
	}
	ev := nostr.Event{Kind: nostr.KindClientAuthentication, CreatedAt: nostr.Now(),
		Tags: nostr.Tags{{"relay", c.url}, {"challenge", c.challenge}}}
	if err := ev.Sign(sk); err != nil {
		return err
	}
	if err := c.send(ctx, nostr.AuthEnvelope{Event: ev}); err != nil {
		return err
	}
	for {
		env, err := c.read(ctx)
		if err != nil {
			return fmt.Errorf("wait for AUTH OK: %w", err)
		}
		if ok, is := env.(*nostr.OKEnvelope); is && ok.EventID == ev.ID {
			if !ok.OK {
				return fmt.Errorf("AUTH refused: %s", ok.Reason)
			}
			return nil
		}
	}
}

// published is what one connection's share of the load got back.
type published struct {
	accepted int
	rejected map[string]int // reason prefix ("blocked", "error", ...) -> count
	example  string         // one full rejection message
}

// publish sends events with up to window EVENTs awaiting their OK, and
// returns once every one has been answered.
func (c *conn) publish(ctx context.Context, events []*nostr.Event, window int) (published, error) {
	res := published{rejected: map[string]int{}}
	slots := make(chan struct{}, window)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		werr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, ev := range events {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if err := c.send(ctx, nostr.EventEnvelope{Event: *ev}); err != nil {
				werr = err
				cancel()
				return
			}
		}
	}()
	var rerr error
	for answered := 0; answered < len(events); {
		env, err := c.read(ctx)
		if err != nil {
			rerr = fmt.Errorf("after %d of %d OKs: %w", answered, len(events), err)
			cancel()
			break
		}
		ok, is := env.(*nostr.OKEnvelope)
		if !is {
			continue
		}
		answered++
		<-slots
		if ok.OK {
			res.accepted++
			continue
		}
		prefix, _, _ := strings.Cut(ok.Reason, ":")
		res.rejected[prefix]++
		if res.example == "" {
			res.example = ok.Reason
		}
	}
	wg.Wait()
	return res, errors.Join(rerr, werr)
}

// query sends one REQ and collects its events up to EOSE; a CLOSED
// instead is returned as an error carrying the relay's reason. The
// subscription is closed afterwards, so connections can run queries one
// after another without piling up subscriptions.
func (c *conn) query(ctx context.Context, id string, f nostr.Filter) ([]*nostr.Event, error) {
	if err := c.send(ctx, nostr.ReqEnvelope{SubscriptionID: id, Filters: nostr.Filters{f}}); err != nil {
		return nil, err
	}
	var got []*nostr.Event
	for {
		env, err := c.read(ctx)
		if err != nil {
			return got, err
		}
		switch e := env.(type) {
		case *nostr.EventEnvelope:
			if e.SubscriptionID != nil && *e.SubscriptionID == id {
				ev := e.Event
				got = append(got, &ev)
			}
		case *nostr.EOSEEnvelope:
			if string(*e) == id {
				return got, c.send(ctx, nostr.CloseEnvelope(id))
			}
		case *nostr.ClosedEnvelope:
			if e.SubscriptionID == id {
				return got, fmt.Errorf("CLOSED %q", e.Reason)
			}
		}
	}
}

// count sends one NIP-45 COUNT and returns the relay's answer.
func (c *conn) count(ctx context.Context, id string, f nostr.Filter) (int64, error) {
	if err := c.send(ctx, nostr.CountEnvelope{SubscriptionID: id, Filter: f}); err != nil {
		return 0, err
	}
	for {
		env, err := c.read(ctx)
		if err != nil {
			return 0, err
		}
		switch e := env.(type) {
		case *nostr.CountEnvelope:
			if e.SubscriptionID == id {
				if e.Count == nil {
					return 0, errors.New("COUNT answer without a count")
				}
				return *e.Count, nil
			}
		case *nostr.ClosedEnvelope:
			if e.SubscriptionID == id {
				return 0, fmt.Errorf("CLOSED %q", e.Reason)
			}
		case *nostr.NoticeEnvelope:
			return 0, fmt.Errorf("NOTICE %q", string(*e))
		}
	}
}
