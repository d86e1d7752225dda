package testnet

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/nbd-wtf/go-nostr"
)

// Discovery is the ground truth for a crawler that starts from the seed
// file and follows relay URLs found in events it can read.
type Discovery struct {
	// Relays are the canonical URLs of testnet relays reachable from the seeds
	// through relay lists (kind 10002 r tags, kind 3 p-tag hints and legacy
	// content map, kind 2 content) served by relays that let anyone read
	// everything. Seeds included.
	Relays []string `json:"relays"`
	// WithHints adds relays reachable when e/p/a-tag relay hints in any
	// event kind are followed too (that needs the events archived first).
	WithHints []string `json:"with_hints"`
	// Dead are well-formed URLs found (with hints) that no relay answers.
	Dead []string `json:"dead"`
	// Rejected are URLs found (with hints) that a URL parser must refuse:
	// private addresses, non-relay strings and over-long URLs.
	Rejected []string `json:"rejected"`
}

// extractURLs returns the relay URL strings an event carries: from the
// relay-list kinds (2, 3, 10002) and, with hints, from e/p/a-tag relay hints
// of any kind.
func extractURLs(ev *nostr.Event, hints bool) []string {
	var out []string
	switch ev.Kind {
	case 10002:
		for _, t := range ev.Tags {
			if len(t) >= 2 && t[0] == "r" && t[1] != "" {
				out = append(out, t[1])
			}
		}
	case 3:
		for _, t := range ev.Tags {
			if len(t) >= 3 && t[0] == "p" && t[2] != "" {
				out = append(out, t[2])
			}
		}
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(ev.Content), &m) == nil {
			for k := range m {
				out = append(out, k)
			}
		}
	case 2:
		if u := strings.TrimSpace(ev.Content); u != "" {
			out = append(out, u)
		}
	}
	if hints && ev.Kind != 3 {
		for _, t := range ev.Tags {
			if len(t) >= 3 && t[2] != "" && (t[0] == "e" || t[0] == "p" || t[0] == "a") {
				out = append(out, t[2])
			}
		}
	}
	return out
}

// discover runs the breadth-first search behind Discovery.
func discover(plans []*relayPlan, c *content, hints bool) (relays, dead, rejected []string) {
	byURL := make(map[string]*relayPlan, len(plans))
	var queue []*relayPlan
	seen := map[string]bool{}
	for _, p := range plans {
		byURL[p.url] = p
		if p.seed {
			queue = append(queue, p)
			seen[p.url] = true
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		relays = append(relays, p.url)
		if !p.listSource() {
			continue
		}
		for _, ev := range c.perRelay[p.idx] {
			if c.class[ev.ID] != classValid {
				continue
			}
			for _, u := range extractURLs(ev, hints) {
				info, ok := c.urls[u]
				if !ok {
					info = urlInfo{kind: URLInvalid, canonical: u}
				}
				if seen[info.canonical] {
					continue
				}
				seen[info.canonical] = true
				switch info.kind {
				case URLRelay:
					queue = append(queue, byURL[info.canonical])
				case URLDead:
					dead = append(dead, info.canonical)
				default:
					rejected = append(rejected, info.canonical)
				}
			}
		}
	}
	relays, dead, rejected = nonNil(relays), nonNil(dead), nonNil(rejected)
	slices.Sort(relays)
	slices.Sort(dead)
	slices.Sort(rejected)
	return relays, dead, rejected
}

func computeDiscovery(plans []*relayPlan, c *content) Discovery {
	var d Discovery
	d.Relays, _, _ = discover(plans, c, false)
	d.WithHints, d.Dead, d.Rejected = discover(plans, c, true)
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
