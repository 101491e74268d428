#pragma once
// The serving half of bench_advice (advice_bench.cpp): see serving_bench.cpp.
#include <cstddef>

// Plays the serving scenarios [first, first + count), `segment_s` seconds per measured window,
// each change measured in `rounds` windows per side, alternating with the setting before it;
// prints a Markdown table and the hit rate and median prediction errors. Returns 0.
int run_serving_bench(double segment_s, size_t first, size_t count, int rounds);
