package synchronizer

import "time"

// DefaultProgressEvery spaces the progress lines of a relay sync that runs
// long (a first sync of a big relay takes minutes to hours): without them
// the log says nothing between the cycle's start and the relay's end.
const DefaultProgressEvery = 30 * time.Second

// logProgress writes the relay's progress line when progressEvery has
// passed since the sync started or since the last line. It runs on the
// relay's own goroutine (at every cursor commit, after each page), so it
// reads the run's counters without locks.
func (r *relayRun) logProgress() {
	now := r.s.Now()
	if now.Sub(r.reported) < r.s.progressEvery {
		return
	}
	r.reported = now
	elapsed := now.Sub(r.started)
	// The window is walked newest first: events of this filter created
	// after Mark are archived, and everything down to Next is left.
	pos := r.cur.Mark
	if !r.cur.walking() {
		pos = r.cur.Next
	}
	r.s.Logger().Info("relay sync progress", "relay", r.relay.URL, "events", r.stats.valid, "fetched", r.stats.fetched,
		"events_per_s", int(float64(r.stats.valid)/max(elapsed.Seconds(), 1e-3)),
		"cursor", unixTime(pos), "window_from", unixTime(r.cur.Next), "window_to", unixTime(r.cur.Top), "filter", r.cur.Filter, "running", elapsed.Round(time.Second))
}

func unixTime(s int64) string { return time.Unix(max(s, 0), 0).UTC().Format(time.RFC3339) }
