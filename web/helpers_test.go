package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// clock is the fixed now of every test.
var clock = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// fixture is an in-memory Source with a handful of relays.
type fixture struct {
	relays    []Relay
	details   map[string]RelayDetail
	overview  Overview
	stats     Stats
	err       error // returned by every method when set
	relayCall atomic.Int32
}

func newFixture() *fixture {
	checked := clock.Add(-10 * time.Minute)
	expires := clock.Add(40 * 24 * time.Hour)
	f := &fixture{
		relays: []Relay{
			{URL: "wss://alpha.example.com", Network: "clearnet", DiscoveredAt: clock.Add(-72 * time.Hour), Online: true,
				LastChecked: &checked, RTT: RTT{Open: ptr(int64(40)), Read: ptr(int64(55)), Write: ptr(int64(70))},
				Name: "Alpha", Software: "git+https://github.com/hoytech/strfry", Version: "1.0.4", NIPs: []int{1, 11, 42},
				VerifiedNIPs: []int{42}, Country: "DE", City: "Berlin", ASN: 64500, ASOrg: "Example AS", SSLExpires: &expires, Events: 1200},
			{URL: "wss://beta.example.com", Network: "clearnet", DiscoveredAt: clock.Add(-48 * time.Hour), Online: false,
				LastChecked: &checked, Name: "Beta relay", Software: "git+https://github.com/fiatjaf/khatru", NIPs: []int{1, 11, 45},
				VerifiedNIPs: []int{}, Country: "US", Events: 30},
			{URL: "ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion", Network: "tor", DiscoveredAt: clock.Add(-24 * time.Hour),
				Online: true, LastChecked: &checked, RTT: RTT{Open: ptr(int64(900)), Read: ptr(int64(1200))}, NIPs: []int{1}, Events: 0},
			{URL: "wss://gamma.example.com/path", Network: "clearnet", DiscoveredAt: clock.Add(-time.Hour)},
		},
		overview: Overview{
			Candidates: map[string]int{"clearnet": 5, "i2p": 1},
			// 60 events archived since the refresh of 1230.
			Events: Ingest{Archived: ptr(int64(1290)), Rate: ptr(12.5), StatsAt: ptr(clock.Add(-time.Hour))},
			Loops: []LoopHealth{
				{Name: "seeder", State: LoopDone, LastSuccess: ptr(clock.Add(-3 * time.Hour)), Successes: 1, MeanDuration: ptr(0.2)},
				{Name: "monitor", State: LoopOK, Period: 300, Interval: 3600, LastSuccess: &checked, Successes: 30, Failures: 1, MeanDuration: ptr(12.5),
					CycleStarted: ptr(clock.Add(-2 * time.Minute)), NextDue: ptr(clock.Add(3 * time.Minute)), ItemsDone: 7, ItemsDue: 7},
				{Name: "synchronizer", State: LoopFailing, Period: 900, Interval: 900, Failures: 4, MeanDuration: ptr(3.0),
					Running: true, CycleStarted: ptr(clock.Add(-20 * time.Minute)), NextDue: ptr(clock.Add(-5 * time.Minute)), ItemsDone: 12, ItemsDue: 40},
				{Name: "stats", State: LoopStarting, Period: 3600, Interval: 3600},
			},
		},
		stats: Stats{
			RefreshedAt: ptr(clock.Add(-time.Hour)),
			Events:      EventTotals{Events: 1230, Pubkeys: 40, Kinds: 3, Regular: 1000, Replaceable: 200, Addressable: 30, LastDay: 100},
			Kinds:       []KindStat{{Kind: 0, Events: 200, Pubkeys: 40}, {Kind: 1, Events: 1000, Pubkeys: 35}, {Kind: 30023, Events: 30, Pubkeys: 3}},
			Days:        []DayStat{{Day: "2026-11-28", Events: 600, Pubkeys: 30, Kinds: 3}, {Day: "2026-11-29", Events: 630, Pubkeys: 33, Kinds: 2}},
			Software:    []SoftwareStat{{Software: "git+https://github.com/hoytech/strfry", Version: "1.0.4", Relays: 1}},
			NIPs:        []NIPStat{{NIP: 1, Relays: 3}, {NIP: 11, Relays: 2}},
			Countries:   []CountryStat{{Country: "DE", Relays: 1}, {Country: "US", Relays: 1}},
		},
	}
	alpha := f.relays[0]
	var hist []RTTPoint
	for i := 0; i < 7*24; i++ {
		at := clock.Add(-7*24*time.Hour + time.Duration(i)*time.Hour)
		p := RTTPoint{At: at, Online: i%25 != 3, RTT: RTT{Open: ptr(int64(30 + i%17)), Read: ptr(int64(45 + i%23)), Write: ptr(int64(60 + i%11))}}
		if !p.Online {
			p.RTT, p.Reason = RTT{}, "refused"
		}
		hist = append(hist, p)
	}
	f.details = map[string]RelayDetail{
		alpha.URL: {Relay: alpha, NIP11: json.RawMessage(`{"name":"Alpha","supported_nips":[1,11,42],"software":"git+https://github.com/hoytech/strfry"}`),
			Since: clock.Add(-7 * 24 * time.Hour), History: hist, Uptime: ptr(0.96),
			SSL:   &SSL{Valid: true, Issuer: "Test CA", Subject: "alpha.example.com", Expires: &expires, TLSVersion: "TLS 1.3"},
			Geo:   &Geo{Country: "DE", City: "Berlin", Lat: ptr(52.52), Lon: ptr(13.405), TimeZone: "Europe/Berlin", Geohash: "u33dc0cpp"},
			Kinds: []KindStat{{Kind: 1, Events: 1000}, {Kind: 0, Events: 200}},
			Sync: &SyncState{Archived: clock.Add(-time.Minute), Flagged: true, ExhaustedRuns: 4,
				DayStart: clock.Add(-time.Hour), DayEvents: 123456}},
		f.relays[3].URL: {Relay: f.relays[3], Since: clock.Add(-7 * 24 * time.Hour)},
	}
	return f
}

func (f *fixture) Overview(ctx context.Context) (Overview, error) { return f.overview, f.err }
func (f *fixture) Relays(ctx context.Context) ([]Relay, error) {
	f.relayCall.Add(1)
	return f.relays, f.err
}
func (f *fixture) Stats(ctx context.Context) (Stats, error) { return f.stats, f.err }
func (f *fixture) Relay(ctx context.Context, url string, since time.Time) (RelayDetail, error) {
	if f.err != nil {
		return RelayDetail{}, f.err
	}
	d, ok := f.details[url]
	if !ok {
		return RelayDetail{}, errors.Join(errors.New("relay "+url), ErrNotFound)
	}
	d.Since = since
	return d, nil
}

func newTestHandler(t *testing.T, src Source) *Handler {
	t.Helper()
	h, err := New(Options{Source: src, Now: func() time.Time { return clock },
		Node: NodeInfo{Name: "test node", PubKey: "ab12", Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// get serves one request and returns the response with its body read.
func get(t *testing.T, h http.Handler, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}
