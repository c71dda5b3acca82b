# conflict-gen's build. Every tool comes from the Go module proxy at the
# version pinned in go.mod (controller-gen is a `tool` dependency).

GO ?= go
CONTROLLER_GEN ?= $(GO) tool controller-gen
CONFLICT_GEN ?= $(GO) run ./cmd/conflict-gen
HEADER := hack/boilerplate.go.txt

.PHONY: all generate verify test test-unit compat lint bench bench-generate demo proto help

all: generate test

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# The kubebuilder sample generates as the README tells a kubebuilder project
# to: next to its types, and a k8s.io/api kind into its own module.
KUBEBUILDER_CONFLICT_FLAGS := --go-header-file $(HEADER) ./examples/kubebuilder/api/...
KUBEBUILDER_CORE_FLAGS := --go-header-file $(HEADER) --output-dir examples/kubebuilder/internal/conflict --kinds ConfigMap k8s.io/api/core/v1
# A built-in kind with immutable fields, for server-side apply on the full
# kube-apiserver (test/kube).
APPS_FLAGS := --go-header-file $(HEADER) --output-dir test/kube/zz_generated --kinds StatefulSet k8s.io/api/apps/v1
# A built-in kind the API server fills in (clusterIP, a port's protocol and
# targetPort), for the no-op apply on the full kube-apiserver (test/kube).
SERVICE_FLAGS := --go-header-file $(HEADER) --output-dir test/kube/zz_generated --kinds Service k8s.io/api/core/v1

generate: ## Generate deepcopy and CRDs (controller-gen) and the conflict helpers for examples/api and examples/kubebuilder.
	$(CONTROLLER_GEN) object:headerFile=$(HEADER) paths=./examples/api/...
	$(CONTROLLER_GEN) crd paths=./examples/api/... output:crd:artifacts:config=examples/config/crd
	$(CONFLICT_GEN) --go-header-file $(HEADER) --output-dir examples/zz_generated ./examples/api/...
	$(CONTROLLER_GEN) object:headerFile=$(HEADER) paths=./examples/kubebuilder/api/...
	$(CONTROLLER_GEN) crd paths=./examples/kubebuilder/api/... output:crd:artifacts:config=examples/kubebuilder/config/crd/bases
	$(CONFLICT_GEN) $(KUBEBUILDER_CONFLICT_FLAGS)
	$(CONFLICT_GEN) $(KUBEBUILDER_CORE_FLAGS)
	$(CONFLICT_GEN) $(APPS_FLAGS)
	$(CONFLICT_GEN) $(SERVICE_FLAGS)

# The homelab's gRPC code is checked in: generating it needs protoc
# (Debian: apt-get install protobuf-compiler), which CI does not have, so
# neither generate nor verify runs it. The plugins are built at pinned
# versions into a temporary directory.
PROTOC_GEN_GO := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.8
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1

proto: ## Regenerate examples/homelab/providerpb from its .proto (needs protoc).
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	GOBIN="$$tmp" $(GO) install $(PROTOC_GEN_GO) && GOBIN="$$tmp" $(GO) install $(PROTOC_GEN_GO_GRPC) && \
	cd examples/homelab/providerpb && \
	protoc --plugin=protoc-gen-go="$$tmp/protoc-gen-go" --plugin=protoc-gen-go-grpc="$$tmp/protoc-gen-go-grpc" \
		--go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative provider.proto

verify: ## Fail if anything generated is stale.
	$(CONFLICT_GEN) --verify --go-header-file $(HEADER) --output-dir examples/zz_generated ./examples/api/...
	$(CONFLICT_GEN) --verify $(KUBEBUILDER_CONFLICT_FLAGS)
	$(CONFLICT_GEN) --verify $(KUBEBUILDER_CORE_FLAGS)
	$(CONFLICT_GEN) --verify $(APPS_FLAGS)
	$(CONFLICT_GEN) --verify $(SERVICE_FLAGS)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -R go.mod go.sum Makefile hack cmd generator templates runtime examples "$$tmp"/ && \
	$(MAKE) --no-print-directory -C "$$tmp" generate >/dev/null && \
	diff -r examples "$$tmp/examples" && echo "generated files are up to date"

lint: ## gofmt and go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd runtime && $(GO) vet ./...
	cd test && $(GO) vet ./...

test-unit: ## Tests of the root module and of the runtime module (unit, golden, fake client; with -race) and of test/ (real API server, wild API packages).
	$(GO) test -race -timeout 30m ./...
	cd runtime && $(GO) test -race ./...
	cd test && $(GO) test ./...

compat: ## The runtime and the generated examples against the oldest and newest supported controller-runtime; adopting the runtime moves no version.
	./hack/compat.sh

test: lint verify test-unit compat ## Everything CI runs.

demo: ## Start a real API server and run the homelab autoscaler's hot path, hand-written vs generated; then lose answers: the seed's in-memory deduplication vs request IDs.
	cd test && $(GO) run ./cmd/demo

bench: ## Benchmarks: the merge micro-benchmarks, then every update strategy on the real API server (one table).
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd test && $(GO) run ./cmd/bench

bench-generate: ## Time conflict-gen against controller-gen object on cluster-api core/v1beta2, side by side (RUNS=5).
	./hack/bench-generate.sh
