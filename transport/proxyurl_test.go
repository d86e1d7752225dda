package transport

import (
	"strings"
	"testing"
)

func TestParseProxyURL(t *testing.T) {
	tests := []struct {
		in       string
		addr     string
		user, pw string
		err      string
	}{
		{in: "socks5://127.0.0.1:9050", addr: "127.0.0.1:9050"},
		{in: "socks5h://tor:9050", addr: "tor:9050"},
		{in: "socks5://[::1]:9050", addr: "[::1]:9050"},
		{in: "socks5://user:secret@127.0.0.1:9050", addr: "127.0.0.1:9050", user: "user", pw: "secret"},
		{in: "socks5://isolate@127.0.0.1:9050", addr: "127.0.0.1:9050", user: "isolate"},
		{in: "socks5://127.0.0.1:9050/", addr: "127.0.0.1:9050"},
		{in: "http://127.0.0.1:8080", err: "scheme must be socks5"},
		{in: "socks4://127.0.0.1:1080", err: "scheme must be socks5"},
		{in: "127.0.0.1:9050", err: "invalid proxy URL"},
		{in: "tor:9050", err: "scheme must be socks5"},
		{in: "socks5://127.0.0.1", err: "want host:port"},
		{in: "socks5://127.0.0.1:0", err: "port must be 1-65535"},
		{in: "socks5://127.0.0.1:70000", err: "port must be 1-65535"},
		{in: "socks5://:9050", err: "missing host"},
		{in: "socks5://127.0.0.1:9050/path", err: "host:port only"},
		{in: "socks5://127.0.0.1:9050?x=1", err: "host:port only"},
		{in: "socks5://:pw@127.0.0.1:9050", err: "without a user name"},
		{in: "socks5://u:se cret@h:1\x7f", err: "invalid proxy URL"},
		{in: "", err: "scheme must be socks5"},
		{in: "SOCKS5://127.0.0.1:9050", addr: "127.0.0.1:9050"},
		{in: "socks5://\xff\xff0:1", err: "invalid host"},
		{in: "socks5://a%20b:1", err: "invalid"},
		{in: "socks5://a!b:1", err: "invalid host"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseProxyURL(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseProxyURL(%q) error = %v, want it to contain %q", tt.in, err, tt.err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseProxyURL(%q): %v", tt.in, err)
			}
			if got.addr != tt.addr {
				t.Errorf("addr = %q, want %q", got.addr, tt.addr)
			}
			if tt.user == "" {
				if got.auth != nil {
					t.Errorf("auth = %+v, want none", got.auth)
				}
			} else if got.auth == nil || got.auth.User != tt.user || got.auth.Password != tt.pw {
				t.Errorf("auth = %+v, want %s/%s", got.auth, tt.user, tt.pw)
			}
		})
	}
}

func FuzzParseProxyURL(f *testing.F) {
	for _, s := range []string{"socks5://127.0.0.1:9050", "socks5://u:p@[::1]:1", "socks5h://tor:9050/", "http://x:1", "socks5://%zz:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseProxyURL(s)
		if err != nil {
			return
		}
		if l := strings.ToLower(s); !strings.HasPrefix(l, "socks5://") && !strings.HasPrefix(l, "socks5h://") {
			t.Errorf("accepted %q without a socks5 scheme", s)
		}
		if verr := validateHostPort(got.addr); verr != nil {
			t.Errorf("accepted %q with address %q: %v", s, got.addr, verr)
		}
		if got.auth != nil && (got.auth.User == "" || len(got.auth.User) > 255 || len(got.auth.Password) > 255) {
			t.Errorf("accepted %q with bad credentials %+v", s, got.auth)
		}
	})
}
