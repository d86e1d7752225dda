package discovery

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

func testValidatorConfig() ValidatorConfig {
	c := DefaultValidatorConfig()
	c.Timeout = 2 * time.Second
	c.Concurrency = 4
	c.BatchSize = 3 // several batches per cycle
	return c
}

func addCandidates(t *testing.T, s archive.Store, urls ...string) {
	t.Helper()
	var cs []schema.Candidate
	for _, u := range urls {
		cs = append(cs, schema.Candidate{URL: schema.MustRelayURL(u), Network: schema.Clearnet})
	}
	if _, err := s.AddCandidates(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
}

func TestValidatorPromotesOnlyRelays(t *testing.T) {
	relays := map[string]string{
		"healthy":       newRelay(t, nil, relayOpts{}),
		"auth-required": newRelay(t, nil, relayOpts{authRequired: true}),
		"auth-challenge": newRelay(t, []*nostr.Event{signed(t, 1, 1700000000, nil, "x")},
			relayOpts{challenge: true, authRequired: true}),
	}
	notRelays := map[string]string{
		ReasonNotNostr + "/echo":         newEcho(t),
		ReasonNotNostr + "/junk":         newJunk(t),
		ReasonSilent:                     newSilent(t),
		ReasonUnreachable + "/http-only": newHTTPOnly(t),
		ReasonUnreachable + "/dead":      deadURL(t),
	}
	s := openStore(t)
	for _, m := range []map[string]string{relays, notRelays} {
		for _, u := range m {
			addCandidates(t, s, u)
		}
	}
	v, err := NewValidator(testValidatorConfig(), s, newTransport(t, true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := v.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range relays {
		want = append(want, u)
	}
	slices.Sort(want)
	if got := relayURLs(t, s); !slices.Equal(got, want) {
		t.Errorf("promoted %v, want %v", got, want)
	}
	left := candidates(t, s)
	wantReasons := map[string]int{}
	for name, u := range notRelays {
		c, ok := left[u]
		if !ok || c.Failures != 1 || c.LastAttempt.IsZero() {
			t.Errorf("%s: candidate %+v (present %v), want one recorded failure", name, c, ok)
		}
		reason, _, _ := strings.Cut(name, "/")
		wantReasons[reason]++
	}
	if len(left) != len(notRelays) {
		t.Errorf("%d candidates left, want %d: promotion must delete the candidate", len(left), len(notRelays))
	}
	for r, n := range wantReasons {
		if stats.Reasons[r] != n {
			t.Errorf("reason %s = %d, want %d (all: %v)", r, stats.Reasons[r], n, stats.Reasons)
		}
	}
	if stats.Probed[schema.Clearnet] != len(relays)+len(notRelays) || stats.Promoted[schema.Clearnet] != len(relays) {
		t.Errorf("stats %+v", stats)
	}
}

func TestValidatorRefusedByGuard(t *testing.T) {
	s := openStore(t)
	u := newRelay(t, nil, relayOpts{})
	addCandidates(t, s, u)
	v, err := NewValidator(testValidatorConfig(), s, newTransport(t, false), Options{})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := v.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Reasons[ReasonRefused] != 1 || len(relayURLs(t, s)) != 0 {
		t.Errorf("loopback relay with allow_private off: stats %+v, relays %v", stats, relayURLs(t, s))
	}
}

func TestBackoff(t *testing.T) {
	base, max := time.Minute, time.Hour
	for f, want := range map[int]time.Duration{
		-1: 0, 0: 0, 1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 6: 32 * time.Minute,
		7: time.Hour, 8: time.Hour, 1000: time.Hour,
	} {
		if got := backoff(f, base, max); got != want {
			t.Errorf("backoff(%d) = %v, want %v", f, got, want)
		}
	}
}

// TestDueCandidatesOrderAndBackoff checks selection against the real store:
// only candidates whose own backoff has elapsed, fewest failures first, then
// oldest attempt, across backoff tiers.
func TestDueCandidatesOrderAndBackoff(t *testing.T) {
	s := openStore(t)
	now := time.Unix(1_800_000_000, 0)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	cands := []schema.Candidate{
		{URL: schema.MustRelayURL("wss://new.example"), Failures: 0},
		{URL: schema.MustRelayURL("wss://f1-due.example"), Failures: 1, LastAttempt: ago(11 * time.Minute)},
		{URL: schema.MustRelayURL("wss://f1-older.example"), Failures: 1, LastAttempt: ago(50 * time.Minute)},
		{URL: schema.MustRelayURL("wss://f1-wait.example"), Failures: 1, LastAttempt: ago(9 * time.Minute)},
		{URL: schema.MustRelayURL("wss://f2-wait.example"), Failures: 2, LastAttempt: ago(15 * time.Minute)},
		{URL: schema.MustRelayURL("wss://f2-due.example"), Failures: 2, LastAttempt: ago(21 * time.Minute)},
		{URL: schema.MustRelayURL("wss://f9-due.example"), Failures: 9, LastAttempt: ago(25 * time.Hour)},
		{URL: schema.MustRelayURL("wss://f9-wait.example"), Failures: 9, LastAttempt: ago(23 * time.Hour)},
	}
	for i := range cands {
		cands[i].Network = schema.Clearnet
		cands[i].AddedAt = ago(48 * time.Hour)
	}
	ctx := context.Background()
	if _, err := s.AddCandidates(ctx, cands); err != nil {
		t.Fatal(err)
	}
	cfg := testValidatorConfig()
	cfg.RetryBase, cfg.RetryMax = 10*time.Minute, 24*time.Hour
	v, err := NewValidator(cfg, s, newTransport(t, true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"wss://new.example", "wss://f1-older.example", "wss://f1-due.example", "wss://f2-due.example", "wss://f9-due.example"}
	for limit := 1; limit <= len(want)+1; limit++ {
		got, err := v.dueCandidates(ctx, schema.Clearnet, now, limit, nil)
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, c := range got {
			urls = append(urls, c.URL.String())
		}
		if w := want[:min(limit, len(want))]; !slices.Equal(urls, w) {
			t.Errorf("limit %d: got %v, want %v", limit, urls, w)
		}
	}
}

// TestValidatorDropsAfterMaxFailures runs cycles on an injected clock: the
// dead candidate is retried only once its backoff has passed and dropped at
// max_failures.
func TestValidatorDropsAfterMaxFailures(t *testing.T) {
	s := openStore(t)
	dead := deadURL(t)
	addCandidates(t, s, dead)
	now := time.Unix(1_800_000_000, 0)
	cfg := testValidatorConfig()
	cfg.RetryBase, cfg.RetryMax, cfg.MaxFailures = time.Minute, 4*time.Minute, 3
	v, err := NewValidator(cfg, s, newTransport(t, true), Options{Options: loop.Options{Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance  time.Duration
		probed   int
		failures int // 0: dropped
	}{
		{0, 1, 1},
		{30 * time.Second, 0, 1}, // backoff 1m not over
		{31 * time.Second, 1, 2},
		{time.Minute, 0, 2}, // backoff 2m not over
		{time.Minute, 1, 0}, // third failure: dropped
	}
	for i, step := range steps {
		now = now.Add(step.advance)
		stats, err := v.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c, ok := candidates(t, s)[dead]
		if stats.Probed[schema.Clearnet] != step.probed || (step.failures == 0) == ok || c.Failures != step.failures {
			t.Fatalf("step %d: probed %d, candidate %+v present %v; want probed %d failures %d",
				i, stats.Probed[schema.Clearnet], c, ok, step.probed, step.failures)
		}
	}
}

func TestValidatorConfigValidate(t *testing.T) {
	if err := DefaultValidatorConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c := DefaultValidatorConfig()
	c.Interval, c.Concurrency, c.RetryMax, c.MaxFailures = 0, 0, time.Second, 0
	err := c.Validate()
	for _, key := range []string{"validator.interval", "validator.concurrency", "validator.retry_max", "validator.max_failures"} {
		if err == nil || !strings.Contains(err.Error(), key+":") {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}
