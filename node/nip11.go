package node

import (
	"encoding/json"
	"net/http"
	"strings"

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
}

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
	return infoDoc{
		Name:          c.Node.Name,
		Description:   c.Node.Description,
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
	}
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
