package transport

import (
	"errors"
	"fmt"
	"net/url"

	"golang.org/x/net/proxy"
)

// proxyTarget is a parsed SOCKS5 proxy setting.
type proxyTarget struct {
	addr string // host:port of the proxy
	auth *proxy.Auth
}

// parseProxyURL accepts socks5://[user[:password]@]host:port. socks5h is
// taken as a synonym: names are always handed to the proxy unresolved, so
// the distinction curl makes does not exist here.
func parseProxyURL(s string) (proxyTarget, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the input, password included: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return proxyTarget{}, fmt.Errorf("invalid proxy URL: %w", err)
	}
	if u.Scheme != "socks5" && u.Scheme != "socks5h" {
		return proxyTarget{}, fmt.Errorf("proxy scheme must be socks5, got %q", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return proxyTarget{}, fmt.Errorf("proxy URL %q must be socks5://host:port only", u.Redacted())
	}
	if u.Hostname() == "" {
		return proxyTarget{}, fmt.Errorf("missing host in proxy URL %q", u.Redacted())
	}
	if err := validateHostPort(u.Host); err != nil {
		return proxyTarget{}, fmt.Errorf("proxy URL: %w", err)
	}
	t := proxyTarget{addr: u.Host}
	if u.User != nil {
		pw, _ := u.User.Password()
		if len(u.User.Username()) > 255 || len(pw) > 255 {
			return proxyTarget{}, fmt.Errorf("proxy credentials longer than 255 bytes")
		}
		if u.User.Username() == "" {
			return proxyTarget{}, fmt.Errorf("proxy password without a user name")
		}
		t.auth = &proxy.Auth{User: u.User.Username(), Password: pw}
	}
	return t, nil
}
