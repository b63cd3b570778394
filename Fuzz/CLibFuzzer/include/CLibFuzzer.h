// libFuzzer's library entry point (compiler-rt `FuzzerInterface.h` / "Using libFuzzer as a library"):
// the fuzz targets define their own `main` (SwiftPM links it as `<Module>_main`) and hand control to it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
