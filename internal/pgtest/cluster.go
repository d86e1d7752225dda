package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dirPrefix names every cluster directory, so that a later run can find
// and remove what a killed run left behind.
const dirPrefix = "bigbrotr-pgtest-"

// cluster is one running postmaster and its directory.
type cluster struct {
	bin  string
	dir  string // holds data/, the log and the unix socket
	port int
	// major is the server's major version (0 when unknown).
	major int
	// durable keeps PostgreSQL's default durability (fsync,
	// synchronous_commit, full_page_writes on), as a production server.
	durable bool
	// settings are more "-c name=value" arguments (a replication pair's).
	settings []string
	cmd      *exec.Cmd
	done     chan struct{} // closed when the postmaster exits
	cred     *syscall.Credential
	// lockFile holds the owner lock; see lock.
	lockFile *os.File
}

// startCluster runs initdb and starts a postmaster, retrying with another
// port if the one picked was taken in between.
func startCluster(bin string, durable bool, settings ...string) (*cluster, error) {
	c, err := newCluster(bin, durable, settings)
	if err != nil {
		return nil, err
	}
	if err := c.init(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	if err := c.startRetrying(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	return c, nil
}

// newCluster makes the cluster's directory, owned by the user the server
// will run as, and takes its owner lock.
func newCluster(bin string, durable bool, settings []string) (*cluster, error) {
	removeStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir, major: majorVersion(bin), durable: durable, settings: settings}
	if err := c.lock(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.own(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// startRetrying starts the postmaster, on another port if the one picked
// was taken in between.
func (c *cluster) startRetrying() error {
	for attempt := 0; ; attempt++ {
		err := c.start()
		if err == nil {
			return nil
		}
		if attempt == 4 || !strings.Contains(err.Error(), "could not bind") {
			return err
		}
	}
}

// own checks the directory fits a unix socket path and, under root, hands
// it to the postgres user, which initdb, pg_basebackup and the server run
// as.
func (c *cluster) own() error {
	if len(c.dir)+len("/.s.PGSQL.65535") >= 107 {
		return fmt.Errorf("temporary directory %s is too long for a unix socket path; set TMPDIR", c.dir)
	}
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs a postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(c.dir, uid, gid); err != nil {
			return err
		}
	}
	return nil
}

// init creates the data directory with initdb.
func (c *cluster) init() error {
	cmd := c.command("initdb", "-D", filepath.Join(c.dir, "data"), "-A", "trust", "-U", "postgres",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// start launches the postmaster directly (not through pg_ctl, which would
// detach it) so the parent-death signal reaches it when the test binary
// dies for any reason.
func (c *cluster) start() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	return c.startOnPort()
}

// startOnPort starts the postmaster on c.port: a restart keeps the port,
// so that the URLs handed out stay valid.
func (c *cluster) startOnPort() error {
	port := c.port
	logPath := filepath.Join(c.dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"-D", filepath.Join(c.dir, "data"), "-p", strconv.Itoa(port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=300", "-c", "dynamic_shared_memory_type=mmap"}
	if !c.durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	args = append(args, c.settings...)
	cmd := c.command("postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// SIGQUIT is an immediate shutdown: nothing here needs to survive.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.cmd = cmd
	c.done = make(chan struct{})
	go func() { cmd.Wait(); close(c.done) }()

	deadline := time.After(60 * time.Second)
	for {
		if c.ready() {
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("postgres exited during start-up: %s", tail(logPath))
		case <-deadline:
			c.stop()
			return fmt.Errorf("postgres not ready after 60s: %s", tail(logPath))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ready reports whether postmaster.pid says the server accepts
// connections: "ready" on a primary, "standby" on a hot standby.
func (c *cluster) ready() bool {
	b, err := os.ReadFile(filepath.Join(c.dir, "data", "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) <= 7 {
		return false
	}
	st := strings.TrimSpace(lines[7])
	return st == "ready" || st == "standby"
}

// stop asks for a fast shutdown and escalates if it does not come.
func (c *cluster) stop() {
	if c.cmd != nil && c.cmd.Process != nil {
		escalate(c.cmd.Process, c.done, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL)
	}
}

// kill is an immediate shutdown (SIGQUIT): the postmaster ends its
// backends without a checkpoint, and the next start runs crash recovery.
func (c *cluster) kill() {
	if c.cmd != nil && c.cmd.Process != nil {
		escalate(c.cmd.Process, c.done, syscall.SIGQUIT, syscall.SIGKILL)
	}
}

// escalate sends each signal in turn until done is closed, waiting 10s
// after each.
func escalate(p *os.Process, done <-chan struct{}, sigs ...syscall.Signal) {
	for _, sig := range sigs {
		p.Signal(sig)
		select {
		case <-done:
			return
		case <-time.After(10 * time.Second):
		}
	}
}

// command builds an exec.Cmd for a server binary, as postgres under root.
func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	return cmd
}

// majorVersion runs "postgres -V" ("postgres (PostgreSQL) 15.8 (Debian ...)").
func majorVersion(bin string) int {
	out, err := exec.Command(filepath.Join(bin, "postgres"), "-V").Output()
	if err != nil {
		return 0
	}
	f := strings.Fields(string(out))
	if len(f) < 3 {
		return 0
	}
	major, _, _ := strings.Cut(f[2], ".")
	n, _ := strconv.Atoi(major)
	return n
}

// freePort asks the kernel for a loopback port that is free right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// lockName is a file each live test binary holds an flock on for as long as
// it runs: the kernel drops the lock when the process dies, however it dies,
// which is what tells a later run that the directory is abandoned.
const lockName = "owner.lock"

// lock takes the directory's owner lock and keeps the descriptor open for
// the life of the process (closing it would release the lock).
func (c *cluster) lock() error {
	f, err := os.OpenFile(filepath.Join(c.dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("lock %s: %w", c.dir, err)
	}
	c.lockFile = f
	return nil
}

// removeStale deletes cluster directories whose test binary is gone (their
// owner lock is free), first stopping a server such a run may have left.
// A directory without a lock file is one being created right now, unless
// it is old.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, lockName))
		if err != nil {
			if fi, err := os.Stat(d); err == nil && time.Since(fi.ModTime()) > 10*time.Minute {
				os.RemoveAll(d)
			}
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // a live binary owns it
			continue
		}
		if pid := pidOf(filepath.Join(d, "data", "postmaster.pid")); pid > 0 && alive(pid) && parentOf(pid) == 1 {
			syscall.Kill(pid, syscall.SIGQUIT)
		}
		os.RemoveAll(d)
		f.Close()
	}
}

func pidOf(pidFile string) int {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// parentOf reads the parent pid from /proc (0 when unknown).
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may hold spaces; fields follow.
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
