package vdsnc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"math/big"
)

// knownCurve is an elliptic curve a CSCA key may use.
type knownCurve struct {
	oid   asn1.ObjectIdentifier
	curve elliptic.Curve
	a     *big.Int // the coefficient a; P - 3 for the NIST curves
}

// knownCurves lists the curves ParseCSCA recognises, by OID or by their
// explicit parameters. The NIST curves are crypto/elliptic's; the
// Brainpool curves (RFC 5639) are this package's Weierstrass
// implementation.
var knownCurves = func() []*knownCurve {
	nist := func(oid asn1.ObjectIdentifier, c elliptic.Curve) *knownCurve {
		return &knownCurve{oid: oid, curve: c, a: new(big.Int).Sub(c.Params().P, big.NewInt(3))}
	}
	bp := func(arc int, name string, bits int, p, a, b, gx, gy, n string) *knownCurve {
		c := &Weierstrass{
			params: &elliptic.CurveParams{Name: name, BitSize: bits, P: hexInt(p), N: hexInt(n), B: hexInt(b), Gx: hexInt(gx), Gy: hexInt(gy)},
			a:      hexInt(a),
		}
		return &knownCurve{oid: asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, arc}, curve: c, a: c.a}
	}
	return []*knownCurve{
		nist(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, elliptic.P256()),
		nist(asn1.ObjectIdentifier{1, 3, 132, 0, 34}, elliptic.P384()),
		nist(asn1.ObjectIdentifier{1, 3, 132, 0, 35}, elliptic.P521()),
		bp(5, "brainpoolP224r1", 224,
			"d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff",
			"68a5e62ca9ce6c1c299803a6c1530b514e182ad8b0042a59cad29f43",
			"2580f63ccfe44138870713b1a92369e33e2135d266dbb372386c400b",
			"0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d",
			"58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd",
			"d7c134aa264366862a18302575d0fb98d116bc4b6ddebca3a5a7939f"),
		bp(7, "brainpoolP256r1", 256,
			"a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
			"7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
			"26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
			"8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262",
			"547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
			"a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7"),
		bp(9, "brainpoolP320r1", 320,
			"d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27",
			"3ee30b568fbab0f883ccebd46d3f3bb8a2a73513f5eb79da66190eb085ffa9f492f375a97d860eb4",
			"520883949dfdbc42d3ad198640688a6fe13f41349554b49acc31dccd884539816f5eb4ac8fb1f1a6",
			"43bd7e9afb53d8b85289bcc48ee5bfe6f20137d10a087eb6e7871e2a10a599c710af8d0d39e20611",
			"14fdd05545ec1cc8ab4093247f77275e0743ffed117182eaa9c77877aaac6ac7d35245d1692e8ee1",
			"d35e472036bc4fb7e13c785ed201e065f98fcfa5b68f12a32d482ec7ee8658e98691555b44c59311"),
		bp(11, "brainpoolP384r1", 384,
			"8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
			"7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826",
			"04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11",
			"1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e",
			"8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
			"8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565"),
		bp(13, "brainpoolP512r1", 512,
			"aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
			"7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
			"3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
			"81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
			"7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
			"aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069"),
	}
}()

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("vdsnc: bad curve constant " + s)
	}
	return n
}

func curveByOID(oid asn1.ObjectIdentifier) *knownCurve {
	for _, c := range knownCurves {
		if c.oid.Equal(oid) {
			return c
		}
	}
	return nil
}

// parsePoint decodes an uncompressed (04) or compressed (02, 03) SEC 1
// point on c and returns it as a public key, refusing points off the curve
// and the point at infinity.
func (c *knownCurve) parsePoint(data []byte) (*ecdsa.PublicKey, error) {
	params := c.curve.Params()
	size := (params.BitSize + 7) / 8
	if _, generic := c.curve.(*Weierstrass); !generic {
		if len(data) == 1+size && (data[0] == 2 || data[0] == 3) {
			x, y := elliptic.UnmarshalCompressed(c.curve, data)
			if x == nil {
				return nil, errors.New("invalid compressed EC point")
			}
			data = make([]byte, 1+2*size)
			data[0] = 4
			x.FillBytes(data[1 : 1+size])
			y.FillBytes(data[1+size:])
		}
		return ecdsa.ParseUncompressedPublicKey(c.curve, data)
	}
	var x, y *big.Int
	switch {
	case len(data) == 1+2*size && data[0] == 4:
		x = new(big.Int).SetBytes(data[1 : 1+size])
		y = new(big.Int).SetBytes(data[1+size:])
	case len(data) == 1+size && (data[0] == 2 || data[0] == 3):
		x = new(big.Int).SetBytes(data[1:])
		y = c.curve.(*Weierstrass).y(x, data[0] == 3)
		if y == nil {
			return nil, errors.New("invalid compressed EC point")
		}
	default:
		return nil, errors.New("invalid EC point encoding")
	}
	if !c.curve.IsOnCurve(x, y) {
		return nil, errors.New("EC point is not on the curve")
	}
	return &ecdsa.PublicKey{Curve: c.curve, X: x, Y: y}, nil
}

// Weierstrass is a short Weierstrass curve y² = x³ + ax + b over a prime
// field with any a, implementing elliptic.Curve with math/big so that
// crypto/ecdsa can verify signatures on curves it does not know (the
// Brainpool curves of passport CSCAs). It is variable time and meant for
// public-key operations only: verifying, never signing.
type Weierstrass struct {
	params *elliptic.CurveParams
	a      *big.Int
}

// Params returns the curve's parameters. Note that elliptic.CurveParams has
// no a; A returns it.
func (c *Weierstrass) Params() *elliptic.CurveParams { return c.params }

// A returns the coefficient a.
func (c *Weierstrass) A() *big.Int { return new(big.Int).Set(c.a) }

// IsOnCurve reports whether (x, y) is a point of the curve.
func (c *Weierstrass) IsOnCurve(x, y *big.Int) bool {
	p := c.params.P
	if x.Sign() < 0 || x.Cmp(p) >= 0 || y.Sign() < 0 || y.Cmp(p) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, p)
	return lhs.Cmp(c.rhs(x)) == 0
}

// rhs returns x³ + ax + b mod p.
func (c *Weierstrass) rhs(x *big.Int) *big.Int {
	p := c.params.P
	r := new(big.Int).Mul(x, x)
	r.Add(r, c.a)
	r.Mul(r, x)
	r.Add(r, c.params.B)
	return r.Mod(r, p)
}

// y returns the y with the given parity for x, or nil if x is not the
// abscissa of a point.
func (c *Weierstrass) y(x *big.Int, odd bool) *big.Int {
	if x.Cmp(c.params.P) >= 0 {
		return nil
	}
	y := new(big.Int).ModSqrt(c.rhs(x), c.params.P)
	if y == nil {
		return nil
	}
	if (y.Bit(0) == 1) != odd {
		y.Sub(c.params.P, y)
	}
	return y
}

// jacobian is a point (X/Z², Y/Z³); Z = 0 is the point at infinity.
type jacobian struct{ x, y, z *big.Int }

func (c *Weierstrass) fromAffine(x, y *big.Int) jacobian {
	if x.Sign() == 0 && y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	return jacobian{new(big.Int).Set(x), new(big.Int).Set(y), big.NewInt(1)}
}

func (c *Weierstrass) toAffine(q jacobian) (*big.Int, *big.Int) {
	if q.z.Sign() == 0 {
		return new(big.Int), new(big.Int)
	}
	p := c.params.P
	zinv := new(big.Int).ModInverse(q.z, p)
	zinv2 := new(big.Int).Mul(zinv, zinv)
	x := new(big.Int).Mul(q.x, zinv2)
	x.Mod(x, p)
	zinv2.Mul(zinv2, zinv)
	y := new(big.Int).Mul(q.y, zinv2)
	y.Mod(y, p)
	return x, y
}

// double is dbl-2007-bl for any a.
func (c *Weierstrass) double(q jacobian) jacobian {
	p := c.params.P
	if q.z.Sign() == 0 || q.y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	xx := mod(new(big.Int).Mul(q.x, q.x))
	yy := mod(new(big.Int).Mul(q.y, q.y))
	yyyy := mod(new(big.Int).Mul(yy, yy))
	zz := mod(new(big.Int).Mul(q.z, q.z))
	s := new(big.Int).Add(q.x, yy)
	s.Mul(s, s)
	s.Sub(s, xx)
	s.Sub(s, yyyy)
	s.Lsh(s, 1)
	mod(s)
	m := new(big.Int).Mul(zz, zz)
	m.Mul(m, c.a)
	m.Add(m, new(big.Int).Mul(xx, big.NewInt(3)))
	mod(m)
	t := new(big.Int).Mul(m, m)
	t.Sub(t, new(big.Int).Lsh(s, 1))
	mod(t)
	y3 := new(big.Int).Sub(s, t)
	y3.Mul(y3, m)
	y3.Sub(y3, new(big.Int).Lsh(yyyy, 3))
	mod(y3)
	z3 := new(big.Int).Add(q.y, q.z)
	z3.Mul(z3, z3)
	z3.Sub(z3, yy)
	z3.Sub(z3, zz)
	mod(z3)
	return jacobian{t, y3, z3}
}

// add is add-2007-bl.
func (c *Weierstrass) add(q1, q2 jacobian) jacobian {
	if q1.z.Sign() == 0 {
		return q2
	}
	if q2.z.Sign() == 0 {
		return q1
	}
	p := c.params.P
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	z1z1 := mod(new(big.Int).Mul(q1.z, q1.z))
	z2z2 := mod(new(big.Int).Mul(q2.z, q2.z))
	u1 := mod(new(big.Int).Mul(q1.x, z2z2))
	u2 := mod(new(big.Int).Mul(q2.x, z1z1))
	s1 := new(big.Int).Mul(q1.y, q2.z)
	s1.Mul(s1, z2z2)
	mod(s1)
	s2 := new(big.Int).Mul(q2.y, q1.z)
	s2.Mul(s2, z1z1)
	mod(s2)
	h := mod(new(big.Int).Sub(u2, u1))
	r := new(big.Int).Sub(s2, s1)
	r.Lsh(r, 1)
	mod(r)
	if h.Sign() == 0 {
		if r.Sign() == 0 {
			return c.double(q1)
		}
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	i := new(big.Int).Lsh(h, 1)
	i.Mul(i, i)
	mod(i)
	j := mod(new(big.Int).Mul(h, i))
	v := mod(new(big.Int).Mul(u1, i))
	x3 := new(big.Int).Mul(r, r)
	x3.Sub(x3, j)
	x3.Sub(x3, new(big.Int).Lsh(v, 1))
	mod(x3)
	y3 := new(big.Int).Sub(v, x3)
	y3.Mul(y3, r)
	y3.Sub(y3, new(big.Int).Lsh(new(big.Int).Mul(s1, j), 1))
	mod(y3)
	z3 := new(big.Int).Add(q1.z, q2.z)
	z3.Mul(z3, z3)
	z3.Sub(z3, z1z1)
	z3.Sub(z3, z2z2)
	z3.Mul(z3, h)
	mod(z3)
	return jacobian{x3, y3, z3}
}

// Add returns the sum of two affine points ((0, 0) is the point at
// infinity, as in crypto/elliptic).
func (c *Weierstrass) Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	return c.toAffine(c.add(c.fromAffine(x1, y1), c.fromAffine(x2, y2)))
}

// Double returns 2(x, y).
func (c *Weierstrass) Double(x1, y1 *big.Int) (*big.Int, *big.Int) {
	return c.toAffine(c.double(c.fromAffine(x1, y1)))
}

// ScalarMult returns k(x, y), k a big-endian integer.
func (c *Weierstrass) ScalarMult(x1, y1 *big.Int, k []byte) (*big.Int, *big.Int) {
	base := c.fromAffine(x1, y1)
	acc := jacobian{new(big.Int), new(big.Int), new(big.Int)}
	for _, b := range k {
		for bit := 7; bit >= 0; bit-- {
			acc = c.double(acc)
			if b>>uint(bit)&1 == 1 {
				acc = c.add(acc, base)
			}
		}
	}
	return c.toAffine(acc)
}

// ScalarBaseMult returns kG.
func (c *Weierstrass) ScalarBaseMult(k []byte) (*big.Int, *big.Int) {
	return c.ScalarMult(c.params.Gx, c.params.Gy, k)
}
