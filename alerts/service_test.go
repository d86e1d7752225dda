package alerts

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip17"
	"github.com/nbd-wtf/go-nostr/nip59"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

type user struct {
	nostr.Keyer
	pk string
}

func newUser(t *testing.T) user {
	k, err := Keyer(nostr.GeneratePrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := k.GetPublicKey(context.Background())
	return user{k, pk}
}

// harness is a service over a real embedded archive that knows one relay,
// run step by step (no Run loop), with what it publishes captured.
type harness struct {
	t     *testing.T
	s     *Service
	store archive.Store
	node  user
	relay schema.RelayURL
	now   time.Time

	mu   sync.Mutex
	out  []nostr.Event
	sent int
}

func newHarness(t *testing.T, maxPerDay int) *harness {
	ctx := context.Background()
	store, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Mode: archive.Full})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{t: t, store: store, relay: schema.MustRelayURL("wss://relay.example.com"),
		now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	if _, err := store.AddRelays(ctx, []schema.Relay{{URL: h.relay, Network: schema.Clearnet}}); err != nil {
		t.Fatal(err)
	}
	sk := nostr.GeneratePrivateKey()
	k, _ := Keyer(sk)
	h.node = user{k, func() string { pk, _ := nostr.GetPublicKey(sk); return pk }()}
	cfg := DefaultConfig()
	cfg.MaxPerDay = maxPerDay
	h.s, err = New(cfg, store, Options{SecretKey: sk, DownAfter: 2, Now: func() time.Time { return h.now },
		Publish: func(_ context.Context, ev *nostr.Event) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.out = append(h.out, *ev)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// operator stores a NIP-11 snapshot naming pk.
func (h *harness) operator(pk string) {
	h.t.Helper()
	data, id, err := schema.Canonical(&probe.NIP11Outcome{Status: probe.Status{Success: true}, Info: &probe.NIP11Info{PubKey: pk}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.now = h.now.Add(time.Minute)
	if _, err := h.store.SaveSnapshots(context.Background(), []schema.Snapshot{{Relay: h.relay, Type: string(probe.CheckNIP11),
		ID: id, Data: data, GeneratedAt: h.now}}); err != nil {
		h.t.Fatal(err)
	}
}

// say has u send text; it returns the wrap (to send again). Each message
// gets its own trailing blanks: the same words sent twice within a second
// would otherwise be the same rumor, which the node takes once.
func (h *harness) say(u user, text string) nostr.Event {
	h.t.Helper()
	h.sent++
	text += strings.Repeat(" ", h.sent)
	_, wrap, err := nip17.PrepareMessage(context.Background(), text, nostr.Tags{}, u, h.node.pk, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.s.handleWrap(context.Background(), &wrap)
	return wrap
}

// read returns and forgets what u was sent, decrypted.
func (h *harness) read(u user) []string {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var got []string
	keep := h.out[:0]
	for _, ev := range h.out {
		if ev.Tags.FindWithValue("p", u.pk) == nil {
			keep = append(keep, ev)
			continue
		}
		r, err := nip59.GiftUnwrap(ev, func(pk, ct string) (string, error) { return u.Decrypt(context.Background(), ct, pk) })
		if err != nil || r.PubKey != h.node.pk {
			h.t.Fatalf("DM does not open or is not from the node: %v", err)
		}
		got = append(got, r.Content)
	}
	h.out = keep
	return got
}

func (h *harness) change(kind string) {
	h.now = h.now.Add(time.Minute)
	h.s.handleChanges(context.Background(), []schema.Change{{Relay: h.relay, At: h.now, Kind: kind,
		Detail: schema.ChangeDetail{Checks: 2, Reason: "refused"}}})
}

func expectOne(t *testing.T, got []string, want string) {
	t.Helper()
	if len(got) != 1 || !strings.Contains(got[0], want) {
		t.Fatalf("DMs %q, want one containing %q", got, want)
	}
}

func TestCommandsAndAlerts(t *testing.T) {
	h := newHarness(t, 20)
	op, stranger := newUser(t), newUser(t)
	u := h.relay.String()

	h.say(op, "watch "+u)
	expectOne(t, h.read(op), "names no operator pubkey")
	h.say(op, "watch wss://other.example.com")
	expectOne(t, h.read(op), "is not a relay this node monitors")

	h.operator(op.pk)
	h.say(stranger, "watch "+u)
	expectOne(t, h.read(stranger), "refused: only the operator of "+u)
	h.say(stranger, "unwatch "+u)
	expectOne(t, h.read(stranger), "you are not watching")
	h.say(stranger, "dance")
	expectOne(t, h.read(stranger), `unknown command "dance"`)

	for _, typ := range []string{StateSeen, StateQuota} {
		if _, err := h.store.GetState(context.Background(), ServiceName, typ, stranger.pk); err == nil {
			t.Errorf("a stranger's refused commands left %s state", typ)
		}
	}

	wrap := h.say(op, "watch "+u)
	expectOne(t, h.read(op), "watching "+u)
	h.say(op, "status")
	expectOne(t, h.read(op), "you watch 1 relay(s):\n- "+u+": not checked yet")

	h.change(schema.ChangeDown)
	expectOne(t, h.read(op), u+": unreachable for 2 checks in a row (refused)")
	h.change(schema.ChangeNIPsGained) // not an alert kind
	h.s.Notify(context.Background(), []schema.Change{{Relay: h.relay, Kind: schema.ChangeNIPsLost}})
	if len(h.s.wake) != 0 {
		t.Error("a nips_lost change woke the alerts")
	}
	h.s.Notify(context.Background(), []schema.Change{{Relay: h.relay, Kind: schema.ChangeNIPsLost}, {Relay: h.relay, Kind: schema.ChangeDown}})
	if len(h.s.wake) != 1 {
		t.Error("a down change did not wake the alerts")
	}
	h.change(schema.ChangeUp)
	expectOne(t, h.read(op), u+": reachable again")
	if got := h.read(stranger); len(got) != 0 {
		t.Errorf("the stranger was told %q", got)
	}

	// The same gift wrap again, or its rumor wrapped anew, does nothing.
	h.s.handleWrap(context.Background(), &wrap)
	if got := h.read(op); len(got) != 0 {
		t.Errorf("a replayed command was answered: %q", got)
	}

	h.say(op, "unwatch "+u)
	expectOne(t, h.read(op), "stopped watching "+u)
	h.change(schema.ChangeDown)
	if got := h.read(op); len(got) != 0 {
		t.Errorf("alert after unwatch: %q", got)
	}

	// A new operator in the document ends the old one's watch.
	h.say(op, "watch "+u)
	h.read(op)
	h.operator(stranger.pk)
	h.change(schema.ChangeDown)
	if got := h.read(op); len(got) != 0 {
		t.Errorf("the former operator was alerted: %q", got)
	}
	if _, ok, _ := h.s.watch(context.Background(), h.relay); ok {
		t.Error("the former operator's watch survived")
	}
}

func TestDailyQuota(t *testing.T) {
	h := newHarness(t, 3)
	op := newUser(t)
	h.operator(op.pk)
	h.say(op, "watch "+h.relay.String()) // 1
	h.say(op, "status")                  // 2
	h.change(schema.ChangeDown)          // 3
	h.change(schema.ChangeUp)            // over the quota
	got := h.read(op)
	if len(got) != 3 || !strings.Contains(got[2], "unreachable") {
		t.Fatalf("DMs %q, want watch, status and down only", got)
	}
	h.now = h.now.Add(24 * time.Hour) // a new UTC day
	h.change(schema.ChangeUp)
	expectOne(t, h.read(op), "reachable again")
}

func TestAcceptsOnlyGiftWrapsToTheNode(t *testing.T) {
	h := newHarness(t, 3)
	other := newUser(t)
	for _, c := range []struct {
		ev   nostr.Event
		want bool
	}{
		{nostr.Event{Kind: nostr.KindGiftWrap, Tags: nostr.Tags{{"p", h.node.pk}}}, true},
		{nostr.Event{Kind: nostr.KindGiftWrap, Tags: nostr.Tags{{"p", other.pk}}}, false},
		{nostr.Event{Kind: nostr.KindGiftWrap}, false},
		{nostr.Event{Kind: nostr.KindTextNote, Tags: nostr.Tags{{"p", h.node.pk}}}, false},
	} {
		if got := h.s.Accepts(&c.ev); got != c.want {
			t.Errorf("Accepts(kind %d, tags %v) = %v", c.ev.Kind, c.ev.Tags, got)
		}
	}
}

// TestPollAlertsOnStoredChanges: the alerts read what the tracker stored,
// from a cursor: history before the first poll is not news, each change
// is DMed once, and other relays' or kinds' changes are not.
func TestPollAlertsOnStoredChanges(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, 20)
	op := newUser(t)
	other := schema.MustRelayURL("wss://other.example.com")
	if _, err := h.store.AddRelays(ctx, []schema.Relay{{URL: other, Network: schema.Clearnet}}); err != nil {
		t.Fatal(err)
	}
	h.operator(op.pk)
	h.say(op, "watch "+h.relay.String())
	h.read(op)
	save := func(cs ...schema.Change) {
		t.Helper()
		if _, err := h.store.SaveChanges(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	save(schema.Change{Relay: h.relay, At: h.now, Kind: schema.ChangeDown, Detail: schema.ChangeDetail{Checks: 2}})
	if err := h.s.poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.read(op); len(got) != 0 {
		t.Fatalf("the first poll alerted on history: %q", got)
	}
	save(schema.Change{Relay: h.relay, At: h.now, Kind: schema.ChangeUp},
		schema.Change{Relay: other, At: h.now, Kind: schema.ChangeDown},
		schema.Change{Relay: h.relay, At: h.now, Kind: schema.ChangeNIPsGained, Detail: schema.ChangeDetail{NIPs: []int{1}}},
		schema.Change{Relay: h.relay, At: h.now, Kind: schema.ChangeCertExpired})
	for range 2 {
		if err := h.s.poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := h.read(op)
	if len(got) != 2 || !strings.Contains(got[0], "reachable again") || !strings.Contains(got[1], "certificate expired") {
		t.Fatalf("DMs %q; want up then certificate expired, once each", got)
	}
}
