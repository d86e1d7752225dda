package alerts

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

func TestParseCommand(t *testing.T) {
	relay := schema.MustRelayURL("wss://relay.example.com")
	for _, c := range []struct {
		in   string
		want Command
		err  string // substring of the error; "" for none
	}{
		{"watch wss://relay.example.com", Command{Name: CmdWatch, Relay: relay}, ""},
		{"  WATCH   wss://Relay.Example.com/  \n", Command{Name: CmdWatch, Relay: relay}, ""},
		{"/watch wss://relay.example.com", Command{Name: CmdWatch, Relay: relay}, ""},
		{"unwatch wss://relay.example.com", Command{Name: CmdUnwatch, Relay: relay}, ""},
		{"status", Command{Name: CmdStatus}, ""},
		{"Help", Command{Name: CmdHelp}, ""},
		{"", Command{}, "empty message"},
		{"   ", Command{}, "empty message"},
		{"watch", Command{}, "takes one relay URL"},
		{"watch wss://a.example.com wss://b.example.com", Command{}, "takes one relay URL"},
		{"status now", Command{}, "takes no argument"},
		{"watch https://relay.example.com", Command{}, "not a command"},
		{"watch wss://127.0.0.1", Command{}, "not a command"},
		{"subscribe wss://relay.example.com", Command{}, `unknown command "subscribe"`},
		{strings.Repeat("x", maxCommand+1), Command{}, "over 4096 bytes"},
	} {
		got, err := ParseCommand(c.in, schema.ParseOptions{})
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("ParseCommand(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrCommand) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("ParseCommand(%q) error %v, want one containing %q", c.in, err, c.err)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"watch wss://relay.example.com", "status", "unwatch ws://a.onion", "/help", "", "watch \x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCommand(s, schema.ParseOptions{})
		if err == nil && (c.Name == CmdWatch || c.Name == CmdUnwatch) && c.Relay.IsZero() {
			t.Fatalf("%q: %s without a relay", s, c.Name)
		}
	})
}

func TestQuota(t *testing.T) {
	day1 := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
	var q quota
	var sent []bool
	for range 4 {
		var ok bool
		q, ok = q.take(day1, 3)
		sent = append(sent, ok)
	}
	if !reflect.DeepEqual(sent, []bool{true, true, true, false}) || q.Sent != 3 {
		t.Fatalf("day one: %v, %+v", sent, q)
	}
	q, ok := q.take(day1.Add(2*time.Minute), 3)
	if !ok || q.Sent != 1 || q.Day != "2026-12-02" {
		t.Fatalf("a new UTC day starts afresh: %v %+v", ok, q)
	}
	var w window
	start := day1
	var allowed int
	for i := range 5 {
		if w.allow(start.Add(time.Duration(i)*time.Second), 2) {
			allowed++
		}
	}
	if allowed != 2 || !w.allow(start.Add(61*time.Second), 2) {
		t.Fatalf("window allowed %d in a minute", allowed)
	}
}

func TestInboxRelays(t *testing.T) {
	dm := &nostr.Event{Kind: nostr.KindDMRelayList, Tags: nostr.Tags{{"relay", "wss://inbox.example.com"},
		{"relay", "wss://INBOX.example.com/"}, {"relay", "https://no.example.com"}, {"r", "wss://ignored.example.com"}}}
	list := &nostr.Event{Kind: nostr.KindRelayListMetadata, Tags: nostr.Tags{{"r", "wss://write.example.com", "write"},
		{"r", "wss://read.example.com", "read"}, {"r", "wss://both.example.com"}, {"r", "wss://127.0.0.1"}}}
	for _, c := range []struct {
		name     string
		dm, list *nostr.Event
		want     []string
	}{
		{"10050 wins", dm, list, []string{"wss://inbox.example.com"}},
		{"10002 read relays without 10050", nil, list, []string{"wss://read.example.com", "wss://both.example.com"}},
		{"empty 10050 falls back", &nostr.Event{Kind: nostr.KindDMRelayList}, list, []string{"wss://read.example.com", "wss://both.example.com"}},
		{"wrong kinds ignored", list, dm, nil},
		{"at most three", &nostr.Event{Kind: nostr.KindDMRelayList, Tags: nostr.Tags{{"relay", "wss://a.example.com"},
			{"relay", "wss://b.example.com"}, {"relay", "wss://c.example.com"}, {"relay", "wss://d.example.com"}}}, nil,
			[]string{"wss://a.example.com", "wss://b.example.com", "wss://c.example.com"}},
		{"none", nil, nil, nil},
	} {
		if got := inboxRelays(c.dm, c.list, schema.ParseOptions{}); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSeenTakesEachRumorOnce(t *testing.T) {
	var e seenEntry
	var ok bool
	for i, c := range []struct {
		at   int64
		id   string
		want bool
	}{
		{100, "a", true}, {100, "b", true}, {100, "a", false}, {99, "c", true}, {101, "b", false},
	} {
		if e, ok = e.take(c.at, c.id); ok != c.want {
			t.Fatalf("step %d: take(%d, %s) = %v", i, c.at, c.id, ok)
		}
	}
	for i := range keepSeen {
		e, _ = e.take(200+int64(i), string(rune('A'+i)))
	}
	if len(e.Taken) != keepSeen || e.Floor != 100 {
		t.Fatalf("kept %d, floor %d", len(e.Taken), e.Floor)
	}
	if _, ok := e.take(100, "new"); ok {
		t.Error("a rumor older than the floor was taken")
	}
}
