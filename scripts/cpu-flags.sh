#!/bin/sh
# Prints the swift build flags that let release builds use this machine's vector instructions:
# the AVX2 generation (x86-64-v3: AVX2, BMI1/2, FMA, F16C, LZCNT, MOVBE; "haswell" is LLVM's name
# for that set) when the CPU has all of it, nothing otherwise. Every kernel is integer
# arithmetic, so the bytes are the same either way; only the speed differs (Benchmarks/README.md).
# The binary then needs such a CPU: set GIFSMITH_PORTABLE=1 to build one that runs anywhere.
[ -n "$GIFSMITH_PORTABLE" ] && exit 0
[ "$(uname -m)" = x86_64 ] || exit 0
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null) || exit 0
for f in avx2 bmi1 bmi2 fma f16c abm movbe; do
    case " $flags " in *" $f "*) ;; *) exit 0 ;; esac
done
echo "-Xswiftc -target-cpu -Xswiftc haswell"
