package frontdoor

import (
	"fmt"
	"math/rand/v2"

	"github.com/nbd-wtf/go-nostr"
)

// shape is one query shape of the benchmark: gen draws a filter with
// parameters sampled from the live data, so popular authors, threads and
// addresses weigh as they do for clients.
type shape struct {
	name  string
	count bool // a NIP-45 COUNT rather than a REQ
	gen   func(r *rand.Rand) nostr.Filter
}

// pools are the values filters are sampled from.
type pools struct {
	live      []*nostr.Event
	eValues   []string
	pValues   []string
	articleDs []string // d tags of kind 30023
	createdAt []nostr.Timestamp
}

func newPools(m *model) *pools {
	p := &pools{live: m.live}
	for _, ev := range m.live {
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
			case tag[0] == "d" && ev.Kind == 30023:
				p.articleDs = append(p.articleDs, tag[1])
			}
		}
	}
	return p
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func limit(r *rand.Rand) int { return 100 + r.IntN(401) }

// The shapes of issue 13. Every filter stays under both relays' caps
// (stock: ids and authors 500, kinds 10, tag values 100; ours: 1000 values
// per list) and asks for at most 500 events.
func (p *pools) shapes() []shape {
	return []shape{
		{"ids", false, func(r *rand.Rand) nostr.Filter {
			ids := make([]string, 1+r.IntN(50))
			for i := range ids {
				ids[i] = pick(r, p.live).ID
			}
			return nostr.Filter{IDs: ids, Limit: limit(r)}
		}},
		{"authors+kinds", false, func(r *rand.Rand) nostr.Filter {
			authors := make([]string, 1+r.IntN(20))
			for i := range authors {
				authors[i] = pick(r, p.live).PubKey
			}
			kinds := pick(r, [][]int{{1}, {1, 7}, {1, 6, 7}, {0, 3, 10002}, {30023}})
			return nostr.Filter{Authors: authors, Kinds: kinds, Limit: limit(r)}
		}},
		{"kinds+since", false, func(r *rand.Rand) nostr.Filter {
			since := pick(r, p.createdAt)
			kinds := pick(r, [][]int{{1}, {7}, {1, 7}, {30023}, {0}, {10002}})
			return nostr.Filter{Kinds: kinds, Since: &since, Limit: limit(r)}
		}},
		{"#e (5 values)", false, func(r *rand.Rand) nostr.Filter {
			values := make([]string, 5)
			for i := range values {
				values[i] = pick(r, p.eValues)
			}
			return nostr.Filter{Tags: nostr.TagMap{"e": values}, Limit: limit(r)}
		}},
		{"#p+kinds", false, func(r *rand.Rand) nostr.Filter {
			kinds := pick(r, [][]int{{1}, {7}, {1, 7}, {1, 6, 7, 9735}})
			return nostr.Filter{Kinds: kinds, Tags: nostr.TagMap{"p": {pick(r, p.pValues)}}, Limit: limit(r)}
		}},
		{"#d kind 30023", false, func(r *rand.Rand) nostr.Filter {
			return nostr.Filter{Kinds: []int{30023}, Tags: nostr.TagMap{"d": {pick(r, p.articleDs)}}, Limit: limit(r)}
		}},
		{"scrape (limit 500)", false, func(r *rand.Rand) nostr.Filter {
			// A mirroring client paging back through the archive.
			until := pick(r, p.createdAt)
			return nostr.Filter{Until: &until, Limit: 500}
		}},
		{"COUNT", true, func(r *rand.Rand) nostr.Filter {
			f := nostr.Filter{Kinds: pick(r, [][]int{{1}, {7}, {1, 7}})}
			if r.IntN(2) == 0 {
				since := pick(r, p.createdAt)
				f.Since = &since
			}
			return f
		}},
	}
}

// query is one drawn filter with the model's answer.
type query struct {
	filter nostr.Filter
	want   expected // REQ shapes
	count  int64    // COUNT shapes
}

// draw samples n queries of s (the same ones for every relay and
// concurrency) and computes their answers.
func (m *model) draw(s shape, n int, seed uint64) []query {
	r := rand.New(rand.NewPCG(seed, uint64(len(s.name))))
	qs := make([]query, n)
	for i := range qs {
		f := s.gen(r)
		qs[i].filter = f
		if s.count {
			qs[i].count = m.count(f)
		} else {
			qs[i].want = m.answer(f)
		}
	}
	return qs
}

// verify checks one answer; "" when right.
func (m *model) verify(q query, got []*nostr.Event, n int64, isCount bool) string {
	if isCount {
		if n != q.count {
			return fmt.Sprintf("count %d, want %d", n, q.count)
		}
		return ""
	}
	return m.check(q.want, got)
}
