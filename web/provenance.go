package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ProvenanceSource answers where the archive saw events: the relays of one
// event and the events a relay delivered first. Every method honours ctx.
type ProvenanceSource interface {
	// EventRelays lists the relays the event (64 lower-case hex) was seen
	// on, first seen first, or ErrNotFound when the archive has no such
	// event (or hides it: deleted, expired).
	EventRelays(ctx context.Context, id string) ([]EventRelay, error)
	// FirstSeen pages the events the relay delivered before any other
	// relay, newest sighting first, after the cursor (zero: the start), at
	// most limit; ErrNotFound for a URL that is not a validated relay.
	FirstSeen(ctx context.Context, relay string, after EventCursor, limit int) ([]FirstSeenEvent, error)
}

// Page sizes of the first-seen lists.
const (
	DefaultFirstSeenPage = 50
	MaxFirstSeenPage     = 500
)

// EventRelay is one relay an event was seen on.
type EventRelay struct {
	URL       string    `json:"url"`
	FirstSeen time.Time `json:"first_seen"`
}

// EventProvenance is the body of /api/v1/events/{id}/relays.
type EventProvenance struct {
	ID     string       `json:"id"`
	Relays []EventRelay `json:"relays"`
}

// FirstSeenEvent is an event a relay delivered first.
type FirstSeenEvent struct {
	ID        string      `json:"id"`
	PubKey    string      `json:"pubkey"`
	Kind      int         `json:"kind"`
	CreatedAt time.Time   `json:"created_at"`
	FirstSeen time.Time   `json:"first_seen"`
	Cursor    EventCursor `json:"-"`
}

// FirstSeenPage is one page of a relay's first-seen events; Next is the
// cursor of the following page, null on the last.
type FirstSeenPage struct {
	Relay  string           `json:"relay"`
	Limit  int              `json:"limit"`
	Events []FirstSeenEvent `json:"events"`
	Next   *string          `json:"next"`
}

// EventCursor is a position in a first-seen list: the sighting time (unix
// seconds) and the archive's position of the event. Its text form is
// "SEEN-SEQ"; the zero value is the start.
type EventCursor struct {
	SeenAt int64
	Seq    uint64
}

func (c EventCursor) String() string {
	return strconv.FormatInt(c.SeenAt, 10) + "-" + strconv.FormatUint(c.Seq, 10)
}

func parseEventCursor(s string) (EventCursor, error) {
	if s == "" {
		return EventCursor{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	at, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseUint(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || at < 0 {
		return EventCursor{}, fmt.Errorf("after: want a cursor from a previous page's next, got %q", s)
	}
	return EventCursor{SeenAt: at, Seq: seq}, nil
}

var eventIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// parseEventID accepts an event id in hex, any case, with the spaces a
// paste may add.
func parseEventID(s string) (string, error) {
	id := strings.ToLower(strings.TrimSpace(s))
	if !eventIDPattern.MatchString(id) {
		return "", fmt.Errorf("id: want an event id, 64 hex characters, got %q", s)
	}
	return id, nil
}

// firstSeenQuery reads ?after= and ?limit= of a first-seen list.
func firstSeenQuery(v url.Values) (EventCursor, int, error) {
	after, err := parseEventCursor(v.Get("after"))
	if err != nil {
		return after, 0, err
	}
	limit := DefaultFirstSeenPage
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxFirstSeenPage {
			return after, 0, fmt.Errorf("limit: want an integer from 1 to %d, got %q", MaxFirstSeenPage, s)
		}
		limit = n
	}
	return after, limit, nil
}

// firstSeenPage reads one page; Next is set when the page is full (the
// next one may be empty, which costs one cheap query and never lies).
func (h *Handler) firstSeenPage(ctx context.Context, relay string, after EventCursor, limit int) (FirstSeenPage, error) {
	evs, err := h.o.Provenance.FirstSeen(ctx, relay, after, limit)
	if err != nil {
		return FirstSeenPage{}, err
	}
	p := FirstSeenPage{Relay: relay, Limit: limit, Events: nonNil(evs)}
	if len(evs) == limit {
		next := evs[len(evs)-1].Cursor.String()
		p.Next = &next
	}
	return p, nil
}

// apiEventRelays serves /api/v1/events/{id}/relays.
func (h *Handler) apiEventRelays(w http.ResponseWriter, r *http.Request) {
	id, err := parseEventID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	rs, err := h.o.Provenance.EventRelays(ctx, id)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, EventProvenance{ID: id, Relays: nonNil(rs)})
}

// apiFirstSeen serves /api/v1/relays/{url}/first-seen.
func (h *Handler) apiFirstSeen(w http.ResponseWriter, r *http.Request) {
	after, limit, err := firstSeenQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	p, err := h.firstSeenPage(ctx, r.PathValue("url"), after, limit)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// eventData is the event page: the id searched for and its relays.
type eventData struct {
	ID     string
	Error  string
	Relays []EventRelay
}

// pageEvent serves /event?id=: the search box's answer.
func (h *Handler) pageEvent(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("id")
	id, err := parseEventID(raw)
	if err != nil {
		h.render(w, r, http.StatusBadRequest, "event", "Event", eventData{ID: raw, Error: err.Error()})
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	rs, err := h.o.Provenance.EventRelays(ctx, id)
	if err != nil {
		code, msg := h.status(r, err)
		if code == http.StatusNotFound {
			msg = "The archive has no event with this id (or hides it: deleted by its author, or expired)."
		}
		h.render(w, r, code, "event", "Event", eventData{ID: id, Error: msg})
		return
	}
	h.render(w, r, http.StatusOK, "event", "Event "+id[:8], eventData{ID: id, Relays: rs})
}

// relayFirstSeen is the relay page's first-seen section, read with the
// page's ?after= and ?limit=; a bad parameter or a failed read is shown in
// the section rather than failing the whole page.
type relayFirstSeen struct {
	Page  FirstSeenPage
	After string
	Error string
	Off   bool // no ProvenanceSource: the section is left out
}

func (h *Handler) relayFirstSeen(ctx context.Context, r *http.Request, relay string) relayFirstSeen {
	if h.o.Provenance == nil {
		return relayFirstSeen{Off: true}
	}
	after, limit, err := firstSeenQuery(r.URL.Query())
	if err != nil {
		return relayFirstSeen{Error: err.Error()}
	}
	p, err := h.firstSeenPage(ctx, relay, after, limit)
	if err != nil {
		_, msg := h.status(r, err)
		return relayFirstSeen{Error: msg}
	}
	out := relayFirstSeen{Page: p}
	if after != (EventCursor{}) {
		out.After = after.String()
	}
	return out
}

// firstSeenLink is the relay page at the first-seen page after cursor.
func firstSeenLink(relay string, next *string) string {
	v := url.Values{"url": {relay}}
	if next != nil {
		v.Set("after", *next)
	}
	return "/relay?" + v.Encode() + "#first-seen"
}

// routeProvenance registers the provenance API and the event page; without
// a ProvenanceSource they answer 404 with the reason.
func (h *Handler) routeProvenance() {
	api := func(f http.HandlerFunc) http.HandlerFunc {
		if h.o.Provenance != nil {
			return f
		}
		return func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "this node does not serve provenance")
		}
	}
	h.mux.HandleFunc("GET /api/v1/events/{id}/relays", api(h.apiEventRelays))
	h.mux.HandleFunc("GET /api/v1/relays/{url}/first-seen", api(h.apiFirstSeen))
	h.mux.HandleFunc("GET /event", func(w http.ResponseWriter, r *http.Request) {
		if h.o.Provenance == nil {
			h.errorPage(w, r, http.StatusNotFound, "this node does not serve provenance")
			return
		}
		h.pageEvent(w, r)
	})
}
