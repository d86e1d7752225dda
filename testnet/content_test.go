package testnet

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

func TestContent(t *testing.T) {
	o := Options{Relays: 80, Seed: 13}.withDefaults()
	plans := makePlans(o)
	for i, p := range plans {
		p.port = 20000 + i
		p.buildURL()
	}
	c := generateContent(o, plans)
	kinds := map[int]int{}
	holders := map[string]int{}
	markers := map[string]bool{}
	variants, legacy := 0, 0
	for _, p := range plans {
		for _, ev := range c.perRelay[p.idx] {
			holders[ev.ID]++
			cls := c.class[ev.ID]
			sigOK, _ := ev.CheckSignature()
			valid := sigOK && ev.CheckID()
			if valid != (cls != classInvalid) {
				t.Fatalf("event %s: class %d, valid %v", ev.ID, cls, valid)
			}
			if cls != classValid {
				continue
			}
			kinds[ev.Kind]++
			if carriesURLs(ev) && !p.listSource() {
				t.Errorf("%s holds URL-carrying kind %d but is not a list source", p.url, ev.Kind)
			}
			if ev.CreatedAt.Time().After(o.BaseTime) {
				t.Errorf("valid event %s dated after base time", ev.ID)
			}
			for _, tg := range ev.Tags {
				if ev.Kind == 10002 && len(tg) == 3 {
					markers[tg[2]] = true
				}
			}
			if ev.Kind == 3 && ev.Content != "" {
				var m map[string]struct{ Read, Write bool }
				if json.Unmarshal([]byte(ev.Content), &m) != nil {
					t.Errorf("kind 3 content is not a relay map: %q", ev.Content)
				}
				legacy++
			}
			for _, u := range extractURLs(ev, true) {
				info, ok := c.urls[u]
				if !ok {
					t.Errorf("unclassified URL %q", u)
				}
				if info.kind == URLRelay && info.canonical != u {
					variants++
				}
			}
		}
	}
	for _, k := range []int{0, 1, 2, 3, 7, 10002, 30023} {
		if kinds[k] == 0 {
			t.Errorf("no kind %d events", k)
		}
	}
	if !markers["read"] || !markers["write"] || legacy == 0 || variants == 0 {
		t.Errorf("markers %v, legacy maps %d, variant spellings %d", markers, legacy, variants)
	}
	shared := 0
	for _, n := range holders {
		if n > 1 {
			shared++
		}
	}
	if shared == 0 {
		t.Errorf("no event is on more than one relay")
	}
	// The huge and far-future events are what their class says.
	for _, p := range plans {
		for _, ev := range c.perRelay[p.idx] {
			switch c.class[ev.ID] {
			case classHuge:
				if len(ev.Content) < 2<<20 {
					t.Errorf("huge event of %d bytes", len(ev.Content))
				}
			case classFuture:
				if ev.CreatedAt.Time().Before(time.Now().AddDate(15, 0, 0)) {
					t.Errorf("future event at %v", ev.CreatedAt.Time())
				}
			}
		}
	}
}

func FuzzExtractURLs(f *testing.F) {
	f.Add(3, `{"wss://a.testnet":{"read":true}}`, "p", "wss://b.testnet")
	f.Add(10002, "", "r", "wss://c.testnet")
	f.Add(2, " wss://d.testnet\n", "e", "")
	f.Add(1, "[1,2", "a", "30023:x:y")
	f.Fuzz(func(t *testing.T, kind int, content, tag, val string) {
		ev := &nostr.Event{Kind: kind, Content: content, Tags: nostr.Tags{{tag, val, val}, {tag, val}, {tag}}}
		lists := extractURLs(ev, false)
		all := extractURLs(ev, true)
		if len(all) < len(lists) {
			t.Fatalf("hints removed URLs: %v vs %v", all, lists)
		}
		for _, u := range all {
			if u == "" {
				t.Fatalf("empty URL extracted from %+v", ev)
			}
		}
	})
}
