# Gifsmith: the two commands of README.md, plus helpers.
SWIFT ?= swift
RELEASE_BIN = .build/release/gifsmith

.PHONY: all build demo test bench sample clean

all: build

build:
	scripts/bootstrap.sh
	$(SWIFT) build -c release --product gifsmith

# Converts the bundled sample clip and probes it.
demo: build
	mkdir -p out
	$(RELEASE_BIN) probe Samples/sample.mp4
	$(RELEASE_BIN) convert Samples/sample.mp4 -o out/sample.gif --width 480 --fps 15
	@ls -l out/sample.gif

test:
	scripts/bootstrap.sh --test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Speed and quality against FFmpeg on the same clips (see Benchmarks/README.md).
bench: build
	scripts/bootstrap.sh --test
	Benchmarks/run.sh

# Regenerates Samples/sample.mp4 (needs ffmpeg and Pillow); the result is committed.
sample:
	scripts/bootstrap.sh --test
	Samples/make-sample.sh

clean:
	rm -rf .build out
