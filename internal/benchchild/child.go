package benchchild

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/procstat"
)

// ready is the line a child prints once its node runs.
const ready = "READY"

// Child is a node process started by Start.
type Child struct {
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan struct{}
}

// Start runs the test binary again with env added to the parent's and
// waits (two minutes at most) until it calls Ready; the test fails if it
// exits first. The child is stopped at the test's cleanup.
func Start(tb testing.TB, env ...string) *Child {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start node: %v", err)
	}
	c := &Child{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == ready {
				close(up)
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(c.done)
	}()
	tb.Cleanup(c.Stop)
	select {
	case <-up:
	case <-c.done:
		tb.Fatal("node exited before it ran")
	case <-time.After(2 * time.Minute):
		tb.Fatal("node not running within 2 minutes")
	}
	return c
}

// PID is the child's process id.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// CPU is the child's user+system time so far.
func (c *Child) CPU() time.Duration {
	st, _ := procstat.Read(c.PID())
	return st.CPU
}

// Stop closes the child's stdin and waits for it (killing it after 30 s);
// safe to call twice.
func (c *Child) Stop() {
	if c.stdin == nil {
		return
	}
	c.stdin.Close()
	c.stdin = nil
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// Context is, in the child, a context cancelled when the parent closes
// the child's stdin (Stop) or dies.
func Context() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx, cancel
}

// Ready tells the parent, from the child, that its node runs.
func Ready() { fmt.Println(ready) }

// LoadAverage is the machine's 1, 5 and 15 minute load averages, "?" when
// unreadable: benchmark figures on a shared machine are read beside it.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
