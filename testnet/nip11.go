package testnet

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/nbd-wtf/go-nostr"
)

// nip11Mode is how a relay answers a NIP-11 request.
type nip11Mode string

const (
	nip11OK        nip11Mode = "ok"
	nip11Missing   nip11Mode = "missing"            // 404
	nip11Invalid   nip11Mode = "invalid-json"       // 200, body is not JSON
	nip11WrongType nip11Mode = "wrong-content-type" // 200, valid JSON as text/html
	nip11Huge      nip11Mode = "huge"               // 200, valid JSON of 5 MB
	nip11Redirect  nip11Mode = "redirect"           // 302 to a link-local address
	nip11HTML      nip11Mode = "html"               // the HTTP-only server's page
	nip11None      nip11Mode = "none"               // nothing listens
	nip11NUL       nip11Mode = "nul"                // 200, valid JSON with \u0000 in strings
	nip11BadUTF8   nip11Mode = "invalid-utf8"       // 200, JSON-shaped with invalid UTF-8 in strings
	nip11Endless   nip11Mode = "endless"            // 200, a document that never ends
	nip11GzipBomb  nip11Mode = "gzip-bomb"          // 200, Content-Encoding gzip, tiny on the wire, huge inflated
	nip11Stall     nip11Mode = "stall"              // the connection is accepted, nothing is ever sent
)

// RedirectTarget is where NIP11Redirect relays send NIP-11 requests: the
// cloud metadata address, the classic server-side request forgery target.
const RedirectTarget = "http://169.254.169.254/latest/meta-data/"

const nip11HugeSize = 5 << 20

// supportedNIPs is what a relay claims; all but FakeNIPs tell the truth.
func supportedNIPs(p Profile) []int {
	if p == FakeNIPs {
		return []int{1, 11, 42, 45, 50, 77}
	}
	return []int{1, 11, 42, 45, 77}
}

// nip11Doc builds the relay's information document.
func nip11Doc(seed int64, p *relayPlan, geo *Geo) map[string]any {
	op, _ := nostr.GetPublicKey(secretKey(seed, "operator-"+p.host))
	self, _ := nostr.GetPublicKey(secretKey(seed, "self-"+p.host))
	lim := map[string]any{
		"max_message_length": 512000, "max_subscriptions": 50, "max_limit": 5000,
		"max_subid_length": 64, "max_event_tags": 2000, "max_content_length": 65536,
		"min_pow_difficulty": 0, "created_at_lower_limit": 0, "created_at_upper_limit": 0,
		"auth_required":     p.profile == AuthAll,
		"payment_required":  p.profile == Paid,
		"restricted_writes": p.profile == Paid || p.profile == RestrictedWrites,
	}
	if p.profile == Capped {
		lim["max_limit"] = 500 // while it returns far fewer: the cap is internal
	}
	doc := map[string]any{
		"name":           "testnet " + strings.TrimSuffix(p.host, "."+Zone),
		"description":    "bigbrotr testnet relay #" + strconv.Itoa(p.idx+1) + ", profile " + string(p.profile) + ".",
		"pubkey":         op,
		"self":           self,
		"contact":        "mailto:operator@" + p.host,
		"supported_nips": supportedNIPs(p.profile),
		"software":       "https://github.com/bigbrotr/bigbrotr",
		"version":        "testnet",
		"limitation":     lim,
		"language_tags":  []string{"en"},
		"tags":           []string{"testnet"},
	}
	if geo != nil {
		doc["relay_countries"] = []string{geo.Country}
	}
	if p.profile == NIP11NUL {
		doc["name"] = "testnet\x00" + strings.TrimSuffix(p.host, "."+Zone)
		doc["description"] = "a NUL\x00in the middle, and one at the end\x00"
		doc["tags"] = []string{"testnet", "nul\x00tag"}
		doc["software"] = "https://github.com/bigbrotr/bigbrotr\x00"
	}
	if p.profile == NIP11BadUTF8 {
		doc["name"] = badUTF8Marker
		doc["description"] = badUTF8Marker + " in the description"
	}
	if p.profile == Paid {
		doc["payments_url"] = "https://" + p.host + "/pay"
		doc["fees"] = map[string]any{
			"admission":    []map[string]any{{"amount": 21000, "unit": "msats"}},
			"subscription": []map[string]any{{"amount": 5000000, "unit": "msats", "period": 2592000}},
		}
	}
	return doc
}

func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Headers", "*")
	h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
}

// serveNIP11 answers a NIP-11 request according to the relay's mode.
func (r *relay) serveNIP11(w http.ResponseWriter, req *http.Request) {
	setCORS(w.Header())
	switch r.plan.traits.nip11 {
	case nip11OK, nip11NUL, nip11BadUTF8:
		w.Header().Set("Content-Type", "application/nostr+json")
		doc := r.nip11
		if op := r.operator.Load(); op != nil {
			doc = *op
		}
		_, _ = w.Write(doc)
	case nip11Endless:
		r.serveEndlessNIP11(w, req)
	case nip11GzipBomb:
		w.Header().Set("Content-Type", "application/nostr+json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gzipBomb())
	case nip11WrongType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(r.nip11)
	case nip11Invalid:
		w.Header().Set("Content-Type", "application/nostr+json")
		_, _ = w.Write([]byte(`{"name": "broken", "supported_nips": [1, 11,`))
	case nip11Huge:
		w.Header().Set("Content-Type", "application/nostr+json")
		var doc map[string]any
		_ = json.Unmarshal(r.nip11, &doc)
		const line = "all work and no play makes a relay a dull relay. "
		doc["description"] = strings.Repeat(line, nip11HugeSize/len(line)+1)
		_ = json.NewEncoder(w).Encode(doc)
	case nip11Redirect:
		w.Header().Set("Location", RedirectTarget)
		w.WriteHeader(http.StatusFound)
	default:
		http.NotFound(w, req)
	}
}
