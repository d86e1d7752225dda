package websource

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/monitor/quorum"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/web"
)

// Reading other monitors' reports is one archive query of every 30166 of
// the window; its result is reused for quorumTTL, so relay pages do not
// each run it. maxPeerReports bounds the query (newest first): more than
// a few monitors covering every relay.
const (
	quorumTTL            = time.Minute
	maxPeerReports       = 200_000
	maxPeerAnnouncements = 10_000
)

var _ web.MonitorSource = (*Source)(nil)

// quorumView computes the agreement figures from the archive, at most
// once per quorumTTL.
type quorumView struct {
	store  archive.Store
	relays func(context.Context) ([]web.Relay, error)
	self   string
	window time.Duration
	now    func() time.Time

	mu  sync.Mutex
	at  time.Time
	fig quorum.Figures
	own map[string]quorum.Own
}

// newQuorumView compares other monitors with src's own verdicts; self's
// reports are the node's own, not a peer's.
func newQuorumView(src *Source, self string, window time.Duration) *quorumView {
	if window <= 0 {
		window = quorum.DefaultWindow
	}
	return &quorumView{store: src.store, relays: src.Relays, self: self, window: window, now: src.now}
}

// figures returns the cached figures, computing them when stale; callers
// arriving meanwhile wait for the one computation.
func (q *quorumView) figures(ctx context.Context) (quorum.Figures, map[string]quorum.Own, time.Time, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	if !q.at.IsZero() && now.Sub(q.at) < quorumTTL {
		return q.fig, q.own, q.at, nil
	}
	reports, anns, err := q.read(ctx, now)
	if err != nil {
		return quorum.Figures{}, nil, time.Time{}, err
	}
	relays, err := q.relays(ctx)
	if err != nil {
		return quorum.Figures{}, nil, time.Time{}, err
	}
	own := make(map[string]quorum.Own, len(relays))
	for _, r := range relays {
		if r.LastChecked != nil {
			own[r.URL] = quorum.Own{Reachable: r.Online}
		}
	}
	q.fig = quorum.Compute(reports, anns, own, quorum.Options{Now: now, Window: q.window, Self: q.self})
	q.own, q.at = own, now
	return q.fig, q.own, q.at, nil
}

// read collects the 30166 of the window and the 10166 from the archive.
// Only events stored whole are read (QueryServable): in lil mode the
// round trips of other monitors' tags are not kept.
func (q *quorumView) read(ctx context.Context, now time.Time) ([]quorum.Report, []quorum.Announcement, error) {
	since := nostr.Timestamp(now.Add(-q.window).Unix())
	var reports []quorum.Report
	err := q.store.QueryServable(ctx, nostr.Filter{Kinds: []int{quorum.KindDiscovery}, Since: &since, Limit: maxPeerReports},
		func(ev *nostr.Event) error {
			if r, err := quorum.ParseDiscovery(ev); err == nil {
				reports = append(reports, r)
			}
			return nil
		})
	if err != nil {
		return nil, nil, fmt.Errorf("read monitors' reports: %w", err)
	}
	var anns []quorum.Announcement
	err = q.store.QueryServable(ctx, nostr.Filter{Kinds: []int{quorum.KindAnnouncement}, Limit: maxPeerAnnouncements},
		func(ev *nostr.Event) error {
			if a, err := quorum.ParseAnnouncement(ev); err == nil {
				anns = append(anns, a)
			}
			return nil
		})
	if err != nil {
		return nil, nil, fmt.Errorf("read monitors' announcements: %w", err)
	}
	return reports, anns, nil
}

// RelayMonitors is the agreement on one relay, looked up by its
// normalized URL (monitors' d tags are normalized the same way).
func (w *Source) RelayMonitors(ctx context.Context, url string) (web.RelayMonitors, error) {
	fig, own, _, err := w.quorum.figures(ctx)
	if err != nil {
		return web.RelayMonitors{}, err
	}
	out := web.RelayMonitors{Window: w.quorum.window.Seconds()}
	key := url
	if u, err := schema.ParseRelayURLWith(url, schema.ParseOptions{AllowPrivate: true}); err == nil {
		key = u.String()
	}
	if v, ok := own[key]; ok {
		out.Own = verdict(v.Reachable)
	}
	rel := fig.Relays[key]
	if rel == nil {
		return out, nil
	}
	out.Count, out.Reachable, out.Quorum = rel.Count, rel.Reachable, rel.Quorum
	if rel.Majority != nil {
		out.Majority = verdict(*rel.Majority)
	}
	agreement := rel.Agreement
	out.Agreement = &agreement
	out.RTTOpenMedian, out.RTTReadMedian, out.RTTWriteMedian = rel.RTTOpen, rel.RTTRead, rel.RTTWrite
	out.OwnAgrees = rel.OwnAgrees
	for _, p := range rel.Reports {
		out.Reports = append(out.Reports, web.MonitorReport{PubKey: p.Monitor, At: p.At.UTC(), Reachable: p.Reachable,
			RTT: web.RTT{Open: p.RTT.Open, Read: p.RTT.Read, Write: p.RTT.Write}, Outliers: p.Outliers,
			Disagrees: p.Disagrees, Announced: !p.Unannounced, Dissenting: p.Dissenting})
	}
	return out, nil
}

// Monitors lists the other monitors of the window.
func (w *Source) Monitors(ctx context.Context) (web.MonitorList, error) {
	fig, _, at, err := w.quorum.figures(ctx)
	if err != nil {
		return web.MonitorList{}, err
	}
	out := web.MonitorList{GeneratedAt: at.UTC(), Window: w.quorum.window.Seconds()}
	for _, m := range fig.Monitors {
		v := web.Monitor{PubKey: m.Monitor, Relays: m.Relays, Judged: m.Judged, Disagreed: m.Disagreed, Agreement: m.Agreement,
			Outliers: m.Outliers, LastSeen: m.LastSeen.UTC(), Announced: m.Announced, Dissenting: m.Dissenting}
		if m.Announced {
			f := m.Frequency.Seconds()
			v.Frequency = &f
		}
		out.Monitors = append(out.Monitors, v)
	}
	return out, nil
}

func verdict(reachable bool) string {
	if reachable {
		return "reachable"
	}
	return "unreachable"
}
