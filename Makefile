# Gifsmith: the two commands of README.md, plus helpers.
SWIFT ?= swift
SHELL := /bin/bash
RELEASE_BIN = .build/release/gifsmith
# This machine's vector instructions for release builds, when it has the AVX2 set (see the script).
CPU_FLAGS := $(shell scripts/cpu-flags.sh)

# The CPU==Vulkan tests run on Mesa's lavapipe (no GPU needed), once per SIMD width so that
# different subgroup sizes are covered.
LAVAPIPE = VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json

.PHONY: all build demo test validate bench bench-equal sample clean

all: build

build:
	scripts/bootstrap.sh
	$(SWIFT) build -c release --product gifsmith $(CPU_FLAGS)

# Converts the bundled sample clip and probes it.
demo: build
	mkdir -p out
	$(RELEASE_BIN) probe Samples/sample.mp4
	$(RELEASE_BIN) convert Samples/sample.mp4 -o out/sample.gif --width 480 --fps 15
	@ls -l out/sample.gif

test:
	scripts/bootstrap.sh --test
	$(SWIFT) build --build-tests
	$(LAVAPIPE) LP_NATIVE_VECTOR_WIDTH=256 $(SWIFT) test --skip-build
	$(LAVAPIPE) LP_NATIVE_VECTOR_WIDTH=128 $(SWIFT) test --skip-build --filter "GifsmithVulkanTests|BackendTests"

# The Vulkan tests under the Khronos validation layer: any message it prints fails the run.
validate:
	scripts/bootstrap.sh --validate
	$(SWIFT) build --build-tests
	set -o pipefail; $(LAVAPIPE) VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation $(SWIFT) test --skip-build --filter "GifsmithVulkanTests|BackendTests" 2>&1 | tee .build/validate.log
	@! grep -E "Validation (Error|Warning)" .build/validate.log

# Speed and quality against FFmpeg on the same clips (see Benchmarks/README.md).
bench: build
	scripts/bootstrap.sh --test
	Benchmarks/run.sh

# Quality at equal bytes against FFmpeg, gifsicle --lossy and ImageMagick (see Benchmarks/README.md).
bench-equal: build
	scripts/bootstrap.sh --test
	Benchmarks/equal-bytes.sh

# Regenerates Samples/sample.mp4 (needs ffmpeg and Pillow); the result is committed.
sample:
	scripts/bootstrap.sh --test
	Samples/make-sample.sh

clean:
	rm -rf .build out
