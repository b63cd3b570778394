// The C shim over CLD2's C++ API (compact_lang_det.h): ExtDetectLanguageSummaryCheckUTF8 with no hints.
#include "ccld2.h"

#include <cstdio>
#include <cld2/public/encodings.h>
#include <cld2/public/compact_lang_det.h>
#include <cstring>

namespace CLD2 {
const char *LanguageCode(Language lang);  // internal/lang_script.h, exported by libcld2
}

extern "C" void ccld2_detect(const char *text, int length, ccld2_result *out) {
    std::memset(out, 0, sizeof(*out));
    for (int i = 0; i < 3; i++) std::strcpy(out->codes[i], "un");
    if (text == nullptr || length <= 0) return;
    CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language languages[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE};
    int percents[3] = {0, 0, 0};
    double scores[3] = {0, 0, 0};
    int textBytes = 0, validPrefix = 0;
    bool reliable = false;
    try {
        CLD2::ExtDetectLanguageSummaryCheckUTF8(text, length, true, &hints, CLD2::kCLDFlagBestEffort, languages, percents, scores,
                                               nullptr, &textBytes, &reliable, &validPrefix);
    } catch (...) {
        return;
    }
    for (int i = 0; i < 3; i++) {
        const char *code = CLD2::LanguageCode(languages[i]);
        if (code != nullptr) {
            std::strncpy(out->codes[i], code, sizeof(out->codes[i]) - 1);
            out->codes[i][sizeof(out->codes[i]) - 1] = 0;
        }
        out->percents[i] = percents[i];
        out->normalizedScores[i] = scores[i];
    }
    out->textBytes = textBytes;
    out->reliable = reliable ? 1 : 0;
    out->validPrefixBytes = validPrefix;
}

extern "C" const char *ccld2_version(void) { return CLD2::DetectLanguageVersion(); }
