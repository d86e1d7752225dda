package web

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Page sizes of the relay list, for the API and the page alike.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// sortKeys are the relay list's sort orders; the first is the default.
var sortKeys = []string{"url", "network", "rtt", "events", "software", "country", "checked"}

// networks are the values the network filter accepts.
var networks = []string{"clearnet", "tor", "i2p", "loki"}

// Query selects, orders and pages the relay list. The zero Query is every
// relay by URL, first page.
type Query struct {
	Search   string // substring of URL or name, any case
	Network  string // one of networks, "" for all
	Online   *bool
	NIP      int    // supported NIP (claimed, not disproved), 0 for any
	Software string // substring of software, any case
	Country  string // ISO 3166-1 alpha-2, any case
	MaxRTT   int    // open RTT at most this many ms (relays without one excluded); 0 for any
	Near     *Near  // located relays around a place (near.go); nil for all
	Sort     string // one of sortKeys
	Desc     bool
	Limit    int
	Offset   int

	ClaimedNIP int // NIP claimed in NIP-11 (disproved or not), 0 for any
}

// parseQuery reads a Query from URL parameters (the API's and the page's
// form alike) and reports every bad one.
func parseQuery(v url.Values) (Query, error) {
	q := Query{
		Search:   strings.TrimSpace(v.Get("q")),
		Network:  v.Get("network"),
		Software: strings.TrimSpace(v.Get("software")),
		Country:  strings.ToUpper(strings.TrimSpace(v.Get("country"))),
		Sort:     v.Get("sort"),
		Limit:    DefaultPageSize,
	}
	var bad []string
	num := func(name string, lo, hi int, dst *int) {
		s := v.Get(name)
		if s == "" {
			return
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			bad = append(bad, fmt.Sprintf("%s: want an integer from %d to %d, got %q", name, lo, hi, s))
			return
		}
		*dst = n
	}
	if q.Network != "" && !slices.Contains(networks, q.Network) {
		bad = append(bad, fmt.Sprintf("network: want one of %s, got %q", strings.Join(networks, ", "), q.Network))
	}
	switch s := v.Get("online"); s {
	case "":
	case "true", "false":
		b := s == "true"
		q.Online = &b
	default:
		bad = append(bad, fmt.Sprintf("online: want true or false, got %q", s))
	}
	num("nip", 0, 999999, &q.NIP)
	num("claimed_nip", 0, 999999, &q.ClaimedNIP)
	num("max_rtt", 0, 1<<30, &q.MaxRTT)
	num("limit", 1, MaxPageSize, &q.Limit)
	num("offset", 0, 1<<30, &q.Offset)
	bad = append(bad, q.parseNear(v)...)
	if q.Sort == "" {
		q.Sort = sortKeys[0]
	} else if !slices.Contains(sortKeys, q.Sort) && q.Sort != sortDistance {
		bad = append(bad, fmt.Sprintf("sort: want one of %s, got %q", strings.Join(sortKeys, ", "), q.Sort))
	}
	switch s := v.Get("order"); s {
	case "", "asc":
	case "desc":
		q.Desc = true
	default:
		bad = append(bad, fmt.Sprintf("order: want asc or desc, got %q", s))
	}
	if len(bad) > 0 {
		return q, fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return q, nil
}

// values is q as URL parameters, without the defaults, so links stay short.
func (q Query) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Search)
	set("network", q.Network)
	if q.Online != nil {
		v.Set("online", strconv.FormatBool(*q.Online))
	}
	if q.NIP > 0 {
		v.Set("nip", strconv.Itoa(q.NIP))
	}
	if q.ClaimedNIP > 0 {
		v.Set("claimed_nip", strconv.Itoa(q.ClaimedNIP))
	}
	set("software", q.Software)
	set("country", q.Country)
	if q.MaxRTT > 0 {
		v.Set("max_rtt", strconv.Itoa(q.MaxRTT))
	}
	q.Near.values(v)
	if q.Sort != sortKeys[0] {
		v.Set("sort", q.Sort)
	}
	if q.Desc {
		v.Set("order", "desc")
	}
	if q.Limit != DefaultPageSize {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	return v
}

// match reports whether r passes every filter of q.
func (q Query) match(r *Relay) bool {
	if q.Search != "" && !containsFold(r.URL, q.Search) && !containsFold(r.Name, q.Search) {
		return false
	}
	if q.Network != "" && r.Network != q.Network {
		return false
	}
	if q.Online != nil && r.Online != *q.Online {
		return false
	}
	if q.NIP > 0 && !r.Supports(q.NIP) {
		return false
	}
	if q.ClaimedNIP > 0 && !slices.Contains(r.NIPs, q.ClaimedNIP) {
		return false
	}
	if q.Software != "" && !containsFold(r.Software, q.Software) {
		return false
	}
	if q.Country != "" && r.Country != q.Country {
		return false
	}
	if q.MaxRTT > 0 && (r.RTT.Open == nil || *r.RTT.Open > int64(q.MaxRTT)) {
		return false
	}
	return q.Near.admits(r)
}

// apply filters, sorts and pages relays (which it does not modify); total
// is the number of matches before paging.
func (q Query) apply(relays []Relay) (page []Relay, total int) {
	var out []Relay
	for i := range relays {
		if q.match(&relays[i]) {
			out = append(out, relays[i])
		}
	}
	q.Near.annotate(out)
	slices.SortStableFunc(out, q.compare)
	total = len(out)
	lo := min(q.Offset, total)
	hi := min(lo+q.Limit, total)
	return out[lo:hi], total
}

// compare orders by the sort key; relays without a value (no RTT, no
// software...) come last either way, and ties fall back to the URL.
func (q Query) compare(a, b Relay) int {
	var c int
	switch q.Sort {
	case "network":
		c = cmp.Compare(a.Network, b.Network)
	case "rtt":
		c = compareMissingLast(a.RTT.Open, b.RTT.Open, q.Desc)
	case "events":
		c = cmp.Compare(a.Events, b.Events)
	case sortDistance:
		c = cmp.Compare(distanceOf(&a), distanceOf(&b))
	case "software":
		c = compareText(a.Software, b.Software, q.Desc)
	case "country":
		c = compareText(a.Country, b.Country, q.Desc)
	case "checked":
		var x, y *int64
		if a.LastChecked != nil {
			t := a.LastChecked.Unix()
			x = &t
		}
		if b.LastChecked != nil {
			t := b.LastChecked.Unix()
			y = &t
		}
		c = compareMissingLast(x, y, q.Desc)
	}
	if q.Desc {
		c = -c
	}
	if c == 0 {
		c = cmp.Compare(a.URL, b.URL)
	}
	return c
}

// compareMissingLast compares two optional values so that, after the
// caller negates the result for a descending order, nil still sorts last.
func compareMissingLast(x, y *int64, desc bool) int {
	last := 1
	if desc {
		last = -1
	}
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return last
	case y == nil:
		return -last
	}
	return cmp.Compare(*x, *y)
}

func compareText(x, y string, desc bool) int {
	last := 1
	if desc {
		last = -1
	}
	switch {
	case x == y:
		return 0
	case x == "":
		return last
	case y == "":
		return -last
	}
	return cmp.Compare(strings.ToLower(x), strings.ToLower(y))
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
