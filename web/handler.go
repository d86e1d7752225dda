package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI is the API's OpenAPI 3 document, as served at
// /api/v1/openapi.json.
func OpenAPI() []byte { return openAPIDoc }

// Options configure the handler.
type Options struct {
	Source Source // required
	Logger *slog.Logger
	// Node describes the node in the page header.
	Node NodeInfo
	// CacheTTL is how long the relay list and overview are reused
	// (default 10s).
	CacheTTL time.Duration
	// History is the relay page's RTT window (default 7 days).
	History time.Duration
	// Timeout bounds one request's reads from Source (default 15s).
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Provenance answers the event and first-seen lookups; nil means
	// Source, when it implements ProvenanceSource.
	Provenance ProvenanceSource
	// Monitors answers what other monitors say; nil means Source, when
	// it implements MonitorSource.
	Monitors MonitorSource
}

// NodeInfo is the node's identity, shown in every page's header.
type NodeInfo struct {
	Name        string
	Description string
	PubKey      string
	Version     string
	// Archive, when set, says what the relay serves of the archive (lil
	// mode: metadata only), shown on every page.
	Archive string
}

// Handler serves the status page and the API.
type Handler struct {
	o     Options
	log   *slog.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template
	// changes is Options.Source as a ChangeSource, nil when it is not one.
	changes ChangeSource

	mu         sync.Mutex
	relays     []Relay
	relaysAt   time.Time
	overview   Overview
	overviewAt time.Time
}

// New builds the handler; it fails only on a missing Source or a broken
// embedded template.
func New(o Options) (*Handler, error) {
	if o.Source == nil {
		return nil, errors.New("web: no source")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 10 * time.Second
	}
	if o.History <= 0 {
		o.History = 7 * 24 * time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Provenance == nil {
		o.Provenance, _ = o.Source.(ProvenanceSource)
	}
	if o.Monitors == nil {
		o.Monitors, _ = o.Source.(MonitorSource)
	}
	h := &Handler{o: o, log: o.Logger.With("component", "web"), mux: http.NewServeMux()}
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(http.FileServerFS(static), time.Hour)))
	h.mux.HandleFunc("GET /{$}", h.pageOverview)
	h.mux.HandleFunc("GET /relays", h.pageRelays)
	h.mux.HandleFunc("GET /relay", h.pageRelay)
	h.mux.HandleFunc("GET /api/v1/openapi.json", h.apiOpenAPI)
	h.mux.HandleFunc("GET /api/v1/overview", h.apiOverview)
	h.mux.HandleFunc("GET /api/v1/relays", h.apiRelays)
	h.mux.HandleFunc("GET /api/v1/relays/{url}", h.apiRelay)
	h.mux.HandleFunc("GET /api/v1/stats", h.apiStats)
	h.routeProvenance()
	h.routeMonitors()
	h.changes, _ = o.Source.(ChangeSource)
	h.mux.HandleFunc("GET /api/v1/changes", h.apiChanges)
	h.mux.HandleFunc("GET /api/v1/relays/{url}/changes", h.apiChanges)
	h.mux.HandleFunc("GET /api/v1/relays/{url}/uptime", h.apiUptime)
	h.mux.HandleFunc("GET /feeds/changes.atom", h.feedChanges)
	h.mux.HandleFunc("GET /feeds/relay.atom", h.feedChanges)
	h.mux.HandleFunc("OPTIONS /api/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint; see /api/v1/openapi.json")
	})
	return h, nil
}

// ServeHTTP adds the headers every response carries: CORS on the API (it
// is public and read-only) and a content policy that allows no script.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	if len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/" {
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Accept, Content-Type")
		hd.Set("Access-Control-Max-Age", "86400")
	} else {
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
	}
	h.mux.ServeHTTP(w, r)
}

// ctx bounds a request's reads.
func (h *Handler) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), h.o.Timeout)
}

// cachedRelays returns the relay list, from the cache while it is fresh.
// Concurrent misses wait for one reader instead of each querying.
func (h *Handler) cachedRelays(ctx context.Context) ([]Relay, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.relays != nil && h.o.Now().Sub(h.relaysAt) < h.o.CacheTTL {
		return h.relays, nil
	}
	rs, err := h.o.Source.Relays(ctx)
	if err != nil {
		return nil, err
	}
	if rs == nil {
		rs = []Relay{}
	}
	h.relays, h.relaysAt = rs, h.o.Now()
	return rs, nil
}

// Summary is the overview the page and /api/v1/overview show.
type Summary struct {
	GeneratedAt time.Time      `json:"generated_at"`
	Networks    []NetworkCount `json:"networks"`
	Overview
}

// NetworkCount counts relays of one network ("all" sums them).
type NetworkCount struct {
	Network   string `json:"network"`
	Known     int    `json:"known"`     // validated + candidates
	Validated int    `json:"validated"` // relays that proved they speak Nostr
	Online    int    `json:"online"`    // validated and reached by the newest check
}

func (h *Handler) summary(ctx context.Context) (Summary, error) {
	// The relay list is read again whenever the overview is, so the counts
	// they add up (known = candidates + validated) are never a cache
	// lifetime apart.
	h.mu.Lock()
	ov, fresh := h.overview, h.overviewAt
	h.mu.Unlock()
	if fresh.IsZero() || h.o.Now().Sub(fresh) >= h.o.CacheTTL {
		var err error
		if ov, err = h.o.Source.Overview(ctx); err != nil {
			return Summary{}, err
		}
		h.mu.Lock()
		h.overview, h.overviewAt = ov, h.o.Now()
		h.relaysAt = time.Time{} // read the relays again, after the overview
		h.mu.Unlock()
	}
	relays, err := h.cachedRelays(ctx)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{GeneratedAt: h.o.Now().UTC(), Overview: ov}
	all := NetworkCount{Network: "all"}
	for _, n := range networks {
		c := NetworkCount{Network: n, Known: ov.Candidates[n]}
		for i := range relays {
			if relays[i].Network == n {
				c.Validated++
				if relays[i].Online {
					c.Online++
				}
			}
		}
		c.Known += c.Validated
		all.Known, all.Validated, all.Online = all.Known+c.Known, all.Validated+c.Validated, all.Online+c.Online
		s.Networks = append(s.Networks, c)
	}
	s.Networks = append(s.Networks, all)
	if s.Loops == nil {
		s.Loops = []LoopHealth{}
	}
	if s.Candidates == nil {
		s.Candidates = map[string]int{}
	}
	if s.Setup == nil {
		s.Setup = []string{}
	}
	if s.Warnings == nil {
		s.Warnings = []string{}
	}
	return s, nil
}

// status maps a Source error to an HTTP status and a message safe to
// show: 404 for ErrNotFound, 504 for a timeout, else 500 (logged).
func (h *Handler) status(r *http.Request, err error) (int, string) {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.Is(err, context.DeadlineExceeded):
		h.log.Warn("request timed out", "path", r.URL.Path, "err", err)
		return http.StatusGatewayTimeout, "the archive took too long to answer"
	default:
		h.log.Warn("request failed", "path", r.URL.Path, "err", err)
		return http.StatusInternalServerError, "internal error; the node's log has the details"
	}
}

// apiFail answers a Source error as JSON.
func (h *Handler) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := h.status(r, err)
	writeError(w, code, msg)
}

// pageFail answers a Source error as an error page.
func (h *Handler) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := h.status(r, err)
	h.errorPage(w, r, code, msg)
}

func cacheFor(next http.Handler, d time.Duration) http.Handler {
	v := fmt.Sprintf("public, max-age=%d", int(d.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", v)
		next.ServeHTTP(w, r)
	})
}
