//go:build chaos

package chaos

import (
	"fmt"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

// invariants are the run's properties every hostile profile's subtest
// depends on: the relays the node validated were monitored, the healthy
// ones synced, within two of their intervals; the canaries were archived
// within two synchronizer intervals; RSS stayed under maxRSSMB; nothing the
// healthy relays hold is missing; the node stopped cleanly.
func (r *run) invariants() []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	c := r.cfg
	monitorBy, syncBy := 2*c.monitorEvery+slack, 2*c.syncEvery+slack
	for _, info := range r.m.Relays {
		s := r.relays[info.URL]
		healthy := info.Profile == testnet.Healthy
		switch {
		case s.validated == 0 && healthy:
			add("%s (healthy): never validated", info.URL)
			continue
		case s.validated == 0:
			continue // a relay the validator refused is not the monitor's
		}
		// A relay validated late may not be due yet.
		if r.elapsed-s.validated > monitorBy {
			if s.checked == 0 || s.checked-s.validated > monitorBy {
				add("%s (%s): validated at %s, first monitored at %s: want within %s", info.URL, info.Profile,
					s.validated, s.checked, monitorBy)
			}
			if s.staleCheck > monitorBy {
				add("%s (%s): its last check was %s old at a poll: want at most %s", info.URL, info.Profile,
					s.staleCheck.Round(time.Second), monitorBy)
			}
		}
		if !healthy || r.elapsed-s.validated <= syncBy {
			continue
		}
		if s.synced == 0 || s.synced-s.validated > syncBy {
			add("%s (healthy): validated at %s, first synced at %s: want within %s", info.URL, s.validated, s.synced, syncBy)
		}
		if s.staleSync > syncBy+c.endLag {
			add("%s (healthy): its archive cursor was %s behind at a poll: want at most %s", info.URL,
				s.staleSync.Round(time.Second), syncBy+c.endLag)
		}
	}
	switch canaryBy := 2*c.syncEvery + pollEvery; {
	case r.canaryTook == 0:
		add("%d canaries published at %s were never archived", canaries, r.canaryAt)
	case r.canaryTook > canaryBy:
		add("canaries archived %s after publishing: want within %s", r.canaryTook, canaryBy)
	}
	if r.peakRSS >= maxRSSMB {
		add("node's peak RSS %.1f MB: want under %d MB", r.peakRSS, maxRSSMB)
	}
	if len(r.missing) > 0 {
		add("%d valid events of the healthy relays (canaries included) not archived, e.g. %s", len(r.missing), r.missing[0])
	}
	if r.exit != nil {
		add("node did not stop cleanly on SIGTERM: %v", r.exit)
	}
	return out
}

// bounded checks what one hostile relay cost the node against the
// budgets, and that the node's metrics show it met them; it prints the
// relay's figures.
func (r *run) bounded(t *testing.T, info testnet.RelayInfo) {
	t.Helper()
	c, st, s, b := r.limits, r.stats[info.URL], r.relays[info.URL], info.Behavior
	var events int64
	view := "not validated"
	if s.validated != 0 {
		view = "validated"
		if s.checked != 0 {
			view += fmt.Sprintf(", monitored (online %v)", s.last.Online)
		}
		if s.synced != 0 {
			view += ", synced"
		}
	}
	exhausted := "-"
	if sy := s.last.Sync; sy != nil {
		events = sy.DayEvents
		exhausted = fmt.Sprint(sy.ExhaustedRuns)
		if sy.Flagged {
			exhausted += " flagged"
		}
	}
	fmt.Printf("%-26s %10s %6d %9d %12d %9s %s\n", info.Profile, st.Longest.Round(100*time.Millisecond),
		st.Connections, events, st.BytesSent, exhausted, view)

	// Time: no connection outlives the longest budget by more than the
	// dial and handshake timeouts.
	if bound := c.connTime() + 2*c.timeout + slack; st.Longest > bound {
		t.Errorf("%s held a connection %s: want at most %s (longest conn_time %s)", info.URL,
			st.Longest.Round(time.Millisecond), bound, c.connTime())
	}
	// Bytes: per connection, the largest conn_bytes and what the socket
	// buffers take unread.
	if bound := st.Connections * (c.connBytes() + socketSlack); st.BytesSent > bound {
		t.Errorf("%s sent %d bytes over %d connections: want at most %d", info.URL, st.BytesSent, st.Connections, bound)
	}
	// Events: conn_events per synchronizer run, runs at most one per
	// interval, and the daily quota.
	runs := int64(r.elapsed/c.syncEvery) + 1
	if bound := min(int64(c.sync.connEvents)*runs, int64(c.dailyEvents+c.sync.connEvents)); events > bound {
		t.Errorf("%s: %d events fetched in %s: want at most %d (%d runs of %d)", info.URL, events,
			r.elapsed.Round(time.Second), bound, runs, c.sync.connEvents)
	}
	ms := r.metrics
	rejected := func(reason string) float64 {
		return ms.sum("bigbrotr_sync_events_rejected_total", map[string]string{"reason": reason})
	}
	if b.Endless && b.DistinctEvents && b.REQEnd == testnet.EndNever {
		// It never stops sending: every run ends on its budget, and the
		// node flags it after three (each a conn_time, an interval apart).
		sy := s.last.Sync
		if sy == nil || (sy.ExhaustedRuns == 0 && !sy.Flagged) {
			t.Errorf("%s: never sends EOSE, yet no run of it ended on its budget (sync state %+v)", info.URL, sy)
		}
		if three := 3*(c.syncEvery+c.sync.connTime) + slack; r.elapsed-s.validated > three && (sy == nil || !sy.Flagged) {
			t.Errorf("%s: not flagged %s after its validation (three runs take %s)", info.URL, r.elapsed-s.validated, three)
		}
		if ms.sum("bigbrotr_sync_relays_total", map[string]string{"outcome": "budget"}) == 0 {
			t.Errorf("metrics: no relay run ended on its budget (bigbrotr_sync_relays_total{outcome=\"budget\"})")
		}
		if ms.sum("bigbrotr_sync_relays_flagged", nil) == 0 {
			t.Errorf("metrics: no relay flagged (bigbrotr_sync_relays_flagged)")
		}
	}
	if b.LimitIgnored && rejected("over_limit")+
		ms.sum("bigbrotr_loop_rejects_total", map[string]string{"loop": "finder", "reason": "over_limit"}) == 0 {
		t.Errorf("metrics: %s ignores limits, yet no REQ was cut for answering past its limit (over_limit)", info.URL)
	}
	if len(info.InvalidEventIDs) > 0 && rejected("invalid_sig")+rejected("invalid_id") == 0 {
		t.Errorf("metrics: %s serves bad signatures and ids, yet none was rejected", info.URL)
	}
	// Far-future events lie past every window the synchronizer asks for;
	// none may reach the archive.
	if len(info.FutureEventIDs) > 0 && len(r.futureKept) > 0 {
		t.Errorf("%d events dated decades ahead archived, e.g. %s", len(r.futureKept), r.futureKept[0])
	}
	if len(info.StrangeEventIDs) > 0 && len(r.strangeMiss) > 0 {
		t.Errorf("%s: %d of its valid events (10 KB tag values, NUL) not archived, e.g. %s", info.URL,
			len(r.strangeMiss), r.strangeMiss[0])
	}
}
