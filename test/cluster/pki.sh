# Sourced by up.sh: a fresh CA and every certificate and kubeconfig of the cluster, like
# upstream's hack/local-up-cluster.sh does them. EC keys: they take milliseconds to make.
# shellcheck shell=bash

# ca NAME CN makes a self-signed CA NAME.crt/NAME.key.
ca() {
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -keyout "$PKI/$1.key" -out "$PKI/$1.crt" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# cert NAME CN ORG USAGE [SAN] [CA] signs NAME.crt/NAME.key with the cluster CA (or CA).
cert() {
  local name=$1 cn=$2 org=$3 usage=$4 san=${5:-} signer=${6:-ca} subj="/CN=$2"
  [ -n "$org" ] && subj="/O=$org/CN=$cn"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$signer.crt" -CAkey "$PKI/$signer.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

# kubeconfig NAME CERT writes $S/kubeconfigs/NAME.kubeconfig for a client certificate.
kubeconfig() {
  local f=$S/kubeconfigs/$1.kubeconfig k=("$BIN/kubectl" --kubeconfig "$S/kubeconfigs/$1.kubeconfig")
  rm -f "$f"
  "${k[@]}" config set-cluster podkit --server="https://127.0.0.1:$APISERVER_PORT" \
    --certificate-authority="$PKI/ca.crt" --embed-certs=true >/dev/null
  "${k[@]}" config set-credentials "$1" --client-certificate="$PKI/$2.crt" \
    --client-key="$PKI/$2.key" --embed-certs=true >/dev/null
  "${k[@]}" config set-context podkit --cluster=podkit --user="$1" >/dev/null
  "${k[@]}" config use-context podkit >/dev/null
  chmod 600 "$f"
}

make_pki() {
  rm -rf "$PKI" "$S/kubeconfigs"
  mkdir -p "$PKI" "$S/kubeconfigs"
  chmod 700 "$PKI"
  ca ca podkit-test-cluster-ca
  # Request-header authentication (aggregated APIs) has its own CA, as kubeadm sets it up;
  # without it controller-manager and scheduler keep logging a missing CA bundle.
  ca front-proxy-ca podkit-test-front-proxy-ca
  cert front-proxy-client front-proxy-client "" clientAuth "" front-proxy-ca
  cert apiserver kube-apiserver "" serverAuth \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$SERVICE_IP,IP:$ADVERTISE_ADDR"
  # The apiserver's identity towards kubelets (logs, exec, port-forward).
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters clientAuth
  cert admin kubernetes-admin system:masters clientAuth
  cert controller-manager system:kube-controller-manager "" clientAuth
  cert scheduler system:kube-scheduler "" clientAuth
  cert kubelet "system:node:$NODE_NAME" system:nodes clientAuth
  # Signed by the CA so the apiserver can verify the kubelet it streams logs and exec from.
  cert kubelet-serving "$NODE_NAME" "" serverAuth "IP:127.0.0.1,DNS:localhost"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key.ec" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$PKI/sa.key.ec" -out "$PKI/sa.key"
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  rm -f "$PKI/sa.key.ec"
  chmod 600 "$PKI"/*.key

  kubeconfig admin admin
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler
  kubeconfig kubelet kubelet
  install -m 600 "$S/kubeconfigs/admin.kubeconfig" "$S/kubeconfig"
}
