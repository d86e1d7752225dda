package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/coder/websocket"

	"github.com/bigbrotr/bigbrotr/transport"
)

// Reason says why a check or phase failed. The set is fixed (Reasons
// lists it per check), so it can label metrics.
type Reason string

// Reaching the relay (every networked probe).
const (
	ReasonTimeout  Reason = "timeout"       // the check's deadline passed
	ReasonRefused  Reason = "refused"       // this node's guard refused: private address, disabled network
	ReasonDNS      Reason = "dns_error"     // the name did not resolve
	ReasonConnect  Reason = "connect_error" // TCP connect failed (refused, reset, unreachable)
	ReasonTLS      Reason = "tls_error"     // TLS handshake failed (bad certificate included)
	ReasonUpgrade  Reason = "upgrade_error" // an HTTP answer, but no WebSocket upgrade
	ReasonClosed   Reason = "closed"        // the connection ended before the answer
	ReasonNotNostr Reason = "not_nostr"     // the WebSocket answered, not as a relay (echo, junk)
	ReasonError    Reason = "error"         // anything else
)

// NIP-11 and HTTP.
const (
	ReasonHTTPStatus     Reason = "http_status"      // not 200
	ReasonRedirect       Reason = "redirect"         // a redirect this client does not follow (other host, private target)
	ReasonTooLarge       Reason = "too_large"        // over the size cap
	ReasonBadContentType Reason = "bad_content_type" // not JSON (text/html, ...)
	ReasonInvalidJSON    Reason = "invalid_json"
	ReasonNotObject      Reason = "not_object"  // valid JSON, but not an object
	ReasonNoHeaders      Reason = "no_headers"  // neither Server nor X-Powered-By
	ReasonNoDocument     Reason = "no_document" // nips: no NIP-11 document to read claims from
)

// Relay refusals (OK false, CLOSED, NEG-ERR, NOTICE), see Classify.
const (
	ReasonAuthRequired    Reason = "auth_required"
	ReasonPaymentRequired Reason = "payment_required"
	ReasonPoWRequired     Reason = "pow_required"
	ReasonRateLimited     Reason = "rate_limited"
	ReasonRestricted      Reason = "restricted" // any other refusal: blocked, restricted, invalid, error, ...
	ReasonUnsupported     Reason = "unsupported"
)

// DNS, Geo, Net.
const (
	ReasonNoRecords Reason = "no_records" // the name exists but has no address
	ReasonNoData    Reason = "no_data"    // the GeoIP database knows nothing of the address
)

var reasonsByCheck = map[Check][]Reason{
	CheckNIP11: {ReasonTimeout, ReasonRefused, ReasonDNS, ReasonConnect, ReasonTLS, ReasonClosed, ReasonError,
		ReasonHTTPStatus, ReasonRedirect, ReasonTooLarge, ReasonBadContentType, ReasonInvalidJSON, ReasonNotObject},
	CheckRTT: {ReasonTimeout, ReasonRefused, ReasonDNS, ReasonConnect, ReasonTLS, ReasonUpgrade, ReasonClosed,
		ReasonNotNostr, ReasonError, ReasonAuthRequired, ReasonPaymentRequired, ReasonPoWRequired,
		ReasonRateLimited, ReasonRestricted, ReasonUnsupported},
	CheckNIPs: {ReasonTimeout, ReasonRefused, ReasonDNS, ReasonConnect, ReasonTLS, ReasonUpgrade, ReasonClosed,
		ReasonNotNostr, ReasonError, ReasonAuthRequired, ReasonPaymentRequired, ReasonPoWRequired,
		ReasonRateLimited, ReasonRestricted, ReasonUnsupported, ReasonNoDocument},
	CheckHTTP: {ReasonTimeout, ReasonRefused, ReasonDNS, ReasonConnect, ReasonTLS, ReasonUpgrade, ReasonClosed,
		ReasonError, ReasonRedirect, ReasonNoHeaders},
	CheckSSL: {ReasonTimeout, ReasonRefused, ReasonDNS, ReasonConnect, ReasonTLS, ReasonError},
	CheckDNS: {ReasonTimeout, ReasonDNS, ReasonNoRecords, ReasonError},
	CheckGeo: {ReasonTimeout, ReasonDNS, ReasonNoRecords, ReasonNoData, ReasonError},
	CheckNet: {ReasonTimeout, ReasonDNS, ReasonNoRecords, ReasonNoData, ReasonError},
}

// Reasons lists the reasons a check (or one of its phases, or one of the
// NIP tests) can fail with.
func Reasons(c Check) []Reason {
	return append([]Reason(nil), reasonsByCheck[c]...)
}

// reasonOf classifies an error from reaching a relay.
func reasonOf(err error) Reason {
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		unkAuth x509.UnknownAuthorityError
		invCert x509.CertificateInvalidError
		hostErr x509.HostnameError
		closeEr websocket.CloseError
	)
	switch {
	case err == nil:
		return ""
	case transport.IsRefused(err):
		return ReasonRefused
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return ReasonTimeout
		}
		return ReasonDNS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return ReasonTimeout
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alert),
		errors.As(err, &unkAuth), errors.As(err, &invCert), errors.As(err, &hostErr):
		return ReasonTLS
	case errors.As(err, &closeEr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			return ReasonConnect
		}
		return ReasonClosed
	case errors.As(err, &opErr) && opErr.Op == "dial", errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ReasonConnect
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		return ReasonTLS
	case strings.Contains(msg, "handshake response status"), strings.Contains(msg, "WebSocket protocol violation"):
		return ReasonUpgrade
	}
	return ReasonError
}

// Classify reads the machine-readable prefix of a relay's refusal (the
// message of OK false, CLOSED or NEG-ERR, or a NOTICE; NIP-01 §OK): the text
// before the first ':', lower-cased.
//
//   - "auth-required" → ReasonAuthRequired
//   - "pow" → ReasonPoWRequired
//   - "payment-required" → ReasonPaymentRequired
//   - "rate-limited" → ReasonRateLimited
//   - "unsupported" → ReasonUnsupported
//   - under any other prefix, proof-of-work wording → ReasonPoWRequired and
//     payment wording ("payment", "paid", "pay to", "invoice", ...;
//     "restricted: payment required") → ReasonPaymentRequired
//   - anything else ("blocked", "restricted", "invalid", "error", no
//     prefix at all) → ReasonRestricted
func Classify(message string) Reason {
	prefix, _, found := strings.Cut(message, ":")
	if !found {
		prefix = ""
	}
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	lower := strings.ToLower(message)
	switch prefix {
	case "auth-required":
		return ReasonAuthRequired
	case "pow":
		return ReasonPoWRequired
	case "payment-required":
		return ReasonPaymentRequired
	case "rate-limited":
		return ReasonRateLimited
	case "unsupported":
		return ReasonUnsupported
	}
	switch {
	case strings.Contains(lower, "proof of work"), strings.Contains(lower, "proof-of-work"):
		return ReasonPoWRequired
	case mentionsPayment(lower):
		return ReasonPaymentRequired
	}
	return ReasonRestricted
}

var paymentWords = []string{"payment", "paid", "pay ", "pay to", "pay-to", "invoice", "lightning"}

func mentionsPayment(lower string) bool {
	for _, w := range paymentWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Requirement maps a refusal reason to the NIP-66 "R" key it proves
// ("auth", "payment", "pow", "writes"), or "" when it proves nothing about
// the relay's policy: rate limiting is ordinary anti-spam (NIP-11 says it
// does not make writes restricted), and a timeout, a closed connection or
// an error on our side says nothing at all.
func Requirement(r Reason) string {
	switch r {
	case ReasonAuthRequired:
		return "auth"
	case ReasonPaymentRequired:
		return "payment"
	case ReasonPoWRequired:
		return "pow"
	case ReasonRestricted, ReasonUnsupported:
		return "writes"
	}
	return ""
}
