// A stand-in for a CUDA library (libcudart_bs_test_missing.so) that fake_plugin_missing_dep
// links against and then cannot find at run time.
extern "C" __attribute__((visibility("default"))) int bs_missing_cuda_function() { return 1; }
