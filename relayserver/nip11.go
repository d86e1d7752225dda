package relayserver

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bigbrotr/bigbrotr/archive"
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

func (s *Server) infoDocument() infoDoc {
	c, in := s.cfg, s.info
	desc, arch := in.Description, archiveDoc{Mode: string(archive.Full), Served: "every archived event, whole"}
	if notice := ArchiveNotice(in.Mode); notice != "" {
		desc = strings.TrimSpace(desc + " " + notice)
		arch = archiveDoc{Mode: string(archive.Lil), MetadataOnly: true,
			Served: "this relay's own events and its writers' only; other archived events are counted by COUNT, not served"}
	}
	return infoDoc{
		Name:          in.Name,
		Description:   desc,
		PubKey:        s.pubKey,
		Self:          s.pubKey,
		Contact:       in.Contact,
		Icon:          in.Icon,
		SupportedNIPs: supportedNIPs,
		Software:      Software,
		Version:       in.Version,
		Limitation: limitation{
			MaxMessageLength: c.MaxMessageLength,
			MaxSubscriptions: c.MaxSubscriptions,
			MaxLimit:         c.MaxLimit,
			DefaultLimit:     c.DefaultLimit,
			MaxSubidLength:   maxSubscriptionIDLength,
			MaxEventTags:     c.MaxEventTags,
			MaxContentLength: c.MaxContentLength,
			RestrictedWrites: true,
		},
		Archive: arch,
	}
}

// ArchiveNotice is what the status page and the NIP-11 description say
// about an archive of mode: lilNotice in lil mode, nothing in full mode.
func ArchiveNotice(mode archive.Mode) string {
	if mode == archive.Lil {
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

func (s *Server) serveNIP11(w http.ResponseWriter, r *http.Request) {
	setCORS(w.Header())
	w.Header().Set("Content-Type", "application/nostr+json")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(s.nip11)
}

func (s *Server) renderNIP11() {
	s.nip11, _ = json.Marshal(s.infoDocument())
}

// ServeHTTP routes the relay's one URL: WebSocket upgrades to khatru
// (through the connection tracker), NIP-11 requests to the node's
// document, CORS preflights, and everything else to Options.Site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
		s.conns.serveWebSocket(w, r)
	case strings.Contains(r.Header.Get("Accept"), "application/nostr+json"):
		s.serveNIP11(w, r)
	case r.Method == http.MethodOptions:
		setCORS(w.Header())
		w.WriteHeader(http.StatusNoContent)
	default:
		setCORS(w.Header())
		s.site.ServeHTTP(w, r)
	}
}
