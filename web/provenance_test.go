package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
)

// The fixture's provenance: one event seen on two relays, and alpha's
// first-seen list of three events, paged by their cursors.
var (
	provID     = strings.Repeat("ab", 32)
	provRelays = []EventRelay{{URL: "wss://alpha.example.com", FirstSeen: clock.Add(-time.Hour)},
		{URL: "wss://unlisted.example.com", FirstSeen: clock.Add(-time.Minute)}}
	provFirst = []FirstSeenEvent{
		{ID: strings.Repeat("01", 32), PubKey: strings.Repeat("0f", 32), Kind: 1, CreatedAt: clock.Add(-3 * time.Hour), FirstSeen: clock.Add(-time.Hour), Cursor: EventCursor{SeenAt: 300, Seq: 9}},
		{ID: strings.Repeat("02", 32), PubKey: strings.Repeat("0f", 32), Kind: 7, CreatedAt: clock.Add(-4 * time.Hour), FirstSeen: clock.Add(-2 * time.Hour), Cursor: EventCursor{SeenAt: 200, Seq: 8}},
		{ID: strings.Repeat("03", 32), PubKey: strings.Repeat("0e", 32), Kind: 0, CreatedAt: clock.Add(-5 * time.Hour), FirstSeen: clock.Add(-3 * time.Hour), Cursor: EventCursor{SeenAt: 100, Seq: 7}},
	}
)

func (f *fixture) EventRelays(ctx context.Context, id string) ([]EventRelay, error) {
	if f.err != nil {
		return nil, f.err
	}
	if id != provID {
		return nil, ErrNotFound
	}
	return provRelays, nil
}

func (f *fixture) FirstSeen(ctx context.Context, relay string, after EventCursor, limit int) ([]FirstSeenEvent, error) {
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.details[relay]; !ok {
		return nil, errors.Join(errors.New("relay "+relay), ErrNotFound)
	}
	if relay != f.relays[0].URL {
		return nil, nil
	}
	var out []FirstSeenEvent
	for _, e := range provFirst {
		if (after == EventCursor{} || e.Cursor.SeenAt < after.SeenAt) && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func TestProvenanceAPI(t *testing.T) {
	v := apitest.New(t, OpenAPI())
	f := newFixture()
	h := newTestHandler(t, f)
	alpha := "/api/v1/relays/" + url.PathEscape(f.relays[0].URL) + "/first-seen"
	for _, c := range []struct {
		target string
		code   int
		valid  bool
	}{
		{"/api/v1/events/" + provID + "/relays", 200, true},
		{"/api/v1/events/" + strings.ToUpper(provID) + "/relays", 200, true},
		{"/api/v1/events/" + strings.Repeat("cd", 32) + "/relays", 404, true},
		{"/api/v1/events/xyz/relays", 400, true},
		{alpha, 200, true},
		{alpha + "?limit=2", 200, true},
		{alpha + "?limit=2&after=200-8", 200, true},
		{alpha + "?limit=0", 400, false},
		{alpha + "?after=yesterday", 400, false},
		{"/api/v1/relays/" + url.PathEscape(f.relays[3].URL) + "/first-seen", 200, true},
		{"/api/v1/relays/" + url.PathEscape("wss://unknown.example.com") + "/first-seen", 404, true},
	} {
		code, body := v.Check(t, apitest.Handler(h), c.target, c.valid)
		if code != c.code {
			t.Errorf("%s: status %d, want %d: %s", c.target, code, c.code, body)
		}
	}

	_, body := v.Check(t, apitest.Handler(h), "/api/v1/events/"+provID+"/relays", true)
	var p EventProvenance
	if err := json.Unmarshal(body, &p); err != nil || p.ID != provID || len(p.Relays) != 2 || p.Relays[1].URL != "wss://unlisted.example.com" {
		t.Errorf("event relays = %+v, %v", p, err)
	}
	// Paging: 2 then 1, the second page's next is null.
	var page FirstSeenPage
	_, body = v.Check(t, apitest.Handler(h), alpha+"?limit=2", true)
	if err := json.Unmarshal(body, &page); err != nil || len(page.Events) != 2 || page.Next == nil || *page.Next != "200-8" {
		t.Fatalf("first page = %s (%v)", body, err)
	}
	_, body = v.Check(t, apitest.Handler(h), alpha+"?limit=2&after="+*page.Next, true)
	page = FirstSeenPage{}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Events) != 1 || page.Events[0].ID != provFirst[2].ID || page.Next != nil {
		t.Errorf("second page = %s (%v)", body, err)
	}

	broken := newFixture()
	broken.err = errors.New("database on fire")
	if code, _ := v.Check(t, apitest.Handler(newTestHandler(t, broken)), "/api/v1/events/"+provID+"/relays", true); code != 500 {
		t.Errorf("failing source: status %d, want 500", code)
	}
}

func TestProvenancePages(t *testing.T) {
	f := newFixture()
	h := newTestHandler(t, f)
	res, page := get(t, h, "/")
	if res.StatusCode != 200 || !strings.Contains(page, `<form class="search" id="event-search" method="get" action="/event">`) {
		t.Errorf("no event search box in the header:\n%s", page)
	}
	res, page = get(t, h, "/event?id=+"+strings.ToUpper(provID)+"+")
	if res.StatusCode != 200 || !strings.Contains(page, `Seen on 2 relays`) ||
		!strings.Contains(page, `<a href="/relay?url=wss%3A%2F%2Funlisted.example.com">wss://unlisted.example.com</a>`) {
		t.Errorf("event page: %d\n%s", res.StatusCode, page)
	}
	if res, page = get(t, h, "/event?id="+strings.Repeat("cd", 32)); res.StatusCode != 404 || !strings.Contains(page, "no event with this id") {
		t.Errorf("unknown event: %d\n%s", res.StatusCode, page)
	}
	if res, page = get(t, h, "/event?id=nope"); res.StatusCode != 400 || !strings.Contains(page, "64 hex characters") {
		t.Errorf("malformed id: %d\n%s", res.StatusCode, page)
	}

	relay := "/relay?url=" + url.QueryEscape(f.relays[0].URL)
	_, page = get(t, h, relay+"&limit=2")
	if strings.Count(page, `<a class="id" href="/event?id=`) != 2 || !strings.Contains(page, `rel="next" href="/relay?after=200-8&amp;url=wss%3A%2F%2Falpha.example.com#first-seen"`) {
		t.Errorf("relay page, first-seen page 1:\n%s", page)
	}
	_, page = get(t, h, relay+"&limit=2&after=200-8")
	if strings.Count(page, `<a class="id" href="/event?id=`) != 1 || strings.Contains(page, `rel="next"`) || !strings.Contains(page, `>newest</a>`) {
		t.Errorf("relay page, first-seen page 2:\n%s", page)
	}
	_, page = get(t, h, relay+"&after=bad")
	if !strings.Contains(page, `<p class="error">after: want a cursor`) || !strings.Contains(page, `id="relay-facts"`) {
		t.Errorf("a bad cursor should be shown in the section, the page kept:\n%s", page)
	}
	_, page = get(t, h, "/relay?url="+url.QueryEscape(f.relays[3].URL))
	if !strings.Contains(page, "every event archived from this relay was seen elsewhere first") {
		t.Errorf("relay without first-seen events:\n%s", page)
	}
}

// A Source without provenance still serves everything else.
func TestProvenanceAbsent(t *testing.T) {
	f := newFixture()
	h, err := New(Options{Source: struct{ Source }{f}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := get(t, h, "/api/v1/events/"+provID+"/relays"); res.StatusCode != 404 {
		t.Errorf("status %d, want 404", res.StatusCode)
	}
	if res, page := get(t, h, "/relay?url="+url.QueryEscape(f.relays[0].URL)); res.StatusCode != 200 || strings.Contains(page, "first-seen") {
		t.Errorf("relay page without provenance: %d", res.StatusCode)
	}
}

// FuzzEventParams: the cursor and id parsers take any text; what they
// accept prints back to itself.
func FuzzEventParams(f *testing.F) {
	f.Add("1700000040-123", provID)
	f.Add("-1-2", " "+strings.ToUpper(provID)+" ")
	f.Add("9223372036854775807-18446744073709551615", "zz")
	f.Fuzz(func(t *testing.T, cursor, id string) {
		if c, err := parseEventCursor(cursor); err == nil && cursor != "" {
			back, err := parseEventCursor(c.String())
			if err != nil || back != c {
				t.Fatalf("cursor %q -> %+v -> %q -> %+v, %v", cursor, c, c.String(), back, err)
			}
		}
		if got, err := parseEventID(id); err == nil {
			if again, err := parseEventID(got); err != nil || again != got || len(got) != 64 {
				t.Fatalf("id %q -> %q -> %q, %v", id, got, again, err)
			}
		}
	})
}
