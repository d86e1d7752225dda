package policies

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

func TestParsePubKey(t *testing.T) {
	hex := "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
	tests := []struct{ in, want string }{
		{hex, hex},
		{" " + hex + " ", hex},
		{"npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6", hex},
		{strings.ToUpper(hex), ""},
		{"npub1bad", ""},
		{"nsec1abc", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := ParsePubKey(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParsePubKey(%q) accepted as %q", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePubKey(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestWriters(t *testing.T) {
	sk := nostr.GeneratePrivateKey()
	pk, _ := nostr.GetPublicKey(sk)
	w := NewWriters(pk)
	own := nostr.Event{PubKey: pk}
	if reject, _ := w.RejectEvent(context.Background(), &own); reject {
		t.Error("writer refused")
	}
	stranger := nostr.Event{PubKey: strings.Repeat("a", 64)}
	if reject, msg := w.RejectEvent(context.Background(), &stranger); !reject || !strings.HasPrefix(msg, "restricted: ") {
		t.Errorf("stranger: %v %q", reject, msg)
	}
	if w.Allowed("") {
		t.Error("empty pubkey allowed")
	}
}

func TestFilterLimitsNormalize(t *testing.T) {
	l := FilterLimits{MaxLimit: 100, DefaultLimit: 10, MaxValues: 3}
	tests := []struct {
		in   nostr.Filter
		want int
	}{
		{nostr.Filter{}, 10},
		{nostr.Filter{Limit: 5}, 5},
		{nostr.Filter{Limit: 1000}, 100},
		{nostr.Filter{Limit: -3}, 10},
		{nostr.Filter{LimitZero: true}, NoStoredEvents},
	}
	for _, tt := range tests {
		f := tt.in
		l.Normalize(context.Background(), &f)
		if f.Limit != tt.want || f.LimitZero {
			t.Errorf("Normalize(%+v) limit = %d (zero %v), want %d", tt.in, f.Limit, f.LimitZero, tt.want)
		}
	}
}

func TestFilterLimitsCheck(t *testing.T) {
	l := FilterLimits{MaxLimit: 100, DefaultLimit: 10, MaxValues: 2}
	hex := strings.Repeat("a", 64)
	tests := []struct {
		f      nostr.Filter
		prefix string
	}{
		{nostr.Filter{IDs: []string{hex}, Authors: []string{hex}, Tags: nostr.TagMap{"e": {"x"}, "Z": {"y"}}}, ""},
		{nostr.Filter{IDs: []string{"abc"}}, "invalid: "},
		{nostr.Filter{Authors: []string{strings.ToUpper(hex)}}, "invalid: "},
		{nostr.Filter{Tags: nostr.TagMap{"ee": {"x"}}}, "unsupported: "},
		{nostr.Filter{Tags: nostr.TagMap{"1": {"x"}}}, "unsupported: "},
		{nostr.Filter{Search: "x"}, "unsupported: "},
		{nostr.Filter{Kinds: []int{1, 2, 3}}, "blocked: "},
		{nostr.Filter{Tags: nostr.TagMap{"p": {"1", "2", "3"}}}, "blocked: "},
	}
	for _, tt := range tests {
		got := l.Check(tt.f)
		if (tt.prefix == "" && got != "") || !strings.HasPrefix(got, tt.prefix) {
			t.Errorf("Check(%v) = %q, want prefix %q", tt.f, got, tt.prefix)
		}
	}
}

func TestEventRules(t *testing.T) {
	now := time.Unix(1000, 0)
	exp := RejectExpired(func() time.Time { return now })
	caps := EventCaps{MaxTags: 2, MaxContentLength: 3}
	tests := []struct {
		name   string
		rule   func(context.Context, *nostr.Event) (bool, string)
		ev     nostr.Event
		reject bool
	}{
		{"expired", exp, nostr.Event{Tags: nostr.Tags{{"expiration", "999"}}}, true},
		{"expires now", exp, nostr.Event{Tags: nostr.Tags{{"expiration", "1000"}}}, true},
		{"expires later", exp, nostr.Event{Tags: nostr.Tags{{"expiration", "1001"}}}, false},
		{"bad expiration ignored", exp, nostr.Event{Tags: nostr.Tags{{"expiration", "soon"}}}, false},
		{"too many tags", caps.Reject, nostr.Event{Tags: nostr.Tags{{"a"}, {"b"}, {"c"}}}, true},
		{"content in characters", caps.Reject, nostr.Event{Content: "äöü"}, false},
		{"content too long", caps.Reject, nostr.Event{Content: "abcd"}, true},
		{"d without value", RejectMalformed, nostr.Event{Kind: 30000, Tags: nostr.Tags{{"d"}}}, true},
		{"empty tag is fine", RejectMalformed, nostr.Event{Tags: nostr.Tags{{}, {}}}, false},
	}
	for _, tt := range tests {
		reject, msg := tt.rule(context.Background(), &tt.ev)
		if reject != tt.reject || (reject && !strings.Contains(msg, ": ")) {
			t.Errorf("%s: reject=%v %q", tt.name, reject, msg)
		}
	}
}

func TestConnLimiter(t *testing.T) {
	l := NewConnLimiter(2)
	r := &http.Request{RemoteAddr: "203.0.113.5:1234", Header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}}
	rel1, ok1 := l.Acquire(r)
	_, ok2 := l.Acquire(r)
	_, ok3 := l.Acquire(r)
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("acquire: %v %v %v", ok1, ok2, ok3)
	}
	if l.Count("203.0.113.5") != 2 {
		t.Fatal("a public peer's X-Forwarded-For must not be trusted")
	}
	rel1()
	rel1() // idempotent
	if _, ok := l.Acquire(r); !ok || l.Count("203.0.113.5") != 2 {
		t.Fatal("release did not free exactly one slot")
	}
	proxied := &http.Request{RemoteAddr: "127.0.0.1:999", Header: http.Header{"X-Forwarded-For": {"198.51.100.7"}}}
	if ClientIP(proxied) != "198.51.100.7" {
		t.Fatalf("behind a local proxy: %s", ClientIP(proxied))
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewRateLimiter(2, 3, func() time.Time { return now })
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if l.Allow("a") {
		t.Fatal("fourth request in the same instant allowed")
	}
	if !l.Allow("b") {
		t.Fatal("another IP shares the bucket")
	}
	now = now.Add(500 * time.Millisecond) // one token at 2/s
	if !l.Allow("a") || l.Allow("a") {
		t.Fatal("refill: want exactly one more after 0.5s at 2/s")
	}
	now = now.Add(time.Hour)
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("after an hour, request %d refused (burst caps the saving at 3)", i+1)
		}
	}
	if l.Allow("a") {
		t.Fatal("saved more than the burst")
	}
	if !NewRateLimiter(0, 0, nil).Allow("a") {
		t.Fatal("rate 0 must be unlimited")
	}
}
