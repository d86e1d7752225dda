package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"syscall"
	"testing"

	"github.com/bigbrotr/bigbrotr/transport"
)

func TestClassify(t *testing.T) {
	for msg, want := range map[string]Reason{
		"auth-required: we only accept events from registered users": ReasonAuthRequired,
		"AUTH-REQUIRED: shouting":                                    ReasonAuthRequired,
		"pow: difficulty 25>=24":                                     ReasonPoWRequired,
		"blocked: proof-of-work of 20 bits needed":                   ReasonPoWRequired,
		"restricted: payment required":                               ReasonPaymentRequired,
		"blocked: you must pay to post":                              ReasonPaymentRequired,
		"blocked: this relay is paid, see /join":                     ReasonPaymentRequired,
		"payment-required: invoice at /pay":                          ReasonPaymentRequired,
		"rate-limited: slow down there chief":                        ReasonRateLimited,
		"rate-limited: pay attention":                                ReasonRateLimited, // the prefix decides first
		"unsupported: search is not available":                       ReasonUnsupported,
		"restricted: writes are limited to members":                  ReasonRestricted,
		"blocked: you are banned":                                    ReasonRestricted,
		"invalid: event creation date too far off":                   ReasonRestricted,
		"error: could not connect to the database":                   ReasonRestricted,
		"":                   ReasonRestricted,
		"no prefix at all":   ReasonRestricted,
		"auth-required":      ReasonRestricted, // no colon, so no prefix
		" auth-required : x": ReasonAuthRequired,
	} {
		if got := Classify(msg); got != want {
			t.Errorf("Classify(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestRequirement(t *testing.T) {
	for r, want := range map[Reason]string{
		ReasonAuthRequired: "auth", ReasonPaymentRequired: "payment", ReasonPoWRequired: "pow",
		ReasonRestricted: "writes", ReasonUnsupported: "writes",
		ReasonRateLimited: "", ReasonTimeout: "", ReasonClosed: "", ReasonConnect: "", "": "",
	} {
		if got := Requirement(r); got != want {
			t.Errorf("Requirement(%q) = %q, want %q", r, got, want)
		}
	}
}

func TestReasonOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Reason
	}{
		{nil, ""},
		{fmt.Errorf("dial: %w", transport.ErrPrivateAddress), ReasonRefused},
		{fmt.Errorf("dial: %w", transport.ErrNetworkDisabled), ReasonRefused},
		{&net.DNSError{Err: "no such host", IsNotFound: true}, ReasonDNS},
		{&net.DNSError{Err: "i/o timeout", IsTimeout: true}, ReasonTimeout},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), ReasonTimeout},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ReasonConnect},
		{&net.OpError{Op: "dial", Err: syscall.ECONNRESET}, ReasonConnect},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, ReasonClosed},
		{fmt.Errorf("read: %w", io.EOF), ReasonClosed},
		{fmt.Errorf("x: %w", x509.UnknownAuthorityError{}), ReasonTLS},
		{errors.New("tls: handshake failure"), ReasonTLS},
		{errors.New("failed to WebSocket dial: expected handshake response status code 101 but got 200"), ReasonUpgrade},
		{errors.New("something else"), ReasonError},
	} {
		if got := reasonOf(tc.err); got != tc.want {
			t.Errorf("reasonOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestReasonsCoverOutcomes: every reason a probe can return is listed for
// its check, so metrics can pre-register every label value.
func TestReasonsCoverOutcomes(t *testing.T) {
	for _, c := range Checks {
		rs := Reasons(c)
		if len(rs) == 0 {
			t.Errorf("no reasons for %s", c)
		}
		if slices.Contains(rs, "") {
			t.Errorf("empty reason for %s", c)
		}
	}
	for _, msg := range []string{"auth-required: x", "pow: x", "restricted: pay", "rate-limited: x", "unsupported: x", "x"} {
		for _, c := range []Check{CheckRTT, CheckNIPs} {
			if !slices.Contains(Reasons(c), Classify(msg)) {
				t.Errorf("Classify(%q) = %q is not a reason of %s", msg, Classify(msg), c)
			}
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"auth-required: x", "pow: 20", "blocked: paid relay", ":", "", "a:b:c"} {
		f.Add(s)
	}
	known := Reasons(CheckRTT)
	f.Fuzz(func(t *testing.T, msg string) {
		r := Classify(msg)
		if !slices.Contains(known, r) {
			t.Fatalf("Classify(%q) = %q, not a known reason", msg, r)
		}
		if r == ReasonRateLimited && Requirement(r) != "" {
			t.Fatal("rate limiting must prove nothing")
		}
	})
}
