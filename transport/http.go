package transport

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/bigbrotr/bigbrotr/schema"
)

// DefaultMaxRedirects is how many redirects HTTPClient follows unless told
// otherwise.
const DefaultMaxRedirects = 5

// HTTPOption adjusts a client returned by HTTPClient.
type HTTPOption func(*httpOptions)

type httpOptions struct {
	maxRedirects int
	sameHost     bool
}

// SameHostRedirects refuses redirects to another host name (a change of
// scheme or port on the same host is still followed).
func SameHostRedirects() HTTPOption { return func(o *httpOptions) { o.sameHost = true } }

// MaxRedirects sets how many redirects are followed. With 0 none is: the
// client returns the 3xx response itself.
func MaxRedirects(n int) HTTPOption { return func(o *httpOptions) { o.maxRedirects = max(n, 0) } }

// HTTPClient returns a client that dials through the transport (routing,
// resolver and private-address guard), trusts the configured roots, and
// checks every redirect target before following it. Clients share one
// connection pool. It sets no overall timeout and reads bodies of any size:
// bound each request with its context and each body with io.LimitReader.
func (t *Transport) HTTPClient(opts ...HTTPOption) *http.Client {
	return t.client(t.pooled, opts...)
}

func (t *Transport) client(rt http.RoundTripper, opts ...HTTPOption) *http.Client {
	o := httpOptions{maxRedirects: DefaultMaxRedirects}
	for _, opt := range opts {
		opt(&o)
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return t.checkRedirect(o, req, via)
		},
	}
}

// checkRedirect refuses what the dial guard cannot see: a change of scheme
// or of network, and hops past the limit. Private targets are refused here
// already when they are visible in the URL, and otherwise by the guard when
// the target's name is resolved.
func (t *Transport) checkRedirect(o httpOptions, req *http.Request, via []*http.Request) error {
	if o.maxRedirects == 0 {
		return http.ErrUseLastResponse
	}
	target := req.URL
	refuse := func(format string, args ...any) error {
		err := fmt.Errorf("redirect to %s: %w: "+format, append([]any{target.Redacted(), ErrRedirectRefused}, args...)...)
		t.log.Debug("redirect refused", "from", via[0].URL.Redacted(), "err", err)
		return err
	}
	if len(via) > o.maxRedirects {
		return refuse("more than %d redirects", o.maxRedirects)
	}
	if target.Scheme != "http" && target.Scheme != "https" {
		return refuse("scheme %q", target.Scheme)
	}
	host := target.Hostname()
	if host == "" {
		return refuse("no host")
	}
	origin := via[0].URL.Hostname()
	if from, to := HostNetwork(origin), HostNetwork(host); from != to {
		return refuse("from network %s to %s", from, to)
	}
	if o.sameHost && !strings.EqualFold(strings.TrimSuffix(origin, "."), strings.TrimSuffix(host, ".")) {
		return refuse("another host than %s", origin)
	}
	if n := HostNetwork(host); !t.NetworkEnabled(n) {
		return fmt.Errorf("redirect to %s: %w: %s", target.Redacted(), ErrNetworkDisabled, n)
	}
	a, err := netip.ParseAddr(host)
	if (err == nil && t.blocked(a)) || (err != nil && !t.cfg.AllowPrivate && HostNetwork(host) == schema.Clearnet && isLocalName(host)) {
		return fmt.Errorf("redirect to %s: %w", target.Redacted(), privateError(host, netip.Addr{}))
	}
	return nil
}

// IsRefused reports whether err comes from one of the transport's guards
// (private address, disabled network, refused redirect) rather than from
// the remote end: a policy decision of this node, not a relay failure.
func IsRefused(err error) bool {
	return errors.Is(err, ErrPrivateAddress) || errors.Is(err, ErrNetworkDisabled) || errors.Is(err, ErrRedirectRefused)
}
