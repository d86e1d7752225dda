package monitor

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Kinds fetched from peers: other monitors' reports and announcements.
const (
	kindAnnouncement = 10166
	peerPage         = 500 // events per REQ of the walk
	// peerMaxEvents bounds what one peer may hand over per cycle: a few
	// monitors each covering tens of thousands of relays.
	peerMaxEvents = 200_000
	// peerClockSkew: monitors' clocks run ahead too.
	peerClockSkew = 15 * time.Minute
)

// SavePeersFunc stores other monitors' events fetched from Config.Peers,
// with the peer as their provenance.
type SavePeersFunc func(ctx context.Context, batch []schema.Sighting) error

// peerLimits are [monitor.client] widened for a bulk read: a walk of
// thousands of reports, not one answer per phase.
func (m *Monitor) peerLimits() relayclient.Limits {
	l := m.cfg.Client
	l.ReqEvents = max(l.ReqEvents, peerPage)
	l.ReqBytes = max(l.ReqBytes, 64<<20)
	l.ConnEvents = max(l.ConnEvents, peerMaxEvents+peerPage)
	l.ConnBytes = max(l.ConnBytes, 1<<30)
	l.ConnTime = max(l.ConnTime, m.peerBudget())
	return l
}

// peerBudget bounds one peer's fetch.
func (m *Monitor) peerBudget() time.Duration { return max(time.Minute, 6*m.cfg.Timeout) }

// fetchPeers asks every configured peer for the 30166 of the agreement
// window and the 10166, verifies them and stores them. A peer that fails
// is logged and counted; it never fails the cycle, whose checks run
// meanwhile.
func (m *Monitor) fetchPeers(ctx context.Context) {
	if len(m.cfg.Peers) == 0 || m.savePeers == nil {
		return
	}
	for _, raw := range m.cfg.Peers {
		u, err := schema.ParseRelayURLWith(raw, m.cfg.URLs)
		if err != nil {
			continue // Validate refused it already
		}
		n, err := m.fetchPeer(ctx, u)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			m.m.peerFetches.WithLabelValues("error").Inc()
			m.log.Warn("peer monitors' events not fetched", "peer", u.String(), "stored", n, "err", err)
			continue
		}
		m.m.peerFetches.WithLabelValues("ok").Inc()
		m.log.Debug("peer monitors' events fetched", "peer", u.String(), "stored", n)
	}
}

// fetchPeer walks one peer newest first over the window for 30166, then
// asks for the 10166 (replaceable: one per monitor, whatever its age).
func (m *Monitor) fetchPeer(ctx context.Context, peer schema.RelayURL) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, m.peerBudget())
	defer cancel()
	c, err := relayclient.Dial(ctx, m.tr, peer.String(), relayclient.Options{Limits: m.peerLimits(), SubPrefix: "bigbrotr-peers"})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	now := m.now()
	var (
		batch  []schema.Sighting
		stored int
		// The walker asks a page's boundary second again: an event may come
		// twice.
		seen = map[string]bool{}
	)
	keep := func(_ context.Context, msg relayclient.Message, asked nostr.Filter) bool {
		ev := msg.Event
		if ev == nil || !asked.Matches(ev) {
			return false
		}
		if seen[ev.ID] {
			return true
		}
		if ev.PubKey == m.pubkey {
			return false
		}
		if ok, _ := ev.CheckSignature(); !ok || !ev.CheckID() {
			m.m.peerEvents.WithLabelValues("rejected").Inc()
			return false
		}
		seen[ev.ID] = true
		batch = append(batch, schema.Sighting{Event: ev, Relay: peer, SeenAt: now})
		return true
	}
	flush := func(ctx context.Context) error {
		if len(batch) == 0 {
			return nil
		}
		err := m.savePeers(ctx, batch)
		if err == nil {
			stored += len(batch)
			m.m.peerEvents.WithLabelValues("stored").Add(float64(len(batch)))
		}
		batch = batch[:0]
		return err
	}
	w := &relayclient.Walker{Conn: c, Filter: nostr.Filter{Kinds: []int{KindRelayDiscovery}}, Limit: peerPage, Keep: keep, After: flush}
	lo, hi := now.Add(-m.cfg.AgreementWindow).Unix(), now.Add(peerClockSkew).Unix()
	for hi >= lo && stored+len(batch) < peerMaxEvents {
		if hi, err = w.Step(ctx, lo, hi); err != nil {
			return stored, err
		}
	}
	f := nostr.Filter{Kinds: []int{kindAnnouncement}, Limit: peerPage}
	if _, err := c.Req(ctx, "announcements", f, func(msg relayclient.Message) { keep(ctx, msg, f) }); err != nil {
		return stored, err
	}
	return stored, flush(ctx)
}
