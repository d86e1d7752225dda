package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// The fixture's changes: each relay i went down (id 2i+1) and came back
// (id 2i+2); its uptime is three days, the middle one half down.
func (f *fixture) allChanges() []Change {
	var out []Change
	for i := len(f.relays) - 1; i >= 0; i-- {
		u := f.relays[i].URL
		out = append(out,
			Change{ID: int64(2*i + 2), Relay: u, At: clock.Add(-time.Duration(100-2*i-2) * time.Hour), Kind: "up", Summary: "reachable again"},
			Change{ID: int64(2*i + 1), Relay: u, At: clock.Add(-time.Duration(100-2*i-1) * time.Hour), Kind: "down",
				Summary: "unreachable for 2 checks in a row (refused)", Detail: schema.ChangeDetail{Reason: "refused", Checks: 2}})
	}
	return out
}

func (f *fixture) Changes(_ context.Context, u string, before int64, limit int) ([]Change, error) {
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.details[u]; u != "" && !ok {
		return nil, errors.Join(errors.New("relay "+u), ErrNotFound)
	}
	var out []Change
	for _, c := range f.allChanges() {
		if (u == "" || c.Relay == u) && (before == 0 || c.ID < before) && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fixture) Uptime(_ context.Context, urls []string, since time.Time) (map[string][]UptimeDay, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := map[string][]UptimeDay{}
	today := utcDay(clock)
	for _, u := range urls {
		out[u] = []UptimeDay{
			{Day: today.AddDate(0, 0, -2), Checks: 24, Reachable: 24},
			{Day: today.AddDate(0, 0, -1), Checks: 24, Reachable: 12},
			{Day: today, Checks: 12, Reachable: 12},
		}
	}
	return out, nil
}

// sourceOnly hides the fixture's ChangeSource methods.
type sourceOnly struct{ Source }

func TestChangesAPIMatchesOpenAPI(t *testing.T) {
	v := apitest.New(t, OpenAPI())
	f := newFixture()
	h := newTestHandler(t, f)
	alpha := "/api/v1/relays/" + url.PathEscape(f.relays[0].URL) + "/changes"
	for _, c := range []struct {
		target string
		code   int
		valid  bool
	}{
		{alpha, 200, true},
		{alpha + "?limit=1", 200, true},
		{alpha + "?limit=1&before=2", 200, true},
		{alpha + "?limit=0", 400, false},
		{alpha + "?limit=501", 400, false},
		{alpha + "?before=x", 400, false},
		{"/api/v1/relays/" + url.PathEscape("wss://unknown.example.com") + "/changes", 404, true},
		{"/api/v1/changes", 200, true},
		{"/api/v1/changes?limit=3", 200, true},
		{strings.TrimSuffix(alpha, "/changes") + "/uptime", 200, true},
		{strings.TrimSuffix(alpha, "/changes") + "/uptime?days=2", 200, true},
		{strings.TrimSuffix(alpha, "/changes") + "/uptime?days=91", 400, false},
		{"/api/v1/relays/" + url.PathEscape("wss://unknown.example.com") + "/uptime", 404, true},
	} {
		code, body := v.Check(t, apitest.Handler(h), c.target, c.valid)
		if code != c.code {
			t.Errorf("%s: status %d, want %d: %s", c.target, code, c.code, body)
		}
	}
	// Paging walks every change of the relay once, newest first.
	var ids []int64
	next := alpha + "?limit=1"
	for next != "" {
		_, body := get(t, h, next)
		var p ChangePage
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Changes {
			ids = append(ids, c.ID)
		}
		next = ""
		if p.NextBefore != nil {
			next = alpha + "?limit=1&before=" + itoa64(*p.NextBefore)
		}
	}
	if len(ids) != 2 || ids[0] != 2 || ids[1] != 1 {
		t.Errorf("paged ids %v, want [2 1]", ids)
	}
	// Without a ChangeSource the endpoints say so.
	bare := newTestHandler(t, sourceOnly{f})
	for _, target := range []string{alpha, "/api/v1/changes", "/feeds/changes.atom"} {
		if res, _ := get(t, bare, target); res.StatusCode != http.StatusNotFound {
			t.Errorf("no change source: %s answered %d", target, res.StatusCode)
		}
	}
	broken := newFixture()
	broken.err = errors.New("database on fire")
	if code, body := v.Check(t, apitest.Handler(newTestHandler(t, broken)), alpha, true); code != 500 || strings.Contains(string(body), "fire") {
		t.Errorf("failing source: %d %s", code, body)
	}
}

func TestUptimeAPI(t *testing.T) {
	f := newFixture()
	h := newTestHandler(t, f)
	_, body := get(t, h, "/api/v1/relays/"+url.PathEscape(f.relays[0].URL)+"/uptime")
	var u RelayUptime
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Days) != 3 || u.Uptime == nil || *u.Uptime != 48.0/60 || !u.Since.Equal(utcDay(clock).AddDate(0, 0, -89)) {
		t.Errorf("uptime %+v", u)
	}
}

func TestAtomFeeds(t *testing.T) {
	f := newFixture()
	h := newTestHandler(t, f)
	read := func(target string) atomFeed {
		t.Helper()
		res, body := get(t, h, target)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("%s: %d %s", target, res.StatusCode, res.Header.Get("Content-Type"))
		}
		var feed atomFeed
		if err := xml.Unmarshal([]byte(body), &feed); err != nil {
			t.Fatalf("%s: %v\n%s", target, err, body)
		}
		return feed
	}
	all := read("/feeds/changes.atom")
	if len(all.Entries) != 2*len(f.relays) || all.Updated != clock.Add(-time.Duration(100-2*len(f.relays))*time.Hour).Format(time.RFC3339) {
		t.Errorf("all-relays feed: %d entries, updated %s", len(all.Entries), all.Updated)
	}
	one := read("/feeds/relay.atom?url=" + url.QueryEscape(f.relays[0].URL))
	want := []string{"wss://alpha.example.com: reachable again", "wss://alpha.example.com: unreachable for 2 checks in a row (refused)"}
	if len(one.Entries) != 2 || one.Entries[0].Title != want[0] || one.Entries[1].Title != want[1] {
		t.Fatalf("relay feed entries %+v, want titles %q", one.Entries, want)
	}
	if e := one.Entries[0]; e.ID != "urn:bigbrotr:ab12:change:2" || e.Category.Term != "up" ||
		e.Link.Href != "http://example.com/relay?url=wss%3A%2F%2Falpha.example.com" {
		t.Errorf("entry %+v", e)
	}
	if res, body := get(t, h, "/feeds/changes.atom", "X-Forwarded-Proto", "https"); res.StatusCode != 200 ||
		!strings.Contains(body, `href="https://example.com/relay?url=`) {
		t.Errorf("behind a TLS proxy the links stay http: %s", body[:min(len(body), 400)])
	}
	if one.ID == all.ID || !strings.Contains(one.Title, "alpha") {
		t.Errorf("relay feed id %q title %q", one.ID, one.Title)
	}
	for target, code := range map[string]int{
		"/feeds/relay.atom": 400, "/feeds/relay.atom?url=" + url.QueryEscape("wss://unknown.example.com"): 404,
	} {
		if res, _ := get(t, h, target); res.StatusCode != code {
			t.Errorf("%s: %d, want %d", target, res.StatusCode, code)
		}
	}
}

var rectFill = regexp.MustCompile(`<rect class="day" [^>]*fill="(#[0-9a-f]{6})"`)

func TestUptimeBar(t *testing.T) {
	f := newFixture()
	days, _ := f.Uptime(context.Background(), []string{"x"}, time.Time{})
	svg := string(uptimeBar(days["x"], clock))
	fills := rectFill.FindAllStringSubmatch(svg, -1)
	if len(fills) != uptimeDays {
		t.Fatalf("%d bars, want %d", len(fills), uptimeDays)
	}
	if got := []string{fills[87][1], fills[88][1], fills[89][1], fills[0][1]}; strings.Join(got, " ") != "#2ca02c #d62728 #2ca02c "+upNoData {
		t.Errorf("colours of the last three days and the first: %v", got)
	}
	if !strings.Contains(svg, "<title>80.0% uptime over the last 90 days (48 of 60 checks)</title>") {
		t.Errorf("summary title missing: %s", svg[:300])
	}
	if !strings.Contains(string(uptimeBar(nil, clock)), "no checks in the last 90 days") {
		t.Error("an empty bar does not say so")
	}
}

func TestPagesShowChanges(t *testing.T) {
	f := newFixture()
	h := newTestHandler(t, f)
	_, page := get(t, h, "/relay?url="+url.QueryEscape(f.relays[0].URL))
	for _, want := range []string{`id="uptime-bar"`, `class="uptime-bar"`, `<td>reachable again</td>`,
		`href="/feeds/relay.atom?url=wss%3A%2F%2Falpha.example.com"`, `type="application/atom+xml"`} {
		if !strings.Contains(page, want) {
			t.Errorf("relay page lacks %s", want)
		}
	}
	_, list := get(t, h, "/relays")
	if n := strings.Count(list, `class="uptime-mini"`); n != len(f.relays) {
		t.Errorf("relay table has %d uptime bars, want %d", n, len(f.relays))
	}
	if !strings.Contains(list, `href="/feeds/changes.atom"`) {
		t.Error("relay table does not link the feed")
	}
}
