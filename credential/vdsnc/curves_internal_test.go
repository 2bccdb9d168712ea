package vdsnc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
)

// genericP256 is P-256 written as a Weierstrass curve with a = p - 3, so
// the generic arithmetic can be compared with crypto/elliptic's.
func genericP256() *Weierstrass {
	p := elliptic.P256().Params()
	params := *p
	params.Name = "generic P-256"
	return &Weierstrass{params: &params, a: new(big.Int).Sub(p.P, big.NewInt(3))}
}

// TestWeierstrassMatchesP256 checks the generic arithmetic against
// crypto/elliptic on P-256, scalars of every shape included.
func TestWeierstrassMatchesP256(t *testing.T) {
	g, ref := genericP256(), elliptic.P256()
	n := ref.Params().N
	scalars := [][]byte{{1}, {2}, {3}, new(big.Int).Sub(n, big.NewInt(1)).Bytes(), n.Bytes(), new(big.Int).Add(n, big.NewInt(5)).Bytes(), {0}}
	for i := 0; i < 8; i++ {
		k := make([]byte, 32)
		rand.Read(k)
		scalars = append(scalars, k)
	}
	px, py := ref.ScalarBaseMult([]byte{7, 7, 7})
	for _, k := range scalars {
		x1, y1 := g.ScalarBaseMult(k)
		x2, y2 := ref.ScalarBaseMult(k)
		if x1.Cmp(x2) != 0 || y1.Cmp(y2) != 0 {
			t.Fatalf("ScalarBaseMult(%x) differs", k)
		}
		x1, y1 = g.ScalarMult(px, py, k)
		x2, y2 = ref.ScalarMult(px, py, k)
		if x1.Cmp(x2) != 0 || y1.Cmp(y2) != 0 {
			t.Fatalf("ScalarMult(%x) differs", k)
		}
		if x1.Sign() != 0 && !g.IsOnCurve(x1, y1) {
			t.Fatalf("k=%x: result off the curve", k)
		}
	}
	gx, gy := ref.Params().Gx, ref.Params().Gy
	for _, c := range []struct{ x1, y1, x2, y2 *big.Int }{
		{gx, gy, px, py}, // distinct points
		{gx, gy, gx, gy}, // doubling through Add
		{gx, gy, gx, new(big.Int).Sub(ref.Params().P, gy)}, // P + (-P)
		{new(big.Int), new(big.Int), gx, gy},               // infinity + P
	} {
		x1, y1 := g.Add(c.x1, c.y1, c.x2, c.y2)
		x2, y2 := ref.Add(c.x1, c.y1, c.x2, c.y2)
		if x1.Cmp(x2) != 0 || y1.Cmp(y2) != 0 {
			t.Fatalf("Add differs: (%x, %x) vs (%x, %x)", x1, y1, x2, y2)
		}
	}
	x1, y1 := g.Double(px, py)
	x2, y2 := ref.Double(px, py)
	if x1.Cmp(x2) != 0 || y1.Cmp(y2) != 0 {
		t.Fatal("Double differs")
	}
	if g.IsOnCurve(gx, new(big.Int).Add(gy, big.NewInt(1))) || g.IsOnCurve(new(big.Int).Neg(gx), gy) {
		t.Fatal("IsOnCurve accepts points off the curve")
	}
}

// TestBrainpoolCurves checks each Brainpool curve's constants (generator
// on the curve, of order n) and an ECDSA round trip through crypto/ecdsa's
// custom-curve path.
func TestBrainpoolCurves(t *testing.T) {
	for _, kc := range knownCurves {
		w, ok := kc.curve.(*Weierstrass)
		if !ok {
			continue
		}
		p := w.Params()
		t.Run(p.Name, func(t *testing.T) {
			if !w.IsOnCurve(p.Gx, p.Gy) || !p.P.ProbablyPrime(20) || !p.N.ProbablyPrime(20) || p.P.BitLen() != p.BitSize {
				t.Fatal("bad domain parameters")
			}
			if x, y := w.ScalarBaseMult(p.N.Bytes()); x.Sign() != 0 || y.Sign() != 0 {
				t.Fatal("nG is not the point at infinity")
			}
			x, y := w.ScalarBaseMult(new(big.Int).Sub(p.N, big.NewInt(1)).Bytes())
			if x.Cmp(p.Gx) != 0 || new(big.Int).Add(y, p.Gy).Cmp(p.P) != 0 {
				t.Fatal("(n-1)G is not -G")
			}
			// Compressed generator round trip.
			size := (p.BitSize + 7) / 8
			comp := append([]byte{byte(2 + p.Gy.Bit(0))}, p.Gx.FillBytes(make([]byte, size))...)
			pub, err := kc.parsePoint(comp)
			if err != nil || pub.X.Cmp(p.Gx) != 0 || pub.Y.Cmp(p.Gy) != 0 {
				t.Fatalf("compressed G: %v", err)
			}
			if _, err := kc.parsePoint(append([]byte{4}, make([]byte, 2*size)...)); err == nil {
				t.Fatal("(0, 0) accepted as a key")
			}
			if testing.Short() {
				return
			}
			key, err := ecdsa.GenerateKey(w, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			d := sha256.Sum256([]byte("seal"))
			sig, err := ecdsa.SignASN1(rand.Reader, key, d[:])
			if err != nil {
				t.Fatal(err)
			}
			if !ecdsa.VerifyASN1(&key.PublicKey, d[:], sig) {
				t.Fatal("round trip fails")
			}
			d[0] ^= 1
			if ecdsa.VerifyASN1(&key.PublicKey, d[:], sig) {
				t.Fatal("a changed digest verifies")
			}
		})
	}
}
