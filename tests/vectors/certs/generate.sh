#!/usr/bin/env bash
# Regenerates the certificates and signatures used by the unit tests of
# src/webauthn/certificate.rs (OpenSSL 3). Keys are random: rerunning changes every file.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
days=3650
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n' > "$tmp/inter.cnf"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' > "$tmp/leaf.cnf"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n' > "$tmp/nocertsign.cnf"

# self-signed root: key, name, digest
root() { openssl req -x509 -new -key "$tmp/$1.key" -subj "/CN=$2" -days $days $3 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -outform der -out "$1.der"; }
# issued: name, issuer, extfile, digest
issue() {
  openssl req -new -key "$tmp/$1.key" -subj "/CN=$1" -out "$tmp/$1.csr"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$2.der" -CAform DER -CAkey "$tmp/$2.key" -set_serial 0x$(openssl rand -hex 8) -days $days $4 -extfile "$tmp/$3.cnf" -outform der -out "$1.der"
}
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/ec_root.key"
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ec_inter.key"
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ec_leaf.key"
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ec_below_leaf.key"
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ec_no_certsign.key"
for name in ec_under_no_certsign ec_inter2 ec_leaf2; do
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$name.key"
done
openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa_root.key"
openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa_leaf.key"
openssl genpkey -quiet -algorithm ED25519 -out "$tmp/ed_root.key"
openssl genpkey -quiet -algorithm ED25519 -out "$tmp/ed_leaf.key"

root ec_root "EC root P-384" -sha384
issue ec_inter ec_root inter -sha384          # P-256 CA, pathlen 0, ecdsa-with-SHA384 by P-384
issue ec_leaf ec_inter leaf -sha256           # P-256 leaf, ecdsa-with-SHA256
issue ec_below_leaf ec_leaf leaf -sha256      # issued by a non-CA certificate
issue ec_no_certsign ec_root nocertsign -sha256 # a CA whose key usage lacks keyCertSign
issue ec_under_no_certsign ec_no_certsign leaf -sha256
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' > "$tmp/ca.cnf"
issue ec_inter2 ec_inter ca -sha256           # a CA below ec_inter, whose pathlen is 0
issue ec_leaf2 ec_inter2 leaf -sha256
root rsa_root "RSA root" -sha256
issue rsa_leaf rsa_root leaf -sha1            # sha1WithRSAEncryption
root ed_root "Ed25519 root" ""
issue ed_leaf ed_root leaf ""                 # Ed25519

openssl x509 -inform der -in ec_root.der -out ec_root.pem
printf 'authaz test data' > data.bin
openssl dgst -sha256 -sign "$tmp/ec_leaf.key" -out es256.sig data.bin
openssl dgst -sha384 -sign "$tmp/ec_root.key" -out es384.sig data.bin
openssl pkeyutl -sign -rawin -inkey "$tmp/ed_leaf.key" -in data.bin -out eddsa.sig
openssl dgst -sha256 -sign "$tmp/rsa_leaf.key" -out rs256.sig data.bin
openssl dgst -sha384 -sign "$tmp/rsa_leaf.key" -out rs384.sig data.bin
openssl dgst -sha512 -sign "$tmp/rsa_leaf.key" -out rs512.sig data.bin
openssl dgst -sha1 -sign "$tmp/rsa_leaf.key" -out rs1.sig data.bin
openssl dgst -sha256 -sign "$tmp/rsa_leaf.key" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 -out ps256.sig data.bin
