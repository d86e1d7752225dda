package websource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/syncer"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/web"
)

// webChecks are the snapshot types a relay row shows.
var webChecks = []string{string(probe.CheckRTT), string(probe.CheckNIP11), string(probe.CheckNIPs),
	string(probe.CheckGeo), string(probe.CheckNet), string(probe.CheckSSL)}

// rateWindow is how far back the ingest rate looks.
const rateWindow = 5 * time.Minute

// Options are what the Source reads besides the archive.
type Options struct {
	Store archive.Store
	// Online is how recent a successful RTT check must be for a relay to
	// count as online.
	Online time.Duration
	// Loops reports the loops' health; nil reports none.
	Loops func() []web.LoopHealth
	// Setup is what the configuration leaves out that an empty node needs;
	// Warnings are the loops' live warnings ("" when none).
	Setup    []string
	Warnings []func() string
	// Now defaults to time.Now.
	Now func() time.Time

	// Self is this node's pubkey and AgreementWindow how far back other
	// monitors' reports count (monitors.go; default 3h).
	Self            string
	AgreementWindow time.Duration
}

// Source is what the status page and the API read: the archive (relays,
// newest snapshots, statistics), the loops' health and an ingest-rate
// sampler.
type Source struct {
	store    archive.Store
	online   time.Duration
	loops    func() []web.LoopHealth
	setup    []string
	warnings []func() string
	now      func() time.Time

	mu      sync.Mutex
	ingest  ingestCounter
	samples []ingestSample

	quorum *quorumView // other monitors (monitors.go)
}

// ingestCounter follows the archive between statistics refreshes: the
// last refresh's count plus what CountArchived saw after its head.
type ingestCounter struct {
	started  bool
	base     time.Time // RefreshedAt the count is based on
	head     uint64    // archival position counted up to
	extra    int64     // events archived after the refresh's head, up to head
	counted  int64     // events seen archived since the node started (for the rate)
	baseSeen int64     // the refresh's event count
}

type ingestSample struct {
	at      time.Time
	counted int64
}

// New returns the Source over o.Store.
func New(o Options) *Source {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Source{store: o.Store, online: o.Online, loops: o.Loops, setup: o.Setup, warnings: o.Warnings, now: o.Now}
	s.quorum = newQuorumView(s, o.Self, o.AgreementWindow)
	return s
}

// Every read of the status page and the API may be answered by a read
// replica (database.read_urls): each Source method marks its context with
// archive.AllowReplica. A page a replica's lag behind is still right.
var _ web.Source = (*Source)(nil)

// Relays joins the validated relays with their newest snapshots and the
// per-relay event counts of the statistics.
func (w *Source) Relays(ctx context.Context) ([]web.Relay, error) {
	ctx = archive.AllowReplica(ctx)
	relays, err := w.store.Relays(ctx)
	if err != nil {
		return nil, err
	}
	snaps, err := w.store.LatestSnapshotsAll(ctx, webChecks)
	if err != nil {
		return nil, err
	}
	st, err := w.store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	events := make(map[string]int64, len(st.Relays))
	for _, r := range st.Relays {
		events[r.URL] = r.Events
	}
	bySnap := make(map[schema.RelayURL][]schema.Snapshot, len(relays))
	for _, s := range snaps {
		bySnap[s.Relay] = append(bySnap[s.Relay], s)
	}
	out := make([]web.Relay, len(relays))
	now := w.now()
	for i, r := range relays {
		out[i], _ = w.relayView(r, bySnap[r.URL], now)
		out[i].Events = events[r.URL.String()]
	}
	return out, nil
}

// Relay finds url as stored, else as normalized (a client may send the
// URL with a trailing slash or upper-case host).
func (w *Source) Relay(ctx context.Context, url string, since time.Time) (web.RelayDetail, error) {
	ctx = archive.AllowReplica(ctx)
	relays, err := w.store.Relays(ctx)
	if err != nil {
		return web.RelayDetail{}, err
	}
	var (
		found schema.Relay
		ok    bool
	)
	// Stored URLs are canonical, so the normalized form is the one to find.
	if u, err := schema.ParseRelayURLWith(url, schema.ParseOptions{AllowPrivate: true}); err == nil {
		for _, r := range relays {
			if r.URL == u {
				found, ok = r, true
				break
			}
		}
	}
	if !ok {
		return web.RelayDetail{}, fmt.Errorf("relay %s: %w", url, web.ErrNotFound)
	}
	latest, err := w.store.LatestSnapshots(ctx, found.URL)
	if err != nil {
		return web.RelayDetail{}, err
	}
	hist, err := w.store.SnapshotHistory(ctx, found.URL, string(probe.CheckRTT), since)
	if err != nil {
		return web.RelayDetail{}, err
	}
	kinds, err := w.store.RelayKinds(ctx, found.URL)
	if err != nil {
		return web.RelayDetail{}, err
	}
	rv, d := w.relayView(found, latest, w.now())
	d.Relay, d.Since = rv, since
	for _, k := range kinds {
		d.Kinds = append(d.Kinds, web.KindStat{Kind: k.Kind, Events: k.Events})
		d.Events += k.Events
	}
	if d.Sync, err = w.syncState(ctx, found.URL); err != nil {
		return web.RelayDetail{}, err
	}
	up := 0
	for _, s := range hist {
		var o rttSnapshot
		if json.Unmarshal(s.Data, &o) != nil {
			continue
		}
		p := web.RTTPoint{At: s.GeneratedAt.UTC(), Online: o.Success, RTT: o.rtt(), Reason: o.Reason}
		if p.Online {
			up++
		}
		d.History = append(d.History, p)
	}
	if len(d.History) > 0 {
		u := float64(up) / float64(len(d.History))
		d.Uptime = &u
	}
	return d, nil
}

// relayView decodes a relay's newest snapshots into its list row and the
// detail-only parts (NIP-11 document, certificate, location).
func (w *Source) relayView(r schema.Relay, snaps []schema.Snapshot, now time.Time) (web.Relay, web.RelayDetail) {
	v := web.Relay{URL: r.URL.String(), Network: string(r.Network), DiscoveredAt: r.DiscoveredAt.UTC()}
	var d web.RelayDetail
	for _, s := range snaps {
		switch probe.Check(s.Type) {
		case probe.CheckRTT:
			var o rttSnapshot
			if json.Unmarshal(s.Data, &o) == nil {
				at := s.GeneratedAt.UTC()
				v.LastChecked, v.RTT = &at, o.rtt()
				v.Online = o.Success && now.Sub(at) <= w.online
			}
		case probe.CheckNIP11:
			var o struct {
				Info json.RawMessage `json:"info"`
			}
			var info probe.NIP11Info
			if json.Unmarshal(s.Data, &o) == nil && len(o.Info) > 0 && json.Unmarshal(o.Info, &info) == nil {
				v.Name, v.Software, v.Version, v.NIPs = info.Name, info.Software, info.Version, info.SupportedNIPs
				d.NIP11 = o.Info
			}
		case probe.CheckNIPs:
			var o probe.NIPsOutcome
			if json.Unmarshal(s.Data, &o) == nil {
				v.VerifiedNIPs, v.DisprovedNIPs = o.Verified, disprovedNIPs(&o)
			}
		case probe.CheckGeo:
			var o probe.GeoOutcome
			if json.Unmarshal(s.Data, &o) == nil && o.Success {
				v.Country, v.City, v.Lat, v.Lon = o.Country, o.City, o.Lat, o.Lon
				d.Geo = &web.Geo{Country: o.Country, City: o.City, Lat: o.Lat, Lon: o.Lon, TimeZone: o.TimeZone, Geohash: o.Geohash}
			}
		case probe.CheckNet:
			var o probe.NetOutcome
			if json.Unmarshal(s.Data, &o) == nil && o.Success {
				v.ASN, v.ASOrg = o.ASN, o.ASOrg
			}
		case probe.CheckSSL:
			var o probe.SSLOutcome
			if json.Unmarshal(s.Data, &o) == nil && o.Success {
				ssl := &web.SSL{Valid: o.Valid, Problem: o.Invalid, Issuer: o.Issuer, Subject: o.SubjectCN, TLSVersion: o.Version}
				if o.NotAfter != 0 {
					t := time.Unix(o.NotAfter, 0).UTC()
					ssl.Expires, v.SSLExpires = &t, &t
				}
				d.SSL = ssl
			}
		}
	}
	d.Relay = v
	return v, d
}

// rttSnapshot reads the stored form of probe.RTTOutcome: its phases carry
// their round trip as "ms" (probe.Phase.MarshalJSON), which probe.Phase
// itself does not decode.
type rttSnapshot struct {
	Success bool     `json:"success"`
	Reason  string   `json:"reason"`
	Open    rttPhase `json:"open"`
	Read    rttPhase `json:"read"`
	Write   rttPhase `json:"write"`
}

type rttPhase struct {
	Success bool   `json:"success"`
	MS      *int64 `json:"ms"`
}

func (o rttSnapshot) rtt() web.RTT {
	ms := func(p rttPhase) *int64 {
		if p.Success {
			return p.MS
		}
		return nil
	}
	return web.RTT{Open: ms(o.Open), Read: ms(o.Read), Write: ms(o.Write)}
}

// Overview counts candidates by network, follows the archive's size and
// ingest rate, and reads the loops' health from their metrics.
func (w *Source) Overview(ctx context.Context) (web.Overview, error) {
	ctx = archive.AllowReplica(ctx)
	cands, err := w.store.ListState(ctx, "validator", "candidate")
	if err != nil {
		return web.Overview{}, err
	}
	ov := web.Overview{Candidates: map[string]int{}}
	for _, c := range cands {
		var v struct {
			Network string `json:"network"`
		}
		if json.Unmarshal(c.Value, &v) == nil {
			ov.Candidates[v.Network]++
		}
	}
	if ov.Events, err = w.sampleIngest(ctx); err != nil {
		return web.Overview{}, err
	}
	if w.loops != nil {
		ov.Loops = w.loops()
	}
	ov.Setup = w.setup
	for _, f := range w.warnings {
		if msg := f(); msg != "" {
			ov.Warnings = append(ov.Warnings, msg)
		}
	}
	return ov, nil
}

// sampleIngest moves the archive cursor forward and derives the archive
// size (the last refresh's count plus what was archived after its head)
// and the rate (events archived per second over rateWindow).
func (w *Source) sampleIngest(ctx context.Context) (web.Ingest, error) {
	st, err := w.store.Stats(ctx)
	if err != nil {
		return web.Ingest{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c, now := &w.ingest, w.now()
	if !c.started {
		// Start at the archive's head: the rate counts from now on.
		_, head, err := w.store.CountArchived(ctx, math.MaxUint64)
		if err != nil {
			return web.Ingest{}, err
		}
		c.started, c.head = true, head
	} else {
		n, head, err := w.store.CountArchived(ctx, c.head)
		if err != nil {
			return web.Ingest{}, err
		}
		// max: a replica behind the primary may answer with an older head
		// than the last; going back would count those events twice.
		c.head, c.counted, c.extra = max(c.head, head), c.counted+n, c.extra+n
	}
	if !st.RefreshedAt.Equal(c.base) {
		// A new refresh: count once what was archived after its head (at
		// most one stats interval of ingest), then follow on from there.
		n, head, err := w.store.CountArchived(ctx, st.Events.ArchiveHead)
		if err != nil {
			return web.Ingest{}, err
		}
		// Events archived between the two counts are in extra already;
		// the rate misses them, which is the cheaper error.
		c.base, c.baseSeen, c.extra, c.head = st.RefreshedAt, st.Events.Events, n, max(c.head, head)
	}
	w.samples = append(w.samples, ingestSample{at: now, counted: c.counted})
	for len(w.samples) > 2 && now.Sub(w.samples[1].at) > rateWindow {
		w.samples = w.samples[1:]
	}
	var out web.Ingest
	if !c.base.IsZero() {
		total, at := c.baseSeen+c.extra, c.base.UTC()
		out.Archived, out.StatsAt = &total, &at
	}
	if first := w.samples[0]; len(w.samples) > 1 && now.Sub(first.at) >= time.Second {
		rate := float64(c.counted-first.counted) / now.Sub(first.at).Seconds()
		out.Rate = &rate
	}
	return out, nil
}

// Stats converts the archive's statistics.
func (w *Source) Stats(ctx context.Context) (web.Stats, error) {
	ctx = archive.AllowReplica(ctx)
	st, err := w.store.Stats(ctx)
	if err != nil {
		return web.Stats{}, err
	}
	var out web.Stats
	if st.RefreshedAt.IsZero() {
		return out, nil
	}
	at := st.RefreshedAt.UTC()
	e := st.Events
	out.RefreshedAt = &at
	out.Events = web.EventTotals{Events: e.Events, Pubkeys: e.Pubkeys, Kinds: e.Kinds, Regular: e.Regular,
		Replaceable: e.Replaceable, Ephemeral: e.Ephemeral, Addressable: e.Addressable,
		LastHour: e.LastHour, LastDay: e.LastDay, LastWeek: e.LastWeek, LastMonth: e.LastMonth}
	for _, k := range st.Kinds {
		out.Kinds = append(out.Kinds, web.KindStat{Kind: k.Kind, Events: k.Events, Pubkeys: k.Pubkeys})
	}
	for _, d := range st.Daily {
		out.Days = append(out.Days, web.DayStat{Day: d.Day.Format(time.DateOnly), Events: d.Events, Pubkeys: d.Pubkeys, Kinds: d.Kinds})
	}
	for _, s := range st.Software {
		out.Software = append(out.Software, web.SoftwareStat{Software: s.Software, Version: s.Version, Relays: s.Relays})
	}
	for _, n := range st.NIPs {
		out.NIPs = append(out.NIPs, web.NIPStat{NIP: n.NIP, Relays: n.Relays})
	}
	for _, c := range st.Countries {
		out.Countries = append(out.Countries, web.CountryStat{Country: c.Country, Relays: c.Relays})
	}
	return out, nil
}

// syncState reads the synchronizer's record of a relay, nil when it has
// none (or an unreadable one: the page still shows the rest).
func (w *Source) syncState(ctx context.Context, url schema.RelayURL) (*web.SyncState, error) {
	st, err := w.store.GetState(ctx, syncer.ServiceName, syncer.StateCursor, url.String())
	if errors.Is(err, schema.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rs, err := syncer.DecodeRelayState(st.Value)
	if err != nil {
		return nil, nil
	}
	return &web.SyncState{Archived: rs.Archived, Flagged: rs.Flagged, ExhaustedRuns: rs.ExhaustedRuns,
		DayStart: rs.DayStart, DayEvents: rs.DayEvents}, nil
}
