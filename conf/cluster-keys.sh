#!/bin/sh
# The key material of a cluster (README, "Cluster keys"), made with openssl:
#
#   cluster-keys.sh ca DIR             the cluster's own CA: DIR/ca.crt goes to every node;
#                                      DIR/ca.key signs nodes (keep it off the nodes)
#   cluster-keys.sh node DIR NAME IP   node NAME's certificate and key, signed by DIR's CA:
#                                      DIR/NAME.crt and DIR/NAME.key (mode 0600)
#
# Keys are EC P-256. The CA is valid for 10 years, a node's certificate for 825 days.
set -eu
umask 077

usage() {
  sed -n '2,9p' "$0" >&2
  exit 64
}

[ $# -ge 2 ] || usage
what=$1
dir=$2
mkdir -p "$dir"

case "$what" in
  ca)
    [ ! -e "$dir/ca.key" ] || { echo "$dir/ca.key exists: not replaced" >&2; exit 73; }
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 -subj "/CN=aria2-supervisor cluster CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      2>/dev/null
    chmod 600 "$dir/ca.key"
    chmod 644 "$dir/ca.crt"
    echo "$dir/ca.crt (give to every node) and $dir/ca.key (keep off the nodes)"
    ;;
  node)
    [ $# -eq 4 ] || usage
    name=$3
    ip=$4
    ext=$(mktemp)
    trap 'rm -f "$ext" "$dir/$name.csr"' EXIT
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth,clientAuth" \
      "subjectAltName=IP:$ip" >"$ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$name" 2>/dev/null
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
      -CAcreateserial -out "$dir/$name.crt" -days 825 -extfile "$ext" 2>/dev/null
    chmod 600 "$dir/$name.key"
    chmod 644 "$dir/$name.crt"
    echo "$dir/$name.crt and $dir/$name.key (0600) for node $name"
    ;;
  *) usage ;;
esac
