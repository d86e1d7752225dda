package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// pageNames are the templates/*.html that are whole pages (each is
// rendered inside layout.html).
var pageNames = []string{"overview", "relays", "relay", "error", "event", "monitors"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// pageData is what every page template gets.
type pageData struct {
	Title string
	Node  NodeInfo
	Now   time.Time
	Data  any
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, name, title string, data any) {
	var buf bytes.Buffer
	err := h.pages[name].Execute(&buf, pageData{Title: title, Node: h.o.Node, Now: h.o.Now().UTC(), Data: data})
	if err != nil {
		h.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	buf.WriteTo(w)
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	h.render(w, r, code, "error", http.StatusText(code), struct {
		Code    int
		Message string
	}{code, msg})
}

type overviewData struct {
	Summary Summary
	Stats   Stats
	// Archived is the headline event count: the statistics' own count, so
	// that it and the archive table agree, with Since the events archived
	// after that refresh (nil when the overview is of another refresh).
	Archived *int64
	Since    *int64
	// Empty: the node knows no relay, not even a candidate.
	Empty bool
	// Map places the located relays (worldmap.go).
	Map *worldMap
}

func (h *Handler) pageOverview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := h.ctx(r)
	defer cancel()
	s, err := h.summary(ctx)
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	st, err := h.o.Source.Stats(ctx)
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	if st.NIPs, err = h.verifiedNIPStats(ctx); err != nil {
		h.pageFail(w, r, err)
		return
	}
	d := overviewData{Summary: s, Stats: st, Empty: s.Networks[len(s.Networks)-1].Known == 0}
	if d.Map, err = h.overviewMap(ctx); err != nil {
		h.pageFail(w, r, err)
		return
	}
	if st.RefreshedAt != nil {
		d.Archived = &st.Events.Events
		if ev := s.Events; ev.Archived != nil && ev.StatsAt != nil && ev.StatsAt.Equal(*st.RefreshedAt) {
			since := max(0, *ev.Archived-st.Events.Events)
			d.Since = &since
		}
	}
	h.render(w, r, http.StatusOK, "overview", "Overview", d)
}

type relaysData struct {
	Query      Query
	Error      string
	Relays     []Relay
	Total      int
	Prev, Next string // page links, "" at either end
	Networks   []string
	Sorts      []string
	// Uptime is the 90-day uptime of the shown relays, by URL.
	Uptime map[string][]UptimeDay
}

func (h *Handler) pageRelays(w http.ResponseWriter, r *http.Request) {
	q, qerr := parseQuery(r.URL.Query())
	d := relaysData{Networks: networks, Sorts: sortKeys}
	code := http.StatusOK
	if qerr != nil {
		// Show the form again with the message, and no results.
		d.Error, code = qerr.Error(), http.StatusBadRequest
		q = Query{Sort: sortKeys[0], Limit: DefaultPageSize}
	} else {
		ctx, cancel := h.ctx(r)
		defer cancel()
		relays, err := h.cachedRelays(ctx)
		if err != nil {
			h.pageFail(w, r, err)
			return
		}
		d.Relays, d.Total = q.apply(relays)
		if q.Offset > 0 {
			d.Prev = pageLink(q, q.Offset-q.Limit)
		}
		if q.Offset+q.Limit < d.Total {
			d.Next = pageLink(q, q.Offset+q.Limit)
		}
		d.Uptime = h.uptimeOf(ctx, d.Relays)
	}
	d.Query, d.Sorts = q, sortsFor(q)
	h.render(w, r, code, "relays", "Relays", d)
}

func (h *Handler) pageRelay(w http.ResponseWriter, r *http.Request) {
	u := r.URL.Query().Get("url")
	if u == "" {
		h.errorPage(w, r, http.StatusBadRequest, "which relay? add ?url=wss://...")
		return
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	now := h.o.Now()
	d, err := h.o.Source.Relay(ctx, u, now.Add(-h.o.History))
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	if d.Monitors, err = h.relayMonitors(ctx, d.URL); err != nil {
		h.pageFail(w, r, err)
		return
	}
	changes, uptime := h.relayChanges(ctx, d.URL)
	h.render(w, r, http.StatusOK, "relay", d.URL, struct {
		Relay     RelayDetail
		Until     time.Time
		FirstSeen relayFirstSeen
		Changes   []Change
		Uptime    []UptimeDay
	}{d, now, h.relayFirstSeen(ctx, r, d.URL), changes, uptime})
}

// funcs are the helpers the templates use.
var funcs = template.FuncMap{
	"ts":            fmtTime,
	"ago":           ago,
	"ms":            fmtMS,
	"pct":           fmtPct,
	"num":           fmtNum,
	"nips":          fmtNIPs,
	"pretty":        prettyJSON,
	"relayLink":     func(u string) string { return "/relay?" + url.Values{"url": {u}}.Encode() },
	"sortLink":      sortLink,
	"pageLink":      pageLink,
	"rttChart":      rttChart,
	"barChart":      barChart,
	"dur":           fmtDur,
	"pctOf":         pctOf,
	"isTrue":        func(b *bool) bool { return b != nil && *b },
	"isFalse":       func(b *bool) bool { return b != nil && !*b },
	"add":           func(a, b int) int { return a + b },
	"deref":         func(f *float64) float64 { return *f },
	"pathEscape":    url.PathEscape,
	"firstSeenLink": firstSeenLink,
	"uptimeBar":     uptimeBar,
	"uptimeMini":    uptimeMini,
	"feedLink":      func(u string) string { return "/feeds/relay.atom?" + url.Values{"url": {u}}.Encode() },
	"seconds": func(s float64) string {
		return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
	},
}

// fmtDur prints seconds as a short duration: 3600 -> 1h, 300 -> 5m,
// 90 -> 1m30s, 0.25 -> 250ms.
func fmtDur(s float64) string {
	d := time.Duration(s * float64(time.Second))
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	out := d.Round(time.Second).String()
	for _, zero := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(out, zero) {
			out = strings.TrimSuffix(out, zero[1:])
		}
	}
	return out
}

// pctOf is done/due as a whole percentage, "" when nothing is due.
func pctOf(done, due int64) string {
	if due <= 0 {
		return ""
	}
	return strconv.FormatInt(min(100, done*100/due), 10) + "%"
}

// fmtTime accepts a time.Time or a *time.Time (nil prints a dash).
func fmtTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if t == nil {
			return "-"
		}
		return fmtTime(*t)
	}
	return "-"
}

// ago is a coarse age of t relative to now.
func ago(now time.Time, v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "never"
		}
		t = *x
	}
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in " + coarse(-d)
	case d < time.Minute:
		return "just now"
	}
	return coarse(d) + " ago"
}

func coarse(d time.Duration) string {
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + "d"
}

func fmtMS(v *int64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatInt(*v, 10) + " ms"
}

func fmtPct(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

// fmtNum groups thousands: 1234567 -> 1,234,567.
func fmtNum(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case *int64:
		if x == nil {
			return "-"
		}
		n = *x
	case float64:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case *float64:
		if x == nil {
			return "-"
		}
		return strconv.FormatFloat(*x, 'f', 1, 64)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtNIPs(n []int) string {
	if len(n) == 0 {
		return "-"
	}
	parts := make([]string, len(n))
	for i, v := range n {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ", ")
}

func prettyJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if len(raw) == 0 || json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

// sortLink is the relay list sorted by key, keeping the filters: the
// current key toggles its order, another starts ascending (events and
// RTT are more useful descending and ascending respectively, as asc is).
func sortLink(q Query, key string) string {
	desc := false
	if q.Sort == key {
		desc = !q.Desc
	} else if key == "events" {
		desc = true
	}
	q.Sort, q.Desc, q.Offset = key, desc, 0
	return "/relays?" + q.values().Encode()
}

// pageLink is the relay list at offset, with everything else kept.
func pageLink(q Query, offset int) string {
	q.Offset = max(0, offset)
	return "/relays?" + q.values().Encode()
}
