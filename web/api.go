package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// maxHistoryDays bounds the relay history window a client may ask for.
const maxHistoryDays = 90

// RelayPage is one page of the relay list.
type RelayPage struct {
	Total  int     `json:"total"` // matches before paging
	Limit  int     `json:"limit"`
	Offset int     `json:"offset"`
	Relays []Relay `json:"relays"`
}

// APIError is the body of every error response.
type APIError struct {
	Error string `json:"error"`
}

func (h *Handler) apiOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}

func (h *Handler) apiOverview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := h.ctx(r)
	defer cancel()
	s, err := h.summary(ctx)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (h *Handler) apiRelays(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	relays, err := h.cachedRelays(ctx)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	page, total := q.apply(relays)
	for i := range page {
		page[i] = normalizeRelay(page[i])
	}
	writeJSON(w, http.StatusOK, RelayPage{Total: total, Limit: q.Limit, Offset: q.Offset, Relays: nonNil(page)})
}

// apiRelay serves /api/v1/relays/{url}: the relay URL percent-encoded as
// one path segment (wss%3A%2F%2Frelay.example.com), with ?days=N (1-90,
// default the configured history) for the history window.
func (h *Handler) apiRelay(w http.ResponseWriter, r *http.Request) {
	since, err := h.since(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	d, err := h.o.Source.Relay(ctx, r.PathValue("url"), since)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	if d.Monitors, err = h.relayMonitors(ctx, d.URL); err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, normalizeDetail(d))
}

func (h *Handler) apiStats(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := h.ctx(r)
	defer cancel()
	st, err := h.o.Source.Stats(ctx)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	if st.NIPs, err = h.verifiedNIPStats(ctx); err != nil {
		h.apiFail(w, r, err)
		return
	}
	st.Kinds, st.Days, st.Software = nonNil(st.Kinds), nonNil(st.Days), nonNil(st.Software)
	st.NIPs, st.Countries = nonNil(st.NIPs), nonNil(st.Countries)
	writeJSON(w, http.StatusOK, st)
}

// since reads ?days= into the start of the history window.
func (h *Handler) since(r *http.Request) (time.Time, error) {
	window := h.o.History
	if s := r.URL.Query().Get("days"); s != "" {
		days, err := strconv.Atoi(s)
		if err != nil || days < 1 || days > maxHistoryDays {
			return time.Time{}, fmt.Errorf("days: want an integer from 1 to %d, got %q", maxHistoryDays, s)
		}
		window = time.Duration(days) * 24 * time.Hour
	}
	return h.o.Now().Add(-window), nil
}

// normalizeDetail turns nil lists into empty ones, so JSON clients always
// get arrays.
func normalizeDetail(d RelayDetail) RelayDetail {
	d.Relay = normalizeRelay(d.Relay)
	d.History, d.Kinds = nonNil(d.History), nonNil(d.Kinds)
	if len(d.NIP11) == 0 {
		d.NIP11 = json.RawMessage("null")
	}
	return d
}

func normalizeRelay(r Relay) Relay {
	r.NIPs, r.VerifiedNIPs, r.DisprovedNIPs = nonNil(r.NIPs), nonNil(r.VerifiedNIPs), nonNil(r.DisprovedNIPs)
	return r
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing to do
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, APIError{Error: msg})
}
