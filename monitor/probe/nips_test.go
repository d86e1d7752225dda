package probe

import (
	"slices"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

func TestNIPsTestnet(t *testing.T) {
	n := testNet(t)
	v, r, u := NIPVerified, NIPRefused, NIPUntested
	tests := []struct {
		name      string
		profile   testnet.Profile
		network   testnet.NetworkName
		auth      bool
		noKey     bool
		reason    Reason
		verdicts  map[int]NIPVerdict
		published []int
	}{
		{"healthy", testnet.Healthy, testnet.Clearnet, true, false, "",
			map[int]NIPVerdict{42: v, 45: v, 77: v}, []int{1, 11, 42, 45, 77}},
		{"healthy over tor", testnet.Healthy, testnet.Tor, true, false, "",
			map[int]NIPVerdict{42: v, 45: v, 77: v}, []int{1, 11, 42, 45, 77}},
		{"fake claims", testnet.FakeNIPs, testnet.Clearnet, true, false, "",
			map[int]NIPVerdict{42: v, 45: r, 50: r, 77: r}, []int{1, 11, 42}},
		{"auth-all with auth", testnet.AuthAll, testnet.Clearnet, true, false, "",
			map[int]NIPVerdict{42: v, 45: v, 77: v}, []int{1, 11, 42, 45, 77}},
		{"auth-all without auth", testnet.AuthAll, testnet.Clearnet, false, false, "",
			map[int]NIPVerdict{42: v, 45: v, 77: u}, []int{1, 11, 42, 45, 77}},
		{"no key: NIP-42 not provable", testnet.Healthy, testnet.Clearnet, true, true, "",
			map[int]NIPVerdict{42: u, 45: v, 77: v}, []int{1, 11, 42, 45, 77}},
		{"no document", testnet.NIP11Missing, testnet.Clearnet, true, false, ReasonNoDocument, nil, nil},
	}
	for _, tc := range tests {
		rel := relayOf(t, n, tc.profile, tc.network, 0)
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := netTarget(t, n, rel.URL)
			tg.Auth = tc.auth
			if tc.noKey {
				tg.Signer = nil
			}
			out, err := NIPs(probeCtx(t, 8*time.Second), tg)
			if err != nil {
				t.Fatal(err)
			}
			if out.Success != (tc.reason == "") || out.Reason != tc.reason {
				t.Fatalf("success %v reason %q (%s), want %q", out.Success, out.Reason, out.Detail, tc.reason)
			}
			got := map[int]NIPVerdict{}
			for _, tst := range out.Tests {
				got[tst.NIP] = tst.Verdict
			}
			for nip, want := range tc.verdicts {
				if got[nip] != want {
					t.Errorf("NIP-%d: %q, want %q (tests %+v)", nip, got[nip], want, out.Tests)
				}
			}
			if len(got) != len(tc.verdicts) {
				t.Errorf("tests %+v, want exactly %v", out.Tests, tc.verdicts)
			}
			if pub := out.Published(); !slices.Equal(pub, tc.published) {
				t.Errorf("published %v, want %v", pub, tc.published)
			}
			for _, nip := range out.Verified {
				if got[nip] != NIPVerified {
					t.Errorf("verified lists %d, whose test says %q", nip, got[nip])
				}
			}
		})
	}
}

// TestNIPsReusesDocument: with Target.NIP11 set, no second NIP-11 request.
func TestNIPsReusesDocument(t *testing.T) {
	n := testNet(t)
	rel := relayOf(t, n, testnet.Healthy, testnet.Clearnet, 1)
	tg := netTarget(t, n, rel.URL)
	doc, err := NIP11(probeCtx(t, 5*time.Second), tg)
	if err != nil || !doc.Success {
		t.Fatalf("nip11: %v %+v", err, doc)
	}
	before, _ := n.Stats(rel.URL)
	tg.NIP11 = doc
	out, err := NIPs(probeCtx(t, 8*time.Second), tg)
	if err != nil || !out.Success {
		t.Fatalf("nips: %v %+v", err, out)
	}
	after, _ := n.Stats(rel.URL)
	if after.NIP11 != before.NIP11 {
		t.Errorf("NIP-11 fetched again: %d requests before, %d after", before.NIP11, after.NIP11)
	}
	if !slices.Equal(out.Claimed, doc.Info.SupportedNIPs) {
		t.Errorf("claimed %v, document says %v", out.Claimed, doc.Info.SupportedNIPs)
	}
}
