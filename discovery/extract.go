package discovery

import (
	"encoding/json"
	"strings"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Event kinds that carry relay URLs in their own right. Relay hints (the
// third element of e, p and a tags) can appear in any kind.
const (
	KindRecommendRelay  = 2     // content is a relay URL (legacy NIP-01)
	KindFollowList      = 3     // p-tag hints and the legacy content map
	KindRelayList       = 10002 // NIP-65 r tags
	KindRelayDiscovery  = 30166 // NIP-66: the d tag is the monitored relay
	maxLegacyMapEntries = 1000  // a follow list's content map; real ones hold a handful
)

// RelayListKinds are the kinds the finder asks validated relays for.
var RelayListKinds = []int{KindRecommendRelay, KindFollowList, KindRelayList, KindRelayDiscovery}

// ExtractURLs returns the raw relay URL strings ev carries, unnormalized and
// possibly repeated:
//   - kind 10002: every r tag's value (read/write markers do not matter for
//     discovery);
//   - kind 3: the relay URL keys of the legacy content map
//     {"wss://...": {"read": true, "write": true}};
//   - kind 2: the trimmed content;
//   - kind 30166: the d tag;
//   - any kind: the relay hint in the third element of e, p and a tags
//     (which covers kind 3's p-tag hints).
func ExtractURLs(ev *nostr.Event) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	switch ev.Kind {
	case KindRelayList:
		for _, t := range ev.Tags {
			if len(t) >= 2 && t[0] == "r" {
				add(t[1])
			}
		}
	case KindFollowList:
		for _, k := range legacyRelayMap(ev.Content) {
			add(k)
		}
	case KindRecommendRelay:
		add(ev.Content)
	case KindRelayDiscovery:
		for _, t := range ev.Tags {
			if len(t) >= 2 && t[0] == "d" {
				add(t[1])
				break
			}
		}
	}
	for _, t := range ev.Tags {
		if len(t) >= 3 && (t[0] == "e" || t[0] == "p" || t[0] == "a") {
			add(t[2])
		}
	}
	return out
}

// legacyRelayMap returns the keys of a kind-3 content that is a JSON object
// whose values are objects (the {read, write} map some clients write).
// Anything else, an empty content included, yields nothing.
func legacyRelayMap(content string) []string {
	content = strings.TrimSpace(content)
	if !strings.HasPrefix(content, "{") {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(content), &m) != nil {
		return nil
	}
	var out []string
	for k, v := range m {
		if len(out) == maxLegacyMapEntries {
			break
		}
		if v := strings.TrimSpace(string(v)); strings.HasPrefix(v, "{") {
			out = append(out, k)
		}
	}
	return out
}

// collector normalizes found URLs, deduplicates them and counts rejects.
type collector struct {
	found   map[schema.RelayURL]struct{}
	order   []schema.RelayURL
	rejects map[string]int
	// networks counts found URLs by network.
	networks map[string]int
	// urls is the policy URLs are normalized under.
	urls schema.ParseOptions
}

func newCollector(urls schema.ParseOptions) *collector {
	return &collector{found: map[schema.RelayURL]struct{}{}, rejects: map[string]int{}, networks: map[string]int{}, urls: urls}
}

// add normalizes raw and keeps it when it is a new relay URL.
func (c *collector) add(raw string) {
	u, err := schema.ParseRelayURLWith(raw, c.urls)
	if err != nil {
		c.rejects[schema.Reason(err)]++
		return
	}
	if _, ok := c.found[u]; ok {
		return
	}
	c.found[u] = struct{}{}
	c.networks[string(u.Network())]++
	c.order = append(c.order, u)
}

// take returns the URLs collected since the last take, as candidates.
func (c *collector) take() []schema.Candidate {
	out := make([]schema.Candidate, len(c.order))
	for i, u := range c.order {
		out[i] = schema.Candidate{URL: u, Network: u.Network()}
	}
	c.order = c.order[:0]
	return out
}
