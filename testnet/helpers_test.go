package testnet

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"
)

// startNet starts a network for one test and closes it at the end.
func startNet(t testing.TB, o Options) *Network {
	t.Helper()
	if o.OutDir == "" {
		o.OutDir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(n.Close)
	return n
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var errConnRefused = errors.New("connection refused")

func itoa(i int) string { return strconv.Itoa(i) }

func sameSet(a, b []string) bool {
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
