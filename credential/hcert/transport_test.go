package hcert_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/base45"
)

func TestPrefix(t *testing.T) {
	valid := validText(t)
	tests := []struct {
		name   string
		text   string
		reason credential.Reason // "" means success
		detail []string
	}{
		{"valid", valid, "", nil},
		{"HC2", "HC2:" + valid[4:], credential.ReasonBadPrefix, []string{`"HC2:"`, "not supported"}},
		{"HC9", "HC9:ABC", credential.ReasonBadPrefix, []string{`"HC9:"`, "version"}},
		{"HCA", "HCA:ABC", credential.ReasonBadPrefix, []string{`"HCA:"`, "version"}},
		{"HC1 alone", "HC1:", credential.ReasonBadBase45, []string{"no data"}},
		{"empty", "", credential.ReasonBadPrefix, nil},
		{"lower-case prefix", "hc1:" + valid[4:], credential.ReasonBadPrefix, []string{"HC1:"}},
		{"no colon", "HC1" + valid[4:], credential.ReasonBadPrefix, nil},
		{"HC0 is no version", "HC0:ABC", credential.ReasonBadPrefix, []string{"does not start"}},
		{"NZCP", "NZCP:/1/2KCEVIQEIVVWK6JNGEASNICZAEP2KALYDZSGSZB2O5SWEOTOPJRXALTDN53GSZBRHEXGQZLBNR2GQLTOPICRU", credential.ReasonBadPrefix, nil},
		{"leading space", " " + valid, credential.ReasonBadPrefix, nil},
		{"lower-case base45", "HC1:" + strings.ToLower(valid[4:]), credential.ReasonBadBase45, nil},
		{"one lower-case letter", "HC1:" + strings.Replace(valid[4:], firstLetter(valid[4:]), strings.ToLower(firstLetter(valid[4:])), 1), credential.ReasonBadBase45, nil},
		{"base45 length 3n+1", valid + strings.Repeat("0", (4-len(valid[4:])%3)%3), credential.ReasonBadBase45, nil},
		{"base45 group over 65535", "HC1:::::::", credential.ReasonBadBase45, nil},
		{"base45 final pair over 255", "HC1:::", credential.ReasonBadBase45, nil},
		{"character outside alphabet", "HC1:AB#", credential.ReasonBadBase45, nil},
		{"trailing newline", valid + "\n", credential.ReasonBadBase45, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := hcert.Decode(tt.text)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			if m != nil {
				t.Errorf("Decode returned a message with an error")
			}
			wantReason(t, err, tt.reason)
			wantDetail(t, err, tt.detail...)
		})
	}
}

func firstLetter(s string) string {
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			return string(c)
		}
	}
	return "A"
}

func TestUnprefix(t *testing.T) {
	rest, err := hcert.Unprefix("HC1:ABC")
	if err != nil || rest != "ABC" {
		t.Errorf("Unprefix(HC1:ABC) = (%q, %v), want (ABC, nil)", rest, err)
	}
	// A long unknown prefix is shortened in the message.
	_, err = hcert.Unprefix("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
	wantReason(t, err, credential.ReasonBadPrefix)
	if strings.Contains(err.Error(), "XXXXXXXXXXXX") {
		t.Errorf("error repeats the whole input: %v", err)
	}
}

func TestAppendBase45(t *testing.T) {
	got, err := hcert.AppendBase45([]byte("x"), "BB8")
	if err != nil || string(got) != "xAB" {
		t.Errorf("AppendBase45(x, BB8) = (%q, %v), want (xAB, nil)", got, err)
	}
	_, err = hcert.AppendBase45(nil, "")
	wantReason(t, err, credential.ReasonBadBase45)
	_, err = hcert.AppendBase45(nil, "bb8")
	wantReason(t, err, credential.ReasonBadBase45)
}

// deflate returns raw DEFLATE data without the zlib wrapper.
func deflate(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func zlibDict(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevelDict(&buf, zlib.BestCompression, []byte("dictionary"))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func TestCompression(t *testing.T) {
	msg, err := hcert.Sign(nil, ecKeyOnce(), hcert.ES256, testKID, samplePayload(t))
	if err != nil {
		t.Fatal(err)
	}
	z := hcert.Compress(msg)
	flipped := bytes.Clone(z)
	flipped[len(flipped)-1] ^= 0xff // breaks the Adler-32 checksum
	badCM := bytes.Clone(z)
	badCM[0] = 0x79 // compression method 9
	tests := []struct {
		name   string
		in     []byte
		reason credential.Reason // "" means success
		detail []string
	}{
		{"zlib", z, "", nil},
		{"zlib default level", zlibDefault(msg), "", nil},
		{"raw deflate, no zlib header", deflate(t, msg), credential.ReasonBadCompression, []string{"zlib header"}},
		{"uncompressed COSE", msg, credential.ReasonBadCompression, []string{"zlib header"}},
		{"empty", nil, credential.ReasonBadCompression, nil},
		{"one byte", []byte{0x78}, credential.ReasonBadCompression, nil},
		{"header check bits wrong", append([]byte{0x78, 0xdb}, z[2:]...), credential.ReasonBadCompression, nil},
		{"compression method not deflate", badCM, credential.ReasonBadCompression, nil},
		{"preset dictionary", zlibDict(t, msg), credential.ReasonBadCompression, nil},
		{"header only", z[:2], credential.ReasonBadCompression, []string{"truncated"}},
		{"truncated in the middle", z[:len(z)/2], credential.ReasonBadCompression, []string{"truncated"}},
		{"checksum missing", z[:len(z)-4], credential.ReasonBadCompression, nil},
		{"checksum cut short", z[:len(z)-1], credential.ReasonBadCompression, nil},
		{"checksum wrong", flipped, credential.ReasonBadCompression, nil},
		{"trailing bytes", append(bytes.Clone(z), 0x00, 0x00), credential.ReasonBadCompression, []string{"2 bytes follow"}},
		{"second stream appended", append(bytes.Clone(z), z...), credential.ReasonBadCompression, []string{"follow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := hcert.AppendInflate([]byte("keep"), tt.in, 0)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("AppendInflate: %v", err)
				}
				if !bytes.Equal(out, append([]byte("keep"), msg...)) {
					t.Errorf("AppendInflate did not append the COSE message to dst")
				}
			} else {
				wantReason(t, err, tt.reason)
				wantDetail(t, err, tt.detail...)
				if string(out) != "keep" {
					t.Errorf("on error dst = %q, want it unchanged", out)
				}
			}
			if len(tt.in) == 0 {
				return // "HC1:" alone is a Base45 error
			}
			// The same through Decode.
			_, err = hcert.Decode(hc1(tt.in))
			if tt.reason == "" {
				if err != nil {
					t.Errorf("Decode: %v", err)
				}
			} else {
				wantReason(t, err, tt.reason)
			}
		})
	}
}

func zlibDefault(data []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// The pooled inflaters must not leak state between calls, successful or not.
func TestInflateReuse(t *testing.T) {
	a := bytes.Repeat([]byte("a"), 1000)
	b := bytes.Repeat([]byte("bc"), 700)
	za, zb := hcert.Compress(a), hcert.Compress(b)
	for i := 0; i < 20; i++ {
		if _, err := hcert.AppendInflate(nil, za[:len(za)/2], 0); err == nil {
			t.Fatal("truncated stream accepted")
		}
		if _, err := hcert.AppendInflate(nil, za, 10); err == nil {
			t.Fatal("over-limit stream accepted")
		}
		got, err := hcert.AppendInflate(nil, zb, 0)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round %d: AppendInflate = (%d bytes, %v)", i, len(got), err)
		}
		got, err = hcert.AppendInflate(nil, za, 0)
		if err != nil || !bytes.Equal(got, a) {
			t.Fatalf("round %d: AppendInflate = (%d bytes, %v)", i, len(got), err)
		}
	}
}

func TestInflateLimit(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		max    int
		reason credential.Reason
	}{
		{"just under the cap", 999, 1000, ""},
		{"at the cap", 1000, 1000, ""},
		{"one over the cap", 1001, 1000, credential.ReasonTooLarge},
		{"far over the cap", 1 << 20, 1000, credential.ReasonTooLarge},
		{"default cap, at 64 KiB", hcert.MaxInflated, 0, ""},
		{"default cap, one over 64 KiB", hcert.MaxInflated + 1, 0, credential.ReasonTooLarge},
		{"negative max means default", hcert.MaxInflated + 1, -1, credential.ReasonTooLarge},
		{"a max above the default does not raise it", hcert.MaxInflated + 1, 1 << 20, credential.ReasonTooLarge},
		{"zip bomb", 16 << 20, 0, credential.ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := bytes.Repeat([]byte{'x'}, tt.size)
			out, err := hcert.AppendInflate(nil, hcert.Compress(data), tt.max)
			if tt.reason != "" {
				wantReason(t, err, tt.reason)
				if len(out) != 0 {
					t.Errorf("on error returned %d bytes", len(out))
				}
				return
			}
			if err != nil {
				t.Fatalf("AppendInflate: %v", err)
			}
			if len(out) != tt.size {
				t.Errorf("got %d bytes, want %d", len(out), tt.size)
			}
		})
	}
	if hcert.MaxInflated != 64<<10 {
		t.Errorf("MaxInflated = %d, want 64 KiB", hcert.MaxInflated)
	}
}

func TestDecoderMaxInflated(t *testing.T) {
	msg, err := hcert.Sign(nil, ecKeyOnce(), hcert.ES256, testKID, samplePayload(t))
	if err != nil {
		t.Fatal(err)
	}
	text := hcert.Encode(msg)
	tests := []struct {
		max    int
		reason credential.Reason
	}{
		{0, ""},
		{len(msg) + 1, ""},
		{len(msg), ""},
		{len(msg) - 1, credential.ReasonTooLarge},
		{1, credential.ReasonTooLarge},
	}
	for _, tt := range tests {
		d := hcert.Decoder{MaxInflated: tt.max}
		m, err := d.Decode(text)
		if tt.reason == "" {
			if err != nil || m == nil {
				t.Errorf("MaxInflated %d (message %d bytes): %v", tt.max, len(msg), err)
			}
			continue
		}
		wantReason(t, err, tt.reason)
	}

	// A payload over the default cap is refused even by a Decoder that
	// asks for more.
	big := hcert.Encode(bytes.Repeat([]byte{0}, hcert.MaxInflated+1))
	for _, d := range []hcert.Decoder{{}, {MaxInflated: 1 << 20}} {
		_, err := d.Decode(big)
		wantReason(t, err, credential.ReasonTooLarge)
	}
}

func TestTextLimit(t *testing.T) {
	valid := validText(t)
	pad := func(n int) string {
		// "HC1:" followed by Base45 zeros up to n bytes in all.
		return "HC1:" + strings.Repeat("0", n-4)
	}
	tests := []struct {
		name   string
		dec    hcert.Decoder
		text   string
		reason credential.Reason
	}{
		{"one over 8 KiB", hcert.Decoder{}, pad(8<<10 + 1), credential.ReasonTooLarge},
		{"far over 8 KiB", hcert.Decoder{}, pad(1 << 20), credential.ReasonTooLarge},
		// Exactly 8 KiB passes the length check; 8188 Base45 characters
		// leave one over, so Base45 is what fails.
		{"exactly 8 KiB", hcert.Decoder{}, pad(8 << 10), credential.ReasonBadBase45},
		// 8187 characters decode to zeros: no zlib header.
		{"8 KiB minus one", hcert.Decoder{}, pad(8<<10 - 1), credential.ReasonBadCompression},
		{"a larger MaxTextLen does not raise the limit", hcert.Decoder{MaxTextLen: 1 << 20}, pad(8<<10 + 1), credential.ReasonTooLarge},
		{"lowered to the text's length", hcert.Decoder{MaxTextLen: len(valid)}, valid, ""},
		{"lowered one below the text's length", hcert.Decoder{MaxTextLen: len(valid) - 1}, valid, credential.ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.dec.Decode(tt.text)
			if tt.reason == "" {
				if err != nil || m == nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			wantReason(t, err, tt.reason)
		})
	}
	if hcert.MaxTextLen != 8<<10 {
		t.Errorf("MaxTextLen = %d, want 8 KiB", hcert.MaxTextLen)
	}
}

// DecodeInto with a reused buffer gives the same message as Decode.
func TestDecodeInto(t *testing.T) {
	texts := []string{validText(t)}
	ps, err := hcert.Sign(nil, rsaKeyOnce(), hcert.PS256, testKID, samplePayload(t))
	if err != nil {
		t.Fatal(err)
	}
	texts = append(texts, hcert.Encode(ps))
	var d hcert.Decoder
	var buf []byte
	for round := 0; round < 3; round++ {
		for _, text := range texts {
			want, err := hcert.Decode(text)
			if err != nil {
				t.Fatal(err)
			}
			var m hcert.Message
			buf, err = d.DecodeInto(&m, text, buf)
			if err != nil {
				t.Fatalf("DecodeInto: %v", err)
			}
			if m.Alg != want.Alg || !bytes.Equal(m.Payload, want.Payload) || !bytes.Equal(m.Signature, want.Signature) ||
				!bytes.Equal(m.Protected, want.Protected) || !bytes.Equal(m.KID, want.KID) {
				t.Fatalf("round %d: DecodeInto differs from Decode", round)
			}
		}
		// A failed decode in between does not spoil the buffer.
		var m hcert.Message
		if buf, err = d.DecodeInto(&m, "HC1:"+base45.EncodeToString([]byte{1, 2, 3}), buf); err == nil {
			t.Fatal("garbage accepted")
		}
	}
}

// DecodeInto returns "the grown buffer": a buffer passed back in is used
// again rather than replaced, so steady-state decoding does not allocate
// a new buffer per call.
func TestDecodeIntoReusesBuffer(t *testing.T) {
	text := validText(t)
	var d hcert.Decoder
	var m hcert.Message
	const size = 1 << 16
	buf, err := d.DecodeInto(&m, text, make([]byte, 0, size))
	if err != nil {
		t.Fatal(err)
	}
	if cap(buf) < size {
		t.Errorf("DecodeInto returned a buffer of capacity %d, smaller than the %d passed in", cap(buf), size)
	}
	if raceEnabled {
		t.Skip("allocation counts vary under the race detector (sync.Pool drops puts)")
	}
	fresh := testing.AllocsPerRun(50, func() {
		_, err = d.DecodeInto(&m, text, nil)
	})
	reused := testing.AllocsPerRun(50, func() {
		buf, err = d.DecodeInto(&m, text, buf)
	})
	if err != nil {
		t.Fatal(err)
	}
	if reused >= fresh {
		t.Errorf("DecodeInto with a reused buffer: %v allocations per call, no fewer than with none (%v)", reused, fresh)
	}
}
