package alerts

import (
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// maxInbox is how many of a recipient's inbox relays get a DM.
const maxInbox = 3

// inboxRelays picks where a recipient reads DMs: the "relay" tags of their
// kind 10050 (NIP-17); without one, the read relays of their kind 10002
// (NIP-65: "r" tags marked "read" or unmarked). URLs that do not parse
// under o are skipped; duplicates count once; at most maxInbox.
func inboxRelays(dm, list *nostr.Event, o schema.ParseOptions) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		u, err := schema.ParseRelayURLWith(s, o)
		if err != nil || seen[u.String()] || len(out) >= maxInbox {
			return
		}
		seen[u.String()] = true
		out = append(out, u.String())
	}
	if dm != nil && dm.Kind == nostr.KindDMRelayList {
		for _, t := range dm.Tags {
			if len(t) >= 2 && t[0] == "relay" {
				add(t[1])
			}
		}
	}
	if len(out) > 0 || list == nil || list.Kind != nostr.KindRelayListMetadata {
		return out
	}
	for _, t := range list.Tags {
		if len(t) >= 2 && t[0] == "r" && (len(t) == 2 || t[2] == "" || t[2] == "read") {
			add(t[1])
		}
	}
	return out
}
