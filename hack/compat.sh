#!/usr/bin/env bash
# Checks the promises the runtime module makes to the projects that adopt it:
#
#  1. adoption: a module that requires controller-runtime at the oldest
#     supported version (and k8s.io at the matching one) and starts a
#     manager, as kubebuilder's cmd/main.go does, can require the runtime
#     without any version in its module graph moving (go list -m all after
#     go mod tidy is the same but for the runtime itself), its go directive
#     included, and without the generator's dependencies joining the graph;
#     and a module at those versions that serves gRPC (imports grpc) can
#     add runtime/conflict/conflictgrpc with nothing in its graph moving
#     or joining;
#  2. range: the runtime and the examples' generated code (with their API
#     types and tests, and the kubebuilder sample) build, vet and pass
#     their tests against the oldest and the newest supported
#     controller-runtime and k8s.io.
#
# The oldest versions are the runtime's own requirements (runtime/go.mod);
# the newest are the examples module's (examples/go.mod). Everything runs
# in temporary modules; the repository is not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
GO=${GO:-go}

modver() { # modver <go.mod dir> <module>: the version that go.mod requires
	(cd "$1" && $GO list -m -f '{{.Version}}' "$2")
}
oldest_cr=$(modver runtime sigs.k8s.io/controller-runtime)
oldest_k8s=$(modver runtime k8s.io/apimachinery)
newest_cr=$(modver examples sigs.k8s.io/controller-runtime)
newest_k8s=$(modver examples k8s.io/apimachinery)
runtime_go=$(cd runtime && $GO mod edit -json | sed -n 's/^\t"Go": "\(.*\)",$/\1/p')

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

pins() { # pins <controller-runtime version> <k8s.io version>
	$GO mod edit \
		-require=sigs.k8s.io/controller-runtime@"$1" \
		-require=k8s.io/api@"$2" \
		-require=k8s.io/apimachinery@"$2" \
		-require=k8s.io/client-go@"$2"
}

# 1. Adoption: an operator's module at the oldest versions adds the runtime.
echo "== adoption: controller-runtime $oldest_cr, k8s.io $oldest_k8s, go $runtime_go, then require the runtime"
mkdir "$tmp/adopter"
cd "$tmp/adopter"
$GO mod init example.com/adopter >/dev/null 2>&1
$GO mod edit -go="$runtime_go"
pins "$oldest_cr" "$oldest_k8s"
# main.go as kubebuilder's cmd/main.go starts: a manager.
cat >main.go <<'GO'
package main

import ctrl "sigs.k8s.io/controller-runtime"

func main() { _ = ctrl.NewManager }
GO
$GO mod tidy
before=$($GO list -m all)
cat >main.go <<'GO'
package main

import (
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

func main() { _, _ = ctrl.NewManager, conflict.WithReader }
GO
$GO mod edit -require=github.com/conflict-gen/conflict-gen/runtime@v0.0.0 \
	-replace=github.com/conflict-gen/conflict-gen/runtime="$repo/runtime"
$GO mod tidy
after=$($GO list -m all)
fail=0
for m in go sigs.k8s.io/controller-runtime k8s.io/api k8s.io/apimachinery k8s.io/client-go; do
	if [ "$m" = go ]; then
		b=$runtime_go a=$($GO mod edit -json | sed -n 's/^\t"Go": "\(.*\)",$/\1/p')
	else
		b=$(echo "$before" | awk -v m="$m" '$1 == m {print $2}')
		a=$(echo "$after" | awk -v m="$m" '$1 == m {print $2}')
	fi
	if [ "$a" != "$b" ]; then
		echo "FAIL: requiring the runtime moved $m from $b to $a"
		fail=1
	else
		echo "ok: $m stays at $a"
	fi
done
moved=$(diff <(echo "$before") <(echo "$after") | sed -n 's/^> //p' | grep -v '^github.com/conflict-gen/conflict-gen/runtime ' || true)
if [ -n "$moved" ]; then
	echo "FAIL: requiring the runtime added or moved modules:"
	echo "$moved"
	fail=1
fi
# The generator's own dependencies, which the root module requires.
for m in github.com/conflict-gen/conflict-gen sigs.k8s.io/controller-tools github.com/dave/jennifer; do
	if echo "$after" | grep -q "^$m "; then
		echo "FAIL: $m is in the adopter's module graph"
		fail=1
	fi
done
$GO build ./...
[ "$fail" = 0 ] || exit 1

# 1b. An adopter that serves gRPC (imports grpc) adds conflictgrpc: no
# module in its graph moves or joins. (Importing grpc at all loads grpc's
# own requirements into the graph, with or without conflictgrpc.)
echo "== adoption: controller-runtime $oldest_cr and grpc, then conflictgrpc"
mkdir "$tmp/grpc-adopter"
cd "$tmp/grpc-adopter"
$GO mod init example.com/adopter >/dev/null 2>&1
$GO mod edit -go="$runtime_go"
pins "$oldest_cr" "$oldest_k8s"
cat >main.go <<'GO'
package main

import (
	"google.golang.org/grpc"
	ctrl "sigs.k8s.io/controller-runtime"
)

func main() { _, _ = ctrl.NewManager, grpc.NewServer }
GO
$GO mod tidy
before=$($GO list -m all)
cat >main.go <<'GO'
package main

import (
	"google.golang.org/grpc"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

func main() { _, _, _ = ctrl.NewManager, grpc.NewServer, conflictgrpc.UnaryServerInterceptor }
GO
$GO mod edit -require=github.com/conflict-gen/conflict-gen/runtime@v0.0.0 \
	-replace=github.com/conflict-gen/conflict-gen/runtime="$repo/runtime"
$GO mod tidy
after=$($GO list -m all)
moved=$(diff <(echo "$before") <(echo "$after") | sed -n 's/^> //p' | grep -v '^github.com/conflict-gen/conflict-gen/runtime ' || true)
if [ -n "$moved" ]; then
	echo "FAIL: requiring conflictgrpc added or moved modules:"
	echo "$moved"
	exit 1
fi
echo "ok: grpc stays at $(echo "$after" | awk '$1 == "google.golang.org/grpc" {print $2}'), nothing added or moved"
$GO build ./...

# 2. Range: the runtime and the generated examples, oldest and newest.
for pair in "$oldest_cr $oldest_k8s" "$newest_cr $newest_k8s"; do
	set -- $pair
	echo "== runtime, examples/zz_generated and examples/kubebuilder against controller-runtime $1, k8s.io $2"
	dir="$tmp/range-$1"
	mkdir -p "$dir/runtime" "$dir/examples"
	cp -R "$repo/runtime/conflict" "$dir/runtime/"
	cp -R "$repo/examples/api" "$repo/examples/config" "$repo/examples/zz_generated" "$repo/examples/kubebuilder" "$dir/examples/"
	cd "$dir"
	$GO mod init github.com/conflict-gen/conflict-gen >/dev/null 2>&1
	$GO mod edit -go="$runtime_go"
	pins "$1" "$2"
	$GO mod tidy
	for m in sigs.k8s.io/controller-runtime k8s.io/api k8s.io/apimachinery k8s.io/client-go; do
		want=$2
		[ "$m" = sigs.k8s.io/controller-runtime ] && want=$1
		got=$($GO list -m -f '{{.Version}}' "$m")
		if [ "$got" != "$want" ]; then
			echo "FAIL: $m resolved to $got, not $want"
			exit 1
		fi
	done
	$GO build ./...
	$GO vet ./...
	$GO test ./...
done
echo "compatible: controller-runtime $oldest_cr..$newest_cr, k8s.io $oldest_k8s..$newest_k8s, go $runtime_go"
