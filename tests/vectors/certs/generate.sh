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

# TPM attestation identity key (AIK) certificates, one requirement broken in each variant
# (WebAuthn L3 §8.3.1), all issued by ec_root. Only the certificates matter, not their keys.
cat > "$tmp/aik.cnf" <<'CNF'
oid_section = oids
[req]
distinguished_name = dn
[dn]
[oids]
tpmManufacturer = 2.23.133.2.1
tpmModel = 2.23.133.2.2
tpmVersion = 2.23.133.2.3
[tpm_dn]
tpmManufacturer = id:FFFFF1D0
tpmModel = model
tpmVersion = id:00000001
[tpm_dn_no_model]
tpmManufacturer = id:FFFFF1D0
tpmVersion = id:00000001
[aik]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = 2.23.133.8.3
subjectAltName = critical,dirName:tpm_dn
[aik_aaguid]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = 2.23.133.8.3
subjectAltName = critical,dirName:tpm_dn
1.3.6.1.4.1.45724.1.1.4 = DER:04100102030405060708090a0b0c0d0e0f10
[aik_no_san]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = 2.23.133.8.3
[aik_san_no_model]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = 2.23.133.8.3
subjectAltName = critical,dirName:tpm_dn_no_model
[aik_no_eku]
basicConstraints = critical,CA:FALSE
subjectAltName = critical,dirName:tpm_dn
[aik_wrong_eku]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = critical,dirName:tpm_dn
[aik_ca]
basicConstraints = critical,CA:TRUE
extendedKeyUsage = 2.23.133.8.3
subjectAltName = critical,dirName:tpm_dn
CNF
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/aik.key"
openssl x509 -inform der -in ec_root.der -out "$tmp/ec_root.pem"
aik() { # name, subject, extensions section
  openssl req -new -x509 -key "$tmp/aik.key" -subj "$2" -CA "$tmp/ec_root.pem" -CAkey "$tmp/ec_root.key" \
    -days $days -config "$tmp/aik.cnf" -extensions "$3" -outform der -out "$1.der"
}
aik aik_ok / aik
aik aik_aaguid / aik_aaguid
aik aik_subject /CN=aik aik
aik aik_no_san / aik_no_san
aik aik_san_no_model / aik_san_no_model
aik aik_no_eku / aik_no_eku
aik aik_wrong_eku / aik_wrong_eku
aik aik_ca / aik_ca

# SafetyNet JWS signers: a test root, a leaf for attest.android.com and one for another host.
# Their private keys (PKCS#8 DER) are kept: the tests sign JWS with them.
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/sn_root.key"
root sn_root "SafetyNet test root" -sha256
printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:attest.android.com\n' > "$tmp/sn_leaf.cnf"
printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:attest.example.com\n' > "$tmp/sn_other_host.cnf"
for name in sn_leaf sn_other_host; do
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$name.key"
  openssl pkcs8 -topk8 -nocrypt -in "$tmp/$name.key" -outform der -out "$name.pk8"
done
openssl req -new -key "$tmp/sn_leaf.key" -subj "/CN=attest.android.com" -out "$tmp/sn_leaf.csr"
openssl x509 -req -in "$tmp/sn_leaf.csr" -CA sn_root.der -CAform DER -CAkey "$tmp/sn_root.key" -set_serial 1 -days $days -extfile "$tmp/sn_leaf.cnf" -outform der -out sn_leaf.der
openssl req -new -key "$tmp/sn_other_host.key" -subj "/CN=attest.example.com" -out "$tmp/sn_other_host.csr"
openssl x509 -req -in "$tmp/sn_other_host.csr" -CA sn_root.der -CAform DER -CAkey "$tmp/sn_root.key" -set_serial 2 -days $days -extfile "$tmp/sn_other_host.cnf" -outform der -out sn_other_host.der
# A version 1 certificate (no extensions at all).
openssl req -new -key "$tmp/aik.key" -subj "/CN=v1" -out "$tmp/aik_v1.csr"
openssl x509 -req -in "$tmp/aik_v1.csr" -CA "$tmp/ec_root.pem" -CAkey "$tmp/ec_root.key" -set_serial 3 -days $days -outform der -out aik_v1.der
