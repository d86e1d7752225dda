package relayclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// TestHostileReq puts Req against relays that try to hold it open or flood
// it; each must end with the sentinel of the budget it ran into.
func TestHostileReq(t *testing.T) {
	now := time.Now().Unix()
	big := strings.Repeat("x", 64<<10)
	tests := []struct {
		name      string
		onConnect func(ctx context.Context, send sender)
		onReq     script
		limit     int
		want      error
		maxEvents int // events delivered at most
	}{
		{"endless stream", nil, func(ctx context.Context, send sender, sub string, _ int) {
			every(ctx, 0, func(i int) error { return send("EVENT", sub, fakeEvent(i, now-int64(i))) })
		}, 0, ErrReqEvents, 200},
		{"limit ignored", nil, func(ctx context.Context, send sender, sub string, _ int) {
			every(ctx, 0, func(i int) error { return send("EVENT", sub, fakeEvent(i, now-int64(i))) })
		}, 10, ErrOverLimit, 10},
		{"notice drip", nil, func(ctx context.Context, send sender, _ string, _ int) {
			every(ctx, 5*time.Millisecond, func(int) error { return send("NOTICE", "still here") })
		}, 0, ErrNoAnswer, 0},
		{"auth drip", nil, func(ctx context.Context, send sender, _ string, _ int) {
			every(ctx, 5*time.Millisecond, func(int) error { return send("AUTH", "challenge") })
		}, 0, ErrNoAnswer, 0},
		{"other subscription", nil, func(ctx context.Context, send sender, _ string, _ int) {
			every(ctx, 5*time.Millisecond, func(i int) error { return send("EVENT", "not-yours", fakeEvent(i, now)) })
		}, 0, ErrNoAnswer, 0},
		{"eose never sent", nil, func(ctx context.Context, send sender, sub string, _ int) {
			for i := range 3 {
				_ = send("EVENT", sub, fakeEvent(i, now))
			}
			every(ctx, 5*time.Millisecond, func(int) error { return send("NOTICE", "no eose for you") })
		}, 0, ErrIdle, 3},
		{"slow drip", nil, func(ctx context.Context, send sender, sub string, _ int) {
			every(ctx, 50*time.Millisecond, func(i int) error { return send("EVENT", sub, fakeEvent(i, now-int64(i))) })
		}, 0, ErrReqTime, 200},
		{"never answers", nil, func(context.Context, sender, string, int) {}, 0, ErrNoAnswer, 0},
		{"closed", nil, func(_ context.Context, send sender, sub string, _ int) {
			_ = send("CLOSED", sub, "rate-limited: slow down")
		}, 0, ErrClosed, 0},
		{"huge events", nil, func(ctx context.Context, send sender, sub string, _ int) {
			every(ctx, 0, func(i int) error {
				ev := fakeEvent(i, now)
				ev.Content = big
				return send("EVENT", sub, ev)
			})
		}, 0, ErrReqBytes, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, rawRelay(t, tt.onConnect, tt.onReq), testLimits(), nil)
			got := 0
			_, err := c.Req(context.Background(), "t", nostr.Filter{Limit: tt.limit}, func(Message) { got++ })
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got > tt.maxEvents {
				t.Errorf("%d events delivered, want at most %d", got, tt.maxEvents)
			}
			if Outcome(err) == "error" || Outcome(err) == "ok" {
				t.Errorf("outcome of %v = %q, want a named one", err, Outcome(err))
			}
			if !strings.Contains(err.Error(), c.URL) {
				t.Errorf("error %q does not name the relay", err)
			}
		})
	}
}

// TestHostileConn: budgets of the whole connection hold across requests
// and against frames no request waits for.
func TestHostileConn(t *testing.T) {
	now := time.Now().Unix()
	t.Run("events", func(t *testing.T) {
		t.Parallel()
		url := rawRelay(t, nil, func(ctx context.Context, send sender, sub string, _ int) {
			for i := range 50 {
				if send("EVENT", sub, fakeEvent(i, now)) != nil {
					return
				}
			}
			_ = send("EOSE", sub)
		})
		l := testLimits()
		l.ConnEvents = 120
		c := dial(t, url, l, nil)
		var err error
		for i := 0; i < 10 && err == nil; i++ {
			_, err = c.Req(context.Background(), "t", nostr.Filter{}, func(Message) {})
		}
		if !errors.Is(err, ErrConnEvents) || !errors.Is(c.Err(), ErrConnEvents) {
			t.Fatalf("err = %v, conn err = %v, want %v", err, c.Err(), ErrConnEvents)
		}
	})
	t.Run("bytes of other subscriptions", func(t *testing.T) {
		t.Parallel()
		url := rawRelay(t, func(ctx context.Context, send sender) {
			every(ctx, 0, func(i int) error { return send("EVENT", "flood", fakeEvent(i, now)) })
		}, nil)
		l := testLimits()
		l.ConnBytes, l.ConnEvents = 64<<10, 1<<30
		c := dial(t, url, l, nil)
		_, err := c.Req(context.Background(), "t", nostr.Filter{}, func(Message) {})
		if !errors.Is(err, ErrConnBytes) && !errors.Is(err, ErrNoAnswer) {
			t.Fatalf("err = %v", err)
		}
		for c.Err() == nil {
			if _, err := c.Recv(context.Background()); err != nil && !errors.Is(err, ErrNotRelayMessage) {
				break
			}
		}
		if !errors.Is(c.Err(), ErrConnBytes) {
			t.Fatalf("conn err = %v, want %v", c.Err(), ErrConnBytes)
		}
	})
	t.Run("time", func(t *testing.T) {
		t.Parallel()
		url := rawRelay(t, func(ctx context.Context, send sender) {
			every(ctx, 5*time.Millisecond, func(int) error { return send("NOTICE", "hello") })
		}, nil)
		l := testLimits()
		l.ConnTime, l.ReqTime = 500*time.Millisecond, 500*time.Millisecond
		c := dial(t, url, l, nil)
		for {
			_, err := c.Recv(context.Background())
			if err != nil {
				if !errors.Is(err, ErrConnTime) {
					t.Fatalf("err = %v, want %v", err, ErrConnTime)
				}
				return
			}
		}
	})
}

// TestHostileExchanges: Publish, Count, Auth and NegIDs are bounded too.
func TestHostileExchanges(t *testing.T) {
	drip := rawRelay(t, func(ctx context.Context, send sender) {
		every(ctx, 5*time.Millisecond, func(int) error { return send("NOTICE", "hello") })
	}, nil)
	ctx := context.Background()
	sign := func(_ context.Context, ev *nostr.Event) error { return ev.Sign(nostr.GeneratePrivateKey()) }
	c := dial(t, drip, testLimits(), sign)
	ev := fakeEvent(1, time.Now().Unix())
	if err := c.Publish(ctx, &ev); !errors.Is(err, ErrNoAnswer) {
		t.Errorf("publish: %v, want %v", err, ErrNoAnswer)
	}
	if _, err := c.Count(ctx, "c", nostr.Filter{}); !errors.Is(err, ErrNoAnswer) {
		t.Errorf("count: %v, want %v", err, ErrNoAnswer)
	}
	if err := c.Auth(ctx); !errors.Is(err, ErrAuth) || !errors.Is(err, ErrNoAnswer) {
		t.Errorf("auth: %v, want %v and %v", err, ErrAuth, ErrNoAnswer)
	}
	if _, err := c.NegIDs(ctx, nostr.Filter{}); !errors.Is(err, ErrNegUnsupported) {
		t.Errorf("neg: %v, want %v", err, ErrNegUnsupported)
	}
}

// TestAuthRetriedAfterCallerDeadline: an AUTH cut short by the caller's
// deadline is not the connection's verdict; one the relay ends is.
func TestAuthRetriedAfterCallerDeadline(t *testing.T) {
	url := rawRelay(t, func(ctx context.Context, send sender) {
		time.Sleep(150 * time.Millisecond) // the challenge comes late
		_ = send("AUTH", "late")
	}, nil)
	sign := func(_ context.Context, ev *nostr.Event) error { return ev.Sign(nostr.GeneratePrivateKey()) }
	c := dial(t, url, testLimits(), sign)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := c.Auth(short); err == nil {
		t.Fatal("auth within 20ms: want an error")
	}
	// The relay never answers our AUTH: first_answer ends it, for good.
	if err := c.Auth(context.Background()); !errors.Is(err, ErrAuth) || !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("auth: %v, want %v and %v", err, ErrAuth, ErrNoAnswer)
	}
	if c.Challenge() != "late" {
		t.Errorf("challenge %q, want the late one", c.Challenge())
	}
	if err := c.Auth(context.Background()); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("second auth: %v, want the first verdict again", err)
	}
}
