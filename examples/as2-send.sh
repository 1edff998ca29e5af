#!/usr/bin/env bash
# Sends a file to the gateway over AS2 as a partner would, with nothing but openssl and curl:
# signed (SHA-256), encrypted (AES-256-CBC) for our certificate, a signed synchronous MDN asked for.
#
#   examples/as2-send.sh FILE [URL]
#
# URL defaults to http://127.0.0.1:4080/as2. The partner's side comes from the environment:
#   AS2_FROM (ACME-AS2), AS2_TO (OURCOMPANY-AS2), PARTNER_KEY (certs/acme/as2.key),
#   PARTNER_CERT (certs/acme/as2.pem), OUR_CERT (certs/our/as2.pem).
# Prints the MDN's disposition and exits 0 when it says "processed".
set -euo pipefail

file=${1:?usage: examples/as2-send.sh FILE [URL]}
url=${2:-http://127.0.0.1:4080/as2}
from=${AS2_FROM:-ACME-AS2} to=${AS2_TO:-OURCOMPANY-AS2}
key=${PARTNER_KEY:-certs/acme/as2.key} cert=${PARTNER_CERT:-certs/acme/as2.pem} ours=${OUR_CERT:-certs/our/as2.pem}
for f in "$file" "$key" "$cert" "$ours"; do [ -r "$f" ] || { echo "as2-send: cannot read $f" >&2; exit 66; }; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case "$(head -c 3 "$file")" in UNA | UNB) type=application/edifact ;; *) type=application/edi-x12 ;; esac

# The payload as a MIME entity: headers end in CRLF, the body is the file's bytes as they are.
{
  printf 'Content-Type: %s\r\nContent-Transfer-Encoding: binary\r\n' "$type"
  printf 'Content-Disposition: attachment; filename="%s"\r\n\r\n' "$(basename "$file")"
  cat "$file"
} >"$work/entity"
openssl cms -sign -binary -md sha256 -crlfeol -in "$work/entity" -signer "$cert" -inkey "$key" -outform SMIME -out "$work/signed"
openssl cms -encrypt -binary -aes256 -in "$work/signed" -recip "$ours" -outform DER -out "$work/body"

id="<$(date +%s).$$.$RANDOM@$(hostname)>"
status=$(curl -sS --http1.1 -o "$work/mdn" -w '%{http_code}' -X POST --data-binary @"$work/body" \
  -H 'AS2-Version: 1.2' -H "AS2-From: $from" -H "AS2-To: $to" -H "Message-ID: $id" \
  -H 'MIME-Version: 1.0' -H 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"' \
  -H "Disposition-Notification-To: $from" \
  -H 'Disposition-Notification-Options: signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256' \
  -H 'Expect:' "$url")
disposition=$(tr -d '\r' <"$work/mdn" | sed -n 's/^Disposition: *//Ip' | head -n 1)
echo "message-id:  $id"
echo "http status: $status"
echo "disposition: ${disposition:-none (no MDN in the answer)}"
case "$disposition" in *processed) ;; *) exit 1 ;; esac
