// Declarations only (see include/CLibFuzzer.h); the definition is libFuzzer's, linked by -sanitize=fuzzer.
#include "CLibFuzzer.h"
