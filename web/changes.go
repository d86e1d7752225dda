package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// ChangeSource is what the state-change views read: relays' stored
// transitions and daily uptime. A Source that also implements it gets the
// changes endpoints, the Atom feeds and the uptime bars; without it they
// answer 404.
type ChangeSource interface {
	// Changes returns changes newest first: of the relay url (every relay
	// when ""), with ID below before (no bound when 0), at most limit. An
	// unknown relay is ErrNotFound.
	Changes(ctx context.Context, url string, before int64, limit int) ([]Change, error)
	// Uptime returns the day counts of the relays urls from since's day on
	// (each relay's days oldest first).
	Uptime(ctx context.Context, urls []string, since time.Time) (map[string][]UptimeDay, error)
}

// Change is one state transition of a relay.
type Change struct {
	ID    int64     `json:"id"`
	Relay string    `json:"relay"`
	At    time.Time `json:"at"`
	// Kind is one of down, up, nip11, software, cert_renewed,
	// cert_expiring, cert_expired, nips_gained, nips_lost, requirements.
	Kind string `json:"kind"`
	// Summary says it in words, as the feeds and pages do.
	Summary string              `json:"summary"`
	Detail  schema.ChangeDetail `json:"detail"`
}

// ChangePage is one page of changes, newest first.
type ChangePage struct {
	// Relay is the relay asked about; "" for every relay.
	Relay   string   `json:"relay"`
	Changes []Change `json:"changes"`
	// NextBefore is the before= of the next (older) page; null on the last.
	NextBefore *int64 `json:"next_before"`
}

// UptimeDay counts one relay's checks of one UTC day.
type UptimeDay struct {
	Day       time.Time `json:"day"`
	Checks    int       `json:"checks"`
	Reachable int       `json:"reachable"`
}

// Paging of changes.
const (
	defaultChangePage = 50
	maxChangePage     = 500
	uptimeDays        = 90
	relayPageChanges  = 20
)

// apiChanges serves /api/v1/changes and /api/v1/relays/{url}/changes:
// ?before=ID&limit=N (1-500, default 50).
func (h *Handler) apiChanges(w http.ResponseWriter, r *http.Request) {
	if h.changes == nil {
		writeError(w, http.StatusNotFound, "this node records no state changes")
		return
	}
	before, limit, err := changePaging(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	url := r.PathValue("url")
	cs, err := h.changes.Changes(ctx, url, before, limit)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	page := ChangePage{Relay: url, Changes: nonNil(cs)}
	if len(cs) == limit {
		next := cs[len(cs)-1].ID
		page.NextBefore = &next
	}
	writeJSON(w, http.StatusOK, page)
}

func changePaging(r *http.Request) (before int64, limit int, err error) {
	q := r.URL.Query()
	limit = defaultChangePage
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxChangePage {
			return 0, 0, fmt.Errorf("limit: want an integer from 1 to %d, got %q", maxChangePage, s)
		}
	}
	if s := q.Get("before"); s != "" {
		if before, err = strconv.ParseInt(s, 10, 64); err != nil || before < 1 {
			return 0, 0, fmt.Errorf("before: want a change id (a positive integer), got %q", s)
		}
	}
	return before, limit, nil
}

// relayChanges is what the relay page shows of its changes: the newest
// ones and the last 90 days of uptime. Without a ChangeSource both are
// empty; an error leaves them out (the rest of the page is still useful)
// and is logged.
func (h *Handler) relayChanges(ctx context.Context, url string) ([]Change, []UptimeDay) {
	if h.changes == nil {
		return nil, nil
	}
	cs, err := h.changes.Changes(ctx, url, 0, relayPageChanges)
	if err != nil {
		h.log.Warn("read changes", "relay", url, "err", err)
	}
	up, err := h.changes.Uptime(ctx, []string{url}, h.uptimeSince())
	if err != nil {
		h.log.Warn("read uptime", "relay", url, "err", err)
	}
	return cs, up[url]
}

// uptimeOf reads the uptime bars of a page of relays.
func (h *Handler) uptimeOf(ctx context.Context, relays []Relay) map[string][]UptimeDay {
	if h.changes == nil || len(relays) == 0 {
		return nil
	}
	urls := make([]string, len(relays))
	for i, r := range relays {
		urls[i] = r.URL
	}
	up, err := h.changes.Uptime(ctx, urls, h.uptimeSince())
	if err != nil {
		h.log.Warn("read uptime", "err", err)
	}
	return up
}

func (h *Handler) uptimeSince() time.Time {
	return utcDay(h.o.Now()).AddDate(0, 0, -(uptimeDays - 1))
}

func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

// RelayUptime is a relay's daily uptime.
type RelayUptime struct {
	Relay string      `json:"relay"`
	Since time.Time   `json:"since"`
	Days  []UptimeDay `json:"days"`
	// Uptime is the share of the days' checks that reached the relay; nil
	// without checks.
	Uptime *float64 `json:"uptime"`
}

// apiUptime serves /api/v1/relays/{url}/uptime?days=N (1-90, default 90):
// the counts behind the uptime bars, oldest day first.
func (h *Handler) apiUptime(w http.ResponseWriter, r *http.Request) {
	if h.changes == nil {
		writeError(w, http.StatusNotFound, "this node records no uptime")
		return
	}
	days := uptimeDays
	if s := r.URL.Query().Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > uptimeDays {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("days: want an integer from 1 to %d, got %q", uptimeDays, s))
			return
		}
		days = n
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	url := r.PathValue("url")
	// Changes answers ErrNotFound for a relay that is not validated.
	if _, err := h.changes.Changes(ctx, url, 0, 1); err != nil {
		h.apiFail(w, r, err)
		return
	}
	since := utcDay(h.o.Now()).AddDate(0, 0, -(days - 1))
	up, err := h.changes.Uptime(ctx, []string{url}, since)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	out := RelayUptime{Relay: url, Since: since, Days: nonNil(up[url])}
	var checks, reach int
	for _, d := range out.Days {
		checks, reach = checks+d.Checks, reach+d.Reachable
	}
	if checks > 0 {
		share := float64(reach) / float64(checks)
		out.Uptime = &share
	}
	writeJSON(w, http.StatusOK, out)
}
