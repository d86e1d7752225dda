package quorum

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func ms(v int64) *int64 { return &v }

func rep(mon, relay string, ago time.Duration, open int64) Report {
	r := Report{Monitor: mon, Relay: relay, At: now.Add(-ago)}
	if open > 0 {
		r.RTT.Open = ms(open)
	}
	return r
}

func ann(mon string, freq time.Duration) Announcement {
	return Announcement{Monitor: mon, Frequency: freq, At: now.Add(-time.Hour)}
}

// The scenario of the package: honest monitors A, B and C, a lying monitor
// L (it reports relays up that the others see down, and the other way
// round, and a round trip far from theirs), U that never announced itself,
// and this node S.
func scenario() ([]Report, []Announcement, map[string]Own) {
	const r1, r2, r3, r4, r5, r6 = "wss://r1", "wss://r2", "wss://r3", "wss://r4", "wss://r5", "wss://r6"
	reports := []Report{
		// r1: up for everyone; L's round trip is an outlier; A's older
		// report is superseded by its newer one.
		rep("A", r1, 50*time.Minute, 900), rep("A", r1, 10*time.Minute, 50), rep("B", r1, 10*time.Minute, 55),
		rep("C", r1, 10*time.Minute, 60), rep("L", r1, 10*time.Minute, 5000), rep("S", r1, time.Minute, 1),
		// r2: A, B and C last saw it 2h ago (down now); L says up.
		rep("A", r2, 2*time.Hour, 40), rep("B", r2, 2*time.Hour, 40), rep("C", r2, 2*time.Hour, 40), rep("L", r2, 5*time.Minute, 40),
		// r3: up for A, B and C (C's report 70 min old: within 1.25 × 1h);
		// L's stale report says down.
		rep("A", r3, 10*time.Minute, 0), rep("B", r3, 10*time.Minute, 0), rep("C", r3, 70*time.Minute, 0), rep("L", r3, 2*time.Hour, 0),
		// r4: A, B, and U (unannounced: 1h assumed) see it up.
		rep("A", r4, 5*time.Minute, 100), rep("B", r4, 5*time.Minute, 120), rep("U", r4, 30*time.Minute, 110),
		// r5: out of the window.
		rep("A", r5, 4*time.Hour, 10),
		// r6: split: A up, B down.
		rep("A", r6, 5*time.Minute, 10), rep("B", r6, 100*time.Minute, 10),
	}
	anns := []Announcement{ann("A", time.Hour), ann("B", time.Hour), ann("C", time.Hour), ann("L", time.Hour),
		{Monitor: "L", Frequency: 24 * time.Hour, At: now.Add(-48 * time.Hour)}, // an older announcement: ignored
		ann("S", time.Minute)}
	own := map[string]Own{r1: {Reachable: true}, r2: {Reachable: true}, r4: {Reachable: true}}
	return reports, anns, own
}

func TestComputeRelays(t *testing.T) {
	res := Compute(scenarioArgs())
	yes, no := true, false
	for _, c := range []struct {
		relay     string
		count     int
		reachable int
		majority  *bool
		agreement float64
		quorum    bool
		open      *int64
		ownAgrees *bool
		// per monitor: "reachable/disagrees/outliers"
		reports string
	}{
		{"wss://r1", 4, 4, &yes, 1, true, ms(57), &yes, "A:up B:up C:up L:up[open]"},
		{"wss://r2", 4, 1, &no, 0.75, true, ms(40), &no, "A:down B:down C:down L:up!"},
		{"wss://r3", 4, 3, &yes, 0.75, true, nil, nil, "A:up B:up C:up L:down!"},
		{"wss://r4", 3, 3, &yes, 1, true, ms(110), &yes, "A:up B:up U:up?"},
		{"wss://r6", 2, 1, nil, 0.5, false, ms(10), nil, "A:up B:down"},
	} {
		rel := res.Relays[c.relay]
		if rel == nil {
			t.Errorf("%s: missing", c.relay)
			continue
		}
		var reps []string
		for _, p := range rel.Reports {
			s := p.Monitor + ":down"
			if p.Reachable {
				s = p.Monitor + ":up"
			}
			if p.Disagrees {
				s += "!"
			}
			if p.Unannounced {
				s += "?"
			}
			if len(p.Outliers) > 0 {
				s += fmt.Sprint(p.Outliers)
			}
			reps = append(reps, s)
		}
		got := fmt.Sprintf("count %d reachable %d majority %v agreement %.2f quorum %v open %v own agrees %v reports %v",
			rel.Count, rel.Reachable, deref(rel.Majority), rel.Agreement, rel.Quorum, deref(rel.RTTOpen), deref(rel.OwnAgrees), reps)
		want := fmt.Sprintf("count %d reachable %d majority %v agreement %.2f quorum %v open %v own agrees %v reports %v",
			c.count, c.reachable, deref(c.majority), c.agreement, c.quorum, deref(c.open), deref(c.ownAgrees), strings.Fields(c.reports))
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.relay, got, want)
		}
	}
	if _, ok := res.Relays["wss://r5"]; ok {
		t.Error("a relay reported only before the window is counted")
	}
	if len(res.Relays) != 5 {
		t.Errorf("%d relays, want 5", len(res.Relays))
	}
}

func TestComputeMonitors(t *testing.T) {
	res := Compute(scenarioArgs())
	var got []string
	for _, m := range res.Monitors {
		got = append(got, fmt.Sprintf("%s relays %d judged %d disagreed %d agreement %s outliers %d announced %v freq %v dissenting %v",
			m.Monitor, m.Relays, m.Judged, m.Disagreed, pct(m.Agreement), m.Outliers, m.Announced, m.Frequency, m.Dissenting))
	}
	want := []string{
		"A relays 5 judged 4 disagreed 0 agreement 100% outliers 0 announced true freq 1h0m0s dissenting false",
		"B relays 5 judged 4 disagreed 0 agreement 100% outliers 0 announced true freq 1h0m0s dissenting false",
		"C relays 3 judged 3 disagreed 0 agreement 100% outliers 0 announced true freq 1h0m0s dissenting false",
		"L relays 3 judged 3 disagreed 2 agreement 33% outliers 1 announced true freq 1h0m0s dissenting true",
		"U relays 1 judged 1 disagreed 0 agreement 100% outliers 0 announced false freq 1h0m0s dissenting false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("monitors:\n%s\nwant\n%s", join(got), join(want))
	}
	// The dissenting mark is carried to every report of the monitor.
	for _, p := range res.Relays["wss://r1"].Reports {
		if p.Dissenting != (p.Monitor == "L") {
			t.Errorf("r1 report of %s: dissenting %v", p.Monitor, p.Dissenting)
		}
	}
	if l := res.Monitors[3]; !l.LastSeen.Equal(now.Add(-5 * time.Minute)) {
		t.Errorf("L last seen %v, want its newest report", l.LastSeen)
	}
}

func TestComputeEdges(t *testing.T) {
	for _, c := range []struct {
		name    string
		reports []Report
		check   func(Figures) string
	}{
		{"nothing", nil, func(r Figures) string {
			if len(r.Relays) != 0 || len(r.Monitors) != 0 {
				return "figures from no report"
			}
			return ""
		}},
		{"future report counts as now", []Report{rep("A", "wss://x", -time.Hour, 10)}, func(r Figures) string {
			if rel := r.Relays["wss://x"]; rel == nil || rel.Reachable != 1 {
				return "a future-dated report is not reachable-now"
			}
			return ""
		}},
		{"two values: no outlier", []Report{rep("A", "wss://x", 0, 10), rep("B", "wss://x", 0, 10000)}, func(r Figures) string {
			for _, p := range r.Relays["wss://x"].Reports {
				if len(p.Outliers) > 0 {
					return "outlier among two values"
				}
			}
			return ""
		}},
		{"equal values: no outlier", []Report{rep("A", "wss://x", 0, 10), rep("B", "wss://x", 0, 10), rep("C", "wss://x", 0, 10)}, func(r Figures) string {
			for _, p := range r.Relays["wss://x"].Reports {
				if len(p.Outliers) > 0 {
					return "outlier among equal values"
				}
			}
			return ""
		}},
		// With MAD zero the scaled mean deviation stands in: one value apart
		// from n−1 equal ones scores n/1.2533, so it takes five monitors.
		{"MAD zero, one apart", []Report{rep("A", "wss://x", 0, 10), rep("B", "wss://x", 0, 10), rep("C", "wss://x", 0, 10), rep("E", "wss://x", 0, 10), rep("D", "wss://x", 0, 900)}, func(r Figures) string {
			for _, p := range r.Relays["wss://x"].Reports {
				if (len(p.Outliers) > 0) != (p.Monitor == "D") {
					return fmt.Sprintf("%s outliers %v", p.Monitor, p.Outliers)
				}
			}
			return ""
		}},
		{"down reports give no RTT median", []Report{rep("A", "wss://x", 2*time.Hour, 10)}, func(r Figures) string {
			if rel := r.Relays["wss://x"]; rel.RTTOpen != nil || rel.Reachable != 0 || rel.Majority == nil || *rel.Majority {
				return fmt.Sprintf("%+v", rel)
			}
			return ""
		}},
	} {
		if msg := c.check(Compute(c.reports, nil, nil, Options{Now: now})); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
}

func TestMedianAndDeviations(t *testing.T) {
	for _, c := range []struct {
		xs  []int64
		med int64
	}{{[]int64{5}, 5}, {[]int64{3, 1, 2}, 2}, {[]int64{4, 1, 3, 2}, 2}, {[]int64{526, 55, 4}, 55}} {
		if got := median(slices.Clone(c.xs)); got != c.med {
			t.Errorf("median(%v) = %d, want %d", c.xs, got, c.med)
		}
	}
	// 526, 55, 4: median 55, MAD 51: z(526) = 0.6745×471/51 = 6.23.
	if z := deviations([]int64{526, 55, 4}); z[0] < 6.2 || z[0] > 6.3 || z[1] != 0 {
		t.Errorf("deviations = %v", z)
	}
}

func scenarioArgs() ([]Report, []Announcement, map[string]Own, Options) {
	r, a, o := scenario()
	return r, a, o, Options{Now: now, Self: "S"}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func pct(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", *p*100)
}

func join(s []string) string { return "  " + strings.Join(s, "\n  ") }
