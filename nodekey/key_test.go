package node

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip19"
)

func TestParseSecretKey(t *testing.T) {
	sk := "7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a"
	nsec, _ := nip19.EncodePrivateKey(sk)
	tests := []struct {
		in, want, err string
	}{
		{sk, sk, ""},
		{"  " + strings.ToUpper(sk) + "\n", sk, ""},
		{nsec, sk, ""},
		{nsec[:len(nsec)-1] + "x", "", "not a valid nsec"},
		{"abc", "", "want 64 hex"},
		{strings.Repeat("0", 64), "", "not a valid secp256k1"},
		{"", "", "want 64 hex"},
	}
	for _, tt := range tests {
		got, err := ParseSecretKey(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSecretKey(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSecretKey(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLoadKeyGeneratesOnceWithMode0600(t *testing.T) {
	t.Setenv(EnvPrivateKey, "")
	dir := filepath.Join(t.TempDir(), "data")
	sk1, src, err := LoadKey(NodeConfig{DataDir: dir})
	if err != nil || src != KeyNewlyGenerate {
		t.Fatalf("first start: %v, source %q", err, src)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	sk2, src, err := LoadKey(NodeConfig{DataDir: dir})
	if err != nil || src != KeyFromDataDir || sk2 != sk1 {
		t.Fatalf("second start: key reused = %v, source %q, err %v", sk1 == sk2, src, err)
	}
}

func TestLoadKeySources(t *testing.T) {
	dir := t.TempDir()
	sk := nostr.GeneratePrivateKey()
	nsec, _ := nip19.EncodePrivateKey(sk)
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(nsec+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Setenv(EnvPrivateKey, "")
	got, src, err := LoadKey(NodeConfig{DataDir: dir, PrivateKeyFile: keyFile})
	if err != nil || got != sk || src != KeyFromFile {
		t.Fatalf("key file: %v %q", err, src)
	}

	other := nostr.GeneratePrivateKey()
	t.Setenv(EnvPrivateKey, other)
	got, src, err = LoadKey(NodeConfig{DataDir: dir, PrivateKeyFile: keyFile})
	if err != nil || got != other || src != KeyFromEnv {
		t.Fatalf("env must win over the key file: %v %q", err, src)
	}

	t.Setenv(EnvPrivateKey, "not-a-key")
	if _, _, err = LoadKey(NodeConfig{DataDir: dir}); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), EnvPrivateKey) {
		t.Fatalf("bad env key: %v", err)
	}
}

func TestLoadKeyUnreadableFile(t *testing.T) {
	t.Setenv(EnvPrivateKey, "")
	dir := t.TempDir()
	tests := map[string]func() string{
		"missing":   func() string { return filepath.Join(dir, "missing") },
		"directory": func() string { return dir },
		"garbage": func() string {
			p := filepath.Join(dir, "garbage")
			os.WriteFile(p, []byte("hello"), 0o600)
			return p
		},
	}
	for name, path := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := LoadKey(NodeConfig{DataDir: dir, PrivateKeyFile: path()})
			if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "node.private_key_file") {
				t.Fatalf("got %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
		})
	}
	// A corrupt generated key is an error too, never silently replaced.
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	os.WriteFile(filepath.Join(data, KeyFileName), []byte("zz"), 0o600)
	if _, _, err := LoadKey(NodeConfig{DataDir: data}); !errors.Is(err, ErrKey) {
		t.Fatalf("corrupt node.key: %v", err)
	}
}

func FuzzParseSecretKey(f *testing.F) {
	f.Add("7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a")
	f.Add("nsec1qqqq")
	f.Fuzz(func(t *testing.T, s string) {
		sk, err := ParseSecretKey(s)
		if err != nil {
			return
		}
		if !nostr.IsValid32ByteHex(sk) {
			t.Fatalf("accepted %q as %q", s, sk)
		}
		if again, err := ParseSecretKey(sk); err != nil || again != sk {
			t.Fatalf("not idempotent: %q -> %q (%v)", sk, again, err)
		}
	})
}
