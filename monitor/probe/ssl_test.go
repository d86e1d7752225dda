package probe

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

func TestSSLTestnet(t *testing.T) {
	n := testNet(t)
	tests := []struct {
		name    string
		profile testnet.Profile
		index   int
		now     time.Time
		reason  Reason
		valid   bool
		invalid string
	}{
		{"valid", testnet.Healthy, 0, time.Time{}, "", true, ""},
		{"expired", testnet.Capped, 0, time.Time{}, "", false, InvalidExpired},
		{"self-signed", testnet.Capped, 1, time.Time{}, "", false, InvalidUnknownAuthority},
		{"wrong host", testnet.Capped, 2, time.Time{}, "", false, InvalidHostname},
		{"valid, seen from 2100", testnet.Healthy, 0, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), "", false, InvalidExpired},
		{"valid, seen from 1990", testnet.Healthy, 0, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), "", false, InvalidNotYetValid},
		{"nothing listens", testnet.Closed, 0, time.Time{}, ReasonConnect, false, ""},
	}
	for _, tc := range tests {
		r := relayOf(t, n, tc.profile, testnet.Clearnet, tc.index)
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := netTarget(t, n, r.URL)
			if !tc.now.IsZero() {
				tg.Now = func() time.Time { return tc.now }
			}
			out, err := SSL(probeCtx(t, 5*time.Second), tg)
			if err != nil {
				t.Fatal(err)
			}
			if out.Success != (tc.reason == "") || out.Reason != tc.reason {
				t.Fatalf("success %v reason %q (%s), want %q", out.Success, out.Reason, out.Detail, tc.reason)
			}
			if !out.Success {
				return
			}
			if out.Valid != tc.valid || out.Invalid != tc.invalid {
				t.Errorf("valid %v (%q), want %v (%q)", out.Valid, out.Invalid, tc.valid, tc.invalid)
			}
			if tc.invalid != InvalidHostname && !slices.Contains(out.SANs, r.Host) {
				t.Errorf("SANs %v lack %s", out.SANs, r.Host)
			}
			if out.NotAfter <= out.NotBefore || out.Serial == "" || len(out.Fingerprint) != len("SHA256:")+32*3-1 {
				t.Errorf("certificate fields: %+v", out)
			}
			if out.Version != "TLS 1.3" || out.Cipher == "" {
				t.Errorf("session: %q %q", out.Version, out.Cipher)
			}
			if tc.invalid == InvalidUnknownAuthority {
				return
			}
			if out.IssuerCN == "" && out.Issuer == "" {
				t.Errorf("no issuer: %+v", out)
			}
		})
	}
}

func TestSSLNotApplicable(t *testing.T) {
	n := testNet(t)
	r := relayOf(t, n, testnet.Healthy, testnet.Tor, 0)
	if _, err := SSL(probeCtx(t, time.Second), netTarget(t, n, r.URL)); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("tor: got %v, want ErrNotApplicable", err)
	}
}

func TestColonHex(t *testing.T) {
	if got := colonHex([]byte{0x0a, 0xff, 0x10}); got != "0A:FF:10" {
		t.Errorf("colonHex = %q", got)
	}
}
