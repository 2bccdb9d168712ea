#!/bin/sh
# Regenerates the Brainpool test PKI with OpenSSL, an implementation
# independent of this package: a brainpoolP256r1 CSCA (C=AU) whose key is
# written with explicit curve parameters, the same CSCA with the named
# curve, a P-256 BSC it signed (VDS-NC EKU, critical; document type list
# NV) with its private key, and a CRL of the CSCA valid for ten years.
# Run from this directory; the files are committed, so tests do not need
# OpenSSL. The certificates start when the script runs (last: 2026-11-26)
# and the tests pin their clock at 2027-06-01 (testNow): after
# regenerating later, move testNow past the new notBefore.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl ecparam -name brainpoolP256r1 -param_enc explicit -genkey -noout -out "$tmp/ca.key"
cat > "$tmp/ca.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
C = AU
O = TEST
CN = Test Brainpool CSCA
[ca_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[bsc_ext]
authorityKeyIdentifier = keyid
extendedKeyUsage = critical,2.23.136.1.1.14.2
2.23.136.1.1.6.2 = DER:3009020100310413024E56
[ca]
default_ca = testca
[testca]
database = DB
crlnumber = CRLNUM
default_md = sha256
default_crl_days = 3650
CNF
sed -i "s#DB#$tmp/index.txt#; s#CRLNUM#$tmp/crlnumber#" "$tmp/ca.cnf"
: > "$tmp/index.txt"
echo 01 > "$tmp/crlnumber"

openssl req -x509 -new -key "$tmp/ca.key" -config "$tmp/ca.cnf" -extensions ca_ext \
	-sha256 -days 7300 -set_serial 0x1001 -out bp-csca-explicit.pem
openssl ec -in "$tmp/ca.key" -param_enc named_curve -out "$tmp/ca-named.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/ca-named.key" -config "$tmp/ca.cnf" -extensions ca_ext \
	-sha256 -days 7300 -set_serial 0x1002 -out bp-csca-named.pem

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/bsc.ec"
openssl pkcs8 -topk8 -nocrypt -in "$tmp/bsc.ec" -out bp-bsc.key
openssl req -new -key bp-bsc.key -subj "/C=AU/CN=Brainpool BSC" -out "$tmp/bsc.csr"
openssl x509 -req -in "$tmp/bsc.csr" -CA bp-csca-explicit.pem -CAkey "$tmp/ca.key" \
	-set_serial 0x2001 -days 3650 -sha256 -extfile "$tmp/ca.cnf" -extensions bsc_ext -out bp-bsc.pem

openssl ca -config "$tmp/ca.cnf" -gencrl -keyfile "$tmp/ca.key" -cert bp-csca-explicit.pem -out bp-crl.pem 2>/dev/null
