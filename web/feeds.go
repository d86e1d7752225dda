package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"time"
)

// Atom 1.0 (RFC 4287), just the elements a feed reader needs.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    string       `xml:"title"`
	Updated  string       `xml:"updated"`
	Link     atomLink     `xml:"link"`
	Category atomCategory `xml:"category"`
	Summary  string       `xml:"summary"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// feedEntries is how many changes a feed carries.
const feedEntries = 50

// feedChanges serves /feeds/changes.atom (every relay) and
// /feeds/relay.atom?url=wss://... (one relay).
func (h *Handler) feedChanges(w http.ResponseWriter, r *http.Request) {
	if h.changes == nil {
		http.Error(w, "this node records no state changes", http.StatusNotFound)
		return
	}
	relay := ""
	if r.URL.Path == "/feeds/relay.atom" {
		if relay = r.URL.Query().Get("url"); relay == "" {
			http.Error(w, "which relay? add ?url=wss://...", http.StatusBadRequest)
			return
		}
	}
	ctx, cancel := h.ctx(r)
	defer cancel()
	cs, err := h.changes.Changes(ctx, relay, 0, feedEntries)
	if err != nil {
		code, msg := h.status(r, err)
		http.Error(w, msg, code)
		return
	}
	// The links are only links: a proxy's word on the scheme is enough.
	base := "http://" + r.Host
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		base = "https://" + r.Host
	}
	node := h.o.Node.Name
	f := atomFeed{
		ID:     "urn:bigbrotr:" + h.o.Node.PubKey + ":changes",
		Title:  node + ": relay state changes",
		Author: atomAuthor{Name: node},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + r.URL.RequestURI()},
			{Rel: "alternate", Type: "text/html", Href: base + "/relays"},
		},
	}
	if relay != "" {
		f.ID += ":" + relay
		f.Title = node + ": state changes of " + relay
		f.Links[1].Href = base + "/relay?" + url.Values{"url": {relay}}.Encode()
	}
	// A feed without entries is dated by now: Atom requires updated.
	updated := h.o.Now()
	if len(cs) > 0 {
		updated = cs[0].At
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	for _, c := range cs {
		f.Entries = append(f.Entries, atomEntry{
			ID:       "urn:bigbrotr:" + h.o.Node.PubKey + ":change:" + itoa64(c.ID),
			Title:    c.Relay + ": " + c.Summary,
			Updated:  c.At.UTC().Format(time.RFC3339),
			Link:     atomLink{Rel: "alternate", Type: "text/html", Href: base + "/relay?" + url.Values{"url": {c.Relay}}.Encode()},
			Category: atomCategory{Term: c.Kind},
			Summary:  c.Summary + " (seen by the check at " + c.At.UTC().Format("2006-01-02 15:04 UTC") + ")",
		})
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		h.log.Error("render feed", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error rendering the feed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
}
