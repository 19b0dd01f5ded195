# Kangqiao — two commands do all the set-up:
#   make run    install missing Debian packages, build, generate dev certificates, start the gateway
#   make test   install missing Debian packages, build, run every test
# Other targets: make build, make bench, make certs, make clean.

BUILD_DIR ?= build
CONFIG    ?= config/kangqiao.yaml
CMAKE_BUILD_TYPE ?= RelWithDebInfo
# CI sets CI=true: warnings become errors there.
ifeq ($(CI),true)
WERROR := ON
else
WERROR ?= OFF
endif
JOBS ?= $(shell nproc)
# ccache (used when installed) shares objects between build folders and clones: paths under the
# checkout are hashed relative to it, and the working directory is left out of the hash.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps configure build run test bench certs clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) -DKQ_WERROR=$(WERROR)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

certs: deps
	@./certs/gen-dev-certs.sh

# Only the daemon and its plugins: a first `make run` does not wait for the test suite to compile.
run: configure certs
	cmake --build $(BUILD_DIR) -j $(JOBS) --target kq_runnable
	@mkdir -p var
	$(BUILD_DIR)/bin/kangqiao run --config $(CONFIG)

test: build certs
	./scripts/run-tests.sh $(BUILD_DIR)

bench: build
	./scripts/run-bench.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
