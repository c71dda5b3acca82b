#!/usr/bin/env bash
# Times conflict-gen against `controller-gen object` on the same package,
# cluster-api's core/v1beta2 (15 kinds), as whole processes, side by side
# in one run: the two alternate, RUNS times each (default 5), after one
# untimed run of each to warm go list's cache. Prints every run and the
# medians.
set -euo pipefail

runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bin=$tmp/bin
mkdir -p "$bin"
(cd "$root" && go build -o "$bin/conflict-gen" ./cmd/conflict-gen &&
	go build -o "$bin/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen)

# A scratch module holding a copy of the package, with the test module's
# dependencies (cluster-api is one of them).
src=$(cd "$root/test" && go list -m -f '{{.Dir}}' sigs.k8s.io/cluster-api/api)/core/v1beta2
mod=$tmp/mod
mkdir -p "$mod/api/v1beta2"
cp "$src"/*.go "$mod/api/v1beta2/"
chmod -R u+w "$mod"
rm -f "$mod"/api/v1beta2/*_test.go "$mod"/api/v1beta2/zz_generated.*.go
sed -e 's|^module .*|module example.com/bench|' -e "s|=> \.\./|=> $root/|" "$root/test/go.mod" >"$mod/go.mod"
cp "$root/test/go.sum" "$mod/go.sum"
cd "$mod"

now() { date +%s%N; }
"$bin/controller-gen" object paths=./api/... >/dev/null
"$bin/conflict-gen" ./api/... >/dev/null

cg=() cf=()
for i in $(seq "$runs"); do
	t0=$(now)
	"$bin/controller-gen" object paths=./api/... >/dev/null
	t1=$(now)
	"$bin/conflict-gen" ./api/... >/dev/null
	t2=$(now)
	cg+=($(((t1 - t0) / 1000000)))
	cf+=($(((t2 - t1) / 1000000)))
	printf 'run %d: controller-gen object %5d ms   conflict-gen %5d ms\n' "$i" "${cg[-1]}" "${cf[-1]}"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mg=$(median "${cg[@]}")
mf=$(median "${cf[@]}")
printf 'median of %d: controller-gen object %d ms, conflict-gen %d ms, ratio %s\n' "$runs" "$mg" "$mf" \
	"$(awk -v a="$mf" -v b="$mg" 'BEGIN {printf "%.2fx", a / b}')"
