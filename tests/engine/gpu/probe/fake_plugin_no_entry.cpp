// A loadable module without the plugin entry symbol: "not a Batchscope GPU plugin".
extern "C" __attribute__((visibility("default"))) int batchscope_something_else() { return 42; }
