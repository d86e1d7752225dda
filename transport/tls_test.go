package transport

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fiatjaf/khatru"
)

// testCA writes a fresh CA to a PEM file and returns the file and a
// certificate it signed for relay.test and 127.0.0.1.
func testCA(t *testing.T) (caFile string, leaf tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bigbrotr test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "relay.test"},
		DNSNames:     []string{"relay.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
}

func TestExtraCA(t *testing.T) {
	caFile, leaf := testCA(t)
	relay := khatru.NewRelay()
	relay.Info.PubKey = "ab"
	s := httptest.NewUnstartedServer(relay)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	s.StartTLS()
	defer s.Close()
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	z := testZone()
	z.addrs["wrongname.test"] = []string{"127.0.0.1"}
	srv := startDNS(t, z)
	ctx := context.Background()

	trusted := newTestTransport(t, srv, func(c *Config) {
		c.AllowPrivate = true
		c.ExtraCAFile = caFile
	})
	ws, tm, err := trusted.DialWebSocket(ctx, "wss://relay.test:"+port)
	if err != nil {
		t.Fatalf("wss with the extra CA: %v", err)
	}
	ws.CloseNow()
	if tm.TLS <= 0 || tm.DNS <= 0 || tm.Connect <= 0 || tm.Upgrade <= 0 {
		t.Errorf("timings not populated: %+v", tm)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://relay.test:"+port+"/", nil)
	req.Header.Set("Accept", "application/nostr+json")
	resp, err := trusted.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("https with the extra CA: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("NIP-11 status %d", resp.StatusCode)
	}
	if trusted.TLSConfig().RootCAs == nil {
		t.Error("TLSConfig has no roots")
	}

	untrusted := newTestTransport(t, srv, allowPrivate)
	_, _, err = untrusted.DialWebSocket(ctx, "wss://relay.test:"+port)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("wss without the CA: err = %v, want x509.UnknownAuthorityError", err)
	}
	// The name is checked against the certificate even though the dial went
	// to an IP.
	_, _, err = trusted.DialWebSocket(ctx, "wss://wrongname.test:"+port)
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Errorf("wss to a name the certificate lacks: err = %v, want x509.HostnameError", err)
	}
}
