package bench

import (
	"math/rand/v2"

	"github.com/nbd-wtf/go-nostr"
)

// shape is one filter shape of the query benchmark; gen draws one filter
// of the shape with parameters sampled from the data.
type shape struct {
	name string
	gen  func(r *rand.Rand) nostr.Filter
}

// pools are the values filters are sampled from: drawing from the tag
// values as they occur weights popular threads, authors and relays as
// clients do.
type pools struct {
	events    []*nostr.Event
	eValues   []string
	pValues   []string
	relayDs   []string // d tags of kind 30166
	createdAt []nostr.Timestamp
}

func newPools(events []*nostr.Event) *pools {
	p := &pools{events: events}
	for _, ev := range events {
		p.createdAt = append(p.createdAt, ev.CreatedAt)
		for _, tag := range ev.Tags {
			if len(tag) < 2 {
				continue
			}
			switch {
			case tag[0] == "e":
				p.eValues = append(p.eValues, tag[1])
			case tag[0] == "p" && ev.Kind != 3:
				p.pValues = append(p.pValues, tag[1])
			case tag[0] == "d" && ev.Kind == 30166:
				p.relayDs = append(p.relayDs, tag[1])
			}
		}
	}
	return p
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func limit(r *rand.Rand) int { return 100 + r.IntN(401) }

// The six shapes of the issue. Every filter stays under the stock
// backend's caps (ids and authors 500, kinds 10, tag values 100).
func (p *pools) shapes() []shape {
	return []shape{
		{"ids", func(r *rand.Rand) nostr.Filter {
			ids := make([]string, 1+r.IntN(50))
			for i := range ids {
				ids[i] = pick(r, p.events).ID
			}
			return nostr.Filter{IDs: ids, Limit: limit(r)}
		}},
		{"authors+kinds", func(r *rand.Rand) nostr.Filter {
			authors := make([]string, 1+r.IntN(20))
			for i := range authors {
				authors[i] = pick(r, p.events).PubKey
			}
			kinds := pick(r, [][]int{{1}, {1, 7}, {1, 6, 7}, {0, 3, 10002}, {30023}})
			return nostr.Filter{Authors: authors, Kinds: kinds, Limit: limit(r)}
		}},
		{"kinds+since", func(r *rand.Rand) nostr.Filter {
			since := pick(r, p.createdAt)
			kinds := pick(r, [][]int{{1}, {7}, {1, 7}, {30023}, {0}, {10002}})
			return nostr.Filter{Kinds: kinds, Since: &since, Limit: limit(r)}
		}},
		{"#e", func(r *rand.Rand) nostr.Filter {
			return nostr.Filter{Tags: nostr.TagMap{"e": {pick(r, p.eValues)}}, Limit: limit(r)}
		}},
		{"#p+kinds", func(r *rand.Rand) nostr.Filter {
			kinds := pick(r, [][]int{{1}, {7}, {1, 7}, {1, 6, 7, 9735}})
			return nostr.Filter{Kinds: kinds, Tags: nostr.TagMap{"p": {pick(r, p.pValues)}}, Limit: limit(r)}
		}},
		{"#d kind 30166", func(r *rand.Rand) nostr.Filter {
			return nostr.Filter{Kinds: []int{30166}, Tags: nostr.TagMap{"d": {pick(r, p.relayDs)}}, Limit: limit(r)}
		}},
	}
}
