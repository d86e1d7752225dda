package testnet

import (
	"crypto/x509"
	"errors"
	"testing"

	"github.com/coder/websocket"
)

func TestTLSModes(t *testing.T) {
	specs := []Spec{{Healthy, Clearnet, TLSValid}, {Healthy, Clearnet, TLSExpired},
		{Healthy, Clearnet, TLSSelfSigned}, {Healthy, Clearnet, TLSWrongHost}}
	n := startNet(t, Options{Relays: 8, Seed: 3, Specs: specs, Mix: map[Profile]float64{Healthy: 1}})
	m := n.Manifest()
	tests := []struct {
		r     RelayInfo
		check func(error) bool
	}{
		{m.Relays[0], func(err error) bool { return err == nil }},
		{m.Relays[1], func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired
		}},
		{m.Relays[2], func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{m.Relays[3], func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(string(tt.r.TLS), func(t *testing.T) {
			ctx := testCtx(t)
			c, _, err := websocket.Dial(ctx, tt.r.URL, &websocket.DialOptions{HTTPClient: n.HTTPClient()})
			if err == nil {
				defer c.CloseNow()
			}
			if !tt.check(err) {
				t.Errorf("dial %s: %v", tt.r.URL, err)
			}
			if tt.r.TLSOK != (err == nil) {
				t.Errorf("manifest tls_ok %v, dial error %v", tt.r.TLSOK, err)
			}
		})
	}
}
