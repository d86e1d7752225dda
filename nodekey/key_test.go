package nodekey

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip19"
)

func TestParse(t *testing.T) {
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
		got, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLoadGeneratesOnceWithMode0600(t *testing.T) {
	t.Setenv(Env, "")
	dir := filepath.Join(t.TempDir(), "data")
	sk1, src, err := Load("", dir)
	if err != nil || src != NewlyGenerate {
		t.Fatalf("first start: %v, source %q", err, src)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	sk2, src, err := Load("", dir)
	if err != nil || src != FromDataDir || sk2 != sk1 {
		t.Fatalf("second start: key reused = %v, source %q, err %v", sk1 == sk2, src, err)
	}
}

func TestLoadSources(t *testing.T) {
	dir := t.TempDir()
	sk := nostr.GeneratePrivateKey()
	nsec, _ := nip19.EncodePrivateKey(sk)
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(nsec+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Setenv(Env, "")
	got, src, err := Load(keyFile, dir)
	if err != nil || got != sk || src != FromFile {
		t.Fatalf("key file: %v %q", err, src)
	}

	other := nostr.GeneratePrivateKey()
	t.Setenv(Env, other)
	got, src, err = Load(keyFile, dir)
	if err != nil || got != other || src != FromEnv {
		t.Fatalf("env must win over the key file: %v %q", err, src)
	}

	t.Setenv(Env, "not-a-key")
	if _, _, err = Load("", dir); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), Env) {
		t.Fatalf("bad env key: %v", err)
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	t.Setenv(Env, "")
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
			_, _, err := Load(path(), dir)
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
	os.WriteFile(filepath.Join(data, FileName), []byte("zz"), 0o600)
	if _, _, err := Load("", data); !errors.Is(err, ErrKey) {
		t.Fatalf("corrupt node.key: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a")
	f.Add("nsec1qqqq")
	f.Fuzz(func(t *testing.T, s string) {
		sk, err := Parse(s)
		if err != nil {
			return
		}
		if !nostr.IsValid32ByteHex(sk) {
			t.Fatalf("accepted %q as %q", s, sk)
		}
		if again, err := Parse(sk); err != nil || again != sk {
			t.Fatalf("not idempotent: %q -> %q (%v)", sk, again, err)
		}
	})
}

// TestSigner: what the monitor signs with carries the key's pubkey and a
// valid signature.
func TestSigner(t *testing.T) {
	sk := nostr.GeneratePrivateKey()
	want, _ := nostr.GetPublicKey(sk)
	s := Signer(sk)
	if pk, err := s.GetPublicKey(context.Background()); err != nil || pk != want {
		t.Fatalf("GetPublicKey = %q, %v, want %q", pk, err, want)
	}
	ev := &nostr.Event{Kind: 1, Content: "x", CreatedAt: nostr.Now(), Tags: nostr.Tags{}}
	if err := s.SignEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if ok, err := ev.CheckSignature(); !ok || err != nil || ev.PubKey != want {
		t.Errorf("signed event: pubkey %s, signature ok %v (%v)", ev.PubKey, ok, err)
	}
}
