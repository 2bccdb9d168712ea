package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the master side of a new pseudo-terminal and the path of
// its slave side, which travelscan opens as a serial device.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("ptsname: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// --device opens a terminal and sets it to raw 8N1 at --baud; the lines
// written to the other side are verified.
func TestSerialDevice(t *testing.T) {
	f, args := trustFiles(t)
	master, slave := openPTY(t)
	defer master.Close()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		code := run(append(args, "--device", slave, "--baud", "9600"), nil, outW, &stderr)
		outW.Close()
		done <- code
	}()
	results := bufio.NewScanner(outR)
	for i, c := range f.Credentials {
		if _, err := io.WriteString(master, "]Q1"+c.Text+"\r\n"); err != nil {
			t.Fatal(err)
		}
		if !results.Scan() {
			t.Fatalf("no result for line %d: %s", i+1, stderr.String())
		}
		if !strings.HasPrefix(results.Text(), "VALID "+c.Country) {
			t.Errorf("line %d: %s", i+1, results.Text())
		}
	}

	s, err := os.OpenFile(slave, os.O_RDONLY|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if tio.Cflag&unix.CBAUD != unix.B9600 {
		t.Errorf("speed bits %#x, want B9600", tio.Cflag&unix.CBAUD)
	}
	if tio.Cflag&unix.CSIZE != unix.CS8 || tio.Cflag&(unix.PARENB|unix.CSTOPB|unix.CRTSCTS) != 0 {
		t.Errorf("cflag %#x is not 8N1 without flow control", tio.Cflag)
	}
	if tio.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 || tio.Iflag&(unix.ICRNL|unix.IXON) != 0 || tio.Oflag&unix.OPOST != 0 {
		t.Errorf("not raw: iflag %#x oflag %#x lflag %#x", tio.Iflag, tio.Oflag, tio.Lflag)
	}

	// Hanging up ends the input: status 2, so that a service manager
	// restarts travelscan when a USB serial device goes.
	master.Close()
	select {
	case code := <-done:
		if code != exitUsage || !strings.Contains(stderr.String(), slave) {
			t.Errorf("after hang-up: exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("travelscan did not stop after the terminal hung up")
	}
}

// A device that is not a terminal (here a file) is read as it is.
func TestDeviceNotATerminal(t *testing.T) {
	f, args := trustFiles(t)
	path := t.TempDir() + "/capture.txt"
	if err := os.WriteFile(path, []byte(f.Credentials[0].Text+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, lines, stderr := runWith(t, append(args, "--device", path), "")
	if code != exitValid || len(lines) != 1 || !strings.Contains(stderr, "not a terminal") {
		t.Errorf("exit %d %q, stderr %q", code, lines, stderr)
	}
	if code, _, stderr := runWith(t, append(args, "--device", path, "--baud", "1234"), ""); code != exitUsage || !strings.Contains(stderr, "not a supported speed") {
		t.Errorf("--baud 1234: exit %d, stderr %q", code, stderr)
	}
}
