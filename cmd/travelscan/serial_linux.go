package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// bauds maps the supported --baud values to termios speeds.
var bauds = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600,
	115200: unix.B115200, 230400: unix.B230400, 460800: unix.B460800, 921600: unix.B921600,
}

// checkBaud refuses a --baud value that termios cannot set.
func checkBaud(baud int) error {
	if _, ok := bauds[baud]; !ok && baud != 0 {
		return fmt.Errorf("--baud %d is not a supported speed (9600, 19200, 38400, 57600, 115200, …)", baud)
	}
	return nil
}

// openDevice opens a serial device for reading and reports whether it is
// a terminal. When baud is not zero and it is one, it is set to raw mode,
// 8 data bits, no parity, one stop bit, no flow control, at baud. A device
// that is not a terminal (a FIFO, a file) is read as it is.
func openDevice(path string, baud int, stderr io.Writer) (f *os.File, tty bool, err error) {
	f, err = os.OpenFile(path, os.O_RDONLY|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, false, err
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		if baud != 0 {
			fmt.Fprintf(stderr, "travelscan: %s is not a terminal: port settings left alone\n", path)
		}
		return f, false, nil
	}
	if baud == 0 {
		return f, true, nil
	}
	if err := configureSerial(f, baud); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("%s: setting the port to %d 8N1: %w", path, baud, err)
	}
	return f, true, nil
}

// configureSerial sets a terminal to raw 8N1 at baud, as
// `stty -F DEV BAUD cs8 -cstopb -parenb raw -crtscts clocal` does, with
// reads returning as soon as one byte is there.
func configureSerial(f *os.File, baud int) error {
	speed, ok := bauds[baud]
	if !ok {
		return fmt.Errorf("unsupported speed %d", baud)
	}
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL |
		unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
