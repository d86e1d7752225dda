package frontdoor

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/nbd-wtf/go-nostr"
)

// model is what a correct relay holds after the load: every event except
// replaceable and addressable versions superseded by a newer one of the
// same address (NIP-01), sorted newest first (ties by id), with postings
// lists for the fields filters name. Lists hold positions in live, so they
// are sorted newest first too.
type model struct {
	live     []*nostr.Event
	byID     map[string]int
	byAuthor map[string][]int
	byKind   map[int][]int
	byTag    map[string][]int // "e:<value>"
}

func newModel(events []*nostr.Event) *model {
	newest := map[string]*nostr.Event{}
	for _, ev := range events {
		if a := address(ev); a != "" {
			if old, ok := newest[a]; !ok || newer(ev, old) {
				newest[a] = ev
			}
		}
	}
	m := &model{byID: map[string]int{}, byAuthor: map[string][]int{}, byKind: map[int][]int{}, byTag: map[string][]int{}}
	for _, ev := range events {
		if a := address(ev); a == "" || newest[a] == ev {
			m.live = append(m.live, ev)
		}
	}
	slices.SortFunc(m.live, func(a, b *nostr.Event) int {
		return cmp.Or(cmp.Compare(b.CreatedAt, a.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	for i, ev := range m.live {
		m.byID[ev.ID] = i
		m.byAuthor[ev.PubKey] = append(m.byAuthor[ev.PubKey], i)
		m.byKind[ev.Kind] = append(m.byKind[ev.Kind], i)
		seen := map[string]bool{}
		for _, t := range ev.Tags {
			if len(t) >= 2 && len(t[0]) == 1 {
				k := t[0] + ":" + t[1]
				if !seen[k] {
					seen[k] = true
					m.byTag[k] = append(m.byTag[k], i)
				}
			}
		}
	}
	return m
}

// address is the replaceable address of ev, "" for a regular event.
func address(ev *nostr.Event) string {
	switch {
	case nostr.IsReplaceableKind(ev.Kind):
		return fmt.Sprintf("%d:%s", ev.Kind, ev.PubKey)
	case nostr.IsAddressableKind(ev.Kind):
		return fmt.Sprintf("%d:%s:%s", ev.Kind, ev.PubKey, ev.Tags.GetD())
	}
	return ""
}

// newer says whether a replaces b: later created_at, or the lower id on a
// tie (NIP-01).
func newer(a, b *nostr.Event) bool {
	return a.CreatedAt > b.CreatedAt || (a.CreatedAt == b.CreatedAt && a.ID < b.ID)
}

// candidates returns the shortest postings list that holds every match
// of f (positions, newest first), or nil for "scan everything".
func (m *model) candidates(f nostr.Filter) (list []int, all bool) {
	var best []int
	found := false
	consider := func(l []int) {
		if !found || len(l) < len(best) {
			best, found = l, true
		}
	}
	union := func(keys []string, get func(string) []int) []int {
		var u []int
		for _, k := range keys {
			u = append(u, get(k)...)
		}
		slices.Sort(u)
		return slices.Compact(u)
	}
	if len(f.IDs) > 0 {
		consider(union(f.IDs, func(id string) []int {
			if i, ok := m.byID[id]; ok {
				return []int{i}
			}
			return nil
		}))
	}
	if len(f.Authors) > 0 {
		consider(union(f.Authors, func(a string) []int { return m.byAuthor[a] }))
	}
	if len(f.Kinds) > 0 {
		var u []int
		for _, k := range f.Kinds {
			u = append(u, m.byKind[k]...)
		}
		slices.Sort(u)
		consider(slices.Compact(u))
	}
	for name, values := range f.Tags {
		consider(union(values, func(v string) []int { return m.byTag[name+":"+v] }))
	}
	return best, !found
}

// expected is the model's answer to a REQ: a relay must return want
// events, among them every one of must; the others must be matches
// created at cutoff (which of the events tied at the limit's boundary a
// relay returns is its choice).
type expected struct {
	want   int
	must   map[string]bool
	tied   map[string]bool // matches created exactly at cutoff
	cutoff nostr.Timestamp
}

// answer computes the model's answer to f (limit included).
func (m *model) answer(f nostr.Filter) expected {
	e := expected{must: map[string]bool{}, tied: map[string]bool{}}
	limit := f.Limit
	var matched []*nostr.Event
	m.walk(f, func(ev *nostr.Event) bool {
		if len(matched) >= limit && ev.CreatedAt < matched[len(matched)-1].CreatedAt {
			return false
		}
		matched = append(matched, ev)
		return true
	})
	e.want = min(limit, len(matched))
	if e.want == 0 {
		return e
	}
	e.cutoff = matched[e.want-1].CreatedAt
	for _, ev := range matched {
		if ev.CreatedAt > e.cutoff {
			e.must[ev.ID] = true
		} else {
			e.tied[ev.ID] = true
		}
	}
	return e
}

// count is the model's answer to a COUNT of f (no limit).
func (m *model) count(f nostr.Filter) int64 {
	f.Limit = 0
	var n int64
	m.walk(f, func(*nostr.Event) bool { n++; return true })
	return n
}

// walk calls fn on every live match of f, newest first, until fn returns
// false or a candidate predates f.Since.
func (m *model) walk(f nostr.Filter, fn func(*nostr.Event) bool) {
	list, all := m.candidates(f)
	n := len(list)
	if all {
		n = len(m.live)
	}
	start := 0
	if all && f.Until != nil {
		// A scrape pages back from until: skip what is newer.
		start, _ = slices.BinarySearchFunc(m.live, *f.Until, func(ev *nostr.Event, t nostr.Timestamp) int {
			return cmp.Compare(t, ev.CreatedAt)
		})
	}
	for k := start; k < n; k++ {
		i := k
		if !all {
			i = list[k]
		}
		ev := m.live[i]
		if f.Since != nil && ev.CreatedAt < *f.Since {
			return
		}
		if f.Matches(ev) && !fn(ev) {
			return
		}
	}
}

// check compares a relay's answer with the model's: "" when it is right,
// else what is wrong. An event must be the stored one byte for byte (a
// relay serving it stripped or altered is wrong even with the right id).
func (m *model) check(e expected, got []*nostr.Event) string {
	seen := make(map[string]bool, len(got))
	for _, ev := range got {
		if seen[ev.ID] {
			return "duplicate event " + ev.ID
		}
		seen[ev.ID] = true
		i, ok := m.byID[ev.ID]
		if !ok {
			return "unknown or superseded event " + ev.ID
		}
		if want := m.live[i]; ev.Sig != want.Sig || ev.Content != want.Content || ev.PubKey != want.PubKey ||
			ev.CreatedAt != want.CreatedAt || ev.Kind != want.Kind || !slices.EqualFunc(ev.Tags, want.Tags, slices.Equal) {
			return "event " + ev.ID + " differs from the one stored"
		}
		if !e.must[ev.ID] && !e.tied[ev.ID] {
			return "event " + ev.ID + " is not in the answer"
		}
	}
	if len(got) != e.want {
		return fmt.Sprintf("%d events, want %d", len(got), e.want)
	}
	for id := range e.must {
		if !seen[id] {
			return "missing event " + id
		}
	}
	return ""
}
