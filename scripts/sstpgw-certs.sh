#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sstpgw-certs.sh - certificates for an sstpgw gateway and its clients, the
# way Azure point-to-site certificate authentication uses them: a root whose
# public certificate is uploaded to the gateway (.cer), client certificates
# with the Client Authentication EKU issued by that root (.pfx for Windows),
# and the gateway's TLS server certificate.
#
# Idempotent: a certificate whose .crt and .key already exist is kept, and
# only missing derived files (.cer, .pfx) are written.
set -euo pipefail

prog=${0##*/}
out_dir=${SSTPGW_CERT_DIR:-./certs}
days=""
pfx_pass=${SSTPGW_PFX_PASS:-sstpgw}
key_type=rsa

usage() {
	cat <<EOF
Usage: $prog [options] COMMAND [ARGS...]

Commands:
  root NAME                 self-signed root CA: NAME.key, NAME.crt (PEM),
                            NAME.cer (base64 DER, to upload to the gateway);
                            prints its thumbprint
  client ROOT CN            client certificate signed by ROOT for CN (e.g.
                            user@contoso.com): Client Authentication EKU,
                            SAN email + UPN; writes STEM.crt, STEM.key and
                            STEM.pfx (with the chain); prints the thumbprint
  server ROOT HOST [IP...]  TLS server certificate for HOST (SAN DNS:HOST and
                            IP:...): HOST.crt (leaf + chain), HOST.key
  thumbprint FILE           SHA-1 thumbprint of a certificate (PEM, DER or
                            base64 .cer), 40 upper-case hex digits as Windows
                            shows it
  lab DIR                   a whole lab PKI in DIR: root "sstpgw Lab Root CA",
                            server sstp.lab.test + 10.77.0.1, client
                            client1@contoso.com

Options:
  --dir DIR     output directory (env SSTPGW_CERT_DIR, default ./certs)
  --days N      validity in days (default: root 3650, client 365, server 825)
  --pass PASS   .pfx password (env SSTPGW_PFX_PASS, default "sstpgw")
  --key TYPE    rsa (RSA 2048, default, what every Windows version takes)
                or ec (ECDSA P-256)
  -h, --help    this text

ROOT is the NAME given to "root" (or its file stem) in the same directory.
File stems: characters other than letters, digits, '.', '_', '@' and '-'
become '-' ("sstpgw Lab Root CA" -> sstpgw-Lab-Root-CA).
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

note() {
	echo "$prog: $*" >&2
}

stem() {
	local s
	s=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._@-' '-')
	[ -n "$s" ] || die "empty name"
	printf '%s' "$s"
}

# Names go into an OpenSSL config file: refuse what it would interpret.
check_name() {
	case $1 in
	"" | *[!A-Za-z0-9\ @._+-]*)
		die "name \"$1\" may only contain letters, digits, space and @ . _ + -" ;;
	esac
}

check_days() {
	case $1 in
	"" | *[!0-9]* | 0) die "--days needs a positive number, not \"$1\"" ;;
	esac
}

# SHA-1 over the DER: the Windows certificate thumbprint.
thumbprint_pem() {
	openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g' |
		tr 'a-f' 'A-F'
}

new_key() {
	local key=$1
	(
		umask 077
		if [ "$key_type" = ec ]; then
			openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
				-out "$key"
		else
			openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
				-out "$key"
		fi
	) 2>/dev/null || die "cannot create key $key"
}

# A positive random serial (RFC 5280 4.1.2.2: up to 20 octets).
serial() {
	echo "0x7$(openssl rand -hex 15)"
}

# Base64 of the DER without armour, 64 characters a line: what the Azure
# portal takes as the root's "public certificate data".
write_cer() {
	openssl x509 -in "$1" -outform DER | openssl base64 -e -A | fold -w 64 >"$2"
	echo >>"$2"
}

# A config file of our own, so nothing from the system openssl.cnf is added.
write_cnf() {
	local file=$1 cn=$2 ext=$3
	printf '[req]\ndistinguished_name = dn\nprompt = no\nutf8 = yes\n' >"$file"
	printf 'string_mask = utf8only\n[dn]\nCN = %s\n[ext]\n%s\n' "$cn" "$ext" >>"$file"
}

root_paths() {
	local s
	s=$(stem "$1")
	root_crt=$out_dir/$s.crt
	root_key=$out_dir/$s.key
	if [ ! -f "$root_crt" ] || [ ! -f "$root_key" ]; then
		die "root \"$1\" not found ($root_crt, $root_key): run \"$prog root $1\" first"
	fi
}

cmd_root() {
	[ $# -eq 1 ] || die "usage: root NAME"
	local name=$1 s crt key cer tmp
	check_name "$name"
	s=$(stem "$name")
	crt=$out_dir/$s.crt key=$out_dir/$s.key cer=$out_dir/$s.cer
	if [ -f "$crt" ] && [ -f "$key" ]; then
		note "root $crt exists, kept"
	else
		tmp=$(mktemp)
		write_cnf "$tmp" "$name" "basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash"
		new_key "$key"
		openssl req -new -x509 -config "$tmp" -extensions ext -key "$key" \
			-sha256 -days "${days:-3650}" -set_serial "$(serial)" \
			-out "$crt" || { rm -f "$tmp" "$key"; die "cannot create $crt"; }
		rm -f "$tmp"
		note "root $crt created"
	fi
	write_cer "$crt" "$cer"
	echo "$(thumbprint_pem "$crt")  $cer"
}

# Issue STEM.crt/STEM.key for CN under the root with extensions ext.
issue() {
	local cn=$1 crt=$2 key=$3 ext=$4 days_=$5 tmp csr
	tmp=$(mktemp) csr=$(mktemp)
	write_cnf "$tmp" "$cn" "$ext"
	new_key "$key"
	if ! openssl req -new -config "$tmp" -key "$key" -out "$csr" ||
		! openssl x509 -req -in "$csr" -CA "$root_crt" -CAkey "$root_key" \
			-set_serial "$(serial)" -sha256 -days "$days_" \
			-extfile "$tmp" -extensions ext -out "$crt" 2>/dev/null; then
		rm -f "$tmp" "$csr" "$key" "$crt"
		die "cannot issue $crt"
	fi
	rm -f "$tmp" "$csr"
}

cmd_client() {
	[ $# -eq 2 ] || die "usage: client ROOT CN"
	local cn=$2 s crt key pfx san
	check_name "$cn"
	root_paths "$1"
	s=$(stem "$cn")
	crt=$out_dir/$s.crt key=$out_dir/$s.key pfx=$out_dir/$s.pfx
	san=""
	# user@domain: as e-mail and as the Windows UPN (MS "szOID_NT_PRINCIPAL_NAME").
	case $cn in
	*@*) san="subjectAltName = email:$cn, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:$cn" ;;
	esac
	if [ -f "$crt" ] && [ -f "$key" ]; then
		note "client $crt exists, kept"
	else
		issue "$cn" "$crt" "$key" "basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
$san" "${days:-365}"
		rm -f "$pfx"
		note "client $crt created"
	fi
	if [ ! -f "$pfx" ]; then
		# 3DES/SHA-1 PBE: the PKCS#12 every Windows version imports (the
		# OpenSSL 3 default, AES-256 + PBKDF2, fails before Windows 10 1709).
		SSTPGW_PFX_PASS_=$pfx_pass openssl pkcs12 -export -inkey "$key" \
			-in "$crt" -certfile "$root_crt" -name "$cn" \
			-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
			-passout env:SSTPGW_PFX_PASS_ -out "$pfx" ||
			die "cannot write $pfx"
		chmod 600 "$pfx"
	fi
	echo "$(thumbprint_pem "$crt")  $crt"
}

cmd_server() {
	[ $# -ge 2 ] || die "usage: server ROOT HOST [IP...]"
	local host=$2 s crt key san ip leaf
	root_paths "$1"
	shift 2
	case $host in
	"" | *[!A-Za-z0-9.-]*) die "host \"$host\" is not a DNS name" ;;
	esac
	san="DNS:$host"
	for ip in "$@"; do
		case $ip in
		*[!0-9a-fA-F.:]*) die "\"$ip\" is not an IP address" ;;
		esac
		san="$san, IP:$ip"
	done
	s=$(stem "$host")
	crt=$out_dir/$s.crt key=$out_dir/$s.key
	if [ -f "$crt" ] && [ -f "$key" ]; then
		note "server $crt exists, kept"
	else
		leaf=$(mktemp)
		issue "$host" "$leaf" "$key" "basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $san" "${days:-825}"
		# The leaf then its issuer, as the gateway sends it.
		cat "$leaf" "$root_crt" >"$crt"
		rm -f "$leaf"
		note "server $crt created"
	fi
	echo "$(thumbprint_pem "$crt")  $crt"
}

cmd_thumbprint() {
	[ $# -eq 1 ] || die "usage: thumbprint FILE"
	local f=$1 tmp first
	[ -r "$f" ] || die "cannot read $f"
	if grep -q -- '-----BEGIN' "$f"; then
		thumbprint_pem "$f"
		return
	fi
	tmp=$(mktemp)
	first=$(head -c 1 "$f" | od -An -tx1 | tr -d ' \n')
	if [ "$first" = 30 ]; then
		cp "$f" "$tmp"
	elif ! tr -d ' \t\r\n' <"$f" | openssl base64 -d -A >"$tmp" 2>/dev/null; then
		rm -f "$tmp"
		die "$f is not a certificate (PEM, DER or base64 DER)"
	fi
	openssl x509 -inform DER -in "$tmp" -noout -fingerprint -sha1 2>/dev/null |
		sed 's/^.*=//; s/://g' | tr 'a-f' 'A-F' | grep . ||
		{ rm -f "$tmp"; die "$f is not a certificate (PEM, DER or base64 DER)"; }
	rm -f "$tmp"
}

cmd_lab() {
	[ $# -eq 1 ] || die "usage: lab DIR"
	out_dir=$1
	mkdir -p "$out_dir"
	local root="sstpgw Lab Root CA" client=client1@contoso.com r sv c
	# One at a time, so that set -e stops at the first that fails.
	r=$(cmd_root "$root")
	sv=$(cmd_server "$root" sstp.lab.test 10.77.0.1)
	c=$(cmd_client "$root" "$client")
	printf 'root:   %s\nserver: %s\nclient: %s\n' "$r" "$sv" "$c"
	openssl verify -CAfile "$out_dir/$(stem "$root").crt" \
		"$out_dir/sstp.lab.test.crt" "$out_dir/$(stem "$client").crt" >&2
	note "upload $out_dir/$(stem "$root").cer to the gateway;" \
		"import $out_dir/$(stem "$client").pfx (password: as set) on the client"
}

main() {
	local args=()
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage; exit 0 ;;
		--dir) [ $# -ge 2 ] || die "--dir needs a value"; out_dir=$2; shift 2 ;;
		--dir=*) out_dir=${1#*=}; shift ;;
		--days) [ $# -ge 2 ] || die "--days needs a value"; days=$2; shift 2 ;;
		--days=*) days=${1#*=}; shift ;;
		--pass) [ $# -ge 2 ] || die "--pass needs a value"; pfx_pass=$2; shift 2 ;;
		--pass=*) pfx_pass=${1#*=}; shift ;;
		--key) [ $# -ge 2 ] || die "--key needs a value"; key_type=$2; shift 2 ;;
		--key=*) key_type=${1#*=}; shift ;;
		--) shift; args+=("$@"); break ;;
		-*) die "unknown option $1 (see --help)" ;;
		*) args+=("$1"); shift ;;
		esac
	done
	[ -z "$days" ] || check_days "$days"
	case $key_type in rsa | ec) ;; *) die "--key must be rsa or ec" ;; esac
	[ ${#args[@]} -gt 0 ] || { usage >&2; exit 2; }
	command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
	local cmd=${args[0]}
	args=("${args[@]:1}")
	case $cmd in
	root | client | server) mkdir -p "$out_dir" ;;
	esac
	case $cmd in
	root) cmd_root "${args[@]}" ;;
	client) cmd_client "${args[@]}" ;;
	server) cmd_server "${args[@]}" ;;
	thumbprint) cmd_thumbprint "${args[@]}" ;;
	lab) cmd_lab "${args[@]}" ;;
	*) die "unknown command \"$cmd\" (see --help)" ;;
	esac
}

main "$@"
