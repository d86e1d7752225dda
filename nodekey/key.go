package nodekey

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip19"
)

// Env is the environment variable that, when set, is the node key; it
// overrides the configuration.
const Env = "BIGBROTR_PRIVATE_KEY"

// FileName is the generated key's file inside data_dir.
const FileName = "node.key"

// ErrKey is matched (errors.Is) by every failure to obtain the node key.
var ErrKey = errors.New("node key")

// Source says where the node key came from, for the startup log.
type Source string

const (
	FromEnv       Source = "env " + Env
	FromFile      Source = "node.private_key_file"
	FromDataDir   Source = "data_dir/" + FileName
	NewlyGenerate Source = "generated into data_dir/" + FileName
)

// secp256k1N is the curve order; a secret key is a scalar in [1, N-1].
var secp256k1N, _ = new(big.Int).SetString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)

// Parse accepts a secret key as 64 hex characters or an nsec and returns
// it in lowercase hex.
func Parse(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "nsec1") {
		prefix, v, err := nip19.Decode(s)
		if err != nil || prefix != "nsec" {
			return "", errors.New("not a valid nsec")
		}
		s, _ = v.(string)
	}
	s = strings.ToLower(s)
	if !nostr.IsValid32ByteHex(s) {
		return "", errors.New("want 64 hex characters or an nsec")
	}
	if d, _ := new(big.Int).SetString(s, 16); d.Sign() == 0 || d.Cmp(secp256k1N) >= 0 {
		return "", errors.New("not a valid secp256k1 secret key (must be between 1 and the curve order)")
	}
	return s, nil
}

// Load returns the node's secret key in hex: from BIGBROTR_PRIVATE_KEY,
// else from keyFile (node.private_key_file) when set, else from
// dataDir/node.key, generating and saving one (mode 0600) on first start.
// Errors match ErrKey.
func Load(keyFile, dataDir string) (string, Source, error) {
	if v := os.Getenv(Env); v != "" {
		sk, err := Parse(v)
		if err != nil {
			return "", "", fmt.Errorf("%w: %s: %v", ErrKey, Env, err)
		}
		return sk, FromEnv, nil
	}
	if keyFile != "" {
		sk, err := readKeyFile(keyFile)
		if err != nil {
			return "", "", fmt.Errorf("%w: node.private_key_file: %v", ErrKey, err)
		}
		return sk, FromFile, nil
	}
	path := filepath.Join(dataDir, FileName)
	sk, err := readKeyFile(path)
	if err == nil {
		return sk, FromDataDir, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("%w: %v", ErrKey, err)
	}
	sk, err = generateKeyFile(path)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrKey, err)
	}
	return sk, NewlyGenerate, nil
}

func readKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sk, err := Parse(string(b))
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	return sk, nil
}

// generateKeyFile creates the key with O_EXCL so two nodes starting on one
// data_dir cannot end up with different keys.
func generateKeyFile(path string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	sk := nostr.GeneratePrivateKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(sk + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return sk, nil
}

// Signer is a secret key in hex as the nostr.Signer the monitor signs
// with (go-nostr's keyer package would pull in NIP-44/NIP-49 crypto the
// node has no use for).
type Signer string

// GetPublicKey derives the key's public key.
func (k Signer) GetPublicKey(context.Context) (string, error) {
	return nostr.GetPublicKey(string(k))
}

// SignEvent sets ev's pubkey, id and signature.
func (k Signer) SignEvent(_ context.Context, ev *nostr.Event) error {
	return ev.Sign(string(k))
}
