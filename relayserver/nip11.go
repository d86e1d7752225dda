package node

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/policies"
)

// Software is the NIP-11 "software" URL (the spec wants the project homepage).
const Software = "https://github.com/bigbrotr/bigbrotr"

// infoDoc is the node's NIP-11 document. The node renders its own instead of
// khatru's so that it can carry "self" and leave out limits it does not
// impose (go-nostr's type always emits created_at_*_limit: 0, which reads as
// "no clock skew allowed").
type infoDoc struct {
	Name          string     `json:"name"`
	Description   string     `json:"description"`
	PubKey        string     `json:"pubkey"`
	Self          string     `json:"self"`
	Contact       string     `json:"contact,omitempty"`
	Icon          string     `json:"icon,omitempty"`
	SupportedNIPs []int      `json:"supported_nips"`
	Software      string     `json:"software"`
	Version       string     `json:"version"`
	Limitation    limitation `json:"limitation"`
	Archive       archiveDoc `json:"archive"`
}

// archiveDoc is a bigbrotr field of the NIP-11 document: what the archive
// keeps and so what REQ can serve, for clients and peers that mirror it.
type archiveDoc struct {
	Mode         string `json:"mode"`          // database.mode: full or lil
	MetadataOnly bool   `json:"metadata_only"` // lil: third-party events lack tags, content and sig
	Served       string `json:"served"`        // what REQ returns, in words
}

// lilNotice is appended to the description in lil mode: a client reading
// only the standard fields still learns why most of the archive is not
// served.
const lilNotice = "This archive is metadata-only (lil mode): REQ serves only events stored whole " +
	"(this relay's own and its writers'); other archived events are counted by COUNT and shown on the status page, not served."

type limitation struct {
	MaxMessageLength int  `json:"max_message_length"`
	MaxSubscriptions int  `json:"max_subscriptions"`
	MaxLimit         int  `json:"max_limit"`
	DefaultLimit     int  `json:"default_limit"`
	MaxSubidLength   int  `json:"max_subid_length"`
	MaxEventTags     int  `json:"max_event_tags"`
	MaxContentLength int  `json:"max_content_length"`
	AuthRequired     bool `json:"auth_required"`
	PaymentRequired  bool `json:"payment_required"`
	RestrictedWrites bool `json:"restricted_writes"`
}

func (n *Node) infoDocument() infoDoc {
	c := n.cfg
	desc, arch := c.Node.Description, archiveDoc{Mode: string(archive.Full), Served: "every archived event, whole"}
	if notice := archiveNotice(c); notice != "" {
		desc = strings.TrimSpace(desc + " " + notice)
		arch = archiveDoc{Mode: string(archive.Lil), MetadataOnly: true,
			Served: "this relay's own events and its writers' only; other archived events are counted by COUNT, not served"}
	}
	return infoDoc{
		Name:          c.Node.Name,
		Description:   desc,
		PubKey:        n.pubKey,
		Self:          n.pubKey,
		Contact:       c.Node.Contact,
		Icon:          c.Node.Icon,
		SupportedNIPs: supportedNIPs,
		Software:      Software,
		Version:       n.version,
		Limitation: limitation{
			MaxMessageLength: c.Relay.MaxMessageLength,
			MaxSubscriptions: c.Relay.MaxSubscriptions,
			MaxLimit:         c.Relay.MaxLimit,
			DefaultLimit:     c.Relay.DefaultLimit,
			MaxSubidLength:   policies.MaxSubscriptionIDLength,
			MaxEventTags:     c.Relay.MaxEventTags,
			MaxContentLength: c.Relay.MaxContentLength,
			RestrictedWrites: true,
		},
		Archive: arch,
	}
}

// archiveNotice is what the status page and NIP-11 description say about
// the archive: lilNotice in lil mode, nothing in full mode.
func archiveNotice(c Config) string {
	if archive.Mode(c.Database.Mode) == archive.Lil {
		return lilNotice
	}
	return ""
}

// setCORS sets the headers NIP-11 requires on every response of the relay URL.
func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Headers", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
}

func (n *Node) serveNIP11(w http.ResponseWriter, r *http.Request) {
	setCORS(w.Header())
	w.Header().Set("Content-Type", "application/nostr+json")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(n.nip11)
}

func (n *Node) renderNIP11() {
	n.nip11, _ = json.Marshal(n.infoDocument())
}

// handler routes the relay's one URL: WebSocket upgrades to khatru (through
// the connection tracker), NIP-11 requests to the node's document, CORS
// preflights, and everything else to the status page and the JSON API
// (package web).
func (n *Node) handler() http.Handler {
	n.renderNIP11()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
			n.conns.serveWebSocket(w, r)
		case strings.Contains(r.Header.Get("Accept"), "application/nostr+json"):
			n.serveNIP11(w, r)
		case r.Method == http.MethodOptions:
			setCORS(w.Header())
			w.WriteHeader(http.StatusNoContent)
		default:
			setCORS(w.Header())
			n.web.ServeHTTP(w, r)
		}
	})
}
