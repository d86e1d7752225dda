package testnet

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// ManifestVersion changes whenever the manifest's meaning changes.
const ManifestVersion = 1

// Manifest is the ground truth of a running network, written as
// manifest.json. File paths are relative to the output directory.
type Manifest struct {
	Version  int    `json:"version"`
	Seed     int64  `json:"seed"`
	BaseTime int64  `json:"base_time"` // "now" of the generated events, unix seconds
	DNS      string `json:"dns"`       // host:port, UDP and TCP
	// Proxies maps "tor", "i2p" and "loki" to socks5://host:port.
	Proxies    map[NetworkName]string `json:"proxies"`
	CAFile     string                 `json:"ca_file"`
	GeoIPCity  string                 `json:"geoip_city"`
	GeoIPASN   string                 `json:"geoip_asn"`
	NodeConfig string                 `json:"node_config"`
	NodeListen string                 `json:"node_listen"` // host:port node.toml gives the node
	SeedFile   string                 `json:"seed_file"`
	Seeds      []string               `json:"seeds"`
	Relays     []RelayInfo            `json:"relays"`
	Discovery  Discovery              `json:"discovery"`
	// URLs classifies every URL string the generator may have put in an event.
	URLs map[string]URLEntry `json:"urls"`
	// Hostility is the hostile profiles' pacing and safety budget.
	Hostility Hostility `json:"hostility"`
}

// URLEntry is one URL string found in events: what it is, and for relay
// URLs spelled non-canonically, the canonical URL.
type URLEntry struct {
	Kind      URLKind `json:"kind"`
	Canonical string  `json:"canonical,omitempty"`
}

// RelayInfo is one relay's ground truth.
type RelayInfo struct {
	Index   int         `json:"index"`
	URL     string      `json:"url"`
	Network NetworkName `json:"network"`
	Host    string      `json:"host"`
	Aliases []string    `json:"aliases,omitempty"` // CNAMEs to Host
	IP      string      `json:"ip"`                // where it listens; overlays too
	IPv6    string      `json:"ipv6,omitempty"`    // AAAA, when dual-stack
	Port    int         `json:"port"`
	Profile Profile     `json:"profile"`
	TLS     TLSMode     `json:"tls,omitempty"`
	Seed    bool        `json:"seed,omitempty"`
	// Dark relays are never referenced by a valid event: discovery must miss them.
	Dark bool `json:"dark,omitempty"`
	// HintOnly relays appear only as e/p-tag relay hints: in Discovery.WithHints,
	// not in Discovery.Relays.
	HintOnly bool `json:"hint_only,omitempty"`

	// Expectations.
	Listening   bool `json:"listening"`    // accepts TCP (Flapping: part of the time)
	TLSOK       bool `json:"tls_ok"`       // a client trusting only the testnet CA completes TLS
	WebSocket   bool `json:"websocket"`    // the upgrade succeeds
	SpeaksNostr bool `json:"speaks_nostr"` // answers Nostr messages
	Readable    bool `json:"readable"`     // REQ without AUTH returns every stored event
	Writable    bool `json:"writable"`     // EVENT without AUTH/payment is accepted
	Valid       bool `json:"valid"`        // expected verdict of a WebSocket + REQ validator
	ListSource  bool `json:"list_source"`  // its relay lists count for Discovery

	NIP11Status string          `json:"nip11_status"`
	NIP11       json.RawMessage `json:"nip11,omitempty"` // the served document, when valid JSON under 1 MB
	Geo         *Geo            `json:"geo,omitempty"`   // clearnet relays only

	EventIDs        []string `json:"event_ids"`                   // valid events served
	InvalidEventIDs []string `json:"invalid_event_ids,omitempty"` // bad signature or bad id
	FutureEventIDs  []string `json:"future_event_ids,omitempty"`  // validly signed, decades ahead
	HugeEventIDs    []string `json:"huge_event_ids,omitempty"`    // validly signed, ~2 MiB
	// StrangeEventIDs are validly signed events with a 10 KB tag value or NUL
	// in a tag value or the content: an archive must keep them byte-exact.
	StrangeEventIDs []string `json:"strange_event_ids,omitempty"`

	// Behavior is how the relay talks: hostile or not, how a REQ ends, what
	// an EVENT gets; Manifest.Hostility has the pacing and budgets.
	Behavior Behavior `json:"behavior"`
}

func buildRelayInfo(r *relay, c *content, geo *Geo) RelayInfo {
	p := r.plan
	t := p.traits
	ri := RelayInfo{
		Index: p.idx, URL: p.url, Network: p.network, Host: p.host, Aliases: p.aliases,
		IP: p.ip.String(), Port: p.port, Profile: p.profile, TLS: p.tls, Seed: p.seed, Dark: p.dark, HintOnly: p.hinted,
		Listening: t.listening, TLSOK: t.listening && p.tlsOK() && p.profile != TCPStall, WebSocket: t.websocket && p.tlsOK(),
		SpeaksNostr: t.nostr && p.tlsOK(), Readable: t.readable && p.tlsOK(), Writable: t.writable && p.tlsOK(),
		Valid: t.validVerdict && p.tlsOK(), ListSource: p.listSource(),
		NIP11Status: string(t.nip11), Geo: geo, EventIDs: []string{}, Behavior: behaviors[p.profile],
	}
	if p.ipv6 {
		ri.IPv6 = "::1"
	}
	if t.nip11 == nip11OK || t.nip11 == nip11WrongType || t.nip11 == nip11NUL {
		ri.NIP11 = json.RawMessage(r.nip11)
	}
	for _, ev := range c.perRelay[p.idx] {
		switch c.class[ev.ID] {
		case classValid:
			ri.EventIDs = append(ri.EventIDs, ev.ID)
		case classInvalid:
			ri.InvalidEventIDs = append(ri.InvalidEventIDs, ev.ID)
		case classFuture:
			ri.FutureEventIDs = append(ri.FutureEventIDs, ev.ID)
		case classHuge:
			ri.HugeEventIDs = append(ri.HugeEventIDs, ev.ID)
		case classStrange:
			ri.StrangeEventIDs = append(ri.StrangeEventIDs, ev.ID)
		}
	}
	for _, ids := range [][]string{ri.EventIDs, ri.InvalidEventIDs, ri.FutureEventIDs, ri.HugeEventIDs, ri.StrangeEventIDs} {
		slices.Sort(ids)
	}
	ri.EventIDs = slices.Compact(ri.EventIDs)
	return ri
}

// Relay returns the manifest entry for a relay URL.
func (m *Manifest) Relay(url string) (RelayInfo, bool) {
	for _, r := range m.Relays {
		if r.URL == url {
			return r, true
		}
	}
	return RelayInfo{}, false
}

// ByProfile returns the relays with profile p, in index order.
func (m *Manifest) ByProfile(p Profile) []RelayInfo {
	var out []RelayInfo
	for _, r := range m.Relays {
		if r.Profile == p {
			out = append(out, r)
		}
	}
	return out
}

// ReadManifest loads a manifest.json written by Start.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("testnet: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("testnet: parse manifest %s: %w", path, err)
	}
	return &m, nil
}
