package quorum

import (
	"math"
	"sort"
	"time"
)

// Defaults of Options.
const (
	DefaultWindow          = 3 * time.Hour
	DefaultGrace           = 1.25
	DefaultFrequency       = time.Hour
	DefaultOutlierZ        = 3.5
	DefaultMinQuorum       = 3
	DefaultMaxDisagreement = 0.3
	DefaultMinJudged       = 3
	outlierMinValues       = 3
)

// Options tune Compute; zero fields take the defaults.
type Options struct {
	// Now is the time the figures are for.
	Now time.Time
	// Window: reports older than Now−Window are not counted (default 3h).
	Window time.Duration
	// Grace stretches each monitor's frequency: a monitor saw a relay
	// reachable when its newest report is at most Grace×frequency old, as
	// a check and its publication take time after the period (default 1.25).
	Grace float64
	// DefaultFrequency stands in for the frequency of a monitor that never
	// published a 10166 (default 1h, NIP-66's usual period).
	DefaultFrequency time.Duration
	// OutlierZ: a round trip whose modified z-score exceeds it is an
	// outlier (default 3.5, Iglewicz and Hoaglin's threshold).
	OutlierZ float64
	// MinQuorum is how many monitors must have reported a relay for their
	// majority to judge a dissenting verdict (default 3).
	MinQuorum int
	// MaxDisagreement: a monitor whose verdicts disagree with the quorum
	// on more than this share of the relays judged is marked dissenting,
	// once MinJudged relays were judged (defaults 0.3 and 3).
	MaxDisagreement float64
	MinJudged       int
	// Self is this node's pubkey: its own reports are its verdict, not
	// another monitor's.
	Self string
}

func (o *Options) defaults() {
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.DefaultFrequency <= 0 {
		o.DefaultFrequency = DefaultFrequency
	}
	if o.OutlierZ <= 0 {
		o.OutlierZ = DefaultOutlierZ
	}
	if o.MinQuorum <= 0 {
		o.MinQuorum = DefaultMinQuorum
	}
	if o.MaxDisagreement <= 0 {
		o.MaxDisagreement = DefaultMaxDisagreement
	}
	if o.MinJudged <= 0 {
		o.MinJudged = DefaultMinJudged
	}
}

// Own is this node's verdict on a relay, from its own checks.
type Own struct {
	Reachable bool
}

// Figures is what Compute found.
type Figures struct {
	// Relays by canonical URL: every relay a monitor reported in the
	// window.
	Relays map[string]*RelayAgreement
	// Monitors by pubkey: every monitor with a report in the window.
	Monitors []Peer
}

// RelayAgreement is the monitors' agreement on one relay.
type RelayAgreement struct {
	// Count monitors reported the relay in the window; Reachable of them
	// saw it reachable within their own frequency.
	Count     int
	Reachable int
	// Majority is the verdict most monitors hold (true: reachable); nil on
	// a tie.
	Majority *bool
	// Agreement is the share of the Count monitors holding the majority
	// verdict (0.5 on an even split).
	Agreement float64
	// Quorum: at least MinQuorum monitors reported and they are not split
	// evenly, so a monitor against the majority is judged to disagree.
	Quorum bool
	// Medians of the round trips reported by the monitors that saw the
	// relay reachable; nil when none reported the phase.
	RTTOpen, RTTRead, RTTWrite *int64
	// Own is this node's verdict (nil: it has none); OwnAgrees whether it
	// matches the majority (nil without one).
	Own       *Own
	OwnAgrees *bool
	// Reports are the monitors' newest reports, by monitor.
	Reports []MonitorReport
}

// MonitorReport is one monitor's view of one relay.
type MonitorReport struct {
	Monitor string
	At      time.Time // its newest report in the window
	// Reachable: that report is at most Grace×frequency old.
	Reachable bool
	RTT       RTT
	// Outliers names the round trips (open, read, write) far from the
	// other monitors' (modified z-score over OutlierZ).
	Outliers []string
	// Disagrees: the relay has a quorum and this verdict is not its
	// majority.
	Disagrees bool
	// Unannounced: the monitor never published a 10166 (its frequency is
	// assumed); Dissenting: it disagrees with quorums too often.
	Unannounced bool
	Dissenting  bool
}

// Peer is one monitor's record over every relay.
type Peer struct {
	Monitor string
	// Relays it reported in the window; Judged of them had a quorum, and
	// it Disagreed with Disagreed of those.
	Relays    int
	Judged    int
	Disagreed int
	// Agreement is the share of judged relays where it held the majority
	// verdict; nil when none was judged.
	Agreement *float64
	// Outliers counts its reports with a round trip flagged.
	Outliers int
	// LastSeen is its newest report or announcement.
	LastSeen time.Time
	// Frequency is the announced one; Announced false when it never
	// published a 10166 (counted all the same, with DefaultFrequency).
	Frequency time.Duration
	Announced bool
	// Dissenting: Judged ≥ MinJudged and Disagreed/Judged >
	// MaxDisagreement.
	Dissenting bool
}

// Compute reduces reports and announcements to the agreement figures.
// Reports of one monitor on one relay count once (the newest); Options.Self
// is left out of the monitors and own gives this node's verdicts.
func Compute(reports []Report, anns []Announcement, own map[string]Own, o Options) Figures {
	o.defaults()
	freq := map[string]Announcement{}
	for _, a := range anns {
		if a.Monitor == o.Self {
			continue
		}
		if cur, ok := freq[a.Monitor]; !ok || a.At.After(cur.At) {
			freq[a.Monitor] = a
		}
	}
	since := o.Now.Add(-o.Window)
	newest := map[[2]string]Report{}
	for _, r := range reports {
		if r.Monitor == o.Self || r.At.Before(since) {
			continue
		}
		k := [2]string{r.Relay, r.Monitor}
		if cur, ok := newest[k]; !ok || r.At.After(cur.At) {
			newest[k] = r
		}
	}
	res := Figures{Relays: map[string]*RelayAgreement{}}
	mons := map[string]*Peer{}
	for _, r := range newest {
		m := mons[r.Monitor]
		if m == nil {
			a, ok := freq[r.Monitor]
			m = &Peer{Monitor: r.Monitor, Frequency: o.DefaultFrequency, Announced: ok}
			if ok {
				m.Frequency, m.LastSeen = a.Frequency, a.At
			}
			mons[r.Monitor] = m
		}
		m.Relays++
		if r.At.After(m.LastSeen) {
			m.LastSeen = r.At
		}
		rel := res.Relays[r.Relay]
		if rel == nil {
			rel = &RelayAgreement{}
			res.Relays[r.Relay] = rel
		}
		// A report dated in the future is as fresh as now, no fresher.
		age := max(0, o.Now.Sub(r.At))
		rel.Reports = append(rel.Reports, MonitorReport{Monitor: r.Monitor, At: r.At, RTT: r.RTT, Unannounced: !m.Announced,
			Reachable: float64(age) <= o.Grace*float64(m.Frequency)})
	}
	for url, rel := range res.Relays {
		sort.Slice(rel.Reports, func(i, j int) bool { return rel.Reports[i].Monitor < rel.Reports[j].Monitor })
		rel.Count = len(rel.Reports)
		for _, p := range rel.Reports {
			if p.Reachable {
				rel.Reachable++
			}
		}
		down := rel.Count - rel.Reachable
		if rel.Reachable != down {
			maj := rel.Reachable > down
			rel.Majority = &maj
		}
		rel.Agreement = float64(max(rel.Reachable, down)) / float64(rel.Count)
		rel.Quorum = rel.Majority != nil && rel.Count >= o.MinQuorum
		if v, ok := own[url]; ok {
			rel.Own = &v
			if rel.Majority != nil {
				agrees := v.Reachable == *rel.Majority
				rel.OwnAgrees = &agrees
			}
		}
		rel.RTTOpen = rel.phase(o, "open", func(r *RTT) *int64 { return r.Open })
		rel.RTTRead = rel.phase(o, "read", func(r *RTT) *int64 { return r.Read })
		rel.RTTWrite = rel.phase(o, "write", func(r *RTT) *int64 { return r.Write })
		for i := range rel.Reports {
			p := &rel.Reports[i]
			m := mons[p.Monitor]
			if len(p.Outliers) > 0 {
				m.Outliers++
			}
			if rel.Quorum {
				m.Judged++
				if p.Reachable != *rel.Majority {
					p.Disagrees = true
					m.Disagreed++
				}
			}
		}
	}
	for _, m := range mons {
		if m.Judged > 0 {
			a := float64(m.Judged-m.Disagreed) / float64(m.Judged)
			m.Agreement = &a
			m.Dissenting = m.Judged >= o.MinJudged && float64(m.Disagreed)/float64(m.Judged) > o.MaxDisagreement
		}
		res.Monitors = append(res.Monitors, *m)
	}
	sort.Slice(res.Monitors, func(i, j int) bool { return res.Monitors[i].Monitor < res.Monitors[j].Monitor })
	for _, rel := range res.Relays {
		for i := range rel.Reports {
			rel.Reports[i].Dissenting = mons[rel.Reports[i].Monitor].Dissenting
		}
	}
	return res
}

// phase is the median of one round trip over the reports that saw the
// relay reachable, and flags each report whose value is an outlier
// among them (at least three values).
func (rel *RelayAgreement) phase(o Options, name string, get func(*RTT) *int64) *int64 {
	var (
		xs  []int64
		idx []int
	)
	for i := range rel.Reports {
		if v := get(&rel.Reports[i].RTT); v != nil && rel.Reports[i].Reachable {
			xs, idx = append(xs, *v), append(idx, i)
		}
	}
	if len(xs) == 0 {
		return nil
	}
	if len(xs) >= outlierMinValues {
		for j, z := range deviations(xs) {
			if math.Abs(z) > o.OutlierZ {
				p := &rel.Reports[idx[j]]
				p.Outliers = append(p.Outliers, name)
			}
		}
	}
	m := median(xs)
	return &m
}
