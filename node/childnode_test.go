package node

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// startChildNode builds bigbrotr (with libsecp256k1 when it can) and runs
// `bigbrotr node` as a child process on 127.0.0.1, with every loop off and
// sections appended to its config (an embedded store in a temp dir unless
// they name a [database]), so that measurements see the relay alone. The
// child is interrupted at the test's end; its errors go to the test log.
func startChildNode(t *testing.T, sections string) (url string, cmd *exec.Cmd) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bigbrotr")
	build := exec.Command("go", "build", "-tags", "libsecp256k1", "-o", bin, "../cmd/bigbrotr")
	if out, err := build.CombinedOutput(); err != nil {
		t.Logf("no libsecp256k1 build (%s), pure Go signatures", strings.TrimSpace(string(out)))
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/bigbrotr").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	keyFile := filepath.Join(dir, "node.nsec")
	if err := os.WriteFile(keyFile, []byte(nostr.GeneratePrivateKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`[node]
listen = %q
data_dir = %q
private_key_file = %q
[seeder]
enabled = false
[finder]
enabled = false
[validator]
enabled = false
[monitor]
enabled = false
[synchronizer]
enabled = false
[stats]
enabled = false
`, addr, filepath.Join(dir, "data"), keyFile) + sections
	cfgFile := filepath.Join(dir, "node.toml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "--config", cfgFile, "node")
	cmd.Env = append(os.Environ(), EnvPrivateKey+"=", EnvDatabaseURL+"=")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "level=ERROR") || strings.Contains(sc.Text(), "panic") {
				t.Log(sc.Text())
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(60 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node did not listen within 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "ws://" + addr, cmd
}
