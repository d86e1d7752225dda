package web

import (
	"context"
	"net/http"
	"time"
)

// MonitorSource answers what other NIP-66 monitors say about the relays.
// Every method honours ctx.
type MonitorSource interface {
	// RelayMonitors is the monitors' agreement on one relay (URL as the
	// relay list spells it); Count 0 when no monitor reported it.
	RelayMonitors(ctx context.Context, url string) (RelayMonitors, error)
	// Monitors lists every monitor with a report in the window.
	Monitors(ctx context.Context) (MonitorList, error)
}

// RelayMonitors is what other monitors said about one relay over the
// window: the "monitors" object of a relay.
type RelayMonitors struct {
	// Window is how far back reports count, in seconds.
	Window float64 `json:"window_seconds"`
	// Count monitors reported the relay in the window; Reachable of them
	// saw it reachable within their own announced frequency.
	Count     int `json:"count"`
	Reachable int `json:"reachable"`
	// Majority is "reachable" or "unreachable"; "" on an even split or
	// without reports.
	Majority string `json:"majority"`
	// Agreement is the share of the monitors holding the majority verdict;
	// nil without reports.
	Agreement *float64 `json:"agreement"`
	// Quorum: enough monitors reported (three) and they are not split
	// evenly, so a monitor against the majority is marked as disagreeing.
	Quorum bool `json:"quorum"`
	// Medians of the round trips of the monitors that saw it reachable, ms.
	RTTOpenMedian  *int64 `json:"rtt_open_median"`
	RTTReadMedian  *int64 `json:"rtt_read_median"`
	RTTWriteMedian *int64 `json:"rtt_write_median"`
	// Own is this node's verdict ("reachable", "unreachable", "" when it has
	// not checked the relay); OwnAgrees whether it matches the majority
	// (nil without a majority or a verdict).
	Own       string `json:"own"`
	OwnAgrees *bool  `json:"own_agrees"`
	// Reports are each monitor's newest report, by pubkey.
	Reports []MonitorReport `json:"reports"`
}

// MonitorReport is one monitor's view of one relay.
type MonitorReport struct {
	PubKey string    `json:"pubkey"`
	At     time.Time `json:"reported_at"`
	// Reachable: its newest report is recent for its frequency.
	Reachable bool `json:"reachable"`
	RTT       RTT  `json:"rtt"`
	// Outliers name the round trips (open, read, write) far from the other
	// monitors' (median and MAD).
	Outliers []string `json:"outliers"`
	// Disagrees: the relay has a quorum and this verdict is not its
	// majority.
	Disagrees bool `json:"disagrees"`
	// Announced: the monitor published a 10166 (else its frequency is
	// assumed); Dissenting: it disagrees with quorums too often.
	Announced  bool `json:"announced"`
	Dissenting bool `json:"dissenting"`
}

// MonitorList is the body of /api/v1/monitors.
type MonitorList struct {
	GeneratedAt time.Time `json:"generated_at"`
	Window      float64   `json:"window_seconds"`
	Monitors    []Monitor `json:"monitors"`
}

// Monitor is one other monitor over every relay it reported.
type Monitor struct {
	PubKey string `json:"pubkey"`
	// Relays it reported in the window; Judged of them had a quorum and it
	// disagreed on Disagreed.
	Relays    int `json:"relays"`
	Judged    int `json:"judged"`
	Disagreed int `json:"disagreed"`
	// Agreement is its share of judged relays agreeing with the majority;
	// nil when none was judged.
	Agreement *float64 `json:"agreement"`
	// Outliers counts its reports with a round trip flagged.
	Outliers int       `json:"outliers"`
	LastSeen time.Time `json:"last_seen"`
	// Frequency is what its 10166 announces, in seconds; nil when it
	// never published one (Announced false: counted, with 1h assumed).
	Frequency  *float64 `json:"frequency_seconds"`
	Announced  bool     `json:"announced"`
	Dissenting bool     `json:"dissenting"`
}

// relayMonitors fills the "monitors" object of a relay, nil without a
// MonitorSource.
func (h *Handler) relayMonitors(ctx context.Context, url string) (*RelayMonitors, error) {
	if h.o.Monitors == nil {
		return nil, nil
	}
	m, err := h.o.Monitors.RelayMonitors(ctx, url)
	if err != nil {
		return nil, err
	}
	m.Reports = nonNil(m.Reports)
	for i := range m.Reports {
		m.Reports[i].Outliers = nonNil(m.Reports[i].Outliers)
	}
	return &m, nil
}

func (h *Handler) apiMonitors(w http.ResponseWriter, r *http.Request) {
	if h.o.Monitors == nil {
		writeError(w, http.StatusNotFound, "this node does not compare monitors")
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	l, err := h.o.Monitors.Monitors(ctx)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	l.Monitors = nonNil(l.Monitors)
	writeJSON(w, http.StatusOK, l)
}

func (h *Handler) pageMonitors(w http.ResponseWriter, r *http.Request) {
	if h.o.Monitors == nil {
		h.errorPage(w, r, http.StatusNotFound, "this node does not compare monitors")
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	l, err := h.o.Monitors.Monitors(ctx)
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "monitors", "Monitors", l)
}

// routeMonitors registers the monitors API and page.
func (h *Handler) routeMonitors() {
	h.mux.HandleFunc("GET /api/v1/monitors", h.apiMonitors)
	h.mux.HandleFunc("GET /monitors", h.pageMonitors)
}
