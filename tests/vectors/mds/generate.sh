#!/usr/bin/env bash
# Test certificates for the MDS3 BLOB checks (src/metadata/blob.rs, tests/e2e/metadata.test.mjs):
# a test "FIDO root" CA, the BLOB signer it issues, and another root that issued nothing here.
# P-256 throughout; valid 2026-11-25 .. 2036-11-23 like ../certs. The signer's private key is
# kept (signer.key, PKCS#8 PEM; signer.scalar, its 32 bytes in hex) so that tests sign BLOBs.
set -euo pipefail
cd "$(dirname "$0")"
days=3650
ca_ext=$(mktemp); leaf_ext=$(mktemp)
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' > "$ca_ext"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' > "$leaf_ext"
for name in root other_root; do
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$name.key"
  openssl req -new -x509 -key "$name.key" -subj "/O=Authaz Test/CN=Test MDS Root" -days "$days" -sha256 \
    -extensions v3 -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\n'; cat "$ca_ext") -out "$name.pem"
  openssl x509 -in "$name.pem" -outform DER -out "$name.der"
done
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out signer.key
openssl req -new -key signer.key -subj "/O=Authaz Test/CN=Test MDS BLOB Signer" -out signer.csr
openssl x509 -req -in signer.csr -CA root.pem -CAkey root.key -CAcreateserial -days "$days" -sha256 \
  -extfile "$leaf_ext" -out signer.pem
openssl x509 -in signer.pem -outform DER -out signer.der
openssl pkey -in signer.key -text -noout | awk '/priv:/{f=1;next}/pub:/{f=0}f' | tr -d ' :\n' | sed 's/^00//' > signer.scalar
rm -f signer.csr root.srl root.key other_root.key "$ca_ext" "$leaf_ext"
