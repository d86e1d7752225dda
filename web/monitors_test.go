package web

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
)

// The fixture's monitors: alpha reported by three, one of them lying and
// far off on round trips; every other relay by none.
var (
	monA, monB, monL = strings.Repeat("a1", 32), strings.Repeat("b2", 32), strings.Repeat("c3", 32)
	fixtureMonitors  = RelayMonitors{Window: 10800, Count: 3, Reachable: 2, Majority: "reachable", Agreement: ptr(2.0 / 3), Quorum: true,
		RTTOpenMedian: ptr(int64(50)), Own: "reachable", OwnAgrees: ptr(true),
		Reports: []MonitorReport{
			{PubKey: monA, At: clock.Add(-10 * time.Minute), Reachable: true, RTT: RTT{Open: ptr(int64(40))}, Announced: true},
			{PubKey: monB, At: clock.Add(-20 * time.Minute), Reachable: true, RTT: RTT{Open: ptr(int64(60))}},
			{PubKey: monL, At: clock.Add(-3 * time.Hour), Reachable: false, RTT: RTT{Open: ptr(int64(9000))}, Outliers: []string{"open"},
				Disagrees: true, Announced: true, Dissenting: true},
		}}
)

func (f *fixture) RelayMonitors(ctx context.Context, u string) (RelayMonitors, error) {
	if f.err != nil {
		return RelayMonitors{}, f.err
	}
	if len(f.relays) > 0 && u == f.relays[0].URL {
		return fixtureMonitors, nil
	}
	return RelayMonitors{Window: 10800}, nil
}

func (f *fixture) Monitors(ctx context.Context) (MonitorList, error) {
	if f.err != nil || len(f.relays) == 0 {
		return MonitorList{Window: 10800}, f.err
	}
	return MonitorList{GeneratedAt: clock, Window: 10800, Monitors: []Monitor{
		{PubKey: monA, Relays: 1, Judged: 1, Agreement: ptr(1.0), LastSeen: clock.Add(-10 * time.Minute), Frequency: ptr(3600.0), Announced: true},
		{PubKey: monB, Relays: 1, Judged: 1, Agreement: ptr(1.0), LastSeen: clock.Add(-20 * time.Minute)},
		{PubKey: monL, Relays: 1, Judged: 1, Disagreed: 1, Agreement: ptr(0.0), Outliers: 1, LastSeen: clock.Add(-3 * time.Hour),
			Frequency: ptr(3600.0), Announced: true, Dissenting: true},
	}}, nil
}

func TestMonitorsAPI(t *testing.T) {
	v := apitest.New(t, OpenAPI())
	f := newFixture()
	h := newTestHandler(t, f)
	alpha := "/api/v1/relays/" + url.PathEscape(f.relays[0].URL)
	_, body := v.Check(t, apitest.Handler(h), alpha, true)
	var d RelayDetail
	if err := json.Unmarshal(body, &d); err != nil || d.Monitors == nil || d.Monitors.Count != 3 || d.Monitors.Reports[2].PubKey != monL ||
		!d.Monitors.Reports[2].Dissenting {
		t.Errorf("relay detail monitors: %s (%v)", body, err)
	}
	_, body = v.Check(t, apitest.Handler(h), "/api/v1/relays/"+url.PathEscape(f.relays[3].URL), true)
	if !strings.Contains(string(body), `"monitors":{"window_seconds":10800,"count":0,`) || !strings.Contains(string(body), `"reports":[]`) {
		t.Errorf("a relay no monitor reported: %s", body)
	}
	code, body := v.Check(t, apitest.Handler(h), "/api/v1/monitors", true)
	var l MonitorList
	if err := json.Unmarshal(body, &l); code != 200 || err != nil || len(l.Monitors) != 3 || l.Monitors[1].Frequency != nil {
		t.Errorf("monitors: %d %s (%v)", code, body, err)
	}
	if code, _ := v.Check(t, apitest.Handler(newTestHandler(t, &fixture{})), "/api/v1/monitors", true); code != 200 {
		t.Errorf("empty source: %d", code)
	}
	// Without a MonitorSource: 404 and a null "monitors".
	plain, err := New(Options{Source: struct{ Source }{f}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := v.Check(t, apitest.Handler(plain), "/api/v1/monitors", true); code != 404 {
		t.Errorf("no monitor source: %d, want 404", code)
	}
	if _, body := v.Check(t, apitest.Handler(plain), alpha, true); !strings.Contains(string(body), `"monitors":null`) {
		t.Errorf("no monitor source, relay detail: %s", body)
	}
}

func TestMonitorsPages(t *testing.T) {
	f := newFixture()
	h := newTestHandler(t, f)
	_, page := get(t, h, "/relay?url="+url.QueryEscape(f.relays[0].URL))
	for _, want := range []string{
		`id="monitors-count">3 <span class="note">in the last 3h</span>`,
		`id="monitors-reachable">2 of 3`,
		`id="monitors-agreement">66.7%`,
		`id="monitors-own">reachable <span class="state state-ok">agrees</span>`,
		`<td>50 ms / - / -</td>`,
		`<span class="flag flag-disagrees">disagrees</span> <span class="flag flag-outlier">open RTT outlier</span> <span class="flag flag-dissenting">dissenting monitor</span>`,
		`<span class="flag flag-unannounced">no 10166</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("relay page lacks %s", want)
		}
	}
	_, page = get(t, h, "/relay?url="+url.QueryEscape(f.relays[3].URL))
	if !strings.Contains(page, `id="monitors-none">No other monitor reported this relay in the last 3h.`) {
		t.Errorf("relay page of an unreported relay:\n%s", page)
	}
	res, page := get(t, h, "/monitors")
	if res.StatusCode != 200 || strings.Count(page, `<tr class="monitor-row"`) != 3 ||
		!strings.Contains(page, `<td class="n agreement">0.0%</td>`) || !strings.Contains(page, `<span class="flag flag-dissenting">dissenting</span>`) {
		t.Errorf("monitors page: %d\n%s", res.StatusCode, page)
	}
	_, page = get(t, newTestHandler(t, &fixture{}), "/monitors")
	if !strings.Contains(page, `id="monitors-none"`) {
		t.Errorf("monitors page without monitors:\n%s", page)
	}
}
