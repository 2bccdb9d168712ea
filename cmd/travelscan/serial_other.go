//go:build !linux

package main

import (
	"io"
	"os"
)

// openDevice opens a device for reading. Setting the port speed is only
// implemented on Linux; elsewhere set it with the system's tools, and the
// device is read as a file.
func openDevice(path string, baud int, stderr io.Writer) (*os.File, bool, error) {
	f, err := os.Open(path)
	return f, false, err
}

// checkBaud accepts any speed: it is not set here.
func checkBaud(int) error { return nil }
