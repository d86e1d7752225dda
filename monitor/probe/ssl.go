package probe

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/bigbrotr/bigbrotr/transport"
)

// SSLOutcome describes the relay's certificate and TLS session. A broken
// certificate is data (Valid false, Invalid saying why), not a failure:
// Success means a handshake happened and a certificate was read.
type SSLOutcome struct {
	Status
	// Valid: the chain verifies against the system roots plus the extra CA,
	// for the relay's host name, at Target.Now.
	Valid bool `json:"valid"`
	// Invalid is why not: "expired", "not_yet_valid", "unknown_authority"
	// (self-signed included), "hostname_mismatch" or "invalid".
	Invalid     string   `json:"invalid,omitempty"`
	SubjectCN   string   `json:"subject_cn,omitempty"`
	SANs        []string `json:"sans,omitempty"`      // DNS names and IP addresses
	Issuer      string   `json:"issuer,omitempty"`    // issuer organization
	IssuerCN    string   `json:"issuer_cn,omitempty"` // issuer common name
	NotBefore   int64    `json:"not_before,omitempty"`
	NotAfter    int64    `json:"not_after,omitempty"` // expiry, unix seconds
	Serial      string   `json:"serial,omitempty"`    // upper-case hex
	Fingerprint string   `json:"fingerprint,omitempty"`
	Version     string   `json:"tls_version,omitempty"` // "TLS 1.3"
	Cipher      string   `json:"cipher,omitempty"`      // IANA name
	// Timings: Connect and TLS are the phases; Addr the address used.
	Timings transport.Timings `json:"-"`
}

// Check is CheckSSL.
func (*SSLOutcome) Check() Check { return CheckSSL }

// Reasons a certificate is not valid (SSLOutcome.Invalid).
const (
	InvalidExpired          = "expired"
	InvalidNotYetValid      = "not_yet_valid"
	InvalidUnknownAuthority = "unknown_authority"
	InvalidHostname         = "hostname_mismatch"
	InvalidOther            = "invalid"
)

// SSL connects to the relay's host and port (443 by default) through the
// transport's guarded dialer, completes one TLS handshake that accepts any
// certificate, and then verifies the chain itself with the transport's
// roots, so that an expired, self-signed or wrong-host certificate is
// described instead of failing the handshake. Clearnet only.
func SSL(ctx context.Context, t Target) (*SSLOutcome, error) {
	if err := t.validate(true); err != nil {
		return nil, err
	}
	if !Applies(CheckSSL, t.URL) {
		return nil, fmt.Errorf("probe ssl %s: %w", t.URL, ErrNotApplicable)
	}
	start := time.Now()
	pctx, cancel := bound(ctx)
	defer cancel()
	out := &SSLOutcome{}
	defer func() { out.Took = time.Since(start) }()

	port := t.URL.Port()
	if port == 0 {
		port = 443
	}
	dctx, timings := transport.WithTimings(pctx)
	raw, err := t.Transport.DialContext(dctx, "tcp", net.JoinHostPort(t.URL.Host(), strconv.Itoa(port)))
	out.Timings = timings()
	if err != nil {
		if e := abandoned(ctx, CheckSSL, t.URL); e != nil {
			return nil, e
		}
		out.Status = failed(reasonOf(err), err.Error())
		return out, nil
	}
	defer raw.Close()
	cfg := t.Transport.TLSConfig()
	roots := cfg.RootCAs
	cfg.ServerName = t.URL.Host()
	cfg.InsecureSkipVerify = true // verified below, so that a bad certificate is data
	conn := tls.Client(raw, cfg)
	hsStart := time.Now()
	err = conn.HandshakeContext(pctx)
	out.Timings.TLS = time.Since(hsStart)
	if err != nil {
		if e := abandoned(ctx, CheckSSL, t.URL); e != nil {
			return nil, e
		}
		r := reasonOf(err)
		if r == ReasonError || r == ReasonClosed {
			r = ReasonTLS // the TCP connection was up: whatever broke, broke in TLS
		}
		out.Status = failed(r, err.Error())
		return out, nil
	}
	st := conn.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		out.Status = failed(ReasonTLS, "no certificate presented")
		return out, nil
	}
	out.describe(st)
	out.verify(st.PeerCertificates, roots, t.URL.Host(), t.now())
	out.Status = ok()
	return out, nil
}

func (o *SSLOutcome) describe(st tls.ConnectionState) {
	leaf := st.PeerCertificates[0]
	o.SubjectCN = leaf.Subject.CommonName
	o.SANs = append(o.SANs, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		o.SANs = append(o.SANs, ip.String())
	}
	if len(leaf.Issuer.Organization) > 0 {
		o.Issuer = leaf.Issuer.Organization[0]
	}
	o.IssuerCN = leaf.Issuer.CommonName
	o.NotBefore, o.NotAfter = leaf.NotBefore.Unix(), leaf.NotAfter.Unix()
	o.Serial = strings.ToUpper(leaf.SerialNumber.Text(16))
	sum := sha256.Sum256(leaf.Raw)
	o.Fingerprint = "SHA256:" + colonHex(sum[:])
	o.Version = tls.VersionName(st.Version)
	o.Cipher = tls.CipherSuiteName(st.CipherSuite)
}

func (o *SSLOutcome) verify(chain []*x509.Certificate, roots *x509.CertPool, host string, now time.Time) {
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, DNSName: host, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	o.Valid = err == nil
	var (
		inv  x509.CertificateInvalidError
		unk  x509.UnknownAuthorityError
		hErr x509.HostnameError
	)
	switch {
	case err == nil:
	case errors.As(err, &hErr):
		o.Invalid = InvalidHostname
	case errors.As(err, &unk):
		o.Invalid = InvalidUnknownAuthority
	case errors.As(err, &inv) && inv.Reason == x509.Expired && now.After(chain[0].NotAfter):
		o.Invalid = InvalidExpired
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		o.Invalid = InvalidNotYetValid
	default:
		o.Invalid = InvalidOther
	}
}

// colonHex writes bytes as upper-case hex pairs joined by colons.
func colonHex(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}
