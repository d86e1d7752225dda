package web

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
)

// nipFixture: alpha verified NIP-50, beta claims it and the monitor refuted
// it, the onion relay claims it untested (no verdict either way).
func nipFixture() *fixture {
	f := newFixture()
	f.relays[0].NIPs, f.relays[0].VerifiedNIPs = []int{1, 11, 50}, []int{50}
	f.relays[1].NIPs, f.relays[1].DisprovedNIPs = []int{1, 11, 45, 50}, []int{45, 50}
	f.relays[2].NIPs = []int{1, 50, 50} // a document listing a NIP twice
	return f
}

func TestNIPStats(t *testing.T) {
	got := nipStats(nipFixture().relays)
	want := []NIPStat{
		{NIP: 1, Relays: 3, Claimed: 3},
		{NIP: 11, Relays: 2, Claimed: 2},
		{NIP: 45, Relays: 0, Claimed: 1, Disproved: 1},
		{NIP: 50, Relays: 2, Claimed: 3, Verified: 1, Disproved: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("nipStats =\n%+v\nwant\n%+v", got, want)
	}
	if got := nipStats(nil); len(got) != 0 {
		t.Errorf("nipStats(nil) = %v", got)
	}
}

func TestNIPFilterCountsVerifiedNotClaimed(t *testing.T) {
	f := nipFixture()
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"nip=50", []string{f.relays[2].URL, f.relays[0].URL}},
		{"claimed_nip=50", []string{f.relays[2].URL, f.relays[0].URL, f.relays[1].URL}},
		{"nip=45", nil},
		{"claimed_nip=45", []string{f.relays[1].URL}},
		{"nip=1&claimed_nip=50&sort=events&order=desc", []string{f.relays[0].URL, f.relays[1].URL, f.relays[2].URL}},
	} {
		v, _ := url.ParseQuery(c.query)
		q, err := parseQuery(v)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		page, _ := q.apply(f.relays)
		var got []string
		for _, r := range page {
			got = append(got, r.URL)
		}
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", c.query, got, want)
		}
		// The page links keep the filter.
		if back, _ := parseQuery(q.values()); back.NIP != q.NIP || back.ClaimedNIP != q.ClaimedNIP {
			t.Errorf("%s: values() lost a NIP filter: %v", c.query, q.values())
		}
	}
	if _, err := parseQuery(url.Values{"claimed_nip": {"x"}}); err == nil || !strings.Contains(err.Error(), "claimed_nip") {
		t.Errorf("claimed_nip=x: err %v", err)
	}
}

func TestNIPAPIAndPages(t *testing.T) {
	v := apitest.New(t, OpenAPI())
	f := nipFixture()
	f.details[f.relays[1].URL] = RelayDetail{Relay: f.relays[1], Since: clock}
	h := newTestHandler(t, f)

	_, body := v.Check(t, apitest.Handler(h), "/api/v1/relays?nip=50", true)
	if strings.Contains(string(body), f.relays[1].URL) || !strings.Contains(string(body), f.relays[0].URL) {
		t.Errorf("?nip=50 lists the relay whose NIP-50 was disproved (or misses the verified one): %s", body)
	}
	_, body = v.Check(t, apitest.Handler(h), "/api/v1/relays?claimed_nip=50", true)
	if !strings.Contains(string(body), f.relays[1].URL) {
		t.Errorf("?claimed_nip=50 misses the relay claiming it: %s", body)
	}
	_, body = v.Check(t, apitest.Handler(h), "/api/v1/relays/"+url.PathEscape(f.relays[1].URL), true)
	var d RelayDetail
	if err := json.Unmarshal(body, &d); err != nil || !slices.Equal(d.DisprovedNIPs, []int{45, 50}) || !slices.Contains(d.NIPs, 50) {
		t.Errorf("relay detail: disproved %v claimed %v (%v)", d.DisprovedNIPs, d.NIPs, err)
	}
	_, body = v.Check(t, apitest.Handler(h), "/api/v1/stats", true)
	var st Stats
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(st.NIPs, func(s NIPStat) bool { return s.NIP == 50 }); i < 0 || st.NIPs[i] != (NIPStat{NIP: 50, Relays: 2, Claimed: 3, Verified: 1, Disproved: 1}) {
		t.Errorf("stats NIP 50 = %+v", st.NIPs)
	}

	_, page := get(t, h, "/relay?url="+url.QueryEscape(f.relays[1].URL))
	if !strings.Contains(page, `id="nips-disproved"><span class="state state-failing">45, 50</span>`) {
		t.Errorf("relay page does not show the disproved claims:\n%s", page)
	}
	_, page = get(t, h, "/")
	if !strings.Contains(page, `<a href="/relays?nip=50">50</a></td><td class="n">2</td><td class="n"><a href="/relays?claimed_nip=50">3</a></td><td class="n">1</td>`) {
		t.Errorf("overview NIP table does not count verified and claimed apart:\n%s", page)
	}
	_, page = get(t, h, "/relays?claimed_nip=50")
	if !strings.Contains(page, `name="claimed_nip" min="1" value="50"`) {
		t.Errorf("relay list form drops claimed_nip")
	}
	if !strings.Contains(page, `1, 11, 45, 50 <span class="note disproved" title="claimed, refused by the monitor's tests">disproved: 45, 50</span>`) {
		t.Errorf("relay list does not mark the disproved claims:\n%s", page)
	}
}
